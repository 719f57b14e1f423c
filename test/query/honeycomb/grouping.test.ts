import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runQuery } from '../../../src/query/honeycomb/run.js';
import { fixtureStore, HOUR, T0 } from './fixture.js';

let fx: Awaited<ReturnType<typeof fixtureStore>>;
before(async () => { fx = await fixtureStore(); });
after(async () => { await fx.done(); });

const rows = async (spec: object, dataset = 'backend-flask') =>
  (await runQuery(fx.store, dataset, { ...HOUR, ...spec }, { disableSeries: true })).results.map((r) => r.data);

test('breakdown: default order is the first calculation descending, ties by group; null is a group', async () => {
  assert.deepEqual(await rows({ breakdowns: ['user.handle'] }), [
    { 'user.handle': 'andrew', COUNT: 2 }, { 'user.handle': 'cat', COUNT: 2 }, { 'user.handle': null, COUNT: 2 }, { 'user.handle': 'brown', COUNT: 1 },
  ]);
});

test('two breakdowns', async () => {
  assert.deepEqual(await rows({ breakdowns: ['name', 'error'], calculations: [{ op: 'AVG', column: 'duration_ms' }], orders: [{ column: 'name' }, { column: 'error' }] }), [
    { name: 'GET /home', error: false, 'AVG(duration_ms)': 350 }, // 100 50 900
    { name: 'GET /home', error: true, 'AVG(duration_ms)': 650 }, // 300 1000
    { name: 'db.query', error: false, 'AVG(duration_ms)': 30 },
  ]);
});

test('orders: by a calculation ascending, by a breakdown descending', async () => {
  const spec = { breakdowns: ['name'], calculations: [{ op: 'MAX', column: 'duration_ms' }] };
  assert.deepEqual((await rows({ ...spec, orders: [{ op: 'MAX', column: 'duration_ms', order: 'ascending' }] })).map((r) => r.name), ['db.query', 'GET /home']);
  assert.deepEqual((await rows({ ...spec, orders: [{ column: 'name', order: 'descending' }] })).map((r) => r.name), ['db.query', 'GET /home']);
  assert.deepEqual((await rows({ ...spec, orders: [{ column: 'name', order: 'ascending' }] })).map((r) => r.name), ['GET /home', 'db.query']);
});

test('havings and limit', async () => {
  assert.deepEqual((await rows({ breakdowns: ['user.handle'], havings: [{ calculate_op: 'COUNT', op: '>', value: 1 }] })).map((r) => r['user.handle']), ['andrew', 'cat', null]);
  assert.deepEqual((await rows({ breakdowns: ['user.handle'], calculations: [{ op: 'P50', column: 'duration_ms' }], havings: [{ calculate_op: 'P50', column: 'duration_ms', op: '>=', value: 200 }] })).map((r) => r['user.handle']), ['cat', 'andrew']);
  assert.deepEqual((await rows({ breakdowns: ['user.handle'], havings: [{ calculate_op: 'COUNT', op: '=', value: 1 }] })).map((r) => r['user.handle']), ['brown']);
  assert.deepEqual((await rows({ breakdowns: ['user.handle'], limit: 1 })), [{ 'user.handle': 'andrew', COUNT: 2 }]);
});

test('HEATMAP per group', async () => {
  const r = await rows({ breakdowns: ['name'], calculations: [{ op: 'COUNT' }, { op: 'HEATMAP', column: 'duration_ms' }] });
  const sum = (d: Record<string, unknown>) => (d['HEATMAP(duration_ms)'] as { buckets: { count: number }[] }).buckets.reduce((n, b) => n + b.count, 0);
  assert.deepEqual(r.map((d) => [d.name, d.COUNT, sum(d)]), [['GET /home', 5, 5], ['db.query', 2, 2]]);
});

