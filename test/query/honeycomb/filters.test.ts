import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runQuery } from '../../../src/query/honeycomb/run.js';
import { fixtureStore, HOUR } from './fixture.js';

let fx: Awaited<ReturnType<typeof fixtureStore>>;
before(async () => { fx = await fixtureStore(); });
after(async () => { await fx.done(); });

const count = async (filters: object[], filter_combination?: string, dataset = 'backend-flask') =>
  (await runQuery(fx.store, dataset, { ...HOUR, filters, ...(filter_combination ? { filter_combination } : {}) }, { disableSeries: true })).results[0]!.data.COUNT;

// backend-flask: 5 x "GET /home" (users andrew andrew brown cat cat; lengths 3 5 1 4 6), 2 x "db.query" (no user, no length)
const CASES: [string, object, number][] = [
  ['= string', { column: 'user.handle', op: '=', value: 'andrew' }, 2],
  ['!= string (absent values match, as in Honeycomb)', { column: 'user.handle', op: '!=', value: 'andrew' }, 5],
  ['= number', { column: 'app.result_length', op: '=', value: 4 }, 1],
  ['= number given as text', { column: 'app.result_length', op: '=', value: '4' }, 1],
  ['>', { column: 'app.result_length', op: '>', value: 3 }, 3],
  ['>=', { column: 'app.result_length', op: '>=', value: 4 }, 3],
  ['<', { column: 'app.result_length', op: '<', value: 3 }, 1],
  ['<=', { column: 'app.result_length', op: '<=', value: 3 }, 2],
  ['> on a float column', { column: 'duration_ms', op: '>', value: 99.5 }, 4],
  ['starts-with', { column: 'name', op: 'starts-with', value: 'GET' }, 5],
  ['does-not-start-with', { column: 'name', op: 'does-not-start-with', value: 'GET' }, 2],
  ['ends-with', { column: 'name', op: 'ends-with', value: 'query' }, 2],
  ['does-not-end-with', { column: 'name', op: 'does-not-end-with', value: 'query' }, 5],
  ['contains', { column: 'name', op: 'contains', value: 'home' }, 5],
  ['does-not-contain', { column: 'name', op: 'does-not-contain', value: 'home' }, 2],
  ['contains on a number column (as text)', { column: 'app.result_length', op: 'contains', value: '5' }, 1],
  ['in', { column: 'user.handle', op: 'in', value: ['andrew', 'brown'] }, 3],
  ['not-in (absent values match)', { column: 'user.handle', op: 'not-in', value: ['andrew'] }, 5],
  ['in numbers', { column: 'app.result_length', op: 'in', value: [1, 6, 99] }, 2],
  ['exists', { column: 'user.handle', op: 'exists' }, 5],
  ['does-not-exist', { column: 'user.handle', op: 'does-not-exist' }, 2],
  ['error = true', { column: 'error', op: '=', value: true }, 2],
  ['error = "false"', { column: 'error', op: '=', value: 'false' }, 5],
  ['is_root', { column: 'is_root', op: '=', value: true }, 5],
  ['trace.parent_id exists (children only)', { column: 'trace.parent_id', op: 'exists' }, 2],
  ['span.kind', { column: 'span.kind', op: '=', value: 'client' }, 2],
  ['status_code', { column: 'status_code', op: '=', value: 2 }, 2],
  ['trace.span_id', { column: 'trace.span_id', op: '=', value: '0000000000000003' }, 1],
  ['trace.trace_id', { column: 'trace.trace_id', op: '=', value: '00000000000000000000000000000001' }, 2],
  ['meta.signal_type', { column: 'meta.signal_type', op: '=', value: 'trace' }, 7],
  ['span.num_events', { column: 'span.num_events', op: '=', value: 0 }, 7],
  ['service.name', { column: 'service.name', op: '=', value: 'backend-flask' }, 7],
];

for (const [name, filter, expected] of CASES) {
  test(`filter ${name}`, async () => {
    assert.equal(await count([filter]), expected);
  });
}

test('filter_combination: AND (default) and OR', async () => {
  const f = [{ column: 'user.handle', op: '=', value: 'cat' }, { column: 'error', op: '=', value: true }];
  assert.equal(await count(f), 1); // cat + error: row 5
  assert.equal(await count(f, 'OR'), 3); // rows 2, 4, 5
});

test('__all__ with a service.name filter equals the dataset', async () => {
  assert.equal(await count([{ column: 'service.name', op: '=', value: 'frontend' }], undefined, '__all__'), 3);
});
