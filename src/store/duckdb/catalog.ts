import { widenType } from '../../model/span-batch.js';
import type { SpanBatch } from '../../model/span-batch.js';
import type { AttrType } from '../../model/span.js';
import type { ColumnInfo } from '../store.js';
import { SQL_TYPE, attrColumnName, quoteIdent } from './schema.js';

/**
 * The attribute-column catalog: which keys have a column, of which type, seen when.
 *
 * Rules (also in docs/storage.md):
 * - a key gets a column the first time it is seen, until `maxColumns` keys have one; later keys go
 *   to the `attrs_overflow` JSON column of their row (still returned with the span);
 * - a key seen with another type widens its column: int -> double -> string, bool -> string
 *   (ALTER COLUMN ... TYPE, existing values are cast); columns never narrow.
 */
export class Catalog {
  private byKey = new Map<string, ColumnInfo>();
  private dirty = new Set<string>();

  constructor(readonly maxColumns: number) {}

  load(rows: ColumnInfo[]): void {
    for (const r of rows) this.byKey.set(r.key, r);
  }

  get(key: string): ColumnInfo | undefined {
    return this.byKey.get(key);
  }

  all(): ColumnInfo[] {
    return [...this.byKey.values()];
  }

  get size(): number {
    return this.byKey.size;
  }

  /**
   * Works out what a batch needs: DDL to run first (new or widened columns) and the keys that
   * overflow. Updates the in-memory catalog; `persist()` gives the rows to write.
   */
  plan(batch: SpanBatch, nowMs: number): { ddl: string[]; overflowKeys: string[] } {
    const ddl: string[] = [];
    const overflowKeys: string[] = [];
    for (const [key, col] of batch.attrs) {
      const known = this.byKey.get(key);
      if (known === undefined) {
        if (this.byKey.size >= this.maxColumns) {
          overflowKeys.push(key);
          continue;
        }
        const origin = batch.resourceKeys.has(key) ? 'resource' : 'span';
        this.byKey.set(key, { key, column: attrColumnName(key), type: col.type, origin, firstSeenMs: nowMs, lastSeenMs: nowMs });
        ddl.push(`ALTER TABLE spans ADD COLUMN IF NOT EXISTS ${quoteIdent(attrColumnName(key))} ${SQL_TYPE[col.type]}`);
        this.dirty.add(key);
        continue;
      }
      if (known.type !== col.type) {
        const wide: AttrType = widenType(known.type, col.type);
        if (wide !== known.type) {
          ddl.push(`ALTER TABLE spans ALTER COLUMN ${quoteIdent(attrColumnName(key))} TYPE ${SQL_TYPE[wide]}`);
          known.type = wide;
          this.dirty.add(key);
        }
      }
      if (nowMs - known.lastSeenMs > 60_000) {
        known.lastSeenMs = nowMs;
        this.dirty.add(key);
      }
    }
    return { ddl, overflowKeys };
  }

  /** Catalog rows changed since the last call (written in the same transaction as the spans). */
  takeDirty(): ColumnInfo[] {
    const out = [...this.dirty].map((k) => this.byKey.get(k)!);
    this.dirty.clear();
    return out;
  }
}
