import type { SpanBatch } from '../model/span-batch.js';
import type { AppendOptions } from '../store/store.js';

/**
 * What receivers hand to the pipeline: raw bytes plus how to read them. Decoding happens in the
 * ingest worker, next to the store, so the HTTP event loop only moves bytes.
 */
export type IngestPayload =
  | { kind: 'otlp-proto' | 'otlp-json'; body: Uint8Array; dataset?: string }
  /** X-Ray segment documents (JSON text), from UDP datagrams or PutTraceSegments. */
  | { kind: 'xray'; documents: string[] };

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
