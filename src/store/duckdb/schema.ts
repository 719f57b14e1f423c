import type { AttrType } from '../../model/span.js';

/**
 * The wide `spans` table: fixed columns, then one typed column per attribute key (`a:<key>`, added
 * on first sight, see catalog.ts). Ids are 64-bit halves (model/ids.ts): 16 bytes per trace id and 8
 * per span id instead of 32/16 hex chars keeps the file under ~40 bytes per span.
 */
export const FIXED_COLUMNS = [
  ['trace_hi', 'BIGINT'],
  ['trace_lo', 'BIGINT'],
  ['span_id', 'BIGINT'],
  ['parent_id', 'BIGINT'],
  ['start_ns', 'BIGINT'],
  ['duration_ns', 'BIGINT'],
  ['kind', 'UTINYINT'],
  ['status_code', 'UTINYINT'],
  ['source', 'UTINYINT'],
  ['flags', 'UINTEGER'],
  ['dropped_attrs', 'UINTEGER'],
  ['dropped_events', 'UINTEGER'],
  ['dropped_links', 'UINTEGER'],
  ['xray_doc_id', 'BIGINT'],
  ['dataset', 'VARCHAR'],
  ['name', 'VARCHAR'],
  ['trace_state', 'VARCHAR'],
  ['status_message', 'VARCHAR'],
  ['scope_name', 'VARCHAR'],
  ['scope_version', 'VARCHAR'],
  ['events', 'VARCHAR'],
  ['links', 'VARCHAR'],
  ['xray_doc', 'VARCHAR'],
  /** JSON object of attribute values past the column cap. */
  ['attrs_overflow', 'VARCHAR'],
] as const;

export const SQL_TYPE: Record<AttrType, string> = { string: 'VARCHAR', int: 'BIGINT', double: 'DOUBLE', bool: 'BOOLEAN' };

export const ATTR_PREFIX = 'a:';

export { quoteIdent, quoteString } from '../sql-quote.js';

export function attrColumnName(key: string): string {
  return ATTR_PREFIX + key;
}

export const DDL = [
  `CREATE TABLE IF NOT EXISTS spans (${FIXED_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')})`,
  `CREATE TABLE IF NOT EXISTS columns (key VARCHAR PRIMARY KEY, type VARCHAR NOT NULL, origin VARCHAR NOT NULL, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL)`,
  // The key -> column name map (catalog.ts); data dirs made before it existed used `a:` + key.
  `ALTER TABLE columns ADD COLUMN IF NOT EXISTS col VARCHAR`,
  `UPDATE columns SET col = '${ATTR_PREFIX}' || key WHERE col IS NULL`,
  `CREATE TABLE IF NOT EXISTS meta (kind VARCHAR NOT NULL, name VARCHAR NOT NULL, value VARCHAR NOT NULL, PRIMARY KEY (kind, name))`,
];
