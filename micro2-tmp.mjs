import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
const inst = await DuckDBInstance.create('/tmp/bigtrace2/d10m/honeyray.duckdb', { access_mode: 'READ_ONLY' }); const conn = await inst.connect();
const where = fs.readFileSync('/tmp/bigtrace2/where.txt', 'utf8');
const sql = fs.readFileSync('/tmp/bigtrace2/text.sql', 'utf8');
const head = sql.slice(sql.indexOf(' AS odd, ') + 9, sql.indexOf(' AS head,'));
const tags = head.slice(head.indexOf("concat_ws(','"), head.lastIndexOf(", '],\"logs\":'"));
await conn.run(`CREATE TEMP TABLE tt AS SELECT * FROM spans WHERE ${where}`);
const noTags = head.replace(tags, "'x'");
const exprs = { head, tags, noTags, hex2: "concat(printf('%016x', span_id), printf('%016x', parent_id))", name: "CAST(to_json(coalesce(name, '')) AS VARCHAR)", ints: "concat(start_ns // 1000, duration_ns // 1000)", headTagsOnly: `concat('abc', ${tags}, 'def')` };
for (let i = 0; i < 3; i++) for (const [n, e] of Object.entries(exprs)) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  const r = (await conn.runAndReadAll(`SELECT sum(strlen(${e})) FROM tt`)).getRowsJS()[0][0];
  const c = process.cpuUsage(c0);
  console.log(n.padEnd(12), String(r).padStart(10), (performance.now() - t0).toFixed(0).padStart(5), 'ms', ((c.user + c.system) / 1000).toFixed(0).padStart(5), 'cpu');
}
for (let i = 0; i < 2; i++) for (const [n, q] of Object.entries({ scanwhere: `SELECT count(*), sum(strlen("a:db.statement")) FROM spans WHERE ${where}`, headwhere: `SELECT sum(strlen(${head})) FROM spans WHERE ${where}` })) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  await conn.runAndReadAll(q); const c = process.cpuUsage(c0);
  console.log(n.padEnd(12), (performance.now() - t0).toFixed(0).padStart(5), 'ms', ((c.user + c.system) / 1000).toFixed(0).padStart(5), 'cpu');
}
