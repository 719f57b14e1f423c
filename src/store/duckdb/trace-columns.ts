import type { DuckDBConnection } from '@duckdb/node-api';
import { hexToTraceId } from '../../model/ids.js';
import type { TraceColumns } from '../store.js';
import type { Catalog } from './catalog.js';

/** A 64-bit id column as 16 lowercase hex chars, computed in the engine (vectorized, no JS BigInts). */
const hex = (col: string) => `lpad(lower(hex(${col})), 16, '0')`;

/**
 * Reads one trace as columns. Why not `SELECT *` into row objects: a 100,000-span trace is 100,000 x
 * (24 fixed + every attribute column ever seen) JS values, most of them NULL, then as many objects to
 * copy between threads. Here a first aggregate finds the attribute columns this trace uses, and the
 * read converts ids to hex and times to microseconds in the engine, so the JS side only slices column
 * arrays. `column(key)` is the quoted column of an attribute key.
 */
export async function readTraceColumns(conn: DuckDBConnection, catalog: Catalog, column: (key: string) => string | null, traceId: string): Promise<TraceColumns | null> {
  const [hi, lo] = hexToTraceId(traceId);
  const where = `trace_hi = ${hi} AND trace_lo = ${lo}`;
  const all = catalog.all().map((c) => ({ info: c, sql: column(c.key) })).filter((c): c is { info: typeof c.info; sql: string } => c.sql !== null);
  const present = all.length
    ? ((await conn.runAndReadAll(`SELECT ${all.map((c) => `count(${c.sql}) > 0`).join(', ')} FROM spans WHERE ${where}`)).getRowsJS()[0] ?? [])
    : [];
  const used = all.filter((_, i) => present[i] === true);
  const sql = `SELECT ${hex('span_id')}, CASE WHEN parent_id = 0 THEN '' ELSE ${hex('parent_id')} END, name, dataset, trace_state,
      kind, status_code, status_message, flags, scope_name, scope_version,
      CAST(start_ns // 1000 AS DOUBLE), CAST(duration_ns // 1000 AS DOUBLE), events, links, attrs_overflow
      ${used.map((c) => `, ${c.sql}`).join('')}
    FROM spans WHERE ${where} ORDER BY start_ns, span_id`;
  const reader = await conn.runAndReadAll(sql);
  if (reader.currentRowCount === 0) return null;
  const cols = reader.getColumnsJS();
  const str = (i: number) => cols[i]!.map((v) => (v === null ? '' : String(v)));
  const num = (i: number) => cols[i]!.map((v) => Number(v));
  const json = (i: number) => cols[i]!.map((v) => (typeof v === 'string' ? v : null));
  return {
    traceId,
    length: reader.currentRowCount,
    spanId: str(0), parentSpanId: str(1), name: str(2), dataset: str(3), traceState: str(4),
    kind: num(5), statusCode: num(6), statusMessage: str(7), flags: num(8), scopeName: str(9), scopeVersion: str(10),
    startUs: num(11), durationUs: num(12), events: json(13), links: json(14), overflow: json(15),
    attrs: used.map((c, k) => ({
      key: c.info.key,
      resource: c.info.origin === 'resource',
      values: cols[16 + k]!.map((v) => (v === null ? null : typeof v === 'bigint' ? Number(v) : (v as string | number | boolean))),
    })),
  };
}
