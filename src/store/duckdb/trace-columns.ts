import type { DuckDBConnection } from '@duckdb/node-api';
import { traceIdToHex, u64ToHex } from '../../model/ids.js';
import { traceIdConditions } from '../engine-common.js';
import type { TraceColumns } from '../store.js';
import type { Catalog } from './catalog.js';
import { columnsOf } from './materialized.js';
import { SMALL_READ_INDEX_ROWS, traceReadRange, type TraceReadRange } from './trace-index.js';
import { OPTIONAL_FIXED } from './trace-used-columns.js';

/** Up to this many attribute columns, a trace read selects them all (no first statement to find the used ones). */
const READ_ALL_COLUMNS = 64;
/** Index of the first attribute column in the read's output. */
const FIRST_ATTR = 18;
/** Low-cardinality text columns, sent as NULL when equal to the previous row's value (see below). */
const REPEATED = ['name', 'dataset', 'trace_state', 'status_message', 'scope_name', 'scope_version'];
/**
 * Big reads (SMALL_READ_INDEX_ROWS or more trace index rows: appended batches holding the traces' spans)
 * send string attribute columns the same way: NULL when equal to the previous row's value. A 100,000-span
 * trace has 5 string columns whose values repeat (4 resource attributes, db.system): 500,000 strings made
 * in the engine and converted to JS (getStringBytes: 13% of the reading thread's profile, 6% after).
 */

/**
 * Reads traces as columns. Why not `SELECT *` into row objects: a 100,000-span trace is 100,000 x
 * (24 fixed + every attribute column ever seen) JS values, most of them NULL, then as many objects to
 * copy between threads. Here a first aggregate finds the attribute columns these traces use, and the
 * read sends times as microseconds (doubles) and ids as integers (made hex in JS, cheaper than strings
 * from the engine). Converting a string from the engine is the costly step, so the low-cardinality text
 * columns come as NULL when they repeat the previous row's value, and are filled forward here.
 * `column(key)` is the quoted column of an attribute key; `known`, the traces' range if already looked up.
 * One TraceColumns per trace found.
 */
