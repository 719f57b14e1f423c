import type { Decoded, IngestPayload } from '../pipeline/payload.js';
import { PayloadError } from '../pipeline/payload.js';
import type { Store } from '../store/store.js';

/** Turns one payload into a batch; throws a `PayloadError` for an unreadable one. */
export type Decode = (p: IngestPayload) => Decoded;

/**
 * A protocol's worker-side registration: the payload kinds its pure decoder reads. Listed in `codecs.ts`;
 * the ingest worker looks payloads up here by `kind`, so adding a protocol changes no union anywhere.
 */
export interface Codec<S = unknown> {
  kinds: readonly string[];
  /** State a previous run left in the store (read once when the worker starts; a failure is logged, not fatal). */
  restore?(store: Store): Promise<S>;
  /** The decoder, seeded with the restored state when there is one. */
  create(state?: S): Decode;
}

/** The payload's bytes, or a PayloadError naming the kind (a receiver bug, but never a crash). */
export function bodyOf(p: IngestPayload): Uint8Array {
  if (!p.body) throw new PayloadError(`${p.kind} payload without a body`);
  return p.body;
}