test('series: one point per granularity bucket, aligned to granularity boundaries as Honeycomb draws them, empty buckets filled', async () => {
  // T0 is 40 s past a whole minute: the first bucket starts at T0 - 40 and holds the spans at 10 and 11.
  const out = await runQuery(fx.store, 'backend-flask', { start_time: T0, end_time: T0 + 600, granularity: 60, calculations: [{ op: 'COUNT' }, { op: 'MAX', column: 'duration_ms' }] });
  assert.equal(T0 % 60, 40);
  assert.equal(out.series.length, 11); // T0-40, T0+20, ..., T0+560
  assert.equal(out.series[0]!.time, new Date((T0 - 40) * 1000).toISOString().replace('.000Z', 'Z'));
  assert.ok(out.series.every((s) => Date.parse(s.time) % 60_000 === 0), 'every bucket starts on a whole minute');
  assert.deepEqual(out.series.map((s) => s.data.COUNT), [2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(out.series.map((s) => s.data['MAX(duration_ms)']), [100, 300, 50, 900, 1000, null, null, null, null, null, null]);
});

test('granularity edges: a range not a multiple of it, the smallest allowed, a granularity the range does not start on', async () => {
  const odd = await runQuery(fx.store, 'backend-flask', { start_time: T0, end_time: T0 + 250, granularity: 100 });
  assert.deepEqual(odd.series.map((s) => s.data.COUNT), [4, 2, 0]); // [0,100) [100,200) [200,250): 250 is outside
  const fine = await runQuery(fx.store, 'backend-flask', { start_time: T0, end_time: T0 + 1000, granularity: 1 });
  assert.equal(fine.series.length, 1000);
  assert.equal(fine.series.reduce((n, s) => n + (s.data.COUNT as number), 0), 7);
  // T0 is 400 s past a 600 s boundary: buckets [T0-400, T0+200) and [T0+200, T0+800).
  const whole = await runQuery(fx.store, 'backend-flask', { start_time: T0, end_time: T0 + 600, granularity: 600 });
  assert.deepEqual(whole.series.map((s) => s.data.COUNT), [6, 1]);
});

test('series per group, only for the groups the results kept', async () => {
  const out = await runQuery(fx.store, 'backend-flask', { start_time: T0, end_time: T0 + 300, granularity: 60, breakdowns: ['user.handle'], limit: 2 });
  assert.deepEqual(out.results.map((r) => r.data['user.handle']), ['andrew', 'cat']);
  assert.equal(out.series.length, 6 * 2); // buckets from T0-40 to T0+260
  assert.deepEqual(out.series.filter((s) => s.data['user.handle'] === 'cat').map((s) => s.data.COUNT), [0, 0, 0, 1, 1, 0]);
});

test('RATE_MAX, RATE_SUM: the difference between consecutive buckets of MAX / SUM (GET /home: 100 300 50 900 1000 ms at 10 70 130 190 250 s)', async () => {
  const out = await runQuery(fx.store, 'backend-flask', {
    start_time: T0, end_time: T0 + 300, granularity: 60, filters: [{ column: 'name', op: '=', value: 'GET /home' }],
    calculations: [{ op: 'RATE_MAX', column: 'duration_ms' }, { op: 'RATE_SUM', column: 'app.result_length' }, { op: 'MAX', column: 'duration_ms' }],
  });
  // Buckets from T0-40: one span each in the first five, none in the last.
  assert.deepEqual(out.series.map((s) => s.data['MAX(duration_ms)']), [100, 300, 50, 900, 1000, null]);
  assert.deepEqual(out.series.map((s) => s.data['RATE_MAX(duration_ms)']), [null, 200, -250, 850, 100, null]);
  assert.deepEqual(out.series.map((s) => s.data['RATE_SUM(app.result_length)']), [null, 2, -4, 3, 2, null]); // 3 5 1 4 6
  // results: the mean of the buckets' rates.
  assert.equal(out.results[0]!.data['RATE_MAX(duration_ms)'], (200 - 250 + 850 + 100) / 4);
  assert.equal(out.results[0]!.data['RATE_SUM(app.result_length)'], 3 / 4);
  // Without series (as /1/query_results may ask), the results are the same.
  const flat = await runQuery(fx.store, 'backend-flask', {
    start_time: T0, end_time: T0 + 300, granularity: 60, filters: [{ column: 'name', op: '=', value: 'GET /home' }], calculations: [{ op: 'RATE_MAX', column: 'duration_ms' }],
  }, { disableSeries: true });
  assert.deepEqual(flat.series, []);
  assert.equal(flat.results[0]!.data['RATE_MAX(duration_ms)'], 225);
});

test('RATE_AVG per group: a bucket without a value, or after one, has no rate', async () => {
  const out = await runQuery(fx.store, '__all__', { start_time: T0, end_time: T0 + 300, granularity: 60, breakdowns: ['service.name'], calculations: [{ op: 'COUNT' }, { op: 'RATE_AVG', column: 'duration_ms' }] });
  const of = (svc: string) => out.series.filter((s) => s.data['service.name'] === svc).map((s) => s.data['RATE_AVG(duration_ms)']);
  // backend-flask AVG per bucket: (100+20)/2=60, (300+40)/2=170, 50, 900, 1000, none.
  assert.deepEqual(of('backend-flask'), [null, 110, -120, 850, 100, null]);
  // frontend: 200, none, 60, none, 1100, none: never two buckets in a row.
  assert.deepEqual(of('frontend'), [null, null, null, null, null, null]);
  const res = Object.fromEntries(out.results.map((r) => [r.data['service.name'], r.data['RATE_AVG(duration_ms)']]));
  assert.deepEqual(res, { 'backend-flask': (110 - 120 + 850 + 100) / 4, frontend: null });
});

test('compare_time_offset_seconds runs the same query over the earlier range', async () => {
  const out = await runQuery(fx.store, 'backend-flask', { start_time: T0 + 3600, end_time: T0 + 7200, compare_time_offset_seconds: 3600 }, { disableSeries: true });
  assert.equal(out.results[0]!.data.COUNT, 0);
  assert.equal(out.compare!.results[0]!.data.COUNT, 7);
});

test('the same query through runQuery and through Store.select with hand-written SQL agree', async () => {
  const via = await rows({ breakdowns: ['user.handle'], calculations: [{ op: 'COUNT' }, { op: 'P99', column: 'duration_ms' }], filters: [{ column: 'name', op: '=', value: 'GET /home' }], orders: [{ column: 'user.handle' }] });
  const col = (await fx.store.columns()).find((c) => c.key === 'user.handle')!.column;
  const direct = await fx.store.select(`SELECT "${col}" AS u, count(*) AS n, quantile_cont(duration_ns / 1e6, 0.99) AS p99 FROM spans
    WHERE dataset = 'backend-flask' AND name = 'GET /home' AND start_ns >= ${T0}000000000 AND start_ns < ${T0 + 3600}000000000 GROUP BY 1 ORDER BY 1`);
  assert.deepEqual(via, direct.map((r) => ({ 'user.handle': r.u, COUNT: Number(r.n), 'P99(duration_ms)': r.p99 })));
});
