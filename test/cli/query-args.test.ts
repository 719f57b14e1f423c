import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCalc, parseCalculatedField, parseHaving, parseOrder, parseRange, parseSeconds, parseTime, parseWhere } from '../../src/cli/query-args.js';
import { sparkline } from '../../src/cli/query.js';

test('--calc', () => {
  assert.deepEqual(parseCalc('COUNT'), { op: 'COUNT' });
  assert.deepEqual(parseCalc('p99(duration_ms)'), { op: 'P99', column: 'duration_ms' });
  assert.deepEqual(parseCalc('HEATMAP( duration_ms )'), { op: 'HEATMAP', column: 'duration_ms' });
  assert.throws(() => parseCalc('P42(x)'), /--calc: want OP/);
});

test('--where', () => {
  assert.deepEqual(parseWhere('name = http-home-activities'), { column: 'name', op: '=', value: 'http-home-activities' });
  assert.deepEqual(parseWhere('name = GET /api/activities/home'), { column: 'name', op: '=', value: 'GET /api/activities/home' });
  assert.deepEqual(parseWhere('app.result_length > 3'), { column: 'app.result_length', op: '>', value: 3 });
  assert.deepEqual(parseWhere('app.result_length>=3'), { column: 'app.result_length', op: '>=', value: 3 });
  assert.deepEqual(parseWhere('user.handle in andrew, cat'), { column: 'user.handle', op: 'in', value: ['andrew', 'cat'] });
  assert.deepEqual(parseWhere('user.handle does-not-exist'), { column: 'user.handle', op: 'does-not-exist' });
  assert.deepEqual(parseWhere('error = true'), { column: 'error', op: '=', value: true });
  assert.deepEqual(parseWhere('zip = "02134"'), { column: 'zip', op: '=', value: '02134' });
  assert.deepEqual(parseWhere('url does-not-contain /health'), { column: 'url', op: 'does-not-contain', value: '/health' });
  assert.throws(() => parseWhere('name'), /--where: want "column op value"/);
  assert.throws(() => parseWhere('name exists now'), /takes no value/);
});

test('--order, --having, --calculated-field, durations, times, ranges', () => {
  assert.deepEqual(parseOrder('COUNT desc'), { op: 'COUNT', order: 'descending' });
  assert.deepEqual(parseOrder('P99(duration_ms)'), { op: 'P99', column: 'duration_ms', order: 'ascending' });
  assert.deepEqual(parseOrder('user.handle descending'), { column: 'user.handle', order: 'descending' });
  assert.deepEqual(parseHaving('COUNT > 10'), { calculate_op: 'COUNT', op: '>', value: 10 });
  assert.deepEqual(parseHaving('P99(duration_ms) >= 500'), { calculate_op: 'P99', column: 'duration_ms', op: '>=', value: 500 });
  assert.throws(() => parseHaving('COUNT > x'), /--having/);
  assert.deepEqual(parseCalculatedField('slow=IF(GTE($duration_ms, 500), "slow")'), { name: 'slow', expression: 'IF(GTE($duration_ms, 500), "slow")' });
  assert.equal(parseSeconds('1h', 'time-range'), 3600);
  assert.equal(parseSeconds('90', 'time-range'), 90);
  assert.throws(() => parseSeconds('10ms', 'granularity'), /at least 1s/);
  assert.equal(parseTime('2026-12-01T00:00:00Z', 'start'), 1_796_083_200);
  assert.deepEqual(parseRange('duration_ms 800..1200.5'), { column: 'duration_ms', lower: 800, upper: 1200.5 });
});

test('sparkline', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([2, null, 2]), '▄ ▄');
  assert.equal(sparkline([]), '');
});
