import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runQuery } from '../../../src/query/honeycomb/run.js';
import { fixtureStore, HOUR, T0 } from './fixture.js';

let fx: Awaited<ReturnType<typeof fixtureStore>>;
before(async () => { fx = await fixtureStore(); });
after(async () => { await fx.done(); });

const q = (spec: object, dataset = 'backend-flask') => runQuery(fx.store, dataset, { ...HOUR, ...spec }, { disableSeries: true });
const one = async (spec: object, dataset?: string) => (await q(spec, dataset)).results[0]!.data;

test('every calculation over backend-flask (7 spans: 100 300 50 900 1000 20 40 ms)', async () => {
  const d = await one({
    calculations: [
      { op: 'COUNT' }, { op: 'SUM', column: 'duration_ms' }, { op: 'AVG', column: 'duration_ms' },
      { op: 'MIN', column: 'duration_ms' }, { op: 'MAX', column: 'duration_ms' },
      { op: 'COUNT_DISTINCT', column: 'user.handle' }, { op: 'P50', column: 'duration_ms' },
      { op: 'P99', column: 'duration_ms' }, { op: 'P001', column: 'duration_ms' }, { op: 'P999', column: 'duration_ms' },
      { op: 'P25', column: 'app.result_length' }, { op: 'CONCURRENCY' },
    ],
  });
  assert.equal(d.COUNT, 7);
  assert.equal(d['SUM(duration_ms)'], 2410);
  assert.ok(Math.abs((d['AVG(duration_ms)'] as number) - 2410 / 7) < 1e-9);
  assert.equal(d['MIN(duration_ms)'], 20);
  assert.equal(d['MAX(duration_ms)'], 1000);
  assert.equal(d['COUNT_DISTINCT(user.handle)'], 3);
  assert.equal(d['P50(duration_ms)'], 100); // sorted 20 40 50 [100] 300 900 1000
  assert.ok(Math.abs((d['P99(duration_ms)'] as number) - 994) < 1e-9); // 900 + 0.94 * 100 (interpolated)
  assert.ok(Math.abs((d['P001(duration_ms)'] as number) - 20.12) < 1e-9); // 20 + 0.006 * 20
  assert.ok(Math.abs((d['P999(duration_ms)'] as number) - 999.4) < 1e-9); // 900 + 0.994 * 100
  assert.equal(d['P25(app.result_length)'], 3); // 1 3 4 5 6 -> position 1
  // Little's law: 2410 ms of work in a 3600 s range.
  assert.ok(Math.abs((d.CONCURRENCY as number) - 2.41 / 3600) < 1e-12);
});

test('COUNT with no calculations, __all__ counts every dataset', async () => {
  assert.deepEqual(await one({}), { COUNT: 7 });
  assert.deepEqual(await one({}, '__all__'), { COUNT: 10 });
});

test('per-calculation filters and names', async () => {
  const d = await one({ calculations: [
    { op: 'COUNT' },
    { op: 'COUNT', name: 'errors', filters: [{ column: 'error', op: '=', value: true }] },
    { op: 'MAX', column: 'duration_ms', name: 'slow_ok', filters: [{ column: 'error', op: '=', value: false }, { column: 'name', op: '=', value: 'GET /home' }] },
    { op: 'COUNT', name: 'either', filter_combination: 'OR', filters: [{ column: 'user.handle', op: '=', value: 'brown' }, { column: 'name', op: '=', value: 'db.query' }] },
  ] });
  assert.deepEqual(d, { COUNT: 7, errors: 2, slow_ok: 900, either: 3 });
});

test('HEATMAP(duration_ms): 30 bins over [20, 1000] holding all 7 spans', async () => {
  const d = await one({ calculations: [{ op: 'HEATMAP', column: 'duration_ms' }] });
  const h = d['HEATMAP(duration_ms)'] as { buckets: { lower: number; upper: number; count: number }[] };
  assert.equal(h.buckets.length, 30);
  assert.equal(h.buckets[0]!.lower, 20);
  assert.equal(h.buckets[29]!.upper, 1000);
  assert.equal(h.buckets.reduce((n, b) => n + b.count, 0), 7);
  // width 32.67 ms: 20, 40, 50 in bin 0 (20..52.7); 100 in bin 2; 300 in bin 8; 900 in bin 26; 1000 in bin 29
  assert.deepEqual(h.buckets.map((b, i) => [i, b.count]).filter(([, c]) => c), [[0, 3], [2, 1], [8, 1], [26, 1], [29, 1]]);
});

test('HEATMAP over one distinct value: every span in the first bin, not an error', async () => {
  const d = await one({ calculations: [{ op: 'HEATMAP', column: 'duration_ms' }], filters: [{ column: 'duration_ms', op: '=', value: 300 }] });
  const h = d['HEATMAP(duration_ms)'] as { buckets: { lower: number; upper: number; count: number }[] };
  assert.equal(h.buckets.reduce((n, b) => n + b.count, 0), 1);
  assert.equal(h.buckets[0]!.count, 1);
});

test('time: start_time + time_range, end_time + time_range, spans outside are not counted', async () => {
  assert.equal((await runQuery(fx.store, 'backend-flask', { start_time: T0, time_range: 100 }, { disableSeries: true })).results[0]!.data.COUNT, 4); // 10 11 70 71
  assert.equal((await runQuery(fx.store, 'backend-flask', { end_time: T0 + 100, time_range: 100 }, { disableSeries: true })).results[0]!.data.COUNT, 4);
  assert.equal((await runQuery(fx.store, 'backend-flask', { start_time: T0 + 71, end_time: T0 + 130 }, { disableSeries: true })).results[0]!.data.COUNT, 1); // 71; 130 is excluded
  // Default: the last 2 hours from now, long after the fixture.
  assert.equal((await runQuery(fx.store, 'backend-flask', {}, { disableSeries: true })).results[0]!.data.COUNT, 0);
});
