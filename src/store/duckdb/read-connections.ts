import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { QueryCancelledError, currentCancel } from '../cancel-scope.js';

/**
 * The read side's own connections. One connection runs one statement at a time, so a single reader
 * made a quick `/api/services` wait behind a slow BubbleUp; a few connections let reads run side by side
 * on DuckDB's threads. Each read holds its connection for its whole length (several statements for a
 * trace read), so a cancelled read (its client went away, cancel-scope.ts) can be stopped with
 * `interrupt()` without touching anyone else's query.
 *
 * `quiet()` is how ingest gives way to reads: the ingest worker's event loop runs the synchronous parts of
 * decoding and appending (hundreds of ms per group under full load), and every step of a read (each
 * statement, each fetched chunk) needs that loop for a moment. The pipeline waits for `ready()` before it
 * decodes the next group; DuckDBStore.ready() adds `quiet()`, so reads in flight finish first, up to a
 * bound, after which ingest goes on (reads cannot starve ingest).
 */
/** How long after the last read ingest still waits for the next one (see `quiet`). */
const READ_GRACE_MS = 10;

export class ReadConnections {
  private readonly free: DuckDBConnection[];
  private readonly waiting: ((c: DuckDBConnection) => void)[] = [];
  private active = 0;
  private quietWaiters: (() => void)[] = [];

  private constructor(private readonly all: DuckDBConnection[]) {
    this.free = [...all];
  }

  static async open(instance: DuckDBInstance, size: number): Promise<ReadConnections> {
    const conns: DuckDBConnection[] = [];
    for (let i = 0; i < size; i++) conns.push(await instance.connect());
    return new ReadConnections(conns);
  }

  /** Runs `fn` on a connection of its own; interrupted when the caller's request goes away. */
  async use<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const signal = currentCancel();
    if (signal?.aborted) throw new QueryCancelledError();
    this.active++;
    let conn: DuckDBConnection | null = null;
    const onAbort = () => conn?.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      conn = await this.acquire();
      if (signal?.aborted) throw new QueryCancelledError();
      return await fn(conn);
    } catch (err) {
      if (signal?.aborted) throw new QueryCancelledError();
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (conn) this.release(conn);
      // Ingest resumes a moment after the last read: one API request is often several reads in a row
      // (columns, then a query, then its series), each a round trip to the main thread.
      if (--this.active === 0) setTimeout(() => { if (this.active === 0) for (const w of this.quietWaiters.splice(0)) w(); }, READ_GRACE_MS);
    }
  }

  /** Resolves once no read is in flight (nor started in the READ_GRACE_MS after the last), or after `maxWaitMs`. */
  quiet(maxWaitMs: number): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxWaitMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.quietWaiters.push(done);
    });
  }

  close(): void {
    for (const c of this.all) c.closeSync();
  }

  private acquire(): Promise<DuckDBConnection> {
    const c = this.free.pop();
    return c ? Promise.resolve(c) : new Promise((r) => this.waiting.push(r));
  }

  private release(c: DuckDBConnection): void {
    const next = this.waiting.shift();
    if (next) next(c);
    else this.free.push(c);
  }
}
