import type { Dialect } from './dialect.js';
import { clickhouseDialect } from './clickhouse/dialect.js';
import { duckdbDialect } from './duckdb/dialect.js';

/**
 * Dialects by engine name. A Dialect is functions, so it cannot cross a worker boundary: a Store proxy
 * (pipeline/ingest-client.ts) looks its engine's dialect up here instead.
 */
const DIALECTS: Record<string, Dialect> = { duckdb: duckdbDialect, clickhouse: clickhouseDialect };

export function dialectFor(engine: string): Dialect {
  const d = DIALECTS[engine];
  if (!d) throw new Error(`no SQL dialect for engine ${JSON.stringify(engine)}`);
  return d;
}
