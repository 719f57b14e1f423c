import type { Store } from '../store/store.js';
import { touchesEarlierMembers } from './group-conflicts.js';
import { type Decoded, type Decoder, type IngestPayload, type IngestResult, decodeError } from './payload.js';
import { prepareDecoded } from './prepare.js';

interface Pending {
  /** Null when it arrived decoded (`submitDecoded`). */
  payload: IngestPayload | null;
  resolve: (r: IngestResult) => void;
  /** Decoded before its group (by the decode worker, or ahead: see `decodeAhead`), or the decode error. */
  decoded?: { d: Decoded } | { err: unknown };
}

type Member = { p: Pending; d: Decoded };

/**
 * Group commit: payloads that arrive while the store is busy wait, then all of them are decoded
 * and appended together in the next transaction. Each caller is answered only after the transaction
 * holding its spans has committed. With an engine that has `ready()`, the next group is formed as
 * soon as the engine can take it, so its appends overlap the previous group's commit.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  /** A decoded payload that must open the next group (it replaces rows an earlier member of this one writes). */
  private carried: Member | null = null;
  private draining = false;
  private inflight = new Set<Promise<void>>();
  private idle: (() => void)[] = [];
  /** Spans of queued payloads already decoded (see `decodeAhead`), and whether a decode is scheduled. */
  private ahead = { spans: 0, scheduled: false };
  commits = 0;
  spans = 0;

  constructor(
    private readonly store: Pick<Store, 'append' | 'ready'>,
    private readonly decode: Decoder,
    private readonly maxSpansPerCommit = 50_000,
    /** Where store failures are reported in full (callers get a generic message: no engine text leaves). */
    private readonly logError: (msg: string) => void = (m) => console.error(m),
  ) {}

  submit(payload: IngestPayload): Promise<IngestResult> {
    return new Promise((resolve) => {
      this.queue.push({ payload, resolve });
      if (!this.draining) void this.drain();
      else this.scheduleDecodeAhead();
    });
  }

  /** A payload decoded elsewhere (the decode worker): it passed `prepareDecoded` there. */
  submitDecoded(d: Decoded): Promise<IngestResult> {
    return new Promise((resolve) => {
      this.queue.push({ payload: null, resolve, decoded: { d } });
      this.ahead.spans += d.batch.length;
      if (!this.draining) void this.drain();
    });
  }

  /**
   * While the store is busy committing (the worker's JS thread is otherwise idle: ~half the time in
   * bench:ingest's profile), decode queued payloads one at a time, in order, so the next group only
   * has to be appended once the store is ready: decoding leaves the commit-to-commit critical path.
   * At most one group's worth is decoded ahead, which bounds the extra memory held.
   */
  private scheduleDecodeAhead(): void {
    if (this.ahead.scheduled || this.ahead.spans >= this.maxSpansPerCommit || !this.queue.some((p) => !p.decoded)) return;
    this.ahead.scheduled = true;
    setImmediate(() => {
      this.ahead.scheduled = false;
      const p = this.queue.find((q) => !q.decoded);
      if (!p) return;
      p.decoded = this.decodeOne(p.payload!);
      if ('d' in p.decoded) this.ahead.spans += p.decoded.d.batch.length;
      this.scheduleDecodeAhead();
    });
  }

  private decodeOne(payload: IngestPayload): { d: Decoded } | { err: unknown } {
    try {
      return { d: prepareDecoded(this.decode(payload)) };
    } catch (err) {
      return { err };
    }
  }

  /** Resolves when everything submitted so far is committed. */
  flushed(): Promise<void> {
    if (!this.draining && this.queue.length === 0 && !this.carried && this.inflight.size === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length > 0 || this.carried) {
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

  private takeGroup(): Member[] {
    const group: Member[] = [];
    let spans = 0;
    if (this.carried) {
      group.push(this.carried);
      spans += this.carried.d.batch.length;
      this.carried = null;
    }
    while (this.queue.length > 0 && spans < this.maxSpansPerCommit) {
      const p = this.queue.shift()!;
      const decoded = p.decoded ?? this.decodeOne(p.payload!);
      if (p.decoded && 'd' in p.decoded) this.ahead.spans -= p.decoded.d.batch.length;
      if ('err' in decoded) {
        p.resolve(decodeError(decoded.err));
        continue;
      }
      const d = decoded.d;
      // An engine deletes/updates before it appends, so a member that replaces or relabels rows an
      // earlier member of the same group writes (an X-Ray segment in progress, then complete) must go
      // in the next transaction, or the earlier rows survive as duplicates.
      if (group.length > 0 && touchesEarlierMembers(group.map((g) => g.d), d)) {
        this.carried = { p, d };
        break;
      }
      group.push({ p, d });
      spans += d.batch.length;
    }
    this.scheduleDecodeAhead();
    return group;
  }

  private async commit(group: Member[]): Promise<void> {
    try {
      await this.append(group);
    } catch (err) {
      this.logError(`append of ${group.length} request(s) failed: ${(err as Error).message}`);
      if (group.length === 1) return this.fail(group[0]!);
      // One bad request must not fail the others: retry each on its own, in order.
      for (const m of group) {
        try {
          await this.append([m]);
        } catch (e) {
          this.logError(`append of one request failed: ${(e as Error).message}`);
          this.fail(m);
        }
      }
    }
  }

  private async append(group: Member[]): Promise<void> {
    const replace = group.flatMap((g) => g.d.append?.replaceDocuments ?? []);
    const assign = group.flatMap((g) => g.d.append?.assignDatasets ?? []);
    const r = await this.store.append(group.map((g) => g.d.batch), { replaceDocuments: replace, assignDatasets: assign });
    this.commits++;
    this.spans += r.spans;
    for (const { p, d } of group) {
      p.resolve({ ok: true, accepted: d.batch.length, rejected: d.rejected, message: d.message, rejectedDocuments: d.rejectedDocuments });
    }
  }

  private fail(m: Member): void {
    m.p.resolve({ ok: false, reason: 'unavailable', message: 'storage error (details in the server log)' });
  }

  private maybeIdle(): void {
    if (this.draining || this.queue.length > 0 || this.carried || this.inflight.size > 0) return;
    for (const r of this.idle.splice(0)) r();
  }
}
