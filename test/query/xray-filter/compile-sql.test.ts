import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  compileFilter,
  type CompileContext,
  type ColumnType,
  type Dialect,
} from '../../../src/query/xray-filter/compile-sql.js';
import { duckdbDialect } from '../../../src/store/duckdb/dialect.js';

/**
 * DuckDB again, but with `exists` written as an uncorrelated `(…) IN (SELECT …)`: the shape an engine without
 * correlated subqueries (ClickHouse) needs. Checks that the compiler keeps to the `ExistsQuery` contract.
 * `maxOf` stays correlated (ClickHouse would need a JOIN there).
 */
const duckdbUncorrelatedDialect: Dialect = {
  ...duckdbDialect,
  name: 'duckdb-uncorrelated',
  exists: (q) =>
    `((${q.keys.map((k) => k[1]).join(', ')}) IN (SELECT ${q.keys.map((k) => k[0]).join(', ')} FROM ${q.table} ${q.alias} WHERE ${q.where}))`,
};
import { parseFilter } from '../../../src/query/xray-filter/parser.js';

// One column per attribute, named "a:<key>" (the naming is the context's business, not the compiler's).
const ATTRS: Record<string, ColumnType> = {
  'http.response.status_code': 'int',
  'http.status_code': 'string', // an older alias, widened to text
  'url.full': 'string',
  'http.request.method': 'string',
  'xray.fault': 'bool',
  'xray.error': 'bool',
  'xray.throttle': 'bool',
  'xray.origin': 'string',
  'xray.namespace': 'string',
  'xray.in_progress': 'bool',
  'xray.type': 'string',
  'cloud.platform': 'string',
  'enduser.id': 'string',
  'exception.type': 'string',
  'exception.message': 'string',
  gameid: 'string',
  age: 'int',
  vip: 'bool',
  score: 'string',
};
const SQL_TYPE: Record<ColumnType, string> = { string: 'VARCHAR', int: 'BIGINT', double: 'DOUBLE', bool: 'BOOLEAN' };
const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const qid = (s: string) => `"${s.replace(/"/g, '""')}"`;

const GROUPS: Record<string, string> = { slow: 'responsetime > 2', loop: 'group.name = "loop"', all: '', broken: 'ok AND (' };

function ctxFor(dialect: Dialect, columns: Record<string, ColumnType> = ATTRS): CompileContext {
  return {
    column: (key) => (key in columns ? { sql: qid(`a:${key}`), type: columns[key] } : null),
    quote,
    groups: (name) => GROUPS[name],
    dialect,
  };
}

