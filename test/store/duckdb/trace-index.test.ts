/**
 * The trace index (src/store/duckdb/trace-index.ts): trace reads are pruned by the start range it keeps,
 * so it must cover every span a read should return: spans of one trace appended in different
 * transactions far apart in time, data dirs written before the index existed (backfilled at open), and
 * retention (index rows of deleted spans go too).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDBStore } from '../../../src/store/duckdb/duckdb-store.js';
import { makeBatch, type TestSpan } from '../make-batch.js';

const T0 = 1_780_000_000n * 1_000_000_000n;
const HOUR = 3_600_000_000_000n;
let dir: string;
let path: string;

const span = (trace: number, id: number, startNs: bigint, name = `op${id}`): TestSpan => ({
  traceId: trace.toString(16).padStart(32, '0'), spanId: id.toString(16).padStart(16, '0'), name, dataset: 'svc',
  startNs, durationNs: 1_000_000n,
});
const traceHex = (n: number) => n.toString(16).padStart(32, '0');

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'honeyray-trace-index-'));
  path = join(dir, 'spans.duckdb');
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function indexRows(store: DuckDBStore): Promise<number> {
  return Number((await store.select('SELECT count(*) AS n FROM trace_index'))[0]!.n);
}

test('a trace split over transactions hours apart is read whole; other traces in between are not', async () => {
  const store = await DuckDBStore.open({ path });
  try {
    await store.append([makeBatch([span(1, 1, T0), span(2, 2, T0 + 1n)])]);
    // Many spans of other traces between the two halves of trace 1.
    const filler: TestSpan[] = [];
    for (let i = 0; i < 5000; i++) filler.push(span(1000 + i, 10_000 + i, T0 + BigInt(i) * 1_000_000_000n));
    await store.append([makeBatch(filler)]);
    await store.append([makeBatch([span(1, 3, T0 + 2n * HOUR)])]);
    const t = await store.getTraceColumns(traceHex(1));
    assert.equal(t?.length, 2);
    assert.deepEqual(t?.name, ['op1', 'op3'], 'both halves, in start order');
    assert.deepEqual((await store.getTrace(traceHex(1))).map((s) => s.spanId), ['0000000000000001', '0000000000000003']);
    assert.equal((await store.getTraceColumns(traceHex(2)))?.length, 1);
    assert.equal(await store.getTraceColumns(traceHex(999_999)), null);
    assert.deepEqual(await store.getTrace(traceHex(999_999)), []);
    // One row per trace per transaction: trace 1 has two.
    assert.equal(Number((await store.select(`SELECT count(*) AS n FROM trace_index WHERE trace_lo = 1`))[0]!.n), 2);
  } finally {
    await store.close();
  }
});

test('a data dir written before the index existed gets it at open', async () => {
  // Remove the index as an older Honeyray would have left the file.
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  await conn.run('DROP TABLE trace_index');
  conn.closeSync();
  instance.closeSync();
  const store = await DuckDBStore.open({ path });
  try {
    assert.equal(await indexRows(store), 5002, 'one row per trace after the backfill');
    assert.equal((await store.getTraceColumns(traceHex(1)))?.length, 2);
    assert.equal((await store.getTraceColumns(traceHex(1000 + 4999)))?.length, 1);
  } finally {
    await store.close();
  }
});

test('retention deletes the index rows of the spans it deletes', async () => {
  const store = await DuckDBStore.open({ path });
  try {
    const before = await indexRows(store);
    // Everything that started in the first 1000 s goes: trace 2 and filler traces 1000..1999 (trace 1 keeps a span later).
    await store.expire(T0 + 1000n * 1_000_000_000n);
    assert.equal(await indexRows(store), before - 1 - 1000);
    assert.equal(await store.getTraceColumns(traceHex(2)), null);
    assert.equal((await store.getTraceColumns(traceHex(1)))?.length, 1, 'the span after the cutoff');
  } finally {
    await store.close();
  }
});

/**
 * Per-trace rollups (span and error counts, duration, root, services) are what summaries and search
 * read: they must equal the spans as stored after anything that deletes or changes spans.
 */
const summaryOf = async (store: DuckDBStore, n: number) =>
  (await store.traceSummaries({ where: { key: 'service.name', op: 'exists' }, limit: 10_000 })).data.find((r) => r.traceId === traceHex(n));

