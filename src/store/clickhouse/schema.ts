import type { AttrType } from '../../model/span.js';

/**
 * The ClickHouse tables. `spans_data` is the wide table (the same fixed columns as DuckDB's `spans`,
 * plus `ver`, then one Nullable column per attribute key, added on first sight); `spans` is a view of
 * its live rows, the table compiled queries read.
 *
 * Why a view: MergeTree has no cheap DELETE/UPDATE, so an X-Ray document that replaces an in-progress
 * one, or a dataset learnt after the fact, is written as new rows (with a new `ver`) plus one row per
 * superseded row in `dead` (trace, span id, ver). Reads keep rows whose (trace, span, ver) is not in
 * `dead`: that set is small (only replaced X-Ray rows), so the anti-join is one hash lookup per row.
 *
 * Layout (schema version 2): one partition per day of start time (retention drops whole partitions),
 * rows ordered by start minute, then dataset, then trace id (`SPANS_ORDER`): a time range reads only
 * its minutes' granules (ClickHouse prunes a `start_ns` range through the monotonic `intDiv` of the
 * key), so a search reads its window, newest minutes first (trace-search.ts). A trace is found through
 * `trace_lookup` (trace id -> the minutes and datasets its spans have, filled by a materialized view in
 * the same INSERT), then read from a granule or two per (minute, dataset): `traceRows`. Version 1
 * ordered by trace id (trace by id read a few granules, but any search read every span of the day).
 * 18.16 has no data-skipping indexes and no TTL (see dialect.ts).
 */
export const FIXED_COLUMNS = [
  ['trace_hi', 'Int64'],
  ['trace_lo', 'Int64'],
  ['span_id', 'Int64'],
  ['parent_id', 'Int64'],
  ['start_ns', 'Int64'],
  ['duration_ns', 'Int64'],
  ['kind', 'UInt8'],
  ['status_code', 'UInt8'],
  ['source', 'UInt8'],
  ['flags', 'UInt32'],
  ['dropped_attrs', 'UInt32'],
  ['dropped_events', 'UInt32'],
  ['dropped_links', 'UInt32'],
  ['xray_doc_id', 'Int64'],
  ['dataset', 'String'],
  ['name', 'String'],
  ['trace_state', 'String'],
  ['status_message', 'String'],
  ['scope_name', 'String'],
  ['scope_version', 'String'],
  /** JSON arrays; '' when none. */
  ['events', 'String'],
  ['links', 'String'],
  ['xray_doc', 'Nullable(String)'],
  /** JSON object of attribute values past the column cap. */
  ['attrs_overflow', 'Nullable(String)'],
  /** Which append wrote the row (see `dead`). */
  ['ver', 'UInt64'],
] as const;

export const FIXED_NAMES: readonly string[] = FIXED_COLUMNS.map(([n]) => n);

/** Attribute column types; bool is UInt8 (18.16 has no Bool), so a bool widened to string reads '0'/'1'. */
export const CH_TYPE: Record<AttrType, string> = { string: 'Nullable(String)', int: 'Nullable(Int64)', double: 'Nullable(Float64)', bool: 'Nullable(UInt8)' };

/** ClickHouse identifiers: backquoted, backslash-escaped (18.16 and 26.x alike). */
export function quoteIdent(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/** ClickHouse string literals escape with backslashes, not by doubling quotes. */
export function quoteString(s: string): string {
  return "'" + s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\0/g, '\\0') + "'";
}

export const PARTITION_EXPR = 'toDate(toDateTime(intDiv(start_ns, 1000000000)))';

/** A span's start minute: the first column of the order key, and `trace_lookup`'s `bucket`. */
export const BUCKET_EXPR = 'intDiv(start_ns, 60000000000)';
export const MINUTE_NS = 60_000_000_000n;
/** `spans_data`'s order key (version 2). Version 1's was `trace_hi, trace_lo, start_ns`. */
export const SPANS_ORDER = `${BUCKET_EXPR}, dataset, trace_hi, trace_lo, start_ns`;
export const V1_SPANS_ORDER = 'trace_hi, trace_lo, start_ns';
const LOOKUP_PARTITION = 'toDate(toDateTime(bucket * 60))';

/**
 * `PREWHERE ... WHERE ...` for the rows of `spans_data` of the traces `traceCond` selects (a condition
 * on trace_hi / trace_lo), read through `trace_lookup`: only the granules of the (minute, dataset)
 * blocks those traces have spans in; the trace condition as PREWHERE, so the other columns are read
 * only from the granules that hold the trace (35-54 against 144-296 ms for a 5-span trace at 10M spans).
 * Callers append `AND ...` conditions.
 */
export function traceRows(traceCond: string): string {
  return `PREWHERE (${traceCond}) WHERE (${BUCKET_EXPR}, dataset) IN (SELECT bucket, dataset FROM trace_lookup WHERE ${traceCond})`;
}

/**
 * The materialized view that fills `trace_lookup` from every insert into `spans_data` (in cluster
 * mode, each shard's local tables: a trace's lookup rows live on its shard). It runs inside the
 * INSERT, so when an insert is acknowledged its lookup rows are stored too.
 */
