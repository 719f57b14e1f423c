import type { ChClient } from './client.js';
import { releaseOf, tooOld, ttlClause, OLDEST_SUPPORTED, type ClickHouseRelease } from './dialect.js';
import { baseDdl, quoteString, SCHEMA_VERSION, viewDdl, type ClusterLayout } from './schema.js';

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
  for (const sql of baseDdl(ttlClause(release, opts.retentionDays), opts.layout)) await client.command(sql);
  const [row] = await client.query('SELECT max(version) AS v FROM schema_version');
  const from = Number(row?.v ?? 0);
  // Steps by version; version 1 is the tables above plus the live-rows view.
  if (from < 1) {
    for (const sql of viewDdl()) await client.command(sql);
  }
  if (from < SCHEMA_VERSION) await client.command(`INSERT INTO schema_version (version, applied_ms) VALUES (${SCHEMA_VERSION}, ${Date.now()})`);
  return { release, from, to: SCHEMA_VERSION };
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
