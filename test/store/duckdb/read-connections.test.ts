/**
 * The read side's own connections (store/duckdb/read-connections.ts): reads run side by side, a read whose
 * caller went away is interrupted in the engine (also across the ingest worker's channel), and ingest
 * gives way to reads in flight. Real DuckDB; no timings asserted, only what finishes before what.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBStore } from '../../../src/store/duckdb/duckdb-store.js';
import { QueryCancelledError, withCancel } from '../../../src/store/cancel-scope.js';
import { IngestPipeline } from '../../../src/pipeline/ingest-client.js';
import { ReadConnections } from '../../../src/store/duckdb/read-connections.js';
import { DuckDBInstance } from '@duckdb/node-api';

/** Runs for hours unless interrupted: a read that only cancellation can end. */
const ENDLESS = 'SELECT count(*) AS n FROM range(1000000000000) a WHERE a.range % 7 = 3';

/** Settles `p` into a flag (so ordering can be checked without awaiting it). */
function track<T>(p: Promise<T>): { p: Promise<T>; settled: () => boolean } {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  return { p, settled: () => done };
}

describe('DuckDB read connections', () => {
  let store: DuckDBStore;
  before(async () => { store = await DuckDBStore.open({ path: ':memory:' }); });
  after(async () => { await store.close(); });

  it('a slow read does not hold up the others, and is interrupted when its caller goes away', async () => {
    const cancel = new AbortController();
    const slow = track(withCancel(cancel.signal, () => store.select(ENDLESS)));
    // Meanwhile every other read answers (the slow one has a connection of its own).
    assert.deepEqual(await store.services(), []);
    assert.equal((await store.stats()).spans, 0);
    assert.deepEqual(await store.select('SELECT 42 AS x'), [{ x: 42 }]);
    assert.equal(slow.settled(), false, 'the endless read is still running');
    cancel.abort();
    await assert.rejects(slow.p, QueryCancelledError);
    // The connection it used serves later reads normally.
    for (let i = 0; i < 6; i++) assert.deepEqual(await store.select('SELECT 1 AS one'), [{ one: 1 }]);
  });

  it('a read whose caller is already gone never starts', async () => {
    const cancel = new AbortController();
    cancel.abort();
    await assert.rejects(withCancel(cancel.signal, () => store.select('SELECT 1')), QueryCancelledError);
  });

  it('ingest (ready) waits for reads in flight, but only for a bounded time', async () => {
    // An endless read: ready() still resolves (ingest is never starved), while the read goes on.
    const cancel = new AbortController();
    const endless = track(withCancel(cancel.signal, () => store.select(ENDLESS)));
    await store.ready();
    assert.equal(endless.settled(), false);
    cancel.abort();
    await assert.rejects(endless.p, QueryCancelledError);
  });
});

describe('ReadConnections.quiet', () => {
  it('resolves once the reads in flight have finished, or at its bound', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const reads = await ReadConnections.open(instance, 2);
    try {
      const order: string[] = [];
      const read = reads.use((c) => c.runAndReadAll('SELECT count(*) FROM range(3000000)')).then(() => order.push('read'));
      await reads.quiet(600_000).then(() => order.push('quiet'));
      await read;
      assert.deepEqual(order, ['read', 'quiet']);
      assert.equal(await Promise.race([reads.quiet(600_000).then(() => 'quiet at once'), new Promise((r) => setTimeout(() => r('waited'), 1000))]), 'quiet at once', 'no read in flight: no wait');
    } finally {
      reads.close();
      instance.closeSync();
    }
  });
});

describe('cancellation across the ingest worker', () => {
  let pipeline: IngestPipeline;
  before(async () => {
    pipeline = await IngestPipeline.start(new URL('../../../src/app/ingest-worker.js', import.meta.url),
      { engine: 'duckdb', memory: true, dataDir: '', maxColumns: 2000 }, { maxQueuedBytes: 1 << 26 });
  });
  after(async () => { await pipeline.close(); });

  it('stops the engine query when the caller on the main thread goes away', async () => {
    const cancel = new AbortController();
    const slow = track(withCancel(cancel.signal, () => pipeline.store.select(ENDLESS)));
    assert.deepEqual(await pipeline.store.services(), []);
    assert.equal(slow.settled(), false);
    cancel.abort();
    await assert.rejects(slow.p, QueryCancelledError);
    assert.deepEqual(await pipeline.store.select('SELECT 7 AS seven'), [{ seven: 7 }]);
  });
});