export function lookupViewDdl(layout?: ClusterLayout): string {
  const [spans, lookup] = layout ? [localTable('spans_data'), localTable('trace_lookup')] : ['spans_data', 'trace_lookup'];
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS trace_lookup_mv TO ${lookup} AS SELECT DISTINCT trace_hi, trace_lo, ${BUCKET_EXPR} AS bucket, dataset FROM ${spans}`;
}

/** Live rows of `spans_data`; `extra` narrows the `dead` subquery (e.g. to one trace). */
export function liveCondition(deadFilter = ''): string {
  return `(source = 0 OR (trace_hi, trace_lo, span_id, ver) NOT IN (SELECT trace_hi, trace_lo, span_id, ver FROM dead${deadFilter ? ` WHERE ${deadFilter}` : ''}))`;
}

/** Tables that do not depend on the attribute columns; `ttl` is the TTL clause or ''. */
const BASE_TABLES = (ttl: (dateExpr: string) => string): { name: string; body: string; shardKey: string | null }[] => [
  {
    name: 'spans_data', shardKey: 'cityHash64(trace_hi, trace_lo)',
    body: `(${FIXED_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')}) ${spansEngine(ttl)}`,
  },
  // trace id -> (minute, dataset) of its spans: how a trace is found in `spans_data` (traceRows).
  // Filled by `lookupViewDdl`'s view; sharded as spans_data. Duplicate rows are harmless (read with IN).
  {
    name: 'trace_lookup', shardKey: 'cityHash64(trace_hi, trace_lo)',
    body: `(trace_hi Int64, trace_lo Int64, bucket Int64, dataset String) ENGINE = MergeTree PARTITION BY ${LOOKUP_PARTITION} ORDER BY (trace_hi, trace_lo)${ttl(LOOKUP_PARTITION)}`,
  },
  // Sharded as spans_data, so a row and its tombstone live on the same shard (reads anti-join locally).
  { name: 'dead', shardKey: 'cityHash64(trace_hi, trace_lo)', body: '(trace_hi Int64, trace_lo Int64, span_id Int64, ver UInt64) ENGINE = MergeTree ORDER BY (trace_hi, trace_lo, span_id)' },
  // Catalog and meta rows are versioned; the newest version of a key wins at read time (argMax), over
  // the union of every shard in cluster mode, so the shard a row lands on does not matter.
  { name: 'columns', shardKey: 'cityHash64(key)', body: '(key String, column String, type String, origin String, first_seen Int64, last_seen Int64, ver UInt64) ENGINE = ReplacingMergeTree(ver) ORDER BY key' },
  { name: 'meta', shardKey: 'cityHash64(kind, name)', body: '(kind String, name String, value String, deleted UInt8, ver UInt64) ENGINE = ReplacingMergeTree(ver) ORDER BY (kind, name)' },
  // Per server: each shard's schema is migrated on its own.
  { name: 'schema_version', shardKey: null, body: '(version UInt32, applied_ms Int64) ENGINE = MergeTree ORDER BY version' },
];

/** `spans_data`'s engine clause (also what migrate.ts rewrites a version 1 table into). */
export function spansEngine(ttl: (dateExpr: string) => string): string {
  return `ENGINE = MergeTree PARTITION BY ${PARTITION_EXPR} ORDER BY (${SPANS_ORDER})${ttl(PARTITION_EXPR)}`;
}

/** Cluster mode: a `remote_servers` cluster and the database, on every server. */
export interface ClusterLayout {
  cluster: string;
  database: string;
}

/** The local table behind a Distributed one (cluster mode): `spans_data` -> `spans_data_local`. */
export const localTable = (name: string): string => `${name}_local`;

/**
 * The CREATE statements, run on every server. One server: each table as is. Cluster mode: each
 * sharded table is `NAME_local` (the MergeTree holding this shard's rows) plus `NAME`, a Distributed
 * table over every shard's `NAME_local`, sharded by trace id for spans so a trace lives on one shard.
 * Queries and inserts use the plain names in both modes.
 */
export function baseDdl(ttl: (dateExpr: string) => string, layout?: ClusterLayout): string[] {
  return BASE_TABLES(ttl).flatMap(({ name, body, shardKey }) => {
    if (!layout || shardKey === null) return [`CREATE TABLE IF NOT EXISTS ${name} ${body}`];
    const local = localTable(name);
    return [
      `CREATE TABLE IF NOT EXISTS ${local} ${body}`,
      `CREATE TABLE IF NOT EXISTS ${name} AS ${local} ENGINE = Distributed(${quoteIdent(layout.cluster)}, ${quoteIdent(layout.database)}, ${quoteIdent(local)}, ${shardKey})`,
    ];
  });
}

/** The `spans` view; recreated whenever `spans_data` gains a column (a view's columns are fixed at creation). */
export function viewDdl(): string[] {
  return ['DROP TABLE IF EXISTS spans', `CREATE VIEW spans AS SELECT * FROM spans_data WHERE ${liveCondition()}`];
}

export const SCHEMA_VERSION = 2;
