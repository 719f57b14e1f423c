import { widenType } from '../model/span-batch.js';
import type { SpanBatch } from '../model/span-batch.js';
import type { AttrType } from '../model/span.js';
import type { ColumnInfo } from './store.js';

/** How an engine writes the DDL for a new or widened attribute column (`column` is unquoted). */
export interface ColumnDdl {
  add(column: string, type: AttrType): string;
  widen(column: string, type: AttrType): string;
}

/** New-column admission (per batch, per minute): generous for real apps, bounded for floods. */
export const DEFAULT_ADMISSION = { perBatch: 64, perMinute: 1000 };

/**
 * New-column admission by time: an `ALTER TABLE ... ADD COLUMN` costs time proportional to the rows already
 * stored (DuckDB 1.5, measured: 3 ms on an empty table, 57 ms at 500k rows, 240 ms at 3M rows) and runs
 * with no other append in flight, so every request waits for it. A transaction may spend at most
 * `perTransactionMs` on new columns (enough for a request's 64 on a young table: ~3 ms each) (estimated from the measured cost of recent ones) and all transactions
 * together at most `perMinuteMs` a minute; keys past that go to the overflow column at once.
 */
export const DEFAULT_DDL_BUDGET = { perTransactionMs: 400, perMinuteMs: 6_000 };

/** What one transaction has spent on DDL so far (the writer makes one per transaction; see `plan`). */
/** Engines pass one only when ALTERs are costly (DuckDB: from 100k rows on); without it, the count caps alone apply. */
export interface DdlSpend { ms: number }

/** Longest attribute column name we create (the key itself is kept whole in the catalog). */
const MAX_COLUMN_NAME = 200;

/**
 * The attribute-column catalog, the same for every engine: which keys have a column, under which column
 * name, of which type, seen when. The engine supplies only its DDL (`ColumnDdl`).
 *
 * Rules (also in docs/storage.md):
 * - a key gets a column the first time it is seen, until `maxColumns` keys have one; later keys go
 *   to the `attrs_overflow` JSON column of their row (still returned with the span);
 * - the column is named `a:` + key, unless that name is already taken up to case (DuckDB identifiers
 *   are case-insensitive: `user.id` and `User.Id` would be ONE column) or holds control characters
 *   (NUL breaks DDL): then the catalog picks a unique name (`a:User.Id~2`); the key -> column map is
 *   persisted in the `columns` table (ClickHouse names are case-sensitive; the same rule keeps names
 *   portable between engines);
 * - a key seen with another type widens its column: int -> double -> string, bool -> string
 *   (ALTER COLUMN ... TYPE, existing values are cast); columns never narrow.
 */
export class ColumnCatalog {
  private byKey = new Map<string, ColumnInfo>();
  private byColumn = new Map<string, ColumnInfo>();
  /** Column names taken, case-folded. */
  private folded = new Set<string>();
  private dirty = new Set<string>();

  /** New columns created in the current minute, and their estimated DDL time (see `admit`). */
  private window = { startMs: 0, created: 0, ddlMs: 0 };
  /** Estimated cost of one ALTER (ms): a moving average of measured ones (`recordDdl`); a guess until then. */
  private ddlCostMs = 3;
  private ddlMeasured = false;
  ddlBudget = DEFAULT_DDL_BUDGET;

  constructor(
    readonly maxColumns: number,
    /** Admission: new columns per batch (one request) and per minute; keys past it overflow for now. */
    readonly admission: { perBatch: number; perMinute: number } = DEFAULT_ADMISSION,
    private readonly ddlWriter: ColumnDdl,
  ) {}

  load(rows: ColumnInfo[]): void {
    for (const r of rows) this.add(r);
  }

  get(key: string): ColumnInfo | undefined {
    return this.byKey.get(key);
  }

  /** The key stored in a column (by column name), if it is an attribute column. */
  keyOfColumn(column: string): string | undefined {
    return this.byColumn.get(column)?.key;
  }

  private add(c: ColumnInfo): void {
    this.byKey.set(c.key, c);
    this.byColumn.set(c.column, c);
    this.folded.add(c.column.toLowerCase());
  }

