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
import { openTraceIndex, TraceIndexWriter, traceReadRange } from '../../../src/store/duckdb/trace-index.js';
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

test('a data dir with the index but no lookup copy (written before it) gets the sorted copy at open', async () => {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  const indexed = Number((await conn.runAndReadAll('SELECT count(*) FROM trace_index')).getRowsJS()[0]![0]);
  await conn.run('DROP TABLE trace_lookup');
  conn.closeSync();
  instance.closeSync();
  const store = await DuckDBStore.open({ path });
  try {
    const rows = await store.select('SELECT trace_hi, trace_lo FROM trace_lookup');
    assert.equal(rows.length, indexed);
    assert.equal((await store.getTraceColumns(traceHex(1)))?.length, 1);
    assert.equal((await store.getTraceColumns(traceHex(1000 + 4999)))?.length, 1);
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

test('compaction sorts the lookup copy; rows appended by a transaction open meanwhile are kept', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const admin = await instance.connect();
  await admin.run('CREATE TABLE spans (trace_hi BIGINT, trace_lo BIGINT, start_ns BIGINT, trace_state VARCHAR, status_message VARCHAR, events VARCHAR, links VARCHAR)');
  await admin.run('CREATE TABLE columns (key VARCHAR, col VARCHAR)');
  await openTraceIndex(admin);
  const writer = new TraceIndexWriter(await instance.connect(), 500, 4);
  await writer.open(admin);
  const [a, b] = [await instance.connect(), await instance.connect()];
  // Trace n: hi = n * a large odd number (wraps: not in id order), so append order is not sorted order.
  const batch = (from: number, n: number) => {
    const spans: TestSpan[] = [];
    for (let i = from; i < from + n; i++) {
      const hi = BigInt.asUintN(64, BigInt(i) * 0x9e3779b97f4a7c15n).toString(16).padStart(16, '0');
      spans.push({ ...span(0, i + 1, T0 + BigInt(i)), traceId: `${hi}${(i + 1).toString(16).padStart(16, '0')}` });
    }
    return makeBatch(spans);
  };
  const lookupRows = async () => (await admin.runAndReadAll('SELECT trace_hi, trace_lo FROM trace_lookup')).getRowsJS() as bigint[][];
  const sortedByIds = (rows: bigint[][]) => rows.every((r, i) => i === 0 || rows[i - 1]![0]! < r[0]! || (rows[i - 1]![0] === r[0] && rows[i - 1]![1]! <= r[1]!));
  await a.run('BEGIN TRANSACTION');
  await writer.append(a, [batch(0, 400)]);
  await a.run('COMMIT');
  await writer.compactIfDue();
  assert.equal(sortedByIds(await lookupRows()), false, 'below the tail threshold: left in append order');
  await a.run('BEGIN TRANSACTION');
  await writer.append(a, [batch(400, 400)]);
  await a.run('COMMIT');
  // Another transaction appends while the compaction runs (not committed when it starts).
  await b.run('BEGIN TRANSACTION');
  await writer.append(b, [batch(800, 300)]);
  await writer.compactIfDue();
  await b.run('COMMIT');
  const rows = await lookupRows();
  assert.equal(rows.length, 1100, 'every index row is there once');
  assert.equal(new Set(rows.map((r) => r[1])).size, 1100);
  assert.equal(sortedByIds(rows.slice(0, 800)), true, 'the compacted rows come sorted by trace id');
  assert.equal(sortedByIds(rows), false, 'the rows appended meanwhile are the new (unsorted) tail');
  // The tail (300 rows) is below 1/4 of the table: no compaction; after 300 more it is due again.
  await writer.compactIfDue();
  assert.equal(sortedByIds((await lookupRows()).slice(0, 1100)), false);
  await a.run('BEGIN TRANSACTION');
  await writer.append(a, [batch(1100, 300)]);
  await a.run('COMMIT');
  await writer.compactIfDue();
  assert.equal(sortedByIds(await lookupRows()), true);
  assert.equal((await lookupRows()).length, 1400);
  writer.close();
  for (const c of [a, b, admin]) c.closeSync();
  instance.closeSync();
});

test('the lookup copy says which optional columns a trace uses; a read selects those and returns the same trace', async () => {
  const d = mkdtempSync(join(tmpdir(), 'honeyray-trace-cols-'));
  let store = await DuckDBStore.open({ path: join(d, 'spans.duckdb') });
  try {
    await store.append([makeBatch([
      { ...span(7, 1, T0), attrs: { 'http.method': 'GET', 'service.name': 'web' }, statusMessage: 'boom' },
      { ...span(7, 2, T0 + 5n), attrs: { 'db.system': 'pg' }, events: [{ name: 'e', timeUnixNano: String(T0 + 6n), attributes: {} }] },
      { ...span(8, 3, T0 + 1n), attrs: { 'user.id': 42, 'service.name': 'api' } },
    ])]);
    await store.append([makeBatch([{ ...span(7, 4, T0 + 9n), attrs: { 'cache.hit': true } }])]);
    const ids = (t: number) => `trace_hi = 0 AND trace_lo = ${t}`;
    const lookup = (t: number) => (store as DuckDBStore as unknown as { reads: { use: <T>(f: (c: never) => Promise<T>) => Promise<T> } }).reads.use((c) => traceReadRange(c, [traceHex(t)], ids(t)));
    const r7 = await lookup(7);
    assert.equal(r7?.indexRows, 2);
    assert.deepEqual([...r7!.used!.keys].sort(), ['cache.hit', 'db.system', 'http.method', 'service.name']);
    assert.deepEqual([...r7!.used!.fixed].sort(), ['events', 'status_message']);
    assert.deepEqual([...(await lookup(8))!.used!.keys].sort(), ['service.name', 'user.id']);
    const t7 = await store.getTraceColumns(traceHex(7));
    assert.deepEqual(t7?.attrs.map((a) => [a.key, a.values]).sort(), [
      ['cache.hit', [null, null, true]], ['db.system', [null, 'pg', null]], ['http.method', ['GET', null, null]], ['service.name', ['web', null, null]],
    ]);
    assert.deepEqual(t7?.statusMessage, ['boom', '', '']);
    assert.equal(t7?.events[1] !== null && JSON.parse(t7!.events[1]!)[0].name, 'e');
    assert.deepEqual(t7?.events.filter((e) => e === null).length, 2);
    // Rows written before the lookup said which columns (NULL): the trace reads every column, and the same.
    const wrote = (await store.getTraceColumns(traceHex(8)))!;
    await (store as unknown as { writer: { exclusive: (f: (c: { run: (s: string) => Promise<unknown> }) => Promise<unknown>) => Promise<unknown> } }).writer.exclusive((c) => c.run('UPDATE trace_lookup SET cols = NULL'));
    assert.equal((await lookup(8))!.used, null);
    assert.deepEqual(await store.getTraceColumns(traceHex(8)), wrote);
    // A data dir from before the lookup copy: the engine works the used columns out from the spans at open.
    await store.close();
    const instance = await DuckDBInstance.create(join(d, 'spans.duckdb'));
    const conn = await instance.connect();
    await conn.run('DROP TABLE trace_lookup');
    conn.closeSync();
    instance.closeSync();
    store = await DuckDBStore.open({ path: join(d, 'spans.duckdb') });
    const again = await lookup(7);
    assert.equal(again?.indexRows, 2);
    assert.deepEqual(again?.used, r7?.used);
    assert.deepEqual([...(await lookup(8))!.used!.keys].sort(), ['service.name', 'user.id']);
    assert.deepEqual(await store.getTraceColumns(traceHex(7)), t7);
  } finally {
    await store.close();
    rmSync(d, { recursive: true, force: true });
  }
});

test('the one-trace lookup (a statement prepared per connection) answers again after it failed, in its prepare or its run', async () => {
  const d = mkdtempSync(join(tmpdir(), 'honeyray-trace-lookup-'));
  const instance = await DuckDBInstance.create(join(d, 'l.duckdb'));
  const conn = await instance.connect();
  try {
    const lookup = (t: number) => traceReadRange(conn, [traceHex(t)], `trace_lo = ${t}`);
    // No table yet: the prepare fails, and is not kept.
    await assert.rejects(lookup(7));
    await conn.run('CREATE TABLE trace_lookup (trace_hi BIGINT, trace_lo BIGINT, min_start_ns BIGINT, max_start_ns BIGINT, cols VARCHAR)');
    await conn.run(`INSERT INTO trace_lookup VALUES (0, 7, ${T0}, ${T0 + 5n}, NULL), (0, 8, ${T0 + 1n}, ${T0 + 1n}, NULL)`);
    assert.deepEqual((await lookup(7))?.startNs, [T0, T0 + 5n]);
    await conn.run('ALTER TABLE trace_lookup RENAME TO trace_lookup_away');
    await assert.rejects(lookup(8));
    await conn.run('ALTER TABLE trace_lookup_away RENAME TO trace_lookup');
    assert.deepEqual((await lookup(8))?.startNs, [T0 + 1n, T0 + 1n]);
    assert.equal(await lookup(9), null);
  } finally {
    conn.closeSync();
    instance.closeSync();
    rmSync(d, { recursive: true, force: true });
  }
});
