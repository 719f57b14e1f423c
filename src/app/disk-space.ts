import { mkdirSync, statfsSync } from 'node:fs';

/** How often free space is looked at: statfs is cheap, but not per request. */
const CHECK_EVERY_MS = 2_000;

/**
 * The low-disk watermark (`--min-free-disk`): below it ingest is shed with the protocols' retry signals
 * (503 + Retry-After, gRPC UNAVAILABLE, X-Ray throttling) before the disk fills and a commit fails half way.
 * Exporters retry, so nothing accepted is lost and ingest resumes once retention or an operator frees space.
 */
export class DiskSpace {
  private freeBytes = Number.POSITIVE_INFINITY;
  private totalBytes = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly dir: string | null, readonly minFreeBytes: number) {
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    this.check();
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  /** True when ingest must wait for space. */
  low(): boolean {
    return this.minFreeBytes > 0 && this.freeBytes < this.minFreeBytes;
  }

  stats(): { freeBytes: number | null; totalBytes: number | null; minFreeBytes: number; low: boolean } {
    const known = Number.isFinite(this.freeBytes);
    return { freeBytes: known ? this.freeBytes : null, totalBytes: known ? this.totalBytes : null, minFreeBytes: this.minFreeBytes, low: this.low() };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private check(): void {
    try {
      const s = statfsSync(this.dir!);
      this.freeBytes = Number(s.bavail) * Number(s.bsize);
      this.totalBytes = Number(s.blocks) * Number(s.bsize);
    } catch {
      // A statfs failure (the directory vanished) must not stop ingest: keep the last value.
    }
  }
}
