import type { SpanBatch } from '../model/span-batch.js';
import type { AppendOptions } from '../store/store.js';

/**
 * What receivers hand to the pipeline: raw bytes plus how to read them. Decoding happens in the
 * ingest worker, next to the store, so the HTTP event loop only moves bytes. `kind` names a codec
 * registered in `receivers/codecs.ts` (e.g. `otlp-proto`, `xray`, `zipkin-json`); the union is open so
 * a new protocol needs no change here.
 */
export interface IngestPayload {
  kind: string;
  /** Raw bytes, handed to the worker without a copy. */
  body?: Uint8Array;
  /** Text documents, for protocols that arrive as many small texts (X-Ray segment documents). */
  documents?: string[];
  /** Honeycomb dataset chosen by the request (`x-honeycomb-dataset`, `/1/batch/{dataset}`). */
  dataset?: string;
  /** Request details the codec needs (e.g. the Events API's sample rate and event time headers). */
  params?: Record<string, string | number | undefined>;
}

export type IngestResult =
  | { ok: true; accepted: number; rejected: number; message?: string; rejectedDocuments?: RejectedDocument[] }
  | { ok: false; reason: 'parse' | 'unavailable'; message: string };

export interface RejectedDocument {
  id: string;
  errorCode: string;
  message: string;
}

/** A decoded payload, ready to append. */
export interface Decoded {
  batch: SpanBatch;
  rejected: number;
  message?: string;
  rejectedDocuments?: RejectedDocument[];
  append?: AppendOptions;
}

/** Turns a payload into a batch; throws a `PayloadError` for an unreadable one. */
export type Decoder = (payload: IngestPayload) => Decoded;

export class PayloadError extends Error {
  override name = 'PayloadError';
}

/** How a payload that failed to decode is answered (a codec's own message, never an engine's). */
export function decodeError(err: unknown): IngestResult {
  const e = err as Error;
  const known = e instanceof PayloadError || e?.name?.endsWith('ParseError');
  return { ok: false, reason: 'parse', message: known ? e.message : `failed to decode: ${String(e)}` };
}
