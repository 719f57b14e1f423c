import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { hexToTraceId } from '../../model/ids.js';
import type { SpanBatch } from '../../model/span-batch.js';
import { traceIdConditions } from '../engine-common.js';
import { decodeUsedColumns, markUsedColumns, usedColumnsSql, UsedColumns } from './trace-used-columns.js';

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
 * Rows may outlive spans (X-Ray replacements delete and re-add spans): a range that is too wide only
 * prunes less, never hides a span. Retention deletes index rows whose whole range is past the cutoff.
 */
export const TRACE_INDEX_DDL =
  'CREATE TABLE IF NOT EXISTS trace_index (trace_hi BIGINT, trace_lo BIGINT, min_start_ns BIGINT, max_start_ns BIGINT)';

/** Fills the index from the spans table (data dirs written before the index existed), once, at open. */
export const TRACE_INDEX_BACKFILL =
  'INSERT INTO trace_index SELECT trace_hi, trace_lo, min(start_ns), max(start_ns) FROM spans GROUP BY trace_hi, trace_lo';

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

/** Creates the index (backfilled from the spans) and its sorted lookup copy when missing (older data dirs). */
export async function openTraceIndex(admin: DuckDBConnection): Promise<void> {
  const tables = new Set((await admin.runAndReadAll("SELECT table_name FROM duckdb_tables() WHERE table_name IN ('trace_index', 'trace_lookup')")).getRowsJS().map((r) => r[0]));
  await admin.run(TRACE_INDEX_DDL);
  if (!tables.has('trace_index')) await admin.run(TRACE_INDEX_BACKFILL);
  // `cols` (trace-used-columns.ts) is NULL in rows copied from the index: those traces read every column.
  if (tables.has('trace_lookup')) return void (await admin.run('ALTER TABLE trace_lookup ADD COLUMN IF NOT EXISTS cols VARCHAR'));
  await admin.run(TRACE_LOOKUP_DDL);
  const keys = (await admin.runAndReadAll(
    "SELECT c.key, c.col FROM columns c JOIN duckdb_columns() d ON d.table_name = 'spans' AND d.column_name = c.col")).getRowsJS().map((r) => ({ key: String(r[0]), col: String(r[1]) }));
  await admin.run(`INSERT INTO trace_lookup SELECT i.trace_hi, i.trace_lo, i.min_start_ns, i.max_start_ns, u.cols FROM trace_index i
    LEFT JOIN (SELECT trace_hi, trace_lo, ${usedColumnsSql(keys)} AS cols FROM spans GROUP BY trace_hi, trace_lo) u USING (trace_hi, trace_lo)
    ORDER BY trace_hi, trace_lo`);
}

/** The statements that delete index rows of spans older than the cutoff (retention). */
export const expireTraceIndexSql = (cutoffNs: bigint) => ['trace_index', 'trace_lookup'].map((t) => `DELETE FROM ${t} WHERE max_start_ns < ${cutoffNs}`);

/**
 * Compaction of the lookup copy: a tail of at least this many rows, and at least 1/COMPACT_FRACTION of
 * the table, is sorted in with the rest (so each row is rewritten a few times over its life; 2.2-2.5 s
 * for 2.2M rows on the 2-core dev machine at load 10, on a connection of its own while ingest goes on).
 */
const COMPACT_MIN_TAIL = 100_000;
const COMPACT_FRACTION = 4;

interface Range {
  lo: bigint;
  min: bigint;
  max: bigint;
  used: UsedColumns;
}

/** A batch's ranges by trace, and the encoder of their used columns (trace-used-columns.ts). */
interface BatchRanges {
  byHi: Map<bigint, Range[]>;
  encode: (u: UsedColumns) => string;
}

/** One appender per writer connection: an appender writes into whatever transaction its connection has open. */
export class TraceIndexWriter {
  private readonly appenders = new Map<DuckDBConnection, DuckDBAppender>();
  private readonly lookupAppenders = new Map<DuckDBConnection, DuckDBAppender>();
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

  /** Appends the batches' trace ranges in the connection's open transaction. */
  async append(conn: DuckDBConnection, batches: readonly SpanBatch[]): Promise<void> {
    let appender = this.appenders.get(conn);
    if (!appender) {
      appender = await conn.createAppender('trace_index');
      this.appenders.set(conn, appender);
    }
    const perBatch = batches.map(rangesOf);
    try {
      appendRanges(appender, perBatch);
      appender.flushSync();
    } catch (err) {
      appender.clear();
      throw err;
    }
    await this.appendLookup(conn, perBatch);
  }

  /** The same ranges into the lookup copy's tail. */
  private async appendLookup(conn: DuckDBConnection, perBatch: readonly BatchRanges[]): Promise<void> {
    let lookup = this.lookupAppenders.get(conn);
    if (!lookup) {
      lookup = await conn.createAppender('trace_lookup');
      this.lookupAppenders.set(conn, lookup);
    }
    try {
      const rows = appendRanges(lookup, perBatch, true);
      lookup.flushSync();
      this.tail += rows;
    } catch (err) {
      lookup.clear();
      throw err;
    }
  }

  close(): void {
    for (const a of [...this.appenders.values(), ...this.lookupAppenders.values()]) a.closeSync();
    this.appenders.clear();
    this.lookupAppenders.clear();
    this.compactor?.closeSync();
  }
}

/** One row (trace_hi, trace_lo, min_start_ns, max_start_ns[, cols]) per range; returns how many. */
function appendRanges(a: DuckDBAppender, perBatch: readonly BatchRanges[], withCols = false): number {
  let rows = 0;
  for (const { byHi, encode } of perBatch) {
    for (const [hi, ranges] of byHi) {
      for (const r of ranges) {
        a.appendBigInt(hi);
        a.appendBigInt(r.lo);
        a.appendBigInt(r.min);
        a.appendBigInt(r.max);
        if (withCols) a.appendVarchar(encode(r.used));
        a.endRow();
        rows++;
      }
    }
  }
  return rows;
}

/**
 * Start ranges per trace of one batch. Spans of a trace mostly come in runs (one resource's spans of one
 * request), so the previous row's entry is checked before the map; the map is keyed by the high half
 * (BigInt keys compare by value), with the rare equal high halves told apart by the low half.
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
    let r: Range | undefined;
    if (last && lastHi === hi && last.lo === lo) r = last;
    else {
      let list = byHi.get(hi);
      if (!list) byHi.set(hi, (list = []));
      r = list.find((x) => x.lo === lo);
      if (!r) list.push((r = { lo, min: t, max: t, used: new UsedColumns() }));
    }
    if (t < r.min) r.min = t;
    if (t > r.max) r.max = t;
    ofRow[i] = r.used;
    last = r;
    lastHi = hi;
  }
  return { byHi, encode: markUsedColumns(b, ofRow) };
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
  const [mins, maxs, cols] = (await conn.runAndReadAll(traceLookupSql(traceIds))).getColumnsJS() as [bigint[], bigint[], (string | null)[]];
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
