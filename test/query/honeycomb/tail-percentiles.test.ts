/**
 * Percentiles from the series' tails (src/query/honeycomb/tail-percentiles.ts) give exactly what the plain
 * results statement gives (the engine's own `quantile`, to the last bit), on DuckDB and on ClickHouse 26.x
 * (chdb) and 18.16: random data with many groups, buckets of 1..N values, ties, NULLs (an attribute absent
 * on some spans), several percentiles in one query, per-calculation filters, havings, orders and limits, and
 * a group whose bound misses the percentile (the fallback statement).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runQuery, type QueryStore } from '../../../src/query/honeycomb/run.js';
import { DuckDBStore } from '../../../src/store/duckdb/duckdb-store.js';
import type { Store } from '../../../src/store/store.js';
import { itOnEachClickHouse } from '../../helpers/each-clickhouse.js';
import { makeBatch, type TestSpan } from '../../store/make-batch.js';
import { prng } from '../../receivers/otlp/helpers.js';

const T0 = 1_780_000_000;
const HOUR = { start_time: T0, end_time: T0 + 3600 };
const MS = 1_000_000n;

function spans(): TestSpan[] {
  const rnd = prng(6); // the same data on every run and engine
  const out: TestSpan[] = [];
  let id = 0;
  const add = (service: string, name: string, at: number, durationNs: bigint, attrs: Record<string, string | number> = {}) => {
    id++;
    const hex = id.toString(16).padStart(16, '0');
    out.push({ traceId: hex.padStart(32, '0'), spanId: hex, name, dataset: service, startNs: BigInt(T0 + at) * 1_000_000_000n, durationNs, attrs, resource: { 'service.name': service } });
  };
  for (let s = 0; s < 3; s++) {
    for (let n = 0; n < 5; n++) {
      const size = [1, 3, 40, 250, 700][(s + n) % 5]!;
      // Where in the hour: everywhere, or one 10-minute bucket only (a group with one bucket).
      const oneBucket = (s * 5 + n) % 4 === 1;
      for (let i = 0; i < size; i++) {
        const at = oneBucket ? 1200 + Math.floor(rnd() * 600) : Math.floor(rnd() * 3600);
        // Ties (a few values only) in some groups, spread-out ns in others.
        const ns = (s + n) % 3 === 0 ? BigInt(10 + Math.floor(rnd() * 4) * 10) * MS : BigInt(Math.floor(rnd() * 2e9));
        const attrs: Record<string, string | number> = { 'app.kind': rnd() < 0.5 ? 'a' : 'b' };
        if (rnd() < 0.7) attrs['app.size'] = Math.floor(rnd() * 1000) - 100;
        if (rnd() < 0.6) attrs['app.ratio'] = rnd() * 10;
        add(`svc-${s}`, `op-${n}`, at, ns, attrs);
      }
    }
  }
  // Two buckets of {1..99, 1000} ms: each bucket's P99 is 108.01 ms, so the values >= the smallest (the two
  // 1000s) miss the group's lower neighbour (99 ms): the fallback statement must answer for this group.
  for (const bucket of [0, 1]) {
    for (let v = 1; v <= 100; v++) add('svc-fallback', 'both', bucket * 600 + 30 + (v % 500), BigInt(v === 100 ? 1000 : v) * MS, { 'app.kind': 'a' });
  }
  // Text that JS orders differently from the engines (UTF-16 units against UTF-8 bytes: U+1F600 is a
  // surrogate pair, below U+FF5E in UTF-16, above it in UTF-8).
  for (const [k, service] of ['svc-\u{1F600}', 'svc-\uFF5E', 'svc-\u00e9'].entries()) {
    for (let v = 0; v < 5; v++) add(service, 'op-0', 60 * v + k, BigInt(v + k) * MS);
  }
  return out;
}

const SPECS: [string, object, { fallback?: boolean; plain?: boolean }][] = [
  ['COUNT + P99 by service, name', { breakdowns: ['service.name', 'name'], calculations: [{ op: 'COUNT' }, { op: 'P99', column: 'duration_ms' }] }, { fallback: true }],
  ['every tail percentile, MIN, MAX, SUM, CONCURRENCY', {
    breakdowns: ['service.name'],
    calculations: ['P999', 'P99', 'P95', 'P05', 'P01', 'P001'].map((op) => ({ op, column: 'duration_ms' })).concat([{ op: 'MIN', column: 'duration_ms' }, { op: 'MAX', column: 'duration_ms' }, { op: 'SUM', column: 'app.size' }, { op: 'CONCURRENCY' } as never]),
  }, {}],
  ['NULLs, doubles, per-calculation filters', {
    breakdowns: ['name', 'app.kind'],
    calculations: [
      { op: 'P99', column: 'app.size' }, { op: 'P01', column: 'app.ratio' }, { op: 'P999', column: 'app.ratio' },
      { op: 'P99', column: 'duration_ms', filters: [{ column: 'app.kind', op: '=', value: 'a' }] },
      { op: 'COUNT', filters: [{ column: 'app.size', op: '>', value: 100 }] },
    ],
  }, {}],
  ['order by a percentile, having, limit', {
    breakdowns: ['service.name', 'name'], calculations: [{ op: 'COUNT' }, { op: 'P95', column: 'duration_ms' }],
    orders: [{ op: 'P95', column: 'duration_ms', order: 'ascending' }], havings: [{ calculate_op: 'P95', column: 'duration_ms', op: '>', value: 50 }], limit: 4,
  }, {}],
  ['numeric breakdown with a NULL group, order by it, limit', {
    breakdowns: ['app.size'], calculations: [{ op: 'P99', column: 'app.ratio' }, { op: 'COUNT' }],
    orders: [{ column: 'app.size', order: 'descending' }], havings: [{ calculate_op: 'COUNT', op: '>=', value: 1 }], limit: 30,
  }, {}],
  ['order by text the engines sort by UTF-8 bytes', { breakdowns: ['service.name'], calculations: [{ op: 'P99', column: 'duration_ms' }], orders: [{ column: 'service.name', order: 'ascending' }] }, {}],
  ['compare_time_offset_seconds', { breakdowns: ['service.name'], calculations: [{ op: 'P99', column: 'duration_ms' }, { op: 'COUNT' }], compare_time_offset_seconds: 1800 }, {}],
  ['no breakdowns', { calculations: [{ op: 'COUNT' }, { op: 'P99', column: 'duration_ms' }, { op: 'P001', column: 'app.size' }] }, {}],
  ['no spans, no breakdowns', { calculations: [{ op: 'COUNT' }, { op: 'P99', column: 'duration_ms' }], filters: [{ column: 'name', op: '=', value: 'nothing' }] }, {}],
  ['no spans, breakdowns', { breakdowns: ['name'], calculations: [{ op: 'P99', column: 'duration_ms' }], filters: [{ column: 'name', op: '=', value: 'nothing' }] }, {}],
  ['P50 runs the plain statements', { breakdowns: ['name'], calculations: [{ op: 'P50', column: 'duration_ms' }, { op: 'P99', column: 'duration_ms' }] }, { plain: true }],
  ['AVG runs the plain statements', { breakdowns: ['name'], calculations: [{ op: 'AVG', column: 'duration_ms' }, { op: 'P99', column: 'duration_ms' }] }, { plain: true }],
  ['more groups than the limit runs the plain statements', { breakdowns: ['app.size'], calculations: [{ op: 'P99', column: 'duration_ms' }], limit: 3 }, { plain: true }],
  ['more than 500 groups runs the plain statements', { breakdowns: ['app.size'], calculations: [{ op: 'P99', column: 'duration_ms' }], limit: 1000 }, { plain: true }],
];

/** Each spec the plain way and the tail way: the same answer, and the way each took (from its statements). */
async function check(store: Store): Promise<void> {
  let fallbacks = 0;
  for (const [name, spec, expect] of SPECS) {
    const raw = { ...HOUR, granularity: 600, ...spec };
    const plain = await runQuery(store as QueryStore, '__all__', raw, { tailPercentiles: false });
    const sqls: string[] = [];
    const recorder = Object.create(store) as Store;
    recorder.select = (sql: string) => { sqls.push(sql); return store.select(sql); };
    const tail = await runQuery(recorder as QueryStore, '__all__', raw);
    assert.deepEqual({ ...tail, meta: undefined }, { ...plain, meta: undefined }, name);
    if (name.startsWith('more than 500')) assert.ok(plain.results.length > 500, `${name}: ${plain.results.length} groups`);
    const isList = (s: string) => /\b(list|groupArray)\(/.test(s);
    const isSeries = (s: string) => /AS [`"]?t[`"]?,/.test(s);
    const listed = sqls.some(isList);
    if (expect.plain) {
      // The results first; or the series first, found too big, then the plain statements.
      const from = isSeries(sqls[0]!) ? 1 : 0;
      assert.ok(!isSeries(sqls[from]!) && !listed, `${name}: plain statements (${sqls.length})`);
      continue;
    }
    assert.ok(isSeries(sqls[0]!), `${name}: the series first`);
    // The fallback: a results statement after the tails.
    const fellBack = sqls.slice(1).some((s) => !isSeries(s) && !isList(s));
    if (expect.fallback) assert.ok(fellBack, `${name}: the fallback ran`);
    if (fellBack) fallbacks++;
    if (name.startsWith('COUNT + P99')) {
      assert.ok(listed, `${name}: tails listed`);
      assert.ok(plain.results.length > 10, 'enough groups');
    }
  }
  assert.ok(fallbacks >= 1);
}

describe('tail percentiles: the same answers as the plain statements', () => {
  const dir = mkdtempSync(join(tmpdir(), 'honeyray-tails-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('on DuckDB', async () => {
    const store = await DuckDBStore.open({ path: join(dir, 'spans.duckdb') });
    try {
      await store.append([makeBatch(spans())]);
      await check(store);
    } finally {
      await store.close();
    }
  });

  describe('on ClickHouse', () => {
    itOnEachClickHouse(dir, async (store) => {
      await store.append([makeBatch(spans())]);
      await check(store);
    });
  });
});
