import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ColumnResolver } from '../../../src/query/honeycomb/columns.js';
import { HoneycombApiError } from '../../../src/query/honeycomb/errors.js';
import { validateSpec } from '../../../src/query/honeycomb/validate.js';

const columns = () => new ColumnResolver([
  { key: 'user.handle', column: 'a:user.handle', type: 'string', origin: 'span', firstSeenMs: 0, lastSeenMs: 0 },
  { key: 'app.result_length', column: 'a:app.result_length', type: 'int', origin: 'span', firstSeenMs: 0, lastSeenMs: 0 },
]);
const NOW = 1_780_000_000;

function fails(spec: unknown, field: string, message: RegExp) {
  assert.throws(() => validateSpec(spec, columns(), NOW), (err: unknown) => {
    assert.ok(err instanceof HoneycombApiError);
    assert.equal(err.status, 400);
    const body = err.body() as { type_detail: { field: string }[]; error: string };
    assert.equal(body.type_detail[0]!.field, field);
    assert.match(body.error, message);
    return true;
  });
}

test('defaults: COUNT, last 2 hours, 100 rows, ~60 buckets, AND', () => {
  const s = validateSpec({}, columns(), NOW);
  assert.deepEqual(s.calculations, [{ op: 'COUNT' }]);
  // The range ends after the current second (end is exclusive), so events sent this second are counted.
  assert.equal(s.end_time, NOW + 1);
  assert.equal(s.start_time, NOW + 1 - 7200);
  assert.equal(s.limit, 100);
  assert.equal(s.granularity, 120);
  assert.equal(s.filter_combination, 'AND');
});

test('each mistake names its field', () => {
  fails([], 'query', /JSON object/);
  fails({ calculations: [{ op: 'P42' }] }, 'calculations[0].op', /unknown calculation op "P42"/);
  fails({ calculations: [{ op: 'AVG' }] }, 'calculations[0].column', /must be a column name/);
  fails({ calculations: [{ op: 'AVG', column: 'user.handle' }] }, 'calculations[0].column', /needs a numeric column/);
  fails({ calculations: [{ op: 'COUNT', column: 'duration_ms' }] }, 'calculations[0].column', /COUNT takes no column/);
  fails({ calculations: [{ op: 'COUNT' }, { op: 'COUNT' }] }, 'calculations[1]', /appears twice/);
  fails({ calculations: [{ op: 'COUNT', filters: [{ column: 'nope', op: '=', value: 1 }] }] }, 'calculations[0].filters[0].column', /unknown column "nope"/);
  fails({ filters: [{ column: 'name', op: 'like', value: 'x' }] }, 'filters[0].op', /unknown filter op "like"/);
  fails({ filters: [{ column: 'name', op: '=' }] }, 'filters[0].value', /takes one value/);
  fails({ filters: [{ column: 'name', op: 'in', value: 'x' }] }, 'filters[0].value', /non-empty array/);
  fails({ filter_combination: 'XOR' }, 'filter_combination', /"AND" or "OR"/);
  fails({ breakdowns: ['name', 'name'] }, 'breakdowns', /appears twice/);
  fails({ breakdowns: ['name"; DROP TABLE spans'] }, 'breakdowns[0]', /unknown column/);
  fails({ orders: [{ op: 'MAX', column: 'duration_ms' }] }, 'orders[0]', /must name one of the calculations/);
  fails({ orders: [{ column: 'name' }] }, 'orders[0].column', /one of the breakdowns/);
  fails({ orders: [{ op: 'COUNT', order: 'up' }] }, 'orders[0].order', /ascending/);
  fails({ calculations: [{ op: 'HEATMAP', column: 'duration_ms' }], havings: [{ calculate_op: 'HEATMAP', column: 'duration_ms', op: '>', value: 1 }] }, 'havings[0].calculate_op', /not allowed in havings/);
  fails({ havings: [{ calculate_op: 'COUNT', op: '~', value: 1 }] }, 'havings[0].op', /must be one of/);
  fails({ havings: [{ calculate_op: 'COUNT', op: '>', value: 'x' }] }, 'havings[0].value', /must be a number/);
  fails({ limit: 0 }, 'limit', /between 1 and 1000/);
  fails({ limit: 1001 }, 'limit', /between 1 and 1000/);
  fails({ time_range: 60, start_time: NOW - 60, end_time: NOW }, 'time_range', /not with both/);
  fails({ start_time: NOW, end_time: NOW - 1 }, 'end_time', /after start_time/);
  fails({ time_range: 3600, granularity: 1 }, 'granularity', /between 4 and 3600/); // at most 1000 buckets
  fails({ time_range: 3600, granularity: 3601 }, 'granularity', /between 4 and 3600/);
  fails({ compare_time_offset_seconds: 60 }, 'compare_time_offset_seconds', /must be one of 1800/);
  fails({ calculated_fields: [{ name: 'name', expression: '1' }] }, 'calculated_fields[0].name', /already a column/);
  fails({ bogus: 1 }, 'bogus', /unknown field/);
});

test('limit up to 10,000 when series are disabled', () => {
  assert.equal(validateSpec({ limit: 10000 }, columns(), NOW, 10_000).limit, 10000);
});

test('calculated fields can be used as columns by the rest of the spec', () => {
  const s = validateSpec({ calculated_fields: [{ name: 'slow', expression: 'GT($duration_ms, 500)' }], breakdowns: ['slow'], filters: [{ column: 'slow', op: '=', value: true }] }, columns(), NOW);
  assert.deepEqual(s.breakdowns, ['slow']);
});
