import type { DuckDBConnection } from '@duckdb/node-api';
import { traceIdToHex, u64ToHex } from '../../model/ids.js';
import { traceIdConditions } from '../engine-common.js';
import type { TraceColumns } from '../store.js';
import type { Catalog } from './catalog.js';
import { traceReadRange } from './trace-index.js';

/** Up to this many attribute columns, a trace read selects them all (no first statement to find the used ones). */
const READ_ALL_COLUMNS = 64;
/** Index of the first attribute column in the read's output. */
const FIRST_ATTR = 18;
/** Low-cardinality text columns, sent as NULL when equal to the previous row's value (see below). */
const REPEATED = ['name', 'dataset', 'trace_state', 'status_message', 'scope_name', 'scope_version'];
/**
 * From this many trace index rows (appended batches holding the traces' spans; a typical trace has 1-2),
 * the string attribute columns are sent the same way: NULL when equal to the previous row's value. A
 * 100,000-span trace has 5 string columns whose values repeat (4 resource attributes, db.system): 500,000
 * strings made in the engine and converted to JS (getStringBytes: 13% of the reading thread's profile,
 * 6% after). Not for small traces: each column adds a window expression to plan, and little to save.
 */
const REPEAT_ATTRS_MIN_INDEX_ROWS = 8;

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
  const range = await traceReadRange(conn, traceIds, traceIdConditions(traceIds));
  if (range === null) return [];
  const where = range.where;
  const all = catalog.all().map((c) => ({ info: c, sql: column(c.key) })).filter((c): c is { info: typeof c.info; sql: string } => c.sql !== null);
  // With few columns, reading them all and dropping the empty ones after costs less than a statement of
  // its own to find them (each statement pays ~1 ms per column to open its segments, even for 4 rows).
  const readAll = all.length <= READ_ALL_COLUMNS;
  const present = all.length && !readAll
    ? ((await conn.runAndReadAll(`SELECT ${all.map((c) => `count(${c.sql}) > 0`).join(', ')} FROM spans WHERE ${where}`)).getRowsJS()[0] ?? [])
    : [];
  let used = readAll ? all : all.filter((_, i) => present[i] === true);
  const repeated = REPEATED.map((c) => `CASE WHEN coalesce(${c}, '') = lag(coalesce(${c}, '')) OVER w THEN NULL ELSE coalesce(${c}, '') END`);
  // String attribute columns of big traces: NULL also means "as the row before", so the rows where a
  // value turns NULL are listed apart (`nulls`: the columns' positions, rare: a run of NULLs starts).
  const repeatAttrs = range.indexRows >= REPEAT_ATTRS_MIN_INDEX_ROWS ? used.map((c) => c.info.type === 'string') : used.map(() => false);
  const attrSql = used.map((c, k) => (repeatAttrs[k] ? `CASE WHEN ${c.sql} IS NOT DISTINCT FROM lag(${c.sql}) OVER w THEN NULL ELSE ${c.sql} END` : c.sql));
  const turnsNull = used.flatMap((c, k) => (repeatAttrs[k] ? [`CASE WHEN ${c.sql} IS NULL AND lag(${c.sql}) OVER w IS NOT NULL THEN '${k}' END`] : []));
  const nullsSql = turnsNull.length ? `, nullif(concat_ws(',', ${turnsNull.join(', ')}), '')` : '';
  const sql = `SELECT trace_hi, trace_lo, span_id, parent_id, ${repeated.join(', ')},
      kind, status_code, flags, CAST(start_ns // 1000 AS DOUBLE), CAST(duration_ns // 1000 AS DOUBLE), events, links, attrs_overflow
      ${attrSql.map((c) => `, ${c}`).join('')}${nullsSql}
    FROM spans WHERE ${where}
    WINDOW w AS (ORDER BY trace_hi, trace_lo, start_ns, span_id)
    ORDER BY trace_hi, trace_lo, start_ns, span_id`;
  const reader = await conn.runAndReadAll(sql);
  if (reader.currentRowCount === 0) return [];
  let cols = reader.getColumnsJS();
  if (nullsSql) fillRepeatedAttrs(cols.slice(FIRST_ATTR, FIRST_ATTR + used.length), repeatAttrs, cols.pop()!);
  if (readAll) {
    const keep = used.map((_, k) => cols[FIRST_ATTR + k]!.some((v) => v !== null));
    used = used.filter((_, k) => keep[k]);
    cols = cols.filter((_, i) => i < FIRST_ATTR || keep[i - FIRST_ATTR]);
  }
  for (let i = 4; i < 4 + REPEATED.length; i++) fillForward(cols[i]!);
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

/**
 * Undoes the repeat encoding of attribute columns (`repeat[k]`): a NULL is the previous row's value, except
 * in the rows where `nulls` lists the column's position (there the value turned NULL).
 */
function fillRepeatedAttrs(attrCols: unknown[][], repeat: readonly boolean[], nulls: unknown[]): void {
  const turnsNull = new Map<number, Set<number>>();
  nulls.forEach((v, r) => {
    if (typeof v !== 'string') return;
    for (const k of v.split(',').map(Number)) {
      let rows = turnsNull.get(k);
      if (!rows) turnsNull.set(k, (rows = new Set()));
      rows.add(r);
    }
  });
  attrCols.forEach((col, k) => {
    if (repeat[k]) fillForward(col, turnsNull.get(k));
  });
}

/** Undoes the repeat encoding of one column: a NULL is the previous row's value, except in the rows `nullAt`. */
function fillForward(col: unknown[], nullAt?: ReadonlySet<number>): void {
  for (let r = 1; r < col.length; r++) if (col[r] === null && !nullAt?.has(r)) col[r] = col[r - 1];
}