export async function readTraceColumns(conn: DuckDBConnection, catalog: Catalog, column: (key: string) => string | null, traceIds: readonly string[], known?: TraceReadRange): Promise<TraceColumns[]> {
  if (traceIds.length === 0) return [];
  const range = known ?? await traceReadRange(conn, traceIds, traceIdConditions(traceIds));
  if (range === null) return [];
  const where = range.where;
  const usedCols = range.used;
  const all = catalog.all().map((c) => ({ info: c, sql: column(c.key) })).filter((c): c is { info: typeof c.info; sql: string } => c.sql !== null);
  // The trace index says which columns the traces use (trace-used-columns.ts): only those are read. Without
  // it (rows indexed before it said), with few columns, reading them all and dropping the empty ones after
  // costs less than a statement of its own to find them (each statement pays ~1 ms per column to open its
  // segments, even for 4 rows).
  const readAll = !usedCols && all.length <= READ_ALL_COLUMNS;
  const present = all.length && !usedCols && !readAll
    ? ((await conn.runAndReadAll(`SELECT ${all.map((c) => `count(${c.sql}) > 0`).join(', ')} FROM spans WHERE ${where}`)).getRowsJS()[0] ?? [])
    : [];
  let used = usedCols ? all.filter((c) => usedCols.keys.has(c.info.key)) : readAll ? all : all.filter((_, i) => present[i] === true);
  // Optional fixed columns no span of theirs has a value in are not read (NULL is what they would be).
  const fixed = (c: string) => (!usedCols || usedCols.fixed.has(c) || !(OPTIONAL_FIXED as readonly string[]).includes(c) ? c : `NULL::VARCHAR AS ${c}`);
  const repeatedCols = REPEATED.map(fixed);
  // Small traces: plain columns, no window and no ORDER BY; sorted and converted here instead. For a
  // trace of a few spans the engine's sort and window operators (set up per column, 50 columns wide) cost
  // more than the read itself (10M spans, typical trace, interleaved A/B at load 3.5: 31.4 ms with them,
  // 20.6 ms without).
  if (range.indexRows < SMALL_READ_INDEX_ROWS) {
    const plain = await columnsOf(conn, `SELECT trace_hi, trace_lo, span_id, parent_id, ${repeatedCols.join(', ')},
        kind, status_code, flags, start_ns, duration_ns, ${fixed('events')}, ${fixed('links')}, attrs_overflow ${used.map((c) => `, ${c.sql}`).join('')}
      FROM spans WHERE ${where}`);
    if (plain.rows === 0) return [];
    const raw = plain.columns;
    const order = sortedRows(raw[0]!, raw[1]!, raw[13]!, raw[2]!);
    let cols: unknown[][] = raw.map((col) => order.map((r) => col[r]));
    for (const i of [13, 14]) cols[i] = cols[i]!.map((v) => Number((v as bigint) / 1000n));
    if (readAll || known) [used, cols] = dropEmptyAttrs(used, cols);
    return splitByTrace(cols, used, order.length);
  }
  const repeated = REPEATED.map((c, i) => (repeatedCols[i] !== c ? repeatedCols[i] : `CASE WHEN coalesce(${c}, '') = lag(coalesce(${c}, '')) OVER w THEN NULL ELSE coalesce(${c}, '') END`));
  // String attribute columns of big traces: NULL also means "as the row before", so the rows where a
  // value turns NULL are listed apart (`nulls`: the columns' positions, rare: a run of NULLs starts).
  const repeatAttrs = used.map((c) => c.info.type === 'string');
  const attrSql = used.map((c, k) => (repeatAttrs[k] ? `CASE WHEN ${c.sql} IS NOT DISTINCT FROM lag(${c.sql}) OVER w THEN NULL ELSE ${c.sql} END` : c.sql));
  const turnsNull = used.flatMap((c, k) => (repeatAttrs[k] ? [`CASE WHEN ${c.sql} IS NULL AND lag(${c.sql}) OVER w IS NOT NULL THEN '${k}' END`] : []));
  const nullsSql = turnsNull.length ? `, nullif(concat_ws(',', ${turnsNull.join(', ')}), '')` : '';
  const sql = `SELECT trace_hi, trace_lo, span_id, parent_id, ${repeated.join(', ')},
      kind, status_code, flags, CAST(start_ns // 1000 AS DOUBLE), CAST(duration_ns // 1000 AS DOUBLE), ${fixed('events')}, ${fixed('links')}, attrs_overflow
      ${attrSql.map((c) => `, ${c}`).join('')}${nullsSql}
    FROM spans WHERE ${where}
    WINDOW w AS (ORDER BY trace_hi, trace_lo, start_ns, span_id)
    ORDER BY trace_hi, trace_lo, start_ns, span_id`;
  const reader = await conn.runAndReadAll(sql);
  if (reader.currentRowCount === 0) return [];
  let cols: unknown[][] = reader.getColumnsJS();
  if (nullsSql) fillRepeatedAttrs(cols.slice(FIRST_ATTR, FIRST_ATTR + used.length), repeatAttrs, cols.pop()!);
  if (readAll || known) [used, cols] = dropEmptyAttrs(used, cols);
  for (let i = 4; i < 4 + REPEATED.length; i++) fillForward(cols[i]!);
  return splitByTrace(cols, used, reader.currentRowCount);
}

type UsedColumn = { info: { key: string; origin: string }; sql: string };

/** Drops the attribute columns that are NULL in every row read. */
function dropEmptyAttrs<C extends UsedColumn>(used: C[], cols: unknown[][]): [C[], unknown[][]] {
  const keep = used.map((_, k) => cols[FIRST_ATTR + k]!.some((v) => v !== null));
  return [used.filter((_, k) => keep[k]), cols.filter((_, i) => i < FIRST_ATTR || keep[i - FIRST_ATTR])];
}

/** Sort order of two engine BIGINTs (as the JS bigints the reader gives). */
export const compareBigInts = (a: unknown, b: unknown): number => ((a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0);

/** Row positions in (trace_hi, trace_lo, start_ns, span_id) order: the order the SQL path reads in. */
function sortedRows(his: unknown[], los: unknown[], starts: unknown[], spanIds: unknown[]): number[] {
  const cmp = compareBigInts;
  return his.map((_, i) => i).sort((a, b) => cmp(his[a], his[b]) || cmp(los[a], los[b]) || cmp(starts[a], starts[b]) || cmp(spanIds[a], spanIds[b]));
}

/** Rows grouped by trace (in trace order) -> one TraceColumns per trace. */
function splitByTrace(cols: unknown[][], used: readonly UsedColumn[], n: number): TraceColumns[] {
  const out: TraceColumns[] = [];
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
