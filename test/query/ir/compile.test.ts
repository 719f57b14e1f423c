import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import { compileExpr, compileQuery, IrError } from '../../../src/query/ir/compile.js';
import { agg, and, cmp, col, fn, lit, ref, type Expr, type Query } from '../../../src/query/ir/ir.js';
import { duckdbDialect as d } from '../../../src/store/duckdb/dialect.js';

test('identifiers are quoted and literals escaped by the dialect', () => {
  assert.equal(compileExpr(col('a:we"ird'), d), '"a:we""ird"');
  assert.equal(compileExpr(lit("it's"), d), "'it''s'");
  assert.equal(compileExpr(lit('nul\0byte'), d), "'nulbyte'");
  assert.equal(compileExpr(lit(1.5), d), 'CAST(1.5 AS DOUBLE)');
  assert.equal(compileExpr(lit(null), d), 'NULL');
  assert.throws(() => compileExpr(lit(Infinity), d), /not a finite number/);
});

test('a query: select, where, group by, having by alias (inlined), order by alias, limit', () => {
  const q: Query = {
    from: { table: 'spans' },
    where: and(cmp('=', col('dataset'), lit('svc')), cmp('>', col('duration_ns'), lit(5))),
    select: [{ as: 'g0', expr: col('name') }, { as: 'c0', expr: agg('count') }],
    groupBy: [col('name')],
    having: cmp('>', ref('c0'), lit(1)),
    orderBy: [{ expr: ref('c0'), desc: true }],
    limit: 10,
  };
  assert.equal(compileQuery(q, d),
    `SELECT "name" AS "g0", count(*) AS "c0" FROM "spans" WHERE (("dataset" = 'svc') AND ("duration_ns" > 5)) GROUP BY "name" HAVING (count(*) > 1) ORDER BY "c0" DESC NULLS LAST LIMIT 10`);
});

test('malformed IR is refused, never compiled', () => {
  assert.throws(() => compileQuery({ from: { table: 'spans' }, select: [] }, d), IrError);
  assert.throws(() => compileQuery({ from: { table: 'spans' }, select: [{ as: 'a', expr: lit(1) }, { as: 'a', expr: lit(2) }] }, d), /duplicate/);
  assert.throws(() => compileQuery({ from: { table: 'spans' }, select: [{ as: 'a', expr: lit(1) }], orderBy: [{ expr: ref('b') }] }, d), /no output column b/);
  assert.throws(() => compileQuery({ from: { table: 'spans' }, select: [{ as: 'a', expr: lit(1) }], limit: -1 }, d), /bad limit/);
  assert.throws(() => compileExpr(agg('quantile', col('x'), { q: 2 }), d), /quantile needs q/);
  assert.throws(() => compileExpr(fn('contains', col('x')), d), /takes 2/);
});

test('the DuckDB dialect computes what the IR means (run on DuckDB)', async () => {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`CREATE TABLE spans AS SELECT * FROM (VALUES (1, -5::BIGINT, 1500000000::BIGINT, 'a', '[1,2]'), (2, 255::BIGINT, 2500000000::BIGINT, 'b', NULL)) t(i, hi, ns, s, ev)`);
  const one = async (e: Expr) => (await c.runAndReadAll(compileQuery({ from: { table: 'spans' }, select: [{ as: 'v', expr: e }], orderBy: [{ expr: col('i') }] }, d))).getRowObjectsJS().map((r) => r.v);
  assert.deepEqual(await one(fn('spanIdHex', col('hi'))), ['fffffffffffffffb', '00000000000000ff']);
  assert.deepEqual(await one(fn('traceIdHex', col('hi'), col('hi'))), ['fffffffffffffffbfffffffffffffffb', '00000000000000ff00000000000000ff']);
  assert.deepEqual(await one({ k: 'timeBucket', arg: col('ns'), granularity: 2, origin: 1 }), [1n, 1n]); // [1s,3s)
  assert.deepEqual(await one({ k: 'timeBucket', arg: col('ns'), granularity: 1, origin: 0 }), [1n, 2n]);
  assert.deepEqual(await one({ k: 'widthBucket', arg: col('i'), lower: 1, upper: 2, bins: 4 }), [0n, 3n]);
  assert.deepEqual(await one(fn('jsonArrayLength', col('ev'))), [2n, 0n]);
  assert.deepEqual(await one(fn('div', col('i'), lit(0))), [null, null]);
  assert.deepEqual(await one(fn('regexMatch', col('s'), lit('^a'))), [true, false]);
  assert.deepEqual(await one({ k: 'regexExtract', arg: col('s'), pattern: '(a)', group: 1 }), ['a', null]);
  assert.deepEqual(await one(fn('nsToMs', col('ns'))), [1500, 2500]);
  // Bins of ms over the ns column: integer arithmetic on the column (no DOUBLE per row), the same bins;
  // the upper bound lands in the last bin, values outside the range in the first or last.
  const msBins = (lower: number, upper: number, bins: number): Expr => ({ k: 'widthBucket', arg: fn('nsToMs', col('ns')), lower, upper, bins });
  assert.doesNotMatch(compileExpr(msBins(1500, 2500, 4), d), /DOUBLE|[^/]\/[^/]|1e6/);
  assert.deepEqual(await one(msBins(1500, 2500, 4)), [0n, 3n]);
  assert.deepEqual(await one(msBins(1000, 3000, 4)), [1n, 3n]);
  assert.deepEqual(await one(msBins(1600, 2000, 2)), [0n, 1n]);
  assert.deepEqual(await one(msBins(1500, 1500, 3)), [0n, 0n]);
  assert.deepEqual(await one({ k: 'widthBucket', arg: fn('nsToMs', lit(300_000)), lower: 0.1, upper: 0.7, bins: 3 }), [1, 1]);
  assert.equal(compileExpr({ k: 'isNull', arg: fn('nsToMs', col('ns')), negate: true }, d), '("ns" IS NOT NULL)');
  const [r] = (await c.runAndReadAll(compileQuery({ from: { table: 'spans' }, select: [
    { as: 'p50', expr: agg('quantile', col('i'), { q: 0.5 }) }, { as: 'nd', expr: agg('count_distinct', col('s')) },
    { as: 'f', expr: agg('count', undefined, { filter: cmp('=', col('s'), lit('a')) }) }, { as: 'any', expr: agg('any_true', cmp('>', col('i'), lit(1))) },
  ] }, d))).getRowObjectsJS();
  assert.deepEqual(r, { p50: 1.5, nd: 2n, f: 1n, any: true });
  c.closeSync();
  db.closeSync();
});