interface Row {
  trace: number;
  id: number;
  parent?: number;
  dataset: string;
  name?: string;
  kind: number;
  start: number; // seconds from the base
  dur: number; // seconds
  status?: number;
  msg?: string;
  source?: number;
  a?: Record<string, string | number | boolean>;
}
const S = (a: Row['a']) => a;
const ROWS: Row[] = [
  // T1: OTel, all fine. frontend -> backend.
  { trace: 1, id: 1, dataset: 'frontend', name: 'GET /api/game/:id', kind: 2, start: 0, dur: 1,
    a: S({ 'http.response.status_code': 200, 'url.full': 'http://api.example.com/api/game/1', 'http.request.method': 'GET', 'enduser.id': 'alice', gameid: '817DL6VO', age: 30 }) },
  { trace: 1, id: 2, parent: 1, dataset: 'frontend', name: 'GET', kind: 3, start: 0.1, dur: 0.5, a: S({ 'http.response.status_code': 200 }) },
  { trace: 1, id: 3, parent: 2, dataset: 'backend', name: 'GET /game', kind: 2, start: 0.15, dur: 0.4, a: S({ 'http.response.status_code': 200 }) },
  // T2: OTel, a fault in backend's database call propagates up.
  { trace: 2, id: 4, dataset: 'frontend', name: 'POST /api/game', kind: 2, start: 0, dur: 3, status: 2, a: S({ 'http.response.status_code': 500, 'http.request.method': 'POST' }) },
  { trace: 2, id: 5, parent: 4, dataset: 'frontend', name: 'POST', kind: 3, start: 0.1, dur: 2.5, status: 2, a: S({ 'http.response.status_code': 500 }) },
  { trace: 2, id: 6, parent: 5, dataset: 'backend', name: 'POST /game', kind: 2, start: 0.2, dur: 2.2, status: 2,
    a: S({ 'http.response.status_code': 500, 'exception.type': 'RuntimeException', 'exception.message': 'boom' }) },
  { trace: 2, id: 7, parent: 6, dataset: 'backend', name: 'db.query', kind: 1, start: 0.3, dur: 2, status: 2, msg: 'deadlock detected',
    a: S({ 'exception.type': 'SQLException' }) },
  // T3: X-Ray SDK: a 404 segment on EC2 with a throttled DynamoDB subsegment.
  { trace: 3, id: 8, dataset: 'scorekeep', name: 'scorekeep', kind: 2, start: 0, dur: 1, status: 2, source: 1,
    a: S({ 'xray.type': 'segment', 'xray.origin': 'AWS::EC2::Instance', 'xray.error': true, 'http.response.status_code': 404, vip: true }) },
  { trace: 3, id: 9, parent: 8, dataset: 'scorekeep', name: 'DynamoDB', kind: 3, start: 0.1, dur: 0.2, status: 2, source: 1,
    a: S({ 'xray.type': 'subsegment', 'xray.namespace': 'aws', 'xray.throttle': true, 'xray.error': true, 'http.response.status_code': 429 }) },
  // T4: partial: the root is missing and the only span is still in progress (a Lambda consumer).
  { trace: 4, id: 10, parent: 999, dataset: 'worker', name: 'process', kind: 5, start: 0, dur: 0.2,
    a: S({ 'xray.in_progress': true, 'cloud.platform': 'aws_lambda', score: '12.5' }) },
  // T5: OTel with only the old status attribute, as text.
  { trace: 5, id: 11, dataset: 'legacy', name: 'GET /', kind: 2, start: 0, dur: 0.05, a: S({ 'http.status_code': '201' }) },
];

const BASE_NS = 1_700_000_000_000_000_000n;
const ns = (sec: number) => (BASE_NS + BigInt(Math.round(sec * 1e9))).toString();

const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const attrCols = Object.entries(ATTRS).map(([k, t]) => `${qid(`a:${k}`)} ${SQL_TYPE[t]}`);
await conn.run(`CREATE TABLE spans (trace_hi BIGINT, trace_lo BIGINT, span_id BIGINT, parent_id BIGINT, dataset VARCHAR, name VARCHAR,
  kind UTINYINT, start_ns BIGINT, duration_ns BIGINT, status_code UTINYINT, status_message VARCHAR, source UTINYINT, ${attrCols.join(', ')})`);
for (const r of ROWS) {
  const attrVals = Object.keys(ATTRS).map((k) => {
    const v = r.a?.[k];
    return v === undefined ? 'NULL' : typeof v === 'string' ? quote(v) : String(v);
  });
  await conn.run(`INSERT INTO spans VALUES (${r.trace}, ${r.trace * 7}, ${r.id}, ${r.parent ?? 0}, ${quote(r.dataset)}, ${quote(r.name ?? r.dataset)},
    ${r.kind}, ${ns(r.start)}, ${Math.round(r.dur * 1e9)}, ${r.status ?? 0}, ${quote(r.msg ?? '')}, ${r.source ?? 0}, ${attrVals.join(', ')})`);
}
// The same rows without any attribute column: every compiled filter must still run.
await conn.run(`CREATE TABLE bare AS SELECT trace_hi, trace_lo, span_id, parent_id, dataset, name, kind, start_ns, duration_ns, status_code, status_message, source FROM spans`);

