import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
const inst = await DuckDBInstance.create('/tmp/bigtrace2/d10m/honeyray.duckdb'); const conn = await inst.connect();
const sql = fs.readFileSync(process.argv[2], 'utf8');
await conn.run(sql);
const r = await conn.runAndReadAll('EXPLAIN ANALYZE ' + sql);
console.log(r.getRowsJS()[0][1]);
