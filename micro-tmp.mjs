import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
const inst = await DuckDBInstance.create('/tmp/bigtrace2/d10m/honeyray.duckdb', { access_mode: 'READ_ONLY' }); const conn = await inst.connect();
const where = fs.readFileSync('/tmp/bigtrace2/where.txt', 'utf8');
await conn.run(`CREATE TEMP TABLE tt AS SELECT * FROM spans WHERE ${where}`);
const exprs = {
  tojson: `to_json("a:db.statement")::VARCHAR`,
  quote: `'"' || "a:db.statement" || '"'`,
  concat3: `concat('"', "a:db.statement", '"')`,
  regexcheck: `CASE WHEN regexp_matches("a:db.statement", '["\\\\\\x00-\\x1f]') THEN to_json("a:db.statement")::VARCHAR ELSE concat('"', "a:db.statement", '"') END`,
  hex: `lpad(lower(hex(span_id)), 16, '0')`,
  printf: `printf('%016x', span_id)`,
  int: `(start_ns // 1000)::VARCHAR`,
  casenull: `CASE WHEN "a:http.url" IS NOT NULL THEN '{"key":"http.url","type":"string","value":' || CAST(to_json("a:http.url") AS VARCHAR) || '}' END`,
};
for (let i = 0; i < 2; i++) for (const [n, e] of Object.entries(exprs)) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  const r = (await conn.runAndReadAll(`SELECT sum(strlen(${e})) FROM tt`)).getRowsJS()[0][0];
  const c = process.cpuUsage(c0);
  console.log(n.padEnd(12), String(r).padStart(10), (performance.now() - t0).toFixed(0).padStart(5), 'ms', ((c.user + c.system) / 1000).toFixed(0).padStart(5), 'cpu');
}
