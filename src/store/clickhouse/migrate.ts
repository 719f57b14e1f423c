import type { ChClient } from './client.js';
import { releaseOf, tooOld, ttlClause, OLDEST_SUPPORTED, type ClickHouseRelease } from './dialect.js';
import { baseDdl, BUCKET_EXPR, localTable, lookupViewDdl, quoteString, SCHEMA_VERSION, spansEngine, V1_SPANS_ORDER, viewDdl, type ClusterLayout } from './schema.js';

/**
 * Creates or upgrades the schema: idempotent (every statement is IF NOT EXISTS or a re-creatable
 * view) and versioned (`schema_version` records each step applied). Run by `ClickHouseStore.open`
 * and by `honeyray migrate`.
 */
export interface MigrateResult {
  release: ClickHouseRelease;
  from: number;
  to: number;
}

export class ClickHouseTooOldError extends Error {
  constructor(version: string) {
    super(`ClickHouse ${version} is too old: Honeyray needs ${OLDEST_SUPPORTED} or newer`);
    this.name = 'ClickHouseTooOldError';
  }
}

export async function serverRelease(client: ChClient): Promise<ClickHouseRelease> {
  const [row] = await client.query('SELECT version() AS v');
  const release = releaseOf(String(row?.v ?? '0'));
  if (tooOld(release)) throw new ClickHouseTooOldError(release.version);
  return release;
}

/** One server: run on each server of a cluster (`layout`), the entry server last. */
export async function migrate(client: ChClient, opts: { retentionDays?: number; layout?: ClusterLayout } = {}): Promise<MigrateResult> {
  const release = await serverRelease(client);
  await assertLayout(client, opts.layout);
  const ttl = ttlClause(release, opts.retentionDays);
  for (const sql of baseDdl(ttl, opts.layout)) await client.command(sql);
  const [row] = await client.query('SELECT max(version) AS v FROM schema_version');
  const from = Number(row?.v ?? 0);
  // Steps by version; version 1 is the tables above plus the live-rows view.
  if (from < 1) {
    for (const sql of viewDdl()) await client.command(sql);
  }
  // Version 2: spans_data ordered by start minute (schema.ts), found by trace id through trace_lookup.
  if (from < 2) {
    const spans = opts.layout ? localTable('spans_data') : 'spans_data';
    await reorderSpans(client, spans, spansEngine(ttl));
    await client.command(lookupViewDdl(opts.layout));
    // Rows stored before the view existed (the view fills the rest; a row both add is harmless).
    await client.command(`INSERT INTO ${opts.layout ? localTable('trace_lookup') : 'trace_lookup'} (trace_hi, trace_lo, bucket, dataset) ` +
      `SELECT DISTINCT trace_hi, trace_lo, ${BUCKET_EXPR}, dataset FROM ${spans}`);
    for (const sql of viewDdl()) await client.command(sql);
  }
  if (from < SCHEMA_VERSION) await client.command(`INSERT INTO schema_version (version, applied_ms) VALUES (${SCHEMA_VERSION}, ${Date.now()})`);
  return { release, from, to: SCHEMA_VERSION };
}

/** Clock skew between Honeyray nodes that `reorderSpans` allows for (ms), in `ver` units (ms * 1000). */
const SKEW_VER = 60_000n * 1000n;

/**
 * A version 1 `spans_data` (ordered by trace id) is copied into a table with version 2's order key,
 * which then takes its name; the old table is dropped after rows written to it during the copy (by
 * nodes still running the old version: `ver` from the copy's start, less SKEW_VER, kept in
 * `${spans}_copy_since`) are copied too. Idempotent: a copy left by a crash is redone, an old table
 * left after the rename is finished. Takes minutes for millions of spans (docs/clickhouse.md, "Upgrading").
 */
