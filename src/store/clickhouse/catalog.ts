import { widenType } from '../../model/span-batch.js';
import type { SpanBatch } from '../../model/span-batch.js';
import type { AttrType } from '../../model/span.js';
import type { ColumnInfo } from '../store.js';

/** A catalog entry plus its physical column name in `spans_data`. */
export interface ChColumn extends ColumnInfo {
  column: string;
}

/** A column to add or retype before a batch is inserted. */
export interface ColumnChange {
  op: 'add' | 'widen';
  column: string;
  type: AttrType;
}

/**
 * The attribute-column catalog, with the same rules as DuckDB's (docs/storage.md): a key gets a
 * column on first sight until `maxColumns`, later keys overflow to `attrs_overflow`; a key seen with
 * another type widens its column (int -> double -> string, bool -> string), never narrows.
 *
 * Physical names are assigned here, not derived from the key at query time: `a:` + the key with
 * control characters replaced by `_`, made unique up to case with a `~N` suffix (ClickHouse names are
 * case-sensitive; the rule keeps names portable to engines where they are not).
 */
export class ChCatalog {
  private byKey = new Map<string, ChColumn>();
  private taken = new Set<string>();
  private dirty = new Set<string>();

  constructor(readonly maxColumns: number) {}

  load(rows: ChColumn[]): void {
    for (const r of rows) {
      this.byKey.set(r.key, r);
      this.taken.add(r.column.toLowerCase());
    }
  }

  get(key: string): ChColumn | undefined {
    return this.byKey.get(key);
  }

  all(): ChColumn[] {
    return [...this.byKey.values()];
  }

  get size(): number {
    return this.byKey.size;
  }

  /** What a batch needs: column changes to run first and keys that overflow. Updates the catalog. */
  plan(batch: SpanBatch, nowMs: number): { changes: ColumnChange[]; overflowKeys: string[] } {
    const changes: ColumnChange[] = [];
    const overflowKeys: string[] = [];
    for (const [key, col] of batch.attrs) {
      const known = this.byKey.get(key);
      if (known === undefined) {
        if (this.byKey.size >= this.maxColumns) {
          overflowKeys.push(key);
          continue;
        }
        const column = this.physicalName(key);
        const origin = batch.resourceKeys.has(key) ? 'resource' : 'span';
        this.byKey.set(key, { key, column, type: col.type, origin, firstSeenMs: nowMs, lastSeenMs: nowMs });
        changes.push({ op: 'add', column, type: col.type });
        this.dirty.add(key);
        continue;
      }
      if (known.type !== col.type) {
        const wide = widenType(known.type, col.type);
        if (wide !== known.type) {
          known.type = wide;
          changes.push({ op: 'widen', column: known.column, type: wide });
          this.dirty.add(key);
        }
      }
      if (nowMs - known.lastSeenMs > 60_000) {
        known.lastSeenMs = nowMs;
        this.dirty.add(key);
      }
    }
    return { changes, overflowKeys };
  }

  /** Entries changed since the last call, to persist after the rows are written. */
  takeDirty(): ChColumn[] {
    const out = [...this.dirty].map((k) => this.byKey.get(k)!);
    this.dirty.clear();
    return out;
  }

  private physicalName(key: string): string {
    // eslint-disable-next-line no-control-regex
    const base = 'a:' + key.replace(/[\u0000-\u001f\u007f]/g, '_');
    let name = base;
    for (let n = 2; this.taken.has(name.toLowerCase()); n++) name = `${base}~${n}`;
    this.taken.add(name.toLowerCase());
    return name;
  }
}
