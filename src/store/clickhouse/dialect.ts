/**
 * Where ClickHouse releases differ, in one place. The store is proven on 18.16 (Debian's
 * clickhouse-server) and 26.x (npm chdb); anything that only one of them has is decided here from
 * `SELECT version()`.
 *
 * | | 18.16 | 26.x |
 * |---|---|---|
 * | TTL clause | no: retention drops old day partitions (`ALTER TABLE ... DROP PARTITION`) | `TTL <day> + INTERVAL n DAY` |
 * | ALTER MODIFY COLUMN type | rewrites the column synchronously | a mutation: `mutations_sync = 2` waits for it |
 * | JSON 64-bit integers | strings by default | numbers by default: client.ts asks for strings |
 * | `true`/`false` literals, Bool | absent: bool columns are UInt8 | present |
 */
export interface ClickHouseRelease {
  version: string;
  major: number;
  /** TTL on MergeTree tables (19.6+). */
  ttl: boolean;
  /** `SETTINGS` clause on ALTER and `mutations_sync` (19.x+). */
  mutationsSync: boolean;
}

export function releaseOf(version: string): ClickHouseRelease {
  const [maj = 0, min = 0] = version.split('.').map((x) => Number(x));
  const atLeast = (a: number, b: number) => maj > a || (maj === a && min >= b);
  return { version, major: maj, ttl: atLeast(19, 6), mutationsSync: atLeast(20, 1) };
}

/** The oldest release the store is tested on. */
export const OLDEST_SUPPORTED = '18.16';

export function tooOld(r: ClickHouseRelease): boolean {
  const [a, b] = OLDEST_SUPPORTED.split('.').map(Number) as [number, number];
  const [maj = 0, min = 0] = r.version.split('.').map(Number);
  return maj < a || (maj === a && min < b);
}

/** TTL clause for `spans_data`, or '' where retention is done by dropping partitions. */
export function ttlClause(r: ClickHouseRelease, retentionDays: number | undefined): (dateExpr: string) => string {
  return (dateExpr) => (r.ttl && retentionDays ? ` TTL ${dateExpr} + INTERVAL ${Math.floor(retentionDays)} DAY` : '');
}

/** ALTER ... MODIFY COLUMN that has finished rewriting when it returns. */
export function modifyColumnSql(r: ClickHouseRelease, table: string, column: string, type: string): string {
  return `ALTER TABLE ${table} MODIFY COLUMN ${column} ${type}` + (r.mutationsSync ? ' SETTINGS mutations_sync = 2' : '');
}
