import type { DuckDBConnection } from '@duckdb/node-api';
import { traceIdToHex, u64ToHex } from '../../model/ids.js';
import { traceIdConditions } from '../engine-common.js';
import type { TraceColumns } from '../store.js';
import type { Catalog } from './catalog.js';
import { traceReadCondition } from './trace-index.js';

/** Up to this many attribute columns, a trace read selects them all (no first statement to find the used ones). */
const READ_ALL_COLUMNS = 64;
/** Index of the first attribute column in the read's output. */
const FIRST_ATTR = 18;
/** Low-cardinality text columns, sent as NULL when equal to the previous row's value (see below). */
const REPEATED = ['name', 'dataset', 'trace_state', 'status_message', 'scope_name', 'scope_version'];

/**
 * Reads traces as columns. Why not `SELECT *` into row objects: a 100,000-span trace is 100,000 x
 * (24 fixed + every attribute column ever seen) JS values, most of them NULL, then as many objects to
 * copy between threads. Here a first aggregate finds the attribute columns these traces use, and the
 * read sends times as microseconds (doubles) and ids as integers (made hex in JS, cheaper than strings
 * from the engine). Converting a string from the engine is the costly step, so the low-cardinality text
 * columns come as NULL when they repeat the previous row's value, and are filled forward here.
 * `column(key)` is the quoted column of an attribute key. One TraceColumns per trace found.
 */
export async function readTraceColumns(conn: DuckDBConnection, catalog: Catalog, column: (key: string) => string | null, traceIds: readonly string[]): Promise<TraceColumns[]> {
  if (traceIds.length === 0) return [];
  const where = await traceReadCondition(conn, traceIds, traceIdConditions(traceIds));
  if (where === null) return [];
  const all = catalog.all().map((c) => ({ info: c, sql: column(c.key) })).filter((c): c is { info: typeof c.info; sql: string } => c.sql !== null);
  // With few columns, reading them all and dropping the empty ones after costs less than a statement of
  // its own to find them (each statement pays ~1 ms per column to open its segments, even for 4 rows).
  const readAll = all.length <= READ_ALL_COLUMNS;
  const present = all.length && !readAll
    ? ((await conn.runAndReadAll(`SELECT ${all.map((c) => `count(${c.sql}) > 0`).join(', ')} FROM spans WHERE ${where}`)).getRowsJS()[0] ?? [])
    : [];
  let used = readAll ? all : all.filter((_, i) => present[i] === true);
  const repeated = REPEATED.map((c) => `CASE WHEN coalesce(${c}, '') = lag(coalesce(${c}, '')) OVER w THEN NULL ELSE coalesce(${c}, '') END`);
  const sql = `SELECT trace_hi, trace_lo, span_id, parent_id, ${repeated.join(', ')},
      kind, status_code, flags, CAST(start_ns // 1000 AS DOUBLE), CAST(duration_ns // 1000 AS DOUBLE), events, links, attrs_overflow
      ${used.map((c) => `, ${c.sql}`).join('')}
    FROM spans WHERE ${where}
    WINDOW w AS (ORDER BY trace_hi, trace_lo, start_ns, span_id)
    ORDER BY trace_hi, trace_lo, start_ns, span_id`;
  const reader = await conn.runAndReadAll(sql);
  if (reader.currentRowCount === 0) return [];
  let cols = reader.getColumnsJS();
  if (readAll) {
    const keep = used.map((_, k) => cols[FIRST_ATTR + k]!.some((v) => v !== null));
    used = used.filter((_, k) => keep[k]);
    cols = cols.filter((_, i) => i < FIRST_ATTR || keep[i - FIRST_ATTR]);
  }
  for (let i = 4; i < 4 + REPEATED.length; i++) {
    const col = cols[i]!;
    for (let r = 1; r < col.length; r++) if (col[r] === null) col[r] = col[r - 1]!;
  }
  const out: TraceColumns[] = [];
  const n = reader.currentRowCount;
  const [his, los] = [cols[0]!, cols[1]!];
  // Rows come grouped by trace: one TraceColumns per run of equal trace ids.
  for (let a = 0; a < n;) {
    let b = a + 1;
    while (b < n && his[b] === his[a] && los[b] === los[a]) b++;
    const str = (i: number) => cols[i]!.slice(a, b).map((v) => (v === null ? '' : String(v)));
    const num = (i: number) => cols[i]!.slice(a, b).map((v) => Number(v));
    const json = (i: number) => cols[i]!.slice(a, b).map((v) => (typeof v === 'string' ? v : null));
    const ids = (i: number) => cols[i]!.slice(a, b).map((v) => (v === 0n ? '' : u64ToHex(v as bigint)));
    out.push({
      traceId: traceIdToHex(his[a] as bigint, los[a] as bigint),
      length: b - a,
      spanId: ids(2), parentSpanId: ids(3), name: str(4), dataset: str(5), traceState: str(6), statusMessage: str(7),
      scopeName: str(8), scopeVersion: str(9), kind: num(10), statusCode: num(11), flags: num(12),
      startUs: num(13), durationUs: num(14), events: json(15), links: json(16), overflow: json(17),
      attrs: used.map((c, k) => ({
        key: c.info.key,
        resource: c.info.origin === 'resource',
        values: cols[FIRST_ATTR + k]!.slice(a, b).map((v) => (v === null ? null : typeof v === 'bigint' ? Number(v) : (v as string | number | boolean))),
      })),
    });
    a = b;
  }
  return out;
}
