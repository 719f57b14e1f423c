import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBStore } from '../store/duckdb/duckdb-store.js';
import type { Store } from '../store/store.js';

/** Which engine and where: chosen by flags, passed to the ingest worker. */
export interface StoreConfig {
  engine: 'duckdb';
  /** Data directory; ignored when `memory` is set. */
  dataDir: string;
  memory: boolean;
  maxColumns: number;
  memoryLimit?: string;
  checkpointSpans?: number;
}

export async function openStore(c: StoreConfig): Promise<Store> {
  if (c.memory) return DuckDBStore.open({ path: ':memory:', maxColumns: c.maxColumns, memoryLimit: c.memoryLimit, checkpointEverySpans: c.checkpointSpans });
  mkdirSync(c.dataDir, { recursive: true });
  return DuckDBStore.open({ path: join(c.dataDir, 'honeyray.duckdb'), maxColumns: c.maxColumns, memoryLimit: c.memoryLimit, checkpointEverySpans: c.checkpointSpans });
}
