import type { ChClient } from './client.js';
import { releaseOf, tooOld, ttlClause, OLDEST_SUPPORTED, type ClickHouseRelease } from './dialect.js';
import { baseDdl, SCHEMA_VERSION, viewDdl } from './schema.js';

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

export async function migrate(client: ChClient, opts: { retentionDays?: number } = {}): Promise<MigrateResult> {
  const release = await serverRelease(client);
  for (const sql of baseDdl(ttlClause(release, opts.retentionDays))) await client.command(sql);
  const [row] = await client.query('SELECT max(version) AS v FROM schema_version');
  const from = Number(row?.v ?? 0);
  // Steps by version; version 1 is the tables above plus the live-rows view.
  if (from < 1) {
    for (const sql of viewDdl()) await client.command(sql);
  }
  if (from < SCHEMA_VERSION) await client.command(`INSERT INTO schema_version (version, applied_ms) VALUES (${SCHEMA_VERSION}, ${Date.now()})`);
  return { release, from, to: SCHEMA_VERSION };
}
