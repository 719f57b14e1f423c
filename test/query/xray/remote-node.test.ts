/**
 * The service graph and the filter language name inferred (remote) nodes the same way, so that an edge
 * seen on the map can be typed into `edge(...)`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { compileFilter } from '../../../src/query/xray-filter/compile-sql.js';
import type { CompileContext } from '../../../src/query/xray-filter/fields.js';
import { parseFilter } from '../../../src/query/xray-filter/parser.js';
import { buildServices, graphQueries } from '../../../src/query/xray/service-graph.js';
import { duckdbDialect } from '../../../src/store/duckdb/dialect.js';

const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
await conn.run(`CREATE TABLE spans (trace_hi BIGINT, trace_lo BIGINT, span_id BIGINT, parent_id BIGINT, dataset VARCHAR, name VARCHAR,
  kind UTINYINT, start_ns BIGINT, duration_ns BIGINT, status_code UTINYINT, status_message VARCHAR, source UTINYINT, "a:server.address" VARCHAR)`);
// Trace 1 (OTel): checkout -> SELECT to orders-db (server.address). Trace 2 (X-Ray): a remote subsegment named by host.
await conn.run(`INSERT INTO spans VALUES
  (1, 1, 11, 0, 'checkout', 'GET /cart', 2, 1000, 500, 0, '', 0, NULL),
  (1, 1, 12, 11, 'checkout', 'SELECT orders', 3, 1100, 100, 0, '', 0, 'orders-db.internal'),
  (2, 2, 21, 0, 'backend-flask', 'backend-flask', 2, 1000, 500, 0, '', 1, NULL),
  (2, 2, 22, 21, 'backend-flask', '127.0.0.1', 3, 1100, 100, 0, '', 1, NULL)`);

const ctx: CompileContext = {
  column: (key) => (key === 'server.address' ? { sql: '"a:server.address"', type: 'string' } : null),
  quote: (s) => `'${s.replace(/'/g, "''")}'`,
  dialect: duckdbDialect,
};
const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as never[];

test('remote nodes of the service graph are reachable by edge() and service()', async () => {
  const q = graphQueries(ctx, () => 'TRUE');
  const services = buildServices(await rows(q.nodes), await rows(q.nodeHistogram), await rows(q.edges), await rows(q.edgeHistogram), '000000000000');
  const names = services.map((s) => s.Name).sort();
  assert.deepEqual(names, ['127.0.0.1', 'backend-flask', 'checkout', 'client', 'orders-db.internal']);
  const checkout = services.find((s) => s.Name === 'checkout')!;
  const db = services.find((s) => s.Name === 'orders-db.internal')!;
  assert.ok(checkout.Edges.some((e) => e.ReferenceId === db.ReferenceId));
  assert.equal(db.Type, 'remote');

  const traces = async (expr: string) => {
    const having = compileFilter(parseFilter(expr), ctx);
    return (await rows(`SELECT t.trace_hi AS id FROM spans t GROUP BY t.trace_hi, t.trace_lo HAVING ${having} ORDER BY 1`)).map((r: { id: bigint }) => Number(r.id));
  };
  assert.deepEqual(await traces('edge("checkout", "orders-db.internal")'), [1]);
  assert.deepEqual(await traces('service("orders-db.internal")'), [1]);
  assert.deepEqual(await traces('edge("backend-flask", "127.0.0.1")'), [2]);
  assert.deepEqual(await traces('edge("checkout", "SELECT orders")'), []);
});