async function traces(expr: string, dialect: Dialect = duckdbDialect, table = 'spans', columns = ATTRS): Promise<number[]> {
  const having = compileFilter(parseFilter(expr), { ...ctxFor(dialect, columns), table });
  const sql = `SELECT t.trace_hi AS id FROM ${table} t WHERE t.start_ns >= ${BASE_NS} GROUP BY t.trace_hi, t.trace_lo HAVING ${having} ORDER BY 1`;
  const rows = (await conn.runAndReadAll(sql)).getRowObjects();
  return rows.map((r) => Number(r.id));
}

const CASES: Array<[string, number[]]> = [
  ['ok', [1, 4, 5]],
  ['!ok', [2, 3]],
  ['ok = false', [2, 3]],
  ['fault', [2]],
  ['fault = false', [1, 3, 4, 5]],
  ['error', [3]],
  ['throttle', []], // the 429 is on a subsegment; the segment itself answered 404
  ['partial', [4]],
  ['!partial', [1, 2, 3, 5]],
  ['inferred', [3]],
  ['root', [1, 2, 3, 5]],
  ['remote', [1, 2, 3]],
  ['responsetime > 2', [2]],
  ['responsetime < 2', [1, 3, 5]],
  ['duration >= 1 AND duration <= 3', [1, 2, 3]],
  ['duration < 1', [4, 5]],
  ['ok !partial duration < 3', [1, 5]],
  ['http.status = 201', [5]],
  ['http.status >= 500', [2]],
  ['http.status != 200', [2, 3, 5]],
  ['http.url CONTAINS "/api/game/"', [1]],
  ['http.url BEGINSWITH "http://api.example.com/"', [1]],
  ['http.url ENDSWITH "/1"', [1]],
  ['http.url CONTAINS "%"', []],
  ['http.url AND responsetime > 0.5', [1]],
  ['http.method = "POST"', [2]],
  ['http.method != "POST"', [1]],
  ['user = "alice"', [1]],
  ['user CONTAINS ""', [1]],
  ["user = \"x' OR 1=1 --\"", []],
  ['name = "backend"', [1, 2]],
  ['type = "AWS::EC2::Instance"', [3]],
  ['type = "AWS::Lambda::Function"', [4]],
  ['message = "boom"', [2]],
  ['message CONTAINS "dead"', [2]],
  ['annotation.gameid = "817DL6VO"', [1]],
  ['annotation.gameid CONTAINS "DL6"', [1]],
  ['annotation.age > 29', [1]],
  ['annotation.age = 30 AND annotation[gameid] BEGINSWITH "817"', [1]],
  ['annotation.age', [1]],
  ['!annotation.age', [2, 3, 4, 5]],
  ['annotation.vip', [3]],
  ['annotation.vip = true', [3]],
  ['annotation.vip = false', []],
  ['annotation.score > 12', [4]],
  ['annotation.score = "12.5"', [4]],
  ['annotation.missing', []],
  ['!annotation.missing', [1, 2, 3, 4, 5]],
  ['annotation["it\'s"] = "x"', []],
  ['service("backend")', [1, 2]],
  ['service("backend") { fault }', [2]],
  ['service("backend") { !fault }', [1]], // both backend spans of T2 fault
  ['service("backend") { !fault } AND fault', []],
  ['service() { fault }', [2]],
  ['service()', [1, 2, 3, 4, 5]],
  ['!service("backend")', [3, 4, 5]],
  ['service("DynamoDB") { throttle }', [3]],
  ['service("frontend") { root AND fault }', [2]],
  ['service("frontend") { fault = true OR responsetime > 2.5 } AND annotation.gameid = "817DL6VO"', []],
  ['service("frontend") { responsetime > 0.9 } AND annotation.gameid = "817DL6VO"', [1]],
  ['service(id(name: "scorekeep", type: "AWS::EC2::Instance"))', [3]],
  ['service(id(name: "scorekeep", type: "AWS::Lambda::Function"))', []],
  ['service(id(type: "AWS::Lambda::Function"))', [4]],
  ['edge("frontend", "backend")', [1, 2]],
  ['edge("frontend", "backend") { fault }', [2]],
  ['edge("backend", "frontend")', []],
  ['!edge("frontend", "backend")', [3, 4, 5]],
  ['edge("scorekeep", "DynamoDB") { throttle }', [3]],
  ['edge(id(name: "scorekeep", type: "AWS::EC2::Instance"), "DynamoDB")', [3]],
  ['group.name = "slow"', [2]],
  ['group.name != "slow"', [1, 3, 4, 5]],
  ['group.arn = "arn:aws:xray:us-east-1:123456789012:group/slow/AB12"', [2]],
  ['group.name = "nope"', []],
  ['group.name = "loop"', []],
  ['group.name = "all"', [1, 2, 3, 4, 5]],
  ['group.name = "broken"', []],
  ['rootcause.fault.service { name = "backend" }', [2]],
  ['rootcause.fault.service { name = "frontend" AND first }', [2]],
  ['rootcause.fault.entity { last and name = "db.query" }', [2]],
  ['rootcause.fault.entity { last and name = "POST /game" }', []],
  ['rootcause.fault.exception { name = "SQLException" }', [2]],
  ['rootcause.fault.exception { last and message = "deadlock detected" }', [2]],
  ['rootcause.error.service { name = "scorekeep" AND type = "AWS::EC2::Instance" }', [3]],
  ['rootcause.responsetime.entity { remote AND coverage > 0.3 }', [1, 2]],
  ['rootcause.responsetime.entity { remote AND coverage > 0.6 }', [2]],
  ['rootcause.fault.service { index = 0 }', [2]],
  ['rootcause.json = #[{"Services":[{"Name":"backend","EntityPath":[{"Name":"backend"},{"Name":"db.query","Exceptions":[{"Name":"SQLException"}]}]}]}]', [2]],
  ['rootcause.json = #[{"Services":[{"Name":"nope"}]}]', []],
  ['rootcause.json != #[{"Services":[{"Name":"backend"}]}]', [3, 4, 5]],
  ['(fault OR error) AND !service("scorekeep")', [2]],
  ['ok OR fault AND responsetime > 2', [1, 2, 4, 5]],
];

