import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runQuery } from '../../../src/query/honeycomb/run.js';
import { parseFormula } from '../../../src/query/honeycomb/formula/parse.js';
import { fixtureStore, HOUR } from './fixture.js';

let fx: Awaited<ReturnType<typeof fixtureStore>>;
before(async () => { fx = await fixtureStore(); });
after(async () => { await fx.done(); });

/** The calculated field's value per span of backend-flask, in span order (by trace.span_id). */
async function values(expression: string): Promise<unknown[]> {
  const out = await runQuery(fx.store, 'backend-flask', {
    ...HOUR, calculated_fields: [{ name: 'f', expression }], breakdowns: ['trace.span_id', 'f'], orders: [{ column: 'trace.span_id' }],
  }, { disableSeries: true });
  return out.results.map((r) => r.data.f);
}

// Spans 1..7 of backend-flask: ms 100 300 50 900 1000 20 40; lengths 3 5 1 4 6 - -; users andrew andrew brown cat cat - -
const CASES: [string, unknown[]][] = [
  ['IF(GTE($duration_ms, 500), "slow", "fast")', ['fast', 'fast', 'fast', 'slow', 'slow', 'fast', 'fast']],
  ['IF(GTE($duration_ms, 500), "slow")', [null, null, null, 'slow', 'slow', null, null]],
  ['IF(LT($duration_ms, 50), "a", LT($duration_ms, 200), "b", "c")', ['b', 'c', 'b', 'c', 'c', 'a', 'a']],
  ['SWITCH($user.handle, "andrew", 1, "cat", 2, 0)', [1, 1, 0, 2, 2, 0, 0]],
  ['COALESCE($user.handle, $name)', ['andrew', 'andrew', 'brown', 'cat', 'cat', 'db.query', 'db.query']],
  ['EQUALS($user.handle, "cat")', [false, false, false, true, true, null, null]],
  ['$app.result_length > 3', [false, true, false, true, true, false, false]],
  ['CONTAINS($name, "home")', [true, true, true, true, true, false, false]],
  ['STARTS_WITH($name, "db")', [false, false, false, false, false, true, true]],
  ['REG_MATCH($user.handle, "^[ab]")', [true, true, true, false, false, false, false]],
  ['REG_VALUE($name, "^([A-Z]+) ")', ['GET', 'GET', 'GET', 'GET', 'GET', null, null]],
  ['$duration_ms * 2 + 1', [201, 601, 101, 1801, 2001, 41, 81]],
  ['SUM($app.result_length, 10)', [13, 15, 11, 14, 16, 10, 10]],
  ['SUB($duration_ms, $app.result_length)', [97, 295, 49, 896, 994, 20, 40]],
  ['DIV($duration_ms, SUB($app.result_length, 3))', [null, 150, -25, 900, 1000 / 3, -20 / 3, -40 / 3]],
  ['MOD($duration_ms, 7)', [2, 6, 1, 4, 6, 6, 5]],
  ['MIN($duration_ms, 60)', [60, 60, 50, 60, 60, 20, 40]],
  ['MAX($app.result_length, 4)', [4, 5, 4, 4, 6, 4, 4]],
  ['LOG10($duration_ms)', [2, Math.log10(300), Math.log10(50), Math.log10(900), 3, Math.log10(20), Math.log10(40)]],
  ['BUCKET($duration_ms, 250)', [0, 250, 0, 750, 1000, 0, 0]],
  ['BUCKET($duration_ms, 250, 0, 500)', [0, 250, 0, 500, 500, 0, 0]],
  ['NOT(EXISTS($user.handle))', [false, false, false, false, false, true, true]],
  ['AND($error, GT($duration_ms, 500))', [false, false, false, false, true, false, false]],
  ['OR($error, IN($user.handle, "brown"))', [false, true, true, false, true, false, false]],
  ['CONCAT($name, "#", $app.result_length)', ['GET /home#3', 'GET /home#5', 'GET /home#1', 'GET /home#4', 'GET /home#6', 'db.query#', 'db.query#']],
  ['LENGTH($user.handle)', [6, 6, 5, 3, 3, null, null]],
  ['INT(DIV($duration_ms, 7))', [14, 42, 7, 128, 142, 2, 5]],
  ['STRING($app.result_length)', ['3', '5', '1', '4', '6', null, null]],
  ['BOOL($app.result_length)', [true, true, true, true, true, false, false]],
  ['TO_LOWER($name)', ['get /home', 'get /home', 'get /home', 'get /home', 'get /home', 'db.query', 'db.query']],
  ['`raw \\n string`', Array(7).fill('raw \\n string')],
];

for (const [expr, expected] of CASES) {
  test(`formula ${expr}`, async () => {
    const got = await values(expr);
    assert.equal(got.length, 7);
    got.forEach((v, i) => {
      const e = expected[i];
      if (typeof e === 'number' && typeof v === 'number') assert.ok(Math.abs(v - e) < 1e-9, `span ${i + 1}: ${v} != ${e}`);
      else assert.deepEqual(v, e, `span ${i + 1}`);
    });
  });
}

test('parser: precedence, unary minus, quoted columns, errors with positions', () => {
  assert.deepEqual(parseFormula('1 + 2 * 3'), { k: 'call', fn: 'SUM', pos: 2, args: [{ k: 'literal', value: 1, pos: 0 }, { k: 'call', fn: 'MUL', pos: 6, args: [{ k: 'literal', value: 2, pos: 4 }, { k: 'literal', value: 3, pos: 8 }] }] });
  assert.deepEqual(parseFormula('-4e-2'), { k: 'literal', value: -0.04, pos: 0 });
  assert.deepEqual(parseFormula('$"Context Key"'), { k: 'column', name: 'Context Key', pos: 0 });
  assert.throws(() => parseFormula('IF($a, 1'), /expected "\)" at position 8/);
  assert.throws(() => parseFormula('foo'), /unknown name "foo"/);
  assert.throws(() => parseFormula('"abc'), /unterminated string/);
  assert.throws(() => parseFormula('1 2'), /unexpected text after the formula at position 2/);
  assert.throws(() => parseFormula('('.repeat(100) + '1' + ')'.repeat(100)), /nested too deeply/);
});

test('bad formulas are 400s naming calculated_fields[i].expression', async () => {
  for (const [expression, msg] of [
    ['NOPE(1)', /unknown function NOPE/], ['$missing', /unknown column "missing"/], ['IF()', /IF takes at least 2/],
    ['REG_MATCH($name, $name)', /must be a string literal/], ['REG_MATCH($name, "(")', /invalid regular expression/],
    ['BUCKET($duration_ms, 0)', /size must be a positive number/],
  ] as const) {
    await assert.rejects(runQuery(fx.store, 'backend-flask', { ...HOUR, calculated_fields: [{ name: 'f', expression }] }), (err: Error & { details?: { field: string }[] }) => {
      assert.equal(err.details?.[0]?.field, 'calculated_fields[0].expression');
      assert.match(err.message, msg);
      return true;
    });
  }
});