  /** A column name for a new key, unique up to case, printable, bounded in length. */
  private columnNameFor(key: string): string {
    // eslint-disable-next-line no-control-regex
    const base = ('a:' + key).replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, MAX_COLUMN_NAME);
    let name = base;
    for (let n = 2; this.folded.has(name.toLowerCase()); n++) name = `${base}~${n}`;
    return name;
  }

  /** A deep copy (plans mutate entries in place). */
  copy(): ColumnCatalog {
    const c = new ColumnCatalog(this.maxColumns, this.admission, this.ddlWriter);
    c.load(this.all().map((i) => ({ ...i })));
    c.ddlCostMs = this.ddlCostMs;
    c.ddlMeasured = this.ddlMeasured;
    c.ddlBudget = this.ddlBudget;
    return c;
  }

  all(): ColumnInfo[] {
    return [...this.byKey.values()];
  }

  get size(): number {
    return this.byKey.size;
  }

  /**
   * Works out what a batch needs: DDL to run first (new or widened columns) and the keys that
   * overflow. Updates the in-memory catalog; `persist()` gives the rows to write. `ddlKeys[i]` is the key
   * whose column `ddl[i]` adds (null for a widening), for `retract`.
   */
  plan(batch: SpanBatch, nowMs: number, spend?: DdlSpend): { ddl: string[]; ddlKeys: (string | null)[]; overflowKeys: string[] } {
    const ddl: string[] = [];
    const ddlKeys: (string | null)[] = [];
    const overflowKeys: string[] = [];
    let created = 0;
    for (const [key, col] of batch.attrs) {
      const known = this.byKey.get(key);
      if (known === undefined) {
        if (this.byKey.size >= this.maxColumns || !this.admit(created, nowMs, spend)) {
          overflowKeys.push(key);
          continue;
        }
        created++;
        const origin = batch.resourceKeys.has(key) ? 'resource' : 'span';
        const column = this.columnNameFor(key);
        this.add({ key, column, type: col.type, origin, firstSeenMs: nowMs, lastSeenMs: nowMs });
        ddl.push(this.ddlWriter.add(column, col.type));
        ddlKeys.push(key);
        this.dirty.add(key);
        continue;
      }
      if (known.type !== col.type) {
        const wide: AttrType = widenType(known.type, col.type);
        if (wide !== known.type) {
          ddl.push(this.ddlWriter.widen(known.column, wide));
          ddlKeys.push(null);
          known.type = wide;
          this.dirty.add(key);
        }
      }
      if (nowMs - known.lastSeenMs > 60_000) {
        known.lastSeenMs = nowMs;
        this.dirty.add(key);
      }
    }
    return { ddl, ddlKeys, overflowKeys };
  }

  /**
   * Forgets a column planned by `plan` whose ALTER was not run (the transaction's DDL time ran out): its
   * key overflows in this transaction and may get a column later.
   */
  retract(key: string): void {
    const c = this.byKey.get(key);
    if (!c) return;
    this.byKey.delete(key);
    this.byColumn.delete(c.column);
    this.folded.delete(c.column.toLowerCase());
    this.dirty.delete(key);
    this.window.created--;
  }

  /**
   * Whether one more column may be created now. Each ALTER costs milliseconds and its transaction runs
   * alone, so a request with thousands of new keys once stalled every other request for half a minute;
   * keys refused here go to the overflow column of their rows and get a column when seen again later.
   */
  private admit(createdInBatch: number, nowMs: number, spend?: DdlSpend): boolean {
    if (createdInBatch >= this.admission.perBatch) return false;
    if (nowMs - this.window.startMs >= 60_000) this.window = { startMs: nowMs, created: 0, ddlMs: 0 };
    if (this.window.created >= this.admission.perMinute) return false;
    const cost = this.ddlCostMs;
    // The first column of a transaction is always allowed while the minute's budget lasts, so keys
    // still get columns when one ALTER alone costs more than a transaction's budget.
    if (spend) {
      if (spend.ms > 0 && spend.ms + cost > this.ddlBudget.perTransactionMs) return false;
      if (this.window.ddlMs + cost > this.ddlBudget.perMinuteMs) return false;
      spend.ms += cost;
      this.window.ddlMs += cost;
    }
    this.window.created++;
    return true;
  }

  /** Feeds the time one ALTER took (ms) into the estimate `admit` uses. */
  recordDdl(ms: number): void {
    this.ddlCostMs = this.ddlMeasured ? 0.7 * this.ddlCostMs + 0.3 * ms : ms;
    this.ddlMeasured = true;
  }

  /** Catalog rows changed since the last call (written in the same transaction as the spans). */
  takeDirty(): ColumnInfo[] {
    const out = [...this.dirty].map((k) => this.byKey.get(k)!);
    this.dirty.clear();
    return out;
  }
}
