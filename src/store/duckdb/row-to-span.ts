import type { AttrScalar, Span } from '../../model/span.js';
import { fixedRowToSpan } from '../engine-common.js';
import type { Catalog } from './catalog.js';
import { ATTR_PREFIX } from './schema.js';

/** One `SELECT *` row of `spans` (node-api JS values) -> the edge `Span` type. */
export function rowToSpan(r: Record<string, unknown>, catalog: Catalog): Span {
  const attributes: Record<string, AttrScalar> = {};
  const resource: Record<string, AttrScalar> = {};
  for (const col in r) {
    if (!col.startsWith(ATTR_PREFIX)) continue;
    const v = r[col];
    if (v === null || v === undefined) continue;
    const key = catalog.keyOfColumn(col);
    if (key === undefined) continue; // added by a commit after this catalog was read
    const value = typeof v === 'bigint' ? Number(v) : (v as AttrScalar);
    if (catalog.get(key)?.origin === 'resource') resource[key] = value;
    else attributes[key] = value;
  }
  return fixedRowToSpan(r, (v) => v as bigint, attributes, resource);
}
