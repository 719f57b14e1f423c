/**
 * How long a request admitted now would wait for its commit, from the pipeline's recent throughput: the bytes
 * queued ahead of it divided by the bytes committed per second over the last few seconds, or the age of the
 * oldest request still waiting when that is longer. A request that would wait past the exporter's timeout
 * (OTel: 10 s) is worse than a refusal: the exporter gives up, retries, and the work is done twice. So the
 * pipeline sheds (503/429 + Retry-After) once the expected wait passes `--max-queue-wait`.
 */
/** Completions needed in the window before the rate is trusted. */
const MIN_SAMPLES = 8;
/** Shortest time the rate is measured over, so a few completions close together do not divide by ~0. */
const MIN_SPAN_MS = 250;

export class QueueWait {
  /** Completions over the last `windowMs`: [time, bytes]. */
  private done: [number, number][] = [];
  private doneBytes = 0;
  /** Start times of requests in flight, in arrival order (ids ascend). */
  private pending = new Map<number, number>();

  constructor(private readonly windowMs = 3_000, private readonly now: () => number = () => performance.now()) {}

  started(id: number): void {
    this.pending.set(id, this.now());
  }

  finished(id: number, bytes: number): void {
    this.pending.delete(id);
    const t = this.now();
    this.done.push([t, bytes]);
    this.doneBytes += bytes;
    this.trim(t);
  }

  /** Expected wait (ms) of a request arriving now behind `queuedBytes`. */
  expectedMs(queuedBytes: number): number {
    const t = this.now();
    this.trim(t);
    const oldest = this.pending.values().next();
    const age = oldest.done ? 0 : t - oldest.value;
    if (queuedBytes === 0) return age;
    // Nothing (or too little) committed in the window to tell a rate: the age of the oldest is all we know.
    // A burst at start-up (one request done, 39 queued) must not read as a 30 s queue and be shed.
    if (this.done.length < MIN_SAMPLES) return age;
    const span = Math.max(t - this.done[0]![0], MIN_SPAN_MS);
    return Math.max(age, (queuedBytes / this.doneBytes) * span);
  }

  private trim(t: number): void {
    while (this.done.length > 0 && t - this.done[0]![0] > this.windowMs) this.doneBytes -= this.done.shift()![1];
  }
}