test('rollups: a trace over two transactions sums both; the root is the span without a parent', async () => {
  const store = await DuckDBStore.open({ path: ':memory:' });
  try {
    await store.append([makeBatch([{ ...span(7, 2, T0 + 5n), parentSpanId: '0000000000000001', dataset: 'child-svc', statusCode: 2 }])]);
    await store.append([makeBatch([{ ...span(7, 1, T0, 'root-op'), dataset: 'root-svc', durationNs: 50n }, { ...span(7, 3, T0 + 10n), parentSpanId: '0000000000000001' }])]);
    assert.deepEqual(await summaryOf(store, 7), {
      traceId: traceHex(7), rootService: 'root-svc', rootName: 'root-op', startUs: Number(T0 / 1000n), durationUs: 1000,
      spanCount: 3, errorCount: 1, services: ['child-svc', 'root-svc', 'svc'],
    });
    // Jaeger's service filter reads the rollup's services: the service of a span in the other transaction.
    assert.deepEqual(await store.searchTraces({ service: 'child-svc', tags: { 'service.name': 'root-svc' } }), [traceHex(7)]);
    assert.deepEqual(await store.searchTraces({ service: 'child-svc' }), [traceHex(7)]);
    assert.deepEqual(await store.searchTraces({ service: 'nope', tags: { 'service.name': 'root-svc' } }), []);
  } finally {
    await store.close();
  }
});

test('rollups: an X-Ray replacement and a late dataset assignment recompute the trace', async () => {
  const store = await DuckDBStore.open({ path: ':memory:' });
  try {
    const doc = { ...span(8, 0xd1, T0, 'seg'), source: 1, xrayDocId: '00000000000000d1', durationNs: 0n, statusCode: 2 };
    await store.append([makeBatch([doc, { ...span(8, 0xd2, T0 + 1n), parentSpanId: '00000000000000d1', source: 1, xrayDocId: '00000000000000d1' }])]);
    await store.append([makeBatch([{ ...span(8, 0xe1, T0 + 2n), parentSpanId: '00000000000000d1', dataset: 'other' }])]);
    assert.equal((await summaryOf(store, 8))?.spanCount, 3);
    // The finished document replaces both spans of the in-progress one with one span, no error.
    await store.append([makeBatch([{ ...doc, durationNs: 9_000_000n, statusCode: 0 }])], { replaceDocuments: [`${traceHex(8)}:00000000000000d1`] });
    const s = (await summaryOf(store, 8))!;
    assert.deepEqual([s.spanCount, s.errorCount, s.durationUs, s.rootName], [2, 0, 9000, 'seg']);
    await store.append([], { assignDatasets: [{ traceId: traceHex(8), spanIds: ['00000000000000d1'], dataset: 'named-later' }] });
    const t = (await summaryOf(store, 8))!;
    assert.deepEqual([t.rootService, t.services, t.spanCount], ['named-later', ['named-later', 'other'], 2]);
  } finally {
    await store.close();
  }
});

test('rollups: retention of part of a trace recomputes it; an index from before the rollups is rebuilt at open', async () => {
  const file = join(dir, 'rollups.duckdb');
  let store = await DuckDBStore.open({ path: file });
  try {
    await store.append([makeBatch([span(9, 1, T0), { ...span(9, 2, T0 + HOUR), parentSpanId: '0000000000000001' }, span(10, 3, T0 + HOUR + 5n)])]);
    await store.expire(T0 + 1n);
    assert.deepEqual([(await summaryOf(store, 9))?.spanCount, (await summaryOf(store, 9))?.startUs], [1, Number((T0 + HOUR) / 1000n)]);
  } finally {
    await store.close();
  }
  // The index as an older Honeyray left it: ranges only.
  const instance = await DuckDBInstance.create(file);
  const conn = await instance.connect();
  await conn.run('DROP TABLE trace_index');
  await conn.run('CREATE TABLE trace_index (trace_hi BIGINT, trace_lo BIGINT, min_start_ns BIGINT, max_start_ns BIGINT)');
  conn.closeSync();
  instance.closeSync();
  store = await DuckDBStore.open({ path: file });
  try {
    assert.equal(await indexRows(store), 2);
    assert.deepEqual((await summaryOf(store, 10))?.spanCount, 1);
    assert.deepEqual((await store.traceSummaries({ limit: 5 })).data.map((r) => [r.traceId, r.spanCount]), [[traceHex(10), 1], [traceHex(9), 1]]);
    await store.append([makeBatch([span(10, 4, T0 + HOUR + 6n)])]);
    assert.equal((await summaryOf(store, 10))?.spanCount, 2, 'the upgraded index takes appends');
  } finally {
    await store.close();
  }
});
