import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { SpanBatch } from '../../model/span-batch.js';
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

/** Spans per backfill statement: grouping all of 10M spans at once ran out of the default 400 MB DuckDB gets. */
const BACKFILL_SPANS = 500_000;

/**
 * Creates the index, or upgrades one written before the rollup columns existed: rebuilt from the spans
 * (10M spans: ~1 min, once) so every row carries its rollup. In slices of start time (a trace spanning two
 * slices gets a row in each, as one spanning two appended batches does), in one transaction.
 */
export async function openTraceIndex(admin: DuckDBConnection): Promise<void> {
  const cols = (await admin.runAndReadAll("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'trace_index'")).getRowsJS().map((r) => `${r[0]} ${r[1]}`);
  if (cols.includes('services VARCHAR')) return;
  await inTransaction(admin, async () => {
    if (cols.length > 0) await admin.run('DROP TABLE trace_index');
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

/** The SQL that deletes index rows of spans older than the cutoff (retention). */
export const expireTraceIndexSql = (cutoffNs: bigint) => `DELETE FROM trace_index WHERE max_start_ns < ${cutoffNs}`;

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
  private readonly appenders = new Map<DuckDBConnection, DuckDBAppender>();

  /** Appends the batches' trace ranges and rollups in the connection's open transaction. */
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
            appender.appendBigInt(r.maxEnd);
            appender.appendInteger(r.spans);
            appender.appendInteger(r.errors);
            appender.appendBoolean(r.rootIsRoot);
            appender.appendBigInt(b.startNs[r.root]!);
            appender.appendVarchar(b.dataset[r.root]!);
            appender.appendVarchar(b.name[r.root]!);
            appender.appendVarchar(r.services.length > 1 ? r.services.sort().join(SERVICE_SEP) : r.services[0] ?? '');
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
 * Start ranges and rollups per trace of one batch. Spans of a trace mostly come in runs (one resource's
 * spans of one request), so the previous row's entry is checked before the map; the map is keyed by the
 * high half (BigInt keys compare by value), with the rare equal high halves told apart by the low half.
 */
function rangesOf(b: SpanBatch): Map<bigint, Range[]> {
  const byHi = new Map<bigint, Range[]>();
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
        list.push({ lo, min: t, max: t, maxEnd: end, spans: 1, errors: b.statusCode[i] === 2 ? 1 : 0, root: i, rootIsRoot: isRoot, services: service === '' ? [] : [service] });
        last = list[list.length - 1]!;
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

/**
 * `traceReadCondition`, and how many index rows the traces have: one per appended batch holding some of
 * their spans, so a cheap hint of a big trace (a typical trace has one or two) known before reading it.
 */
export async function traceReadRange(conn: DuckDBConnection, traceIds: readonly string[], idConditions: string): Promise<{ where: string; indexRows: number } | null> {
  const r = (await conn.runAndReadAll(`SELECT min(min_start_ns), max(max_start_ns), count(*) FROM trace_index WHERE ${idConditions}`)).getRowsJS()[0];
  if (!r || r[0] === null || r[1] === null || traceIds.length === 0) return null;
  return { where: `start_ns >= ${r[0] as bigint} AND start_ns <= ${r[1] as bigint} AND (${idConditions})`, indexRows: Number(r[2]) };
}
