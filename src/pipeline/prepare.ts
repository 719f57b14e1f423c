import { clampTimes } from './clamp-times.js';
import type { Decoded } from './payload.js';

/**
 * The one place every decoded batch passes before it is appended, whichever thread decoded it (the decode
 * worker for stateless protocols, the ingest worker for X-Ray): steps on a decoded batch go here.
 */
export function prepareDecoded(d: Decoded): Decoded {
  clampTimes(d.batch);
  return d;
}
