import type { SpanBatch } from '../model/span-batch.js';

/**
 * The latest instant we store: 2^62 ns after the epoch (year 2116). Sums and differences of such
 * values stay inside a signed 64-bit integer, which every engine's arithmetic on `start_ns` and
 * `duration_ns` relies on (an `endTimeUnixNano` of 2^63-1 once made summaries and the service graph
 * fail with overflow errors for any time range that held it).
 */
export const MAX_TIME_NS = 1n << 62n;

/** Clamps start into [0, MAX_TIME_NS] and duration so the span ends by MAX_TIME_NS, in place. */
export function clampTimes(b: SpanBatch): void {
  for (let r = 0; r < b.length; r++) {
    let start = b.startNs[r]!;
    if (start < 0n) start = b.startNs[r] = 0n;
    else if (start > MAX_TIME_NS) start = b.startNs[r] = MAX_TIME_NS;
    const dur = b.durationNs[r]!;
    if (dur < 0n) b.durationNs[r] = 0n;
    else if (dur > MAX_TIME_NS - start) b.durationNs[r] = MAX_TIME_NS - start;
  }
}