for (const dialect of [duckdbDialect, duckdbUncorrelatedDialect]) {
  test(`filters select the right traces (${dialect.name})`, async () => {
    const failures: string[] = [];
    for (const [expr, want] of CASES) {
      try {
        const got = await traces(expr, dialect);
        if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${expr}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      } catch (e) {
        failures.push(`${expr}: ${(e as Error).message}`);
      }
    }
    assert.deepEqual(failures, []);
  });
}

test('every filter compiles to SQL that runs when no attribute column exists', async () => {
  for (const [expr] of CASES) {
    try {
      await traces(expr, duckdbDialect, 'bare', {});
    } catch (e) {
      assert.fail(`${expr}: ${(e as Error).message}`);
    }
  }
  // Derived from core columns only: status_code 2 with no HTTP status is a fault.
  assert.deepEqual(await traces('fault', duckdbDialect, 'bare', {}), [2]);
  assert.deepEqual(await traces('service("backend") { fault }', duckdbDialect, 'bare', {}), [2]);
});

test('user strings only reach SQL through ctx.quote', () => {
  const seen: string[] = [];
  const ctx: CompileContext = { ...ctxFor(duckdbDialect), quote: (s) => (seen.push(s), quote(s)) };
  const sql = compileFilter(parseFilter(`user = "a'b" AND http.url CONTAINS "x%_" AND service("s'1") AND annotation.gameid ENDSWITH "z"`), ctx);
  assert.ok(seen.includes("a'b") && seen.includes('x%_') && seen.includes("s'1") && seen.includes('z'));
  assert.ok(!sql.includes("a'b") && sql.includes("a''b"));
});
