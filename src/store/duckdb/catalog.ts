import { ColumnCatalog, DEFAULT_ADMISSION } from '../catalog.js';
import { SQL_TYPE, quoteIdent } from './schema.js';

/** DuckDB's attribute columns: the shared catalog (store/catalog.ts, rules in docs/storage.md) with DuckDB's DDL. */
export class Catalog extends ColumnCatalog {
  constructor(maxColumns: number, admission: { perBatch: number; perMinute: number } = DEFAULT_ADMISSION) {
    super(maxColumns, admission, {
      add: (column, type) => `ALTER TABLE spans ADD COLUMN ${quoteIdent(column)} ${SQL_TYPE[type]}`,
      widen: (column, type) => `ALTER TABLE spans ALTER COLUMN ${quoteIdent(column)} TYPE ${SQL_TYPE[type]}`,
    });
  }
}
