/**
 * query/'s compiler through the ClickHouse dialect: Honeycomb query specs run on the hand-checked
 * fixture (test/query/honeycomb/fixture.ts) in DuckDB (the oracle) and in ClickHouse 26.x (chdb) and
 * 18.16, with the same answers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bubbleUp } from '../../src/query/bubbleup/bubbleup.js';
import { selectionExpr } from '../../src/query/bubbleup/selection.js';
import { compileQuery } from '../../src/query/ir/compile.js';
import { agg, cmp, col, lit, or, ref } from '../../src/query/ir/ir.js';
import { ColumnResolver } from '../../src/query/honeycomb/columns.js';
import { runQuery, type QueryStore } from '../../src/query/honeycomb/run.js';
import { SpecPlanner } from '../../src/query/honeycomb/to-ir.js';
import { validateSpec } from '../../src/query/honeycomb/validate.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import type { Store } from '../../src/store/store.js';
import { itOnEachClickHouse } from '../helpers/each-clickhouse.js';
import { fixtureSpans, HOUR } from '../query/honeycomb/fixture.js';
import { makeBatch } from './make-batch.js';

const SPECS: [string, object][] = [
  ['calculations', { calculations: [{ op: 'COUNT' }, { op: 'SUM', column: 'duration_ms' }, { op: 'AVG', column: 'duration_ms' }, { op: 'MIN', column: 'duration_ms' }, { op: 'MAX', column: 'duration_ms' }, { op: 'COUNT_DISTINCT', column: 'user.handle' }, { op: 'P50', column: 'duration_ms' }, { op: 'P99', column: 'duration_ms' }] }],
  ['breakdowns and order', { breakdowns: ['name', 'user.handle'], calculations: [{ op: 'COUNT' }, { op: 'MAX', column: 'duration_ms' }], orders: [{ op: 'MAX', column: 'duration_ms', order: 'descending' }] }],
  ['filters', { filters: [{ column: 'duration_ms', op: '>', value: 60 }, { column: 'user.handle', op: 'starts-with', value: 'c' }], calculations: [{ op: 'COUNT' }] }],
  ['filters (or, contains, exists)', { filter_combination: 'OR', filters: [{ column: 'user.handle', op: 'contains', value: 'ndr' }, { column: 'app.result_length', op: 'does-not-exist' }], calculations: [{ op: 'COUNT' }] }],
  ['in and errors', { filters: [{ column: 'user.handle', op: 'in', value: ['andrew', 'cat'] }, { column: 'error', op: '=', value: true }], breakdowns: ['user.handle'], calculations: [{ op: 'COUNT' }] }],
  ['time series', { calculations: [{ op: 'COUNT' }], granularity: 60 }],
  ['heatmap', { calculations: [{ op: 'HEATMAP', column: 'duration_ms' }] }],
];

async function answers(store: Store): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const [, spec] of SPECS) {
    const r = await runQuery(store as QueryStore, 'backend-flask', { ...HOUR, ...spec }, {});
    // meta has timings; floats compared to 9 significant digits.
    out.push(JSON.parse(JSON.stringify({ ...r, meta: undefined }, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(9)) : v))));
  }
  // BubbleUp (its unpivot, sample and approximate distinct count are dialect functions), unsampled: the two
  // engines hash differently, so only the exact answer can agree. ClickHouse stores absent fixed strings
  // (status_message...) as '', DuckDB as NULL.
  const columns = new ColumnResolver(await store.columns());
  const spec = validateSpec({ ...HOUR, calculations: [{ op: 'HEATMAP', column: 'duration_ms' }] }, columns, HOUR.start_time);
  const sel = selectionExpr({ column: 'duration_ms', lower: 60, upper: 1e9 }, columns);
  const b = await bubbleUp(store, new SpecPlanner(spec, columns, 'backend-flask'), columns, sel.expr, sel.column);
  assert.ok(b.selection_count > 0 && b.columns.length > 0, 'bubbleup has something to compare');
  out.push(JSON.parse(JSON.stringify(b, (_k, v) => (v === '' ? null : v))));
  // Sampled in time slices of 1 s (the engines hash differently: only what holds on any sample is checked).
  const sampled = await bubbleUp(store, new SpecPlanner(spec, columns, 'backend-flask'), columns, sel.expr, sel.column, { sampleRows: 2, sliceRows: 1, minSlices: 1 });
  assert.equal(sampled.selection_count, b.selection_count);
  assert.ok(sampled.sampled.selection < 1 && sampled.sampled.baseline < 1, JSON.stringify(sampled.sampled));
  for (const c of sampled.columns) assert.ok(Math.abs(c.selection.reduce((n, v) => n + v.fraction, 0) - 1) < 1e-5, c.column);
  // The unpivot with a row condition (BubbleUp's per-row sample within time slices; no hash here, so the
  // two engines agree): only rows where it holds give pairs, a NULL condition counts as false.
  const slow = cmp('>', columns.get('duration_ms')!.expr, lit(60));
  const pairs = await store.select(compileQuery({
    from: { query: { from: { table: 'spans' }, where: cmp('=', col('dataset'), lit('backend-flask')), select: [{ as: 'one', expr: lit(1) }],
      unpivot: [col('name'), columns.get('user.handle')!.expr], unpivotWhen: or(slow, cmp('=', columns.get('app.result_length')!.expr, lit(3))) }, alias: 'u' },
    select: [{ as: 'k', expr: col('k') }, { as: 'v', expr: col('v') }, { as: 'n', expr: agg('count') }],
    groupBy: [col('k'), col('v')], orderBy: [{ expr: ref('k') }, { expr: ref('v') }],
  }, store.dialect));
  assert.ok(pairs.length > 0, 'the unpivot kept some rows');
  out.push(pairs.map((r) => [Number(r.k), r.v, Number(r.n)]));
  return out;
}

describe('Honeycomb queries on ClickHouse give DuckDB\'s answers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'honeyray-chq-'));
  let expected: unknown[];
  before(async () => {
    const duck = await DuckDBStore.open({ path: join(dir, 'spans.duckdb') });
    await duck.append([makeBatch(fixtureSpans())]);
    expected = await answers(duck);
    await duck.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  itOnEachClickHouse(dir, async (store) => {
    await store.append([makeBatch(fixtureSpans())]);
    const got = await answers(store);
    for (let i = 0; i < got.length; i++) assert.deepEqual(got[i], expected[i], SPECS[i]?.[0] ?? 'bubbleup');
  });
});
