import type { IngestPayload } from './payload.js';

/** Messages between the main thread and the ingest worker (which owns the store). */
export type ToWorker =
  | { t: 'ingest'; id: number; payload: IngestPayload }
  | { t: 'call'; id: number; method: string; args: unknown[] }
  /** The caller of call `id` went away (its HTTP client disconnected): stop its engine query. */
  | { t: 'cancel'; id: number }
  | { t: 'close'; id: number };

export type FromWorker =
  /** `engine` names the store's engine: the main thread looks its Dialect up by it (store/dialects.ts). */
  | { t: 'ready'; engine: string }
  | { t: 'fatal'; message: string }
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: { name: string; message: string } };

/** Store methods the main thread may call through the worker (everything but append). */
export const PROXIED_METHODS = [
  'getTrace', 'getTraceColumns', 'getTraceSkeleton', 'getTracesColumns', 'getTraces', 'searchTraces', 'traceSummaries', 'services', 'operations', 'columns', 'select',
  'putMeta', 'getMeta', 'listMeta', 'deleteMeta', 'stats', 'checkpoint',
] as const;
