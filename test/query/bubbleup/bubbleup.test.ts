/**
 * BubbleUp on generated data with a planted cause: 600 spans over 10 users, 3 regions and 4 endpoints
 * (deterministic PRNG), where only user "u7" on endpoint "/slow" is slow. The selection (the slow band of
 * the heatmap) must rank user.handle and name above the noise columns.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { bubbleUp } from '../../../src/query/bubbleup/bubbleup.js';
import { selectionExpr } from '../../../src/query/bubbleup/selection.js';
import { ColumnResolver } from '../../../src/query/honeycomb/columns.js';
import { SpecPlanner } from '../../../src/query/honeycomb/to-ir.js';
import { validateSpec } from '../../../src/query/honeycomb/validate.js';
import { DuckDBStore } from '../../../src/store/duckdb/duckdb-store.js';
import { makeBatch, type TestSpan } from '../../store/make-batch.js';

const T0 = 1_780_000_000;
let store: DuckDBStore;
let dir: string;

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'honeyray-bubbleup-'));
  store = await DuckDBStore.open({ path: join(dir, 'spans.duckdb') });
  const rnd = mulberry32(42);
  const spans: TestSpan[] = [];
  for (let i = 0; i < 600; i++) {
    const user = `u${Math.floor(rnd() * 10)}`;
    const name = ['/home', '/slow', '/profile', '/login'][Math.floor(rnd() * 4)]!;
    const slow = user === 'u7' && name === '/slow';
    const ms = slow ? 2000 + rnd() * 1000 : 20 + rnd() * 200;
    spans.push({
      traceId: (i + 1).toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0'), name, dataset: 'api',
      startNs: BigInt(T0 + i) * 1_000_000_000n, durationNs: BigInt(Math.round(ms * 1e6)),
      attrs: { 'user.handle': user, region: ['eu', 'us', 'ap'][Math.floor(rnd() * 3)]!, 'app.items': Math.floor(rnd() * 1000) },
    });
  }
  await store.append([makeBatch(spans)]);
});
after(async () => { await store.close(); rmSync(dir, { recursive: true, force: true }); });

async function run(selection: unknown, opts: { sampleRows?: number } = {}) {
  const columns = new ColumnResolver(await store.columns());
  const spec = validateSpec({ start_time: T0, end_time: T0 + 3600, calculations: [{ op: 'HEATMAP', column: 'duration_ms' }] }, columns, T0);
  const sel = selectionExpr(selection, columns);
  return bubbleUp(store, new SpecPlanner(spec, columns, 'api'), columns, sel.expr, sel.column, opts);
}

test('the slow band: user.handle and name rank first, the planted values fill the selection', async () => {
  const r = await run({ column: 'duration_ms', lower: 1000, upper: 10_000 });
  assert.ok(r.selection_count > 5, `selection ${r.selection_count}`);
  assert.equal(r.selection_count + r.baseline_count, 600);
  const top2 = r.columns.slice(0, 2).map((c) => c.column).sort();
  assert.deepEqual(top2, ['name', 'user.handle']);
  const user = r.columns.find((c) => c.column === 'user.handle')!;
  assert.deepEqual(user.selection, [{ value: 'u7', count: r.selection_count, fraction: 1 }]);
  assert.ok(user.score > 0.85, `score ${user.score}`);
  // Noise columns differ little; the selected column itself is not ranked.
  const region = r.columns.find((c) => c.column === 'region')!;
  assert.ok(region.score < 0.5, `region ${region.score}`);
  assert.ok(!r.columns.some((c) => c.column === 'duration_ms'));
  // A continuous number comes as a histogram of ranges.
  const items = r.columns.find((c) => c.column === 'app.items')!;
  assert.match(String(items.baseline[0]!.value), /^\d+(\.\d+)?\.\.\d+(\.\d+)?$/);
  assert.equal(items.baseline.reduce((n, v) => n + v.count, 0), r.baseline_count);
  // Scores are sorted.
  for (let i = 1; i < r.columns.length; i++) assert.ok(r.columns[i - 1]!.score >= r.columns[i]!.score);
});

test('past the sample size each side is sampled: same ranking, shares of the sample, counts scaled to the side', async () => {
  const exact = await run({ column: 'duration_ms', lower: 1000, upper: 10_000 });
  assert.deepEqual(exact.sampled, { selection: 1, baseline: 1 });
  const r = await run({ column: 'duration_ms', lower: 1000, upper: 10_000 }, { sampleRows: 200 });
  // The baseline (~570 rows) is sampled to about a third; the small selection is not.
  assert.equal(r.sampled.selection, 1);
  assert.ok(Math.abs(r.sampled.baseline - 200 / r.baseline_count) < 1e-9, `baseline fraction ${r.sampled.baseline}`);
  assert.equal(r.selection_count, exact.selection_count);
  assert.equal(r.baseline_count, exact.baseline_count);
  assert.deepEqual(r.columns.slice(0, 2).map((c) => c.column).sort(), ['name', 'user.handle']);
  const region = r.columns.find((c) => c.column === 'region')!;
  const sampledRows = region.baseline.reduce((n, v) => n + v.fraction, 0);
  assert.ok(Math.abs(sampledRows - 1) < 1e-5, `baseline shares sum to ${sampledRows}`);
  // Scaled counts add up to about the whole baseline (rounding per value).
  const scaled = region.baseline.reduce((n, v) => n + v.count, 0);
  assert.ok(Math.abs(scaled - r.baseline_count) <= region.baseline.length, `scaled ${scaled} vs ${r.baseline_count}`);
  // The sample is a hash of the rows, not a random draw: the same data gives the same answer.
  assert.deepEqual(await run({ column: 'duration_ms', lower: 1000, upper: 10_000 }, { sampleRows: 200 }), r);
  // Sampling changes shares by at most a few points here.
  const exactRegion = exact.columns.find((c) => c.column === 'region')!;
  for (const v of exactRegion.baseline) {
    const s = region.baseline.find((x) => x.value === v.value)!;
    assert.ok(Math.abs(s.fraction - v.fraction) < 0.1, `${String(v.value)}: ${s.fraction} vs ${v.fraction}`);
  }
});

test('a selection by filters and a time window', async () => {
  const r = await run({ filters: [{ column: 'user.handle', op: '=', value: 'u7' }] });
  const name = r.columns.find((c) => c.column === 'name')!;
  assert.ok(name.selection.some((v) => v.value === '/slow'));
  const windowed = await run({ column: 'duration_ms', lower: 0, upper: 10_000, start_time: T0, end_time: T0 + 100 });
  assert.equal(windowed.selection_count, 100);
  assert.equal(windowed.baseline_count, 500);
});

test('an empty selection, and bad selections', async () => {
  const r = await run({ column: 'duration_ms', lower: 99_999, upper: 100_000 });
  assert.deepEqual(r, { columns: [], selection_count: 0, baseline_count: 600, sampled: { selection: 1, baseline: 1 } });
  await assert.rejects(run({ column: 'name', lower: 1, upper: 2 }), /selection.column: "name" is not numeric/);
  await assert.rejects(run({ column: 'duration_ms', lower: 5, upper: 1 }), /selection.upper/);
  await assert.rejects(run({ filters: [] }), /selection.filters/);
  await assert.rejects(run(null), /selection/);
});

/**
 * 20,000 spans over 2,000 s (10 a second), the same planted cause. With small slices (20 rows: 2 s) the
 * sampled sides are read in whole time slices: the planted cause must still rank first, the answer must not
 * change from run to run, and DuckDB must push the slice test into its scan (what lets it skip the other
 * columns' blocks outside the slices: the reason for slicing).
 */
