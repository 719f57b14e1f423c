import type { MessagePort } from 'node:worker_threads';
import type { PackedDecoded } from './batch-transfer.js';
import type { IngestPayload } from './payload.js';

/** Messages between the main thread and the ingest worker (which owns the store). */
export type ToWorker =
  | { t: 'ingest'; id: number; payload: IngestPayload }
  | { t: 'call'; id: number; method: string; args: unknown[] }
  /** The caller of call `id` went away (its HTTP client disconnected): stop its engine query. */
  | { t: 'cancel'; id: number }
  | { t: 'close'; id: number }
  /** The decode worker's channel: decoded payloads arrive on it as `DecodedToWorker`. */
  | { t: 'decoder'; id: number; port: MessagePort };

/** Main thread -> decode worker: a stateless protocol's payload (body transferred). */
export interface ToDecoder { t: 'decode'; id: number; payload: IngestPayload }

/** Ingest worker -> decode worker: first the codecs' states restored from the store (app/decode-payload.ts), then commits. */
export type WorkerToDecoder =
  | { t: 'states'; states: unknown[] }
  /** A decoded payload of `spans` spans was committed (or failed): the decode worker may run further ahead. */
  | { t: 'done'; spans: number };

/** Decode worker -> ingest worker: the payload of main-thread request `id`, decoded; answered to the main thread by `id`. */
export interface DecodedToWorker { t: 'decoded'; id: number; packed: PackedDecoded; spans: number }

export type FromWorker =
  /** `engine` names the store's engine: the main thread looks its Dialect up by it (store/dialects.ts). */
  | { t: 'ready'; engine: string }
  | { t: 'fatal'; message: string }
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: { name: string; message: string } };

/** Store methods the main thread may call through the worker (everything but append). */
export const PROXIED_METHODS = [
  'getTrace', 'getTraceColumns', 'getJaegerTrace', 'getTraceSkeleton', 'getTracesColumns', 'getTraces', 'searchTraces', 'traceSummaries', 'services', 'operations', 'columns', 'select',
  'putMeta', 'getMeta', 'listMeta', 'deleteMeta', 'stats', 'checkpoint',
] as const;
