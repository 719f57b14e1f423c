import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ClickHouseStore } from '../store/clickhouse/clickhouse-store.js';
import { openClickHouse } from '../store/clickhouse/open-client.js';
import { DuckDBStore } from '../store/duckdb/duckdb-store.js';
import type { SpanLimits } from '../model/span-limits.js';
import type { Store } from '../store/store.js';

/** Which engine and where: chosen by flags, passed to the ingest worker. */
export interface StoreConfig {
  engine: 'duckdb' | 'clickhouse';
  /** ClickHouse: `clickhouse://HOST:PORT/DB`. */
  url?: string;
  /** ClickHouse: days to keep (0 = forever). */
  retentionDays?: number;
  /** DuckDB: datasets kept for a time of their own, in days (0 = forever). */
  datasetRetentionDays?: Record<string, number>;
  /** Data directory; ignored when `memory` is set. */
  dataDir: string;
  memory: boolean;
  maxColumns: number;
  memoryLimit?: string;
  checkpointSpans?: number;
  /** Applied to every decoded batch in the ingest worker (app/limit-spans.ts). */
  spanLimits?: SpanLimits;
}

export async function openStore(c: StoreConfig): Promise<Store> {
  if (c.engine === 'clickhouse') {
    const { client, cluster } = await openClickHouse(c.url!);
    return ClickHouseStore.open(client, { maxColumns: c.maxColumns, retentionDays: c.retentionDays || undefined, datasetRetentionDays: c.datasetRetentionDays, ...(cluster ? { cluster } : {}) });
  }
  const common = { maxColumns: c.maxColumns, memoryLimit: c.memoryLimit, checkpointEverySpans: c.checkpointSpans, retentionDays: c.retentionDays || undefined, datasetRetentionDays: c.datasetRetentionDays };
  if (c.memory) return DuckDBStore.open({ path: ':memory:', ...common });
  mkdirSync(c.dataDir, { recursive: true });
  return DuckDBStore.open({ path: join(c.dataDir, 'honeyray.duckdb'), ...common });
}
