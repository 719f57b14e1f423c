import type { AttrScalar, Span } from '../../model/span.js';
import { fixedRowToSpan } from '../engine-common.js';
import type { ColumnInfo } from '../store.js';

/**
 * One `SELECT *` row of `spans_data` as JSONEachRow (64-bit integers as decimal strings) -> `Span`.
 * `byColumn` maps physical attribute column names to their catalog entries.
 */
export function rowToSpan(r: Record<string, unknown>, byColumn: ReadonlyMap<string, ColumnInfo>): Span {
  const attributes: Record<string, AttrScalar> = {};
  const resource: Record<string, AttrScalar> = {};
  for (const [column, c] of byColumn) {
    const v = r[column];
    if (v === null || v === undefined) continue;
    const value = c.type === 'bool' ? Boolean(Number(v)) : c.type === 'string' ? String(v) : Number(v);
    if (c.origin === 'resource') resource[c.key] = value;
    else attributes[c.key] = value;
  }
  return fixedRowToSpan(r, (v) => BigInt(v as string), attributes, resource);
}
