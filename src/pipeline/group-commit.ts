import type { Store } from '../store/store.js';
import { type Decoded, type Decoder, type IngestPayload, type IngestResult, PayloadError } from './payload.js';

interface Pending {
  payload: IngestPayload;
  resolve: (r: IngestResult) => void;
}

/**
 * Group commit: payloads that arrive while a transaction is being written wait, then all of them
 * are decoded and appended together in the next transaction. Each caller is answered only after
 * the transaction holding its spans has committed.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private running = false;
  private idle: (() => void)[] = [];
  commits = 0;
  spans = 0;

  constructor(
    private readonly store: Store,
    private readonly decode: Decoder,
    private readonly maxSpansPerCommit = 50_000,
  ) {}

  submit(payload: IngestPayload): Promise<IngestResult> {
    return new Promise((resolve) => {
      this.queue.push({ payload, resolve });
      if (!this.running) void this.drain();
    });
  }

  /** Resolves when everything submitted so far is committed. */
  flushed(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const group: { p: Pending; d: Decoded }[] = [];
      let spans = 0;
      while (this.queue.length > 0 && spans < this.maxSpansPerCommit) {
        const p = this.queue.shift()!;
        try {
          const d = this.decode(p.payload);
          group.push({ p, d });
          spans += d.batch.length;
        } catch (err) {
          const message = err instanceof PayloadError || (err as Error)?.name?.endsWith('ParseError') ? (err as Error).message : `failed to decode: ${String(err)}`;
          p.resolve({ ok: false, reason: 'parse', message });
        }
      }
      if (group.length === 0) continue;
      try {
        const replace = group.flatMap((g) => g.d.append?.replaceDocuments ?? []);
        const assign = group.flatMap((g) => g.d.append?.assignDatasets ?? []);
        await this.store.append(group.map((g) => g.d.batch), { replaceDocuments: replace, assignDatasets: assign });
        this.commits++;
        this.spans += spans;
        for (const { p, d } of group) {
          p.resolve({ ok: true, accepted: d.batch.length, rejected: d.rejected, message: d.message, rejectedDocuments: d.rejectedDocuments });
        }
      } catch (err) {
        for (const { p } of group) p.resolve({ ok: false, reason: 'unavailable', message: `storage error: ${(err as Error).message}` });
      }
    }
    this.running = false;
    for (const r of this.idle.splice(0)) r();
  }
}