async function reorderSpans(client: ChClient, spans: string, engine: string): Promise<void> {
  const next = `${spans}_v2`;
  const old = `${spans}_v1`;
  const sinceTable = `${spans}_copy_since`;
  const keyOf = async (name: string) =>
    (await client.query(`SELECT sorting_key AS k FROM system.tables WHERE database = currentDatabase() AND name = ${quoteString(name)}`))[0]?.k;
  if ((await keyOf(spans)) === V1_SPANS_ORDER) {
    await client.command(`DROP TABLE IF EXISTS ${next}`);
    await client.command(`DROP TABLE IF EXISTS ${sinceTable}`);
    await client.command(`CREATE TABLE ${sinceTable} (since UInt64) ENGINE = TinyLog`);
    await client.command(`INSERT INTO ${sinceTable} VALUES (${BigInt(Date.now()) * 1000n - SKEW_VER})`);
    await client.command(`CREATE TABLE ${next} AS ${spans} ${engine}`);
    // In ranges of trace ids (the old order key: each statement reads only its own granules) of about
    // COPY_ROWS rows, so that no statement outlasts the client's timeout.
    const [{ n } = { n: 0 }] = await client.query(`SELECT count() AS n FROM ${spans}`);
    const chunks = Math.ceil(Number(n) / COPY_ROWS);
    const levels = Array.from({ length: chunks - 1 }, (_, i) => ((i + 1) / chunks).toFixed(6));
    const bounds = levels.length === 0 ? [] : [...new Set(((await client.query(
      `SELECT arrayMap(q -> toString(toInt64(q)), quantiles(${levels.join(', ')})(trace_hi)) AS b FROM ${spans}`))[0]?.b as string[] ?? []))];
    for (const where of traceRanges(bounds)) await client.command(`INSERT INTO ${next} SELECT * FROM ${spans}${where}`);
    await client.command(`RENAME TABLE ${spans} TO ${old}, ${next} TO ${spans}`);
  }
  if ((await keyOf(old)) === undefined) return;
  const [row] = await client.query(`SELECT toString(min(since)) AS s FROM ${sinceTable}`);
  const since = String(row?.s ?? '0');
  await client.command(`INSERT INTO ${spans} SELECT * FROM ${old} WHERE ver >= ${since} AND (trace_hi, trace_lo, span_id, ver) NOT IN ` +
    `(SELECT trace_hi, trace_lo, span_id, ver FROM ${spans} WHERE ver >= ${since})`);
  await client.command(`DROP TABLE ${old}`);
  await client.command(`DROP TABLE ${sinceTable}`);
}

/** Rows per copy statement in `reorderSpans`: ~15 s of ClickHouse 18.16 on 2 busy cores. */
const COPY_ROWS = 500_000;

/** WHERE clauses that split trace_hi at `bounds` (ascending, as decimal strings) and cover every row. */
export function traceRanges(bounds: readonly string[]): string[] {
  if (bounds.length === 0) return [''];
  return [
    ` WHERE trace_hi < ${bounds[0]}`,
    ...bounds.slice(1).map((b, i) => ` WHERE trace_hi >= ${bounds[i]} AND trace_hi < ${b}`),
    ` WHERE trace_hi >= ${bounds[bounds.length - 1]}`,
  ];
}

/**
 * A database made for one server cannot become a cluster's in place (its `spans_data` holds the rows
 * where the Distributed table would go), nor the reverse: say so instead of half-creating tables.
 */
async function assertLayout(client: ChClient, layout: ClusterLayout | undefined): Promise<void> {
  if (layout) {
    const [n] = await client.query(`SELECT count() AS n FROM system.clusters WHERE cluster = ${quoteString(layout.cluster)}`);
    if (Number(n?.n ?? 0) === 0) throw new ClickHouseLayoutError(`cluster ${layout.cluster} is not in this server's remote_servers`);
  }
  const [row] = await client.query("SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = 'spans_data'");
  if (!row) return;
  const distributed = String(row.engine) === 'Distributed';
  if (distributed && !layout) throw new ClickHouseLayoutError('this database was made for a cluster: add ?cluster=NAME and every shard to the URL');
  if (!distributed && layout) throw new ClickHouseLayoutError('this database was made for one server: use a new database for cluster mode');
}

export class ClickHouseLayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClickHouseLayoutError';
  }
}
