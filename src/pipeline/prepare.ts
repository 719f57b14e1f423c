import { clampTimes } from './clamp-times.js';
import type { Decoded } from './payload.js';

/**
 * The one place every decoded batch passes before it is appended, whichever thread decoded it (the decode
 * worker, or the ingest worker for payloads that reach it undecoded): steps on a decoded batch go here.
 * Steps that need settings (the span limits) are applied by the decoder itself (`decoderFrom`).
 */
export function prepareDecoded(d: Decoded): Decoded {
  clampTimes(d.batch);
  return d;
}
