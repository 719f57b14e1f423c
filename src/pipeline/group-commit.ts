import type { Store } from '../store/store.js';
import { type Decoded, type Decoder, type IngestPayload, type IngestResult, PayloadError } from './payload.js';

interface Pending {
  payload: IngestPayload;
  resolve: (r: IngestResult) => void;
}

/**
 * Group commit: payloads that arrive while the store is busy wait, then all of them are decoded
 * and appended together in the next transaction. Each caller is answered only after the transaction
 * holding its spans has committed. With an engine that has `ready()`, the next group is formed as
 * soon as the engine can take it, so its appends overlap the previous group's commit.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private draining = false;
  private inflight = new Set<Promise<void>>();
  private idle: (() => void)[] = [];
  commits = 0;
  spans = 0;

  constructor(
    private readonly store: Pick<Store, 'append' | 'ready'>,
    private readonly decode: Decoder,
    private readonly maxSpansPerCommit = 50_000,
  ) {}

  submit(payload: IngestPayload): Promise<IngestResult> {
    return new Promise((resolve) => {
      this.queue.push({ payload, resolve });
      if (!this.draining) void this.drain();
    });
  }

  /** Resolves when everything submitted so far is committed. */
  flushed(): Promise<void> {
    if (!this.draining && this.queue.length === 0 && this.inflight.size === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length > 0) {
      if (this.store.ready) await this.store.ready();
      const group = this.takeGroup();
      if (group.length === 0) continue;
      const done = this.commit(group);
      this.inflight.add(done);
      void done.finally(() => {
        this.inflight.delete(done);
        this.maybeIdle();
      });
      if (!this.store.ready) await done;
    }
    this.draining = false;
    this.maybeIdle();
  }

  private takeGroup(): { p: Pending; d: Decoded }[] {
    const group: { p: Pending; d: Decoded }[] = [];
    let spans = 0;
    while (this.queue.length > 0 && spans < this.maxSpansPerCommit) {
      const p = this.queue.shift()!;
      try {
        const d = this.decode(p.payload);
        group.push({ p, d });
        spans += d.batch.length;
      } catch (err) {
        const e = err as Error;
        const known = err instanceof PayloadError || e?.name?.endsWith('ParseError');
        p.resolve({ ok: false, reason: 'parse', message: known ? e.message : `failed to decode: ${String(err)}` });
      }
    }
    return group;
  }

  private async commit(group: { p: Pending; d: Decoded }[]): Promise<void> {
    try {
      const replace = group.flatMap((g) => g.d.append?.replaceDocuments ?? []);
      const assign = group.flatMap((g) => g.d.append?.assignDatasets ?? []);
      const r = await this.store.append(group.map((g) => g.d.batch), { replaceDocuments: replace, assignDatasets: assign });
      this.commits++;
      this.spans += r.spans;
      for (const { p, d } of group) {
        p.resolve({ ok: true, accepted: d.batch.length, rejected: d.rejected, message: d.message, rejectedDocuments: d.rejectedDocuments });
      }
    } catch (err) {
      for (const { p } of group) p.resolve({ ok: false, reason: 'unavailable', message: `storage error: ${(err as Error).message}` });
    }
  }

  private maybeIdle(): void {
    if (this.draining || this.queue.length > 0 || this.inflight.size > 0) return;
    for (const r of this.idle.splice(0)) r();
  }
}
