import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { SpanBatch } from '../../model/span-batch.js';

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

export async function openTraceIndex(admin: DuckDBConnection): Promise<void> {
  const existed = Number((await admin.runAndReadAll("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'trace_index'")).getRowsJS()[0]![0]) > 0;
  await admin.run(TRACE_INDEX_DDL);
  if (!existed) await admin.run(TRACE_INDEX_BACKFILL);
}

/** The SQL that deletes index rows of spans older than the cutoff (retention). */
export const expireTraceIndexSql = (cutoffNs: bigint) => `DELETE FROM trace_index WHERE max_start_ns < ${cutoffNs}`;

interface Range {
  lo: bigint;
  min: bigint;
  max: bigint;
}

/** One appender per writer connection: an appender writes into whatever transaction its connection has open. */
export class TraceIndexWriter {
  private readonly appenders = new Map<DuckDBConnection, DuckDBAppender>();

  /** Appends the batches' trace ranges in the connection's open transaction. */
  async append(conn: DuckDBConnection, batches: readonly SpanBatch[]): Promise<void> {
    let appender = this.appenders.get(conn);
    if (!appender) {
      appender = await conn.createAppender('trace_index');
      this.appenders.set(conn, appender);
    }
    try {
      for (const b of batches) {
        for (const [hi, ranges] of rangesOf(b)) {
          for (const r of ranges) {
            appender.appendBigInt(hi);
            appender.appendBigInt(r.lo);
            appender.appendBigInt(r.min);
            appender.appendBigInt(r.max);
            appender.endRow();
          }
        }
      }
      appender.flushSync();
    } catch (err) {
      appender.clear();
      throw err;
    }
  }

  close(): void {
    for (const a of this.appenders.values()) a.closeSync();
    this.appenders.clear();
  }
}

/**
 * Start ranges per trace of one batch. Spans of a trace mostly come in runs (one resource's spans of one
 * request), so the previous row's entry is checked before the map; the map is keyed by the high half
 * (BigInt keys compare by value), with the rare equal high halves told apart by the low half.
 */
function rangesOf(b: SpanBatch): Map<bigint, Range[]> {
  const byHi = new Map<bigint, Range[]>();
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
      if (!r) list.push((r = { lo, min: t, max: t }));
    }
    if (t < r.min) r.min = t;
    if (t > r.max) r.max = t;
    last = r;
    lastHi = hi;
  }
  return byHi;
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

/** `where`: the read's condition; `startNs`: the start range of the traces' spans (index rows); `indexRows`: see below. */
export interface TraceReadRange { where: string; indexRows: number; startNs: [bigint, bigint] }

/**
 * `traceReadCondition`, and how many index rows the traces have: one per appended batch holding some of
 * their spans, so a cheap hint of a big trace (a typical trace has one or two) known before reading it.
 */
export async function traceReadRange(conn: DuckDBConnection, traceIds: readonly string[], idConditions: string): Promise<TraceReadRange | null> {
  const r = (await conn.runAndReadAll(`SELECT min(min_start_ns), max(max_start_ns), count(*) FROM trace_index WHERE ${idConditions}`)).getRowsJS()[0];
  if (!r || r[0] === null || r[1] === null || traceIds.length === 0) return null;
  return { where: `start_ns >= ${r[0] as bigint} AND start_ns <= ${r[1] as bigint} AND (${idConditions})`, indexRows: Number(r[2]), startNs: [r[0] as bigint, r[1] as bigint] };
}
