import { DuckDBStore } from '/work/wt/bigtrace2/dist/src/store/duckdb/duckdb-store.js';
import { DuckDBInstance } from '/work/wt/bigtrace2/node_modules/@duckdb/node-api/lib/index.js';
import { readTraceText } from '/work/wt/bigtrace2/dist/src/store/duckdb/trace-text.js';
import { traceReadRange } from '/work/wt/bigtrace2/dist/src/store/duckdb/trace-index.js';
import { traceIdConditions } from '/work/wt/bigtrace2/dist/src/store/engine-common.js';
import { quoteIdent } from '/work/wt/bigtrace2/dist/src/store/sql-quote.js';
const id = '35b590d19a71908b8029d21df15498c0';
const store = await DuckDBStore.open({ path: '/tmp/bigtrace2/d10m/honeyray.duckdb' });
const catalog = store.readCatalog;
const sqls = [];
const fake = { run: async (sql) => { sqls.push(sql); throw new Error('x'); }, runAndReadAll: async (s) => { sqls.push(s); throw new Error('x'); } };
const column = (k) => { const c = catalog.get(k); return c ? quoteIdent(c.column) : null; };
const range = await store.reads.use((c) => traceReadRange(c, [id], traceIdConditions([id])));
await readTraceText(fake, catalog, column, id, range.where).catch(() => {});
const { readTraceColumns } = await import('/work/wt/bigtrace2/dist/src/store/duckdb/trace-columns.js');
await readTraceColumns(fake, catalog, column, [id], range).catch(() => {});
await store.close();
const inst = await DuckDBInstance.create('/tmp/bigtrace2/d10m/honeyray.duckdb'); const conn = await inst.connect();
const T = sqls[0];
const nowin = T.replace(/CASE WHEN res IS NOT DISTINCT FROM lag\(res\) OVER w THEN NULL ELSE res END/, 'res').replace(/CASE WHEN tail IS NOT DISTINCT FROM lag\(tail\) OVER w THEN NULL ELSE tail END/, 'tail').replace(/WINDOW w AS \(ORDER BY start_ns, span_id\)/, '');
const headOnly = T.replace(/CASE WHEN res IS NOT DISTINCT FROM lag\(res\) OVER w THEN NULL ELSE res END/, '1').replace(/CASE WHEN tail IS NOT DISTINCT FROM lag\(tail\) OVER w THEN NULL ELSE tail END/, '1').replace(/WINDOW w AS \(ORDER BY start_ns, span_id\)/, '');
const noSort = headOnly.replace(/ORDER BY start_ns, span_id\s*$/, '');
const variants = { text: T, nowin, headOnly, noSort, old: sqls[1], ...(process.env.EXTRA ? JSON.parse(process.env.EXTRA) : {}) };
if (process.argv[2] === 'print') { console.log(sqls[0]); process.exit(0); }
for (let i = 0; i < 3; i++) for (const [name, sql] of Object.entries(variants)) {
  const c0 = process.cpuUsage(); const t0 = performance.now(); const r = await conn.run(sql); const c = process.cpuUsage(c0);
  console.log(name.padEnd(10), r.rowCount, (performance.now() - t0).toFixed(0), 'ms', ((c.user + c.system) / 1000).toFixed(0), 'cpu');
}