test('sampled by time slices: the planted cause ranks first, same answer twice, the slice test is in the scan', async () => {
  const d = mkdtempSync(join(tmpdir(), 'honeyray-bubbleup-slices-'));
  const s = await DuckDBStore.open({ path: join(d, 'spans.duckdb') });
  try {
    const rnd = mulberry32(7);
    const spans: TestSpan[] = [];
    for (let i = 0; i < 20_000; i++) {
      const user = `u${Math.floor(rnd() * 10)}`;
      const name = ['/home', '/slow', '/profile', '/login'][Math.floor(rnd() * 4)]!;
      const ms = user === 'u7' && name === '/slow' ? 2000 + rnd() * 1000 : 20 + rnd() * 200;
      spans.push({
        traceId: (i + 1).toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0'), name, dataset: 'api',
        startNs: BigInt(T0) * 1_000_000_000n + BigInt(i) * 100_000_000n, durationNs: BigInt(Math.round(ms * 1e6)),
        attrs: { 'user.handle': user, region: ['eu', 'us', 'ap'][Math.floor(rnd() * 3)]! },
      });
    }
    await s.append([makeBatch(spans)]);
    const columns = new ColumnResolver(await s.columns());
    const spec = validateSpec({ start_time: T0, end_time: T0 + 3600, calculations: [{ op: 'HEATMAP', column: 'duration_ms' }] }, columns, T0);
    const sel = selectionExpr({ column: 'duration_ms', lower: 1000, upper: 10_000 }, columns);
    const sqls: string[] = [];
    const recorder = Object.create(s) as DuckDBStore;
    recorder.select = (sql: string) => { sqls.push(sql); return s.select(sql); };
    const go = (st: DuckDBStore) => bubbleUp(st, new SpecPlanner(spec, columns, 'api'), columns, sel.expr, sel.column, { sampleRows: 250, sliceRows: 20, minSlices: 100 });
    const r = await go(recorder);
    // ~500 slow spans: half of them; ~19,500 others: 250 of them, from 10% of the slices (minSlices / 1,000).
    assert.ok(r.sampled.selection > 0.3 && r.sampled.selection < 0.7, `selection ${r.sampled.selection}`);
    assert.ok(r.sampled.baseline < 0.02, `baseline ${r.sampled.baseline}`);
    assert.deepEqual(r.columns.slice(0, 2).map((c) => c.column).sort(), ['name', 'user.handle']);
    assert.deepEqual(r.columns.find((c) => c.column === 'user.handle')!.selection.map((v) => v.value), ['u7']);
    const region = r.columns.find((c) => c.column === 'region')!;
    for (const side of [region.selection, region.baseline]) {
      assert.ok(Math.abs(side.reduce((n, v) => n + v.fraction, 0) - 1) < 1e-5, 'shares of the sample add up to 1');
    }
    assert.ok(region.score < 0.3, `region ${region.score}`);
    assert.deepEqual(await go(s), r);
    await s.close();
    // The values scan (the store takes no EXPLAIN: the engine directly, on the closed file): the slice
    // test among the scan's own filters, no per-row hash there.
    const db = await DuckDBInstance.create(join(d, 'spans.duckdb'));
    const conn = await db.connect();
    const plan = (await conn.runAndReadAll(`EXPLAIN ${sqls[2]!}`)).getRowsJS().map((row) => String(row[1])).join('\n');
    conn.closeSync();
    db.closeSync();
    // The box drawing wraps text anywhere: compare without it and without spaces.
    const flat = plan.replace(/[\s\u2500-\u257f]/g, '');
    const filters = flat.slice(flat.lastIndexOf('Filters:'));
    assert.match(filters, /hash\(\(\(start_ns\/\/2000000000\)\*2\)\)%1000000\)<\d+/, plan);
    assert.doesNotMatch(filters, /span_id/, plan);
  } finally {
    await s.close().catch(() => undefined);
    rmSync(d, { recursive: true, force: true });
  }
});
