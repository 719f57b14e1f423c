import type { DuckDBAppender, DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import { hexToTraceId } from '../../model/ids.js';
import type { SpanBatch } from '../../model/span-batch.js';
import { traceIdConditions } from '../engine-common.js';
import { columnsOf } from './materialized.js';
import { decodeUsedColumns, markUsedColumns, usedColumnsSql, UsedColumns } from './trace-used-columns.js';
import { quoteString } from './schema.js';

/**
 * The trace index: trace id -> the range of start times of its spans, one row per trace per appended
 * batch, written in the same transaction as the spans (so it is exactly as durable as they are).
 *
 * Why: trace ids are random, so DuckDB's zone maps on `trace_hi` prune nothing and a lookup by id scanned
 * the id columns of every row group (10M spans: ~80 row groups). Spans arrive in about time order, so the
 * zone maps on `start_ns` are tight: with the trace's start range from this small table, the spans read
 * touches the one or two row groups that hold the trace. The index itself is ~1 row per 5-10 spans and
 * two id columns plus two times: scanning it is a fraction of scanning the spans' ids.
 *
 * Per-trace rollups (the rest of the columns): what trace summaries and trace search sort and show, so
 * they read the matching traces' index rows instead of grouping all their spans (trace-search.ts):
 * last end, span and error counts, the batch's root candidate (the earliest span without a parent, else
 * the earliest span: `has_root` says which) and the services (distinct non-empty datasets, sorted, joined
 * by U+001F: see SERVICE_SEP). A trace's
 * rollup is the sum / min / max over its rows, which hold disjoint sets of spans.
 *
 * Rows must count exactly the spans stored: whatever deletes or changes spans after their append (X-Ray
 * in-progress replacements, late dataset assignment, retention of part of a trace) recomputes the rows of
 * the traces it touched from their spans (`recomputeTraceIndex`). Retention deletes index rows whose
 * whole range is past the cutoff.
 */
export const TRACE_INDEX_DDL = `CREATE TABLE IF NOT EXISTS trace_index (trace_hi BIGINT, trace_lo BIGINT, min_start_ns BIGINT, max_start_ns BIGINT,
  max_end_ns BIGINT, span_count INTEGER, error_count INTEGER, has_root BOOLEAN, root_start_ns BIGINT, root_service VARCHAR, root_name VARCHAR,
  services VARCHAR)`;

/** The index rows of the spans `where` selects, one per trace (the backfill, and recomputes). */
const rollupOf = (where: string) => `SELECT trace_hi, trace_lo, min(start_ns), max(start_ns), max(start_ns + duration_ns),
  count(*), count(*) FILTER (WHERE status_code = 2), bool_or(parent_id = 0), arg_min(start_ns, (parent_id <> 0, start_ns)),
  arg_min(dataset, (parent_id <> 0, start_ns)), arg_min(name, (parent_id <> 0, start_ns)),
  coalesce(string_agg(DISTINCT dataset, chr(31) ORDER BY dataset) FILTER (WHERE dataset <> ''), '')
  FROM spans WHERE ${where} GROUP BY trace_hi, trace_lo`;

/**
 * The lookup copy of the index: the same rows (without the search rollups), kept sorted by trace id so
 * that DuckDB's zone maps prune a lookup to one row group, with the rows appended since the last
 * compaction as an unsorted tail at its end (scanned whole: it stays a fraction of the table).
 *
 * Why: `trace_index` is in append (about time) order, so a lookup by id scanned its ~2.2M rows at 10M
 * spans (5-7 ms of CPU at load 8-10); the sorted copy answers in 1.1-1.3 ms (docs/storage.md). Not chosen: an ART
 * index on `trace_index(trace_hi)` (0.9 ms lookups, but DuckDB rewrites the whole index at every
 * CHECKPOINT: 0.6-1.2 s each at 2.2M entries, even after 5k inserts; +90 MB on disk).
 */
export const TRACE_LOOKUP_DDL =
  'CREATE TABLE IF NOT EXISTS trace_lookup (trace_hi BIGINT, trace_lo BIGINT, min_start_ns BIGINT, max_start_ns BIGINT, cols VARCHAR)';

/** Spans per backfill statement: grouping all of 10M spans at once ran out of the default 400 MB DuckDB gets. */
const BACKFILL_SPANS = 500_000;

/**
 * Creates the index, or upgrades one written before the rollup columns existed: rebuilt from the spans
 * (10M spans: ~1 min, once) so every row carries its rollup. In slices of start time (a trace spanning two
 * slices gets a row in each, as one spanning two appended batches does), in one transaction.
 */
export async function openTraceIndex(admin: DuckDBConnection): Promise<void> {
  const cols = (await admin.runAndReadAll("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'trace_index'")).getRowsJS().map((r) => `${r[0]} ${r[1]}`);
  if (!cols.includes('services VARCHAR')) await rebuildTraceIndex(admin, cols.length > 0);
  await openTraceLookup(admin);
}

/** (Re)builds trace_index from the spans, in slices of start time, in one transaction. */
async function rebuildTraceIndex(admin: DuckDBConnection, existed: boolean): Promise<void> {
  await inTransaction(admin, async () => {
    if (existed) await admin.run('DROP TABLE trace_index');
    await admin.run(TRACE_INDEX_DDL);
    const [min, max, n] = (await admin.runAndReadAll('SELECT min(start_ns), max(start_ns), count(*) FROM spans')).getRowsJS()[0]! as [bigint | null, bigint | null, bigint];
    if (min !== null && max !== null) {
      const slices = BigInt(Math.max(1, Math.ceil(Number(n) / BACKFILL_SPANS)));
      const step = (max - min) / slices + 1n;
      for (let from = min; from <= max; from += step) {
        await admin.run(`INSERT INTO trace_index ${rollupOf(`start_ns >= ${from} AND start_ns < ${from + step}`)}`);
      }
    }
  });
}

/** Creates the sorted lookup copy when missing (older data dirs), from the index and the spans' used columns. */
async function openTraceLookup(admin: DuckDBConnection): Promise<void> {
  const exists = Number((await admin.runAndReadAll("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'trace_lookup'")).getRowsJS()[0]![0]) > 0;
  // `cols` (trace-used-columns.ts) is NULL in rows copied from the index: those traces read every column.
  if (exists) return void (await admin.run('ALTER TABLE trace_lookup ADD COLUMN IF NOT EXISTS cols VARCHAR'));
  await admin.run(TRACE_LOOKUP_DDL);
  const keys = (await admin.runAndReadAll(
    "SELECT c.key, c.col FROM columns c JOIN duckdb_columns() d ON d.table_name = 'spans' AND d.column_name = c.col")).getRowsJS().map((r) => ({ key: String(r[0]), col: String(r[1]) }));
  await admin.run(`INSERT INTO trace_lookup SELECT i.trace_hi, i.trace_lo, i.min_start_ns, i.max_start_ns, u.cols FROM trace_index i
    LEFT JOIN (SELECT trace_hi, trace_lo, ${usedColumnsSql(keys)} AS cols FROM spans GROUP BY trace_hi, trace_lo) u USING (trace_hi, trace_lo)
    ORDER BY trace_hi, trace_lo`);
}

/** Runs `fn` in a transaction of its own on `conn` (rolled back if it throws). */
export async function inTransaction(conn: DuckDBConnection, fn: () => Promise<void>): Promise<void> {
  await conn.run('BEGIN TRANSACTION');
  try {
    await fn();
    await conn.run('COMMIT');
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Recomputes the index rows of the traces that have an index row matching `rowCondition` (a condition on
 * trace_index columns) from their spans as they are now, in the caller's transaction. A trace whose spans
 * are all gone loses its rows. The spans are read within the start range the old rows give (zone maps).
 */
export async function recomputeTraceIndex(conn: DuckDBConnection, rowCondition: string): Promise<void> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE recompute_traces AS
    SELECT trace_hi, trace_lo, min(min_start_ns) AS lo, max(max_start_ns) AS hi FROM trace_index
    WHERE (trace_hi, trace_lo) IN (SELECT trace_hi, trace_lo FROM trace_index WHERE ${rowCondition}) GROUP BY trace_hi, trace_lo`);
  const r = (await conn.runAndReadAll('SELECT min(lo), max(hi), count(*) FROM recompute_traces')).getRowsJS()[0]!;
  if (Number(r[2]) > 0) {
    await conn.run('DELETE FROM trace_index WHERE (trace_hi, trace_lo) IN (SELECT trace_hi, trace_lo FROM recompute_traces)');
    await conn.run(`INSERT INTO trace_index ${rollupOf(`start_ns >= ${r[0] as bigint} AND start_ns <= ${r[1] as bigint}
      AND (trace_hi, trace_lo) IN (SELECT trace_hi, trace_lo FROM recompute_traces)`)}`);
  }
  await conn.run('DROP TABLE recompute_traces');
}

/**
 * After retention deleted spans: the index rows that may count some of them (to recompute). With the
 * default cutoff, rows that start before it and hold a dataset it applies to (rows wholly before every
 * cutoff are deleted); with a dataset's own cutoff, rows that start before it and still list that dataset.
 * A recomputed row no longer lists what it lost, so the next pass does not pick it again.
 */
export function expiredRowsCondition(defaultCutoff: bigint | null, perDataset: [string, bigint][], named: string[]): string {
  const conds = perDataset.map(([ds, c]) => `(min_start_ns < ${c} AND list_contains(${SERVICE_LIST}, ${quoteString(ds)}))`);
  if (defaultCutoff !== null) conds.push(named.length ? `(min_start_ns < ${defaultCutoff} AND services <> '' AND NOT list_has_all([${named.map(quoteString).join(', ')}]::VARCHAR[], ${SERVICE_LIST}))` : `min_start_ns < ${defaultCutoff}`);
  return conds.length ? conds.join(' OR ') : 'FALSE';
}

/** The statements that delete index rows of spans older than the cutoff (retention). */
export const expireTraceIndexSql = (cutoffNs: bigint) => ['trace_index', 'trace_lookup'].map((t) => `DELETE FROM ${t} WHERE max_start_ns < ${cutoffNs}`);

/**
 * Compaction of the lookup copy: a tail of at least this many rows, and at least 1/COMPACT_FRACTION of
 * the table, is sorted in with the rest (so each row is rewritten a few times over its life; 2.2-2.5 s
 * for 2.2M rows on the 2-core dev machine at load 10, on a connection of its own while ingest goes on).
 * Why a million: the checkpoint after a compaction rewrites the whole lookup table, and ingest's commits
 * wait for it. With 100,000, bench:ingest's p99 went from 155-163 ms to 392-399 ms (15 s runs, ~700k
 * spans, compaction on and off alternating, load 1.6-3); an unsorted tail of up to 1M rows costs a lookup
 * ~2 ms more than the sorted part, so this stays well under the 4-7 ms of the unsorted index.
 */
const COMPACT_MIN_TAIL = 1_000_000;
const COMPACT_FRACTION = 4;

/** One trace's rollup within one batch. */
interface Range {
  lo: bigint;
  min: bigint;
  max: bigint;
  maxEnd: bigint;
  spans: number;
  errors: number;
  /** The root candidate: row of the earliest span without a parent, else of the earliest span. */
  root: number;
  rootIsRoot: boolean;
  services: string[];
  used: UsedColumns;
}

/** A batch's ranges by trace, and the encoder of their used columns (trace-used-columns.ts). */
interface BatchRanges {
  batch: SpanBatch;
  byHi: Map<bigint, Range[]>;
  encode: (u: UsedColumns) => string;
}

/**
 * `services` is one string, the names joined by U+001F (unit separator), not a VARCHAR[]: a list column
 * cost ~30% of bench:ingest's spans/s in its commits and checkpoints (in one process, old and new
 * alternating: the same with the column appended as NULL), while a string of a few distinct values is one
 * dictionary entry. A dataset name holding U+001F itself would read as two names.
 */
export const SERVICE_SEP = '\u001f';
/** The SQL of an index row's services as a list. */
export const SERVICE_LIST = 'string_split(services, chr(31))';

/** One appender per writer connection: an appender writes into whatever transaction its connection has open. */
export class TraceIndexWriter {
  /** Per table, one appender per writer connection. */
  private readonly appenders = new Map<string, Map<DuckDBConnection, DuckDBAppender>>();
  /** Rows of trace_lookup: in its sorted part and appended after it (counted at append, so roughly). */
  private sorted = 0;
  private tail = 0;

  /**
   * `compactor`: the connection compactions run on (one of its own: they overlap appends); `minTail`
   * and `fraction`: the compaction thresholds (tests lower them).
   */
  constructor(
    private readonly compactor: DuckDBConnection | null = null,
    private readonly minTail = COMPACT_MIN_TAIL,
    private readonly fraction = COMPACT_FRACTION,
  ) {}

  /** Reads the lookup copy's size (all of it taken as sorted: a tail left by the last run waits for the next compaction). */
  async open(conn: DuckDBConnection): Promise<void> {
    this.sorted = Number((await conn.runAndReadAll('SELECT count(*) FROM trace_lookup')).getRowsJS()[0]![0]);
  }

  /**
   * Sorts the lookup copy's tail in when it has grown past the thresholds. One transaction: its snapshot
   * is exactly the rows it rewrites; rows appended meanwhile (other transactions) stay as the new tail.
   * The rows it deletes leave the file at the next CHECKPOINT (call this before one).
   */
  async compactIfDue(): Promise<void> {
    const c = this.compactor;
    if (!c || this.tail < this.minTail || this.tail * this.fraction < this.sorted) return;
    await c.run('BEGIN TRANSACTION');
    try {
      await c.run('CREATE OR REPLACE TEMP TABLE trace_lookup_all AS SELECT * FROM trace_lookup');
      await c.run('DELETE FROM trace_lookup');
      const n = await c.run('INSERT INTO trace_lookup SELECT * FROM trace_lookup_all ORDER BY trace_hi, trace_lo');
      await c.run('DROP TABLE trace_lookup_all');
      await c.run('COMMIT');
      // Rows of transactions not committed when it started (counted at append) stay in the tail.
      const total = this.sorted + this.tail;
      this.sorted = Number(n.rowsChanged);
      this.tail = Math.max(0, total - this.sorted);
    } catch (err) {
      await c.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** Appends the batches' trace ranges and rollups in the connection's open transaction. */
  async append(conn: DuckDBConnection, batches: readonly SpanBatch[]): Promise<void> {
    const perBatch = batches.map(rangesOf);
    await this.appendRows(conn, 'trace_index', perBatch, (a, b, hi, r) => {
      a.appendBigInt(hi);
      a.appendBigInt(r.lo);
      a.appendBigInt(r.min);
      a.appendBigInt(r.max);
      a.appendBigInt(r.maxEnd);
      a.appendInteger(r.spans);
      a.appendInteger(r.errors);
      a.appendBoolean(r.rootIsRoot);
      a.appendBigInt(b.batch.startNs[r.root]!);
      a.appendVarchar(b.batch.dataset[r.root]!);
      a.appendVarchar(b.batch.name[r.root]!);
      a.appendVarchar(r.services.length > 1 ? r.services.sort().join(SERVICE_SEP) : r.services[0] ?? '');
    });
    // The same ranges into the lookup copy's tail.
    this.tail += await this.appendRows(conn, 'trace_lookup', perBatch, (a, b, hi, r) => {
      a.appendBigInt(hi);
      a.appendBigInt(r.lo);
      a.appendBigInt(r.min);
      a.appendBigInt(r.max);
      a.appendVarchar(b.encode(r.used));
    });
  }

  /** One row per range into `table`, written by `row`, through the connection's appender for it; returns how many. */
  private async appendRows(conn: DuckDBConnection, table: 'trace_index' | 'trace_lookup', perBatch: readonly BatchRanges[],
    row: (a: DuckDBAppender, b: BatchRanges, hi: bigint, r: Range) => void): Promise<number> {
    let byConn = this.appenders.get(table);
    if (!byConn) this.appenders.set(table, (byConn = new Map()));
    let a = byConn.get(conn);
    if (!a) byConn.set(conn, (a = await conn.createAppender(table)));
    let rows = 0;
    try {
      for (const b of perBatch) {
        for (const [hi, ranges] of b.byHi) {
          for (const r of ranges) {
            row(a, b, hi, r);
            a.endRow();
            rows++;
          }
        }
      }
      a.flushSync();
    } catch (err) {
      a.clear();
      throw err;
    }
    return rows;
  }

  close(): void {
    for (const byConn of this.appenders.values()) for (const a of byConn.values()) a.closeSync();
    this.appenders.clear();
    this.compactor?.closeSync();
  }
}

/**
 * Start ranges and rollups per trace of one batch. Spans of a trace mostly come in runs (one resource's
 * spans of one request), so the previous row's entry is checked before the map; the map is keyed by the
 * high half (BigInt keys compare by value), with the rare equal high halves told apart by the low half.
 */
function rangesOf(b: SpanBatch): BatchRanges {
  const byHi = new Map<bigint, Range[]>();
  const ofRow: UsedColumns[] = new Array(b.length);
  let last: Range | null = null;
  let lastHi = 0n;
  for (let i = 0; i < b.length; i++) {
    const hi = b.traceHi[i]!;
    const lo = b.traceLo[i]!;
    const t = b.startNs[i]!;
    const end = t + b.durationNs[i]!;
    const isRoot = b.parentId[i] === 0n;
    const service = b.dataset[i]!;
    let r: Range | undefined;
    if (last && lastHi === hi && last.lo === lo) r = last;
    else {
      let list = byHi.get(hi);
      if (!list) byHi.set(hi, (list = []));
      r = list.find((x) => x.lo === lo);
      if (!r) {
        list.push((r = { lo, min: t, max: t, maxEnd: end, spans: 1, errors: b.statusCode[i] === 2 ? 1 : 0, root: i, rootIsRoot: isRoot, services: service === '' ? [] : [service], used: new UsedColumns() }));
        ofRow[i] = r.used;
        last = r;
        lastHi = hi;
        continue;
      }
    }
    if (t < r.min) r.min = t;
    if (t > r.max) r.max = t;
    if (end > r.maxEnd) r.maxEnd = end;
    r.spans++;
    if (b.statusCode[i] === 2) r.errors++;
    if (isRoot ? !r.rootIsRoot || t < b.startNs[r.root]! : !r.rootIsRoot && t < b.startNs[r.root]!) {
      r.root = i;
      r.rootIsRoot = isRoot;
    }
    if (service !== '' && !r.services.includes(service)) r.services.push(service);
    ofRow[i] = r.used;
    last = r;
    lastHi = hi;
  }
  return { batch: b, byHi, encode: markUsedColumns(b, ofRow) };
}

/**
 * The WHERE condition of a read of these traces, with the start range the index knows for them (so the
 * zone maps on `start_ns` prune the spans scan), or null when the index has none of them (no such trace).
 * One range over all the traces asked for: an OR of per-trace ranges is not pushed into the scan.
 */
export async function traceReadCondition(conn: DuckDBConnection, traceIds: readonly string[], idConditions: string): Promise<string | null> {
  return (await traceReadRange(conn, traceIds, idConditions))?.where ?? null;
}

/**
 * A trace read with fewer index rows than this is small (a typical trace has one or two): its rows are
 * few enough to sort and convert in JS, cheaper than the engine's sort and window operators.
 */
export const SMALL_READ_INDEX_ROWS = 8;


/**
 * `traceReadCondition`, and how many index rows the traces have: one per appended batch holding some of
 * their spans, so a cheap hint of a big trace (a typical trace has one or two) known before reading it.
 */
export async function traceReadRange(conn: DuckDBConnection, traceIds: readonly string[], idConditions: string): Promise<TraceReadRange | null> {
  if (traceIds.length === 0) return null;
  // The index rows themselves, folded here: a `list(DISTINCT cols)` aggregate cost ~3 ms more than the lookup.
  const ids = [...new Set(traceIds)];
  const found = ids.length === 1 ? await lookupOne(conn, ids[0]!) : await columnsOf(conn, traceLookupSql(ids));
  const [mins, maxs, cols] = found.columns as [bigint[], bigint[], (string | null)[]];
  if (!mins?.length) return null;
  let [min, max] = [mins[0]!, maxs[0]!];
  for (let i = 1; i < mins.length; i++) {
    if (mins[i]! < min) min = mins[i]!;
    if (maxs[i]! > max) max = maxs[i]!;
  }
  return {
    where: `start_ns >= ${min} AND start_ns <= ${max} AND (${idConditions})`,
    indexRows: mins.length,
    startNs: [min, max],
    used: cols.includes(null) ? null : decodeUsedColumns(new Set(cols as string[])),
  };
}

export interface TraceReadRange {
  /** The read's condition. */
  where: string;
  /** The start range of the traces' spans (from their index rows). */
  startNs: [bigint, bigint];
  /** Index rows of the traces: one per appended batch holding some of their spans. */
  indexRows: number;
  /** The optional columns their spans have values in; null when not known (rows from before `cols`). */
  used: ReturnType<typeof decodeUsedColumns> | null;
}

/** The lookup of one trace's index rows, as a prepared statement: see `lookupOne`. */
const LOOKUP_ONE_SQL = 'SELECT min_start_ns, max_start_ns, cols FROM trace_lookup WHERE trace_hi = $1 AND trace_lo = $2';
/** Per connection, the prepared LOOKUP_ONE_SQL (a connection runs one statement at a time; closing it frees them). */
const lookupStatements = new WeakMap<DuckDBConnection, Promise<DuckDBPreparedStatement>>();

/**
 * One trace's index rows (the read of a trace by id), by a statement prepared once per connection: the
 * parameters still prune the scan to one row group of the sorted copy, and parsing, binding and planning
 * are not paid per read (10M spans, one process, interleaved: CPU median 2.07 -> 1.58 ms per lookup at
 * load 10-12).
 */
async function lookupOne(conn: DuckDBConnection, traceId: string): ReturnType<typeof columnsOf> {
  const [hi, lo] = hexToTraceId(traceId);
  let prepared = lookupStatements.get(conn);
  if (!prepared) {
    lookupStatements.set(conn, (prepared = conn.prepare(LOOKUP_ONE_SQL)));
    prepared.catch(() => lookupStatements.delete(conn));
  }
  const statement = await prepared;
  statement.bindBigInt(1, hi);
  statement.bindBigInt(2, lo);
  // A statement whose run failed stays usable: DuckDB binds it again after a catalog change (tested).
  return columnsOf(statement);
}

/**
 * The lookup of traces' index rows (start ranges, used columns) in the sorted copy of the index: one pruned
 * lookup per trace, as a UNION ALL (an OR of ids is not pushed into the scan: 20 traces cost ~100 ms of CPU
 * as an OR, ~19 ms as a UNION ALL, at 10M spans under load); past UNION_LOOKUP_MAX traces, the OR.
 */
export function traceLookupSql(traceIds: readonly string[]): string {
  const select = 'SELECT min_start_ns, max_start_ns, cols FROM trace_lookup WHERE';
  const ids = [...new Set(traceIds)];
  if (ids.length > UNION_LOOKUP_MAX) return `${select} ${traceIdConditions(ids)}`;
  return ids.map((id) => {
    const [hi, lo] = hexToTraceId(id);
    return `${select} trace_hi = ${hi} AND trace_lo = ${lo}`;
  }).join(' UNION ALL ');
}

const UNION_LOOKUP_MAX = 100;
