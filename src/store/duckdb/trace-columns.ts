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
 * arrays. `column(key)` is the quoted column of an attribute key. One TraceColumns per trace found.
 */
export async function readTraceColumns(conn: DuckDBConnection, catalog: Catalog, column: (key: string) => string | null, traceIds: readonly string[]): Promise<TraceColumns[]> {
  if (traceIds.length === 0) return [];
  const where = traceIds.map((id) => {
    const [hi, lo] = hexToTraceId(id);
    return `(trace_hi = ${hi} AND trace_lo = ${lo})`;
  }).join(' OR ');
  const all = catalog.all().map((c) => ({ info: c, sql: column(c.key) })).filter((c): c is { info: typeof c.info; sql: string } => c.sql !== null);
  const present = all.length
    ? ((await conn.runAndReadAll(`SELECT ${all.map((c) => `count(${c.sql}) > 0`).join(', ')} FROM spans WHERE ${where}`)).getRowsJS()[0] ?? [])
    : [];
  const used = all.filter((_, i) => present[i] === true);
  const sql = `SELECT ${hex('trace_hi')} || ${hex('trace_lo')}, ${hex('span_id')}, CASE WHEN parent_id = 0 THEN '' ELSE ${hex('parent_id')} END, name, dataset, trace_state,
      kind, status_code, status_message, flags, scope_name, scope_version,
      CAST(start_ns // 1000 AS DOUBLE), CAST(duration_ns // 1000 AS DOUBLE), events, links, attrs_overflow
      ${used.map((c) => `, ${c.sql}`).join('')}
    FROM spans WHERE ${where} ORDER BY trace_hi, trace_lo, start_ns, span_id`;
  const reader = await conn.runAndReadAll(sql);
  const cols = reader.getColumnsJS();
  const out: TraceColumns[] = [];
  const n = reader.currentRowCount;
  // Rows come grouped by trace: one TraceColumns per run of equal trace ids.
  for (let a = 0; a < n;) {
    let b = a + 1;
    while (b < n && cols[0]![b] === cols[0]![a]) b++;
    const str = (i: number) => cols[i]!.slice(a, b).map((v) => (v === null ? '' : String(v)));
    const num = (i: number) => cols[i]!.slice(a, b).map((v) => Number(v));
    const json = (i: number) => cols[i]!.slice(a, b).map((v) => (typeof v === 'string' ? v : null));
    out.push({
      traceId: String(cols[0]![a]),
      length: b - a,
      spanId: str(1), parentSpanId: str(2), name: str(3), dataset: str(4), traceState: str(5),
      kind: num(6), statusCode: num(7), statusMessage: str(8), flags: num(9), scopeName: str(10), scopeVersion: str(11),
      startUs: num(12), durationUs: num(13), events: json(14), links: json(15), overflow: json(16),
      attrs: used.map((c, k) => ({
        key: c.info.key,
        resource: c.info.origin === 'resource',
        values: cols[17 + k]!.slice(a, b).map((v) => (v === null ? null : typeof v === 'bigint' ? Number(v) : (v as string | number | boolean))),
      })),
    });
    a = b;
  }
  return out;
}
