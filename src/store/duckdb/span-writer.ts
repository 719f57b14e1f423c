import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { hexToTraceId, hexToU64 } from '../../model/ids.js';
import type { SpanBatch } from '../../model/span-batch.js';
import type { AppendOptions, AppendResult, ColumnInfo } from '../store.js';
import type { Catalog } from './catalog.js';
import { appendBatches, type ChunkPlan, type ColumnSource } from './chunk-writer.js';
import { FIXED_COLUMNS, SQL_TYPE } from './schema.js';
import { recomputeTraceIndex, TraceIndexWriter } from './trace-index.js';
import { traceIdConditions } from '../engine-common.js';

/**
 * The write path: two writer connections so that one transaction's COMMIT (WAL write, on DuckDB's
 * threads) overlaps the next transaction's appends (on ours): measured ~+8% spans/s in bench:ingest on 2 cores
 * (alternating runs: 102k and 109k spans/s with two connections, 98k and 92k with one).
 * Appends never conflict in DuckDB; anything that could (new columns, deletes, updates) runs
 * exclusively, after earlier commits and before later appends.
 *
 * Checkpoints (which compress the WAL into the file) run in the background on their own connection
 * every `checkpointEverySpans`, instead of inside whichever commit crosses `wal_autocheckpoint`: that
 * one commit used to stall for ~1 s.
 *
 * In DuckDB 1.5 a checkpoint still stalls every writer while it writes the spans table: an append (to any
 * table, on any connection) and the COMMIT of a transaction that appended before the checkpoint began both
 * wait for it (measured in process at load 12: appends made during a checkpoint of 100k / 250k / 500k WAL'd
 * spans waited 1.6 / 3.6 / 11.9 s, each as long as the checkpoint; 2k spans still 0.2-0.4 s, the
 * rewrite of the table's last, partly filled row group). Checkpoints are timed (`checkpointStats`).
 */
export class SpanWriter {
  private syncChain: Promise<void> = Promise.resolve();
  private slots: Slot[];
  /** Bumped by every schema change: appenders bound to an older schema are recreated. */
  private schema = 0;
  private cachedPlan: { schema: number; plan: ChunkPlan } | null = null;
  private sinceCheckpoint = 0;
  /** Rows in the table, roughly (at open, plus appended since): whether new columns are budgeted by time. */
  private rows = 0;
  private checkpointing: Promise<void> | null = null;
  /** Background checkpoints so far: how many, and how long they took (ms; the compaction before one apart). */
  readonly checkpointStats = { count: 0, lastMs: 0, maxMs: 0, totalMs: 0, lastSpans: 0 };
  /** trace id -> start range, in the same transaction as the spans (trace-index.ts, the read side's). */
  private readonly traceIndex: TraceIndexWriter;

  private constructor(
    conns: DuckDBConnection[],
    private readonly admin: DuckDBConnection,
    private readonly catalog: () => Catalog,
    private readonly reloadCatalog: () => Promise<void>,
    private readonly onCatalogCommitted: () => void,
    private readonly checkpointEverySpans: number,
    compactor: DuckDBConnection,
  ) {
    this.traceIndex = new TraceIndexWriter(compactor);
    this.slots = conns.map((conn) => ({ conn, commit: Promise.resolve(), appender: null, schema: -1 }));
  }

  static async create(
    instance: DuckDBInstance,
    admin: DuckDBConnection,
    catalog: () => Catalog,
    reload: () => Promise<void>,
    onCatalogCommitted: () => void,
    checkpointEverySpans: number,
  ): Promise<SpanWriter> {
    const conns = [await instance.connect(), await instance.connect()];
    const w = new SpanWriter(conns, admin, catalog, reload, onCatalogCommitted, checkpointEverySpans, await instance.connect());
    await w.traceIndex.open(admin);
    w.rows = Number((await admin.runAndReadAll('SELECT count(*) FROM spans')).getRowsJS()[0]![0]);
    return w;
  }

  /** Resolves when a new append can start writing at once (used to size group commits). */
  async ready(): Promise<void> {
    await this.syncChain;
    await Promise.race(this.slots.map((s) => s.commit));
  }

  /** One transaction for all batches; resolves once committed. */
  append(batches: readonly SpanBatch[], opts: AppendOptions): Promise<AppendResult> {
    const prev = this.syncChain;
    let release!: () => void;
    this.syncChain = new Promise((r) => (release = r));
    return this.run(prev, release, batches, opts);
  }

  /**
   * Runs `fn` on the admin connection with no append in flight (retention deletes): nothing it deletes
   * can conflict with an append's own deletes (X-Ray replacements).
   */
  async exclusive<T>(fn: (admin: DuckDBConnection) => Promise<T>): Promise<T> {
    const prev = this.syncChain;
    let release!: () => void;
    this.syncChain = new Promise((r) => (release = r));
    try {
      await prev;
      await Promise.all(this.slots.map((s) => s.commit));
      return await fn(this.admin);
    } finally {
      release();
    }
  }

  private async run(prev: Promise<void>, release: () => void, batches: readonly SpanBatch[], opts: AppendOptions): Promise<AppendResult> {
    await prev;
    const now = Date.now();
    const catalog = this.catalog();
    // ALTER cost grows with the rows stored: below DDL_BUDGET_FROM_ROWS the count caps alone apply.
    const budgeted = this.rows >= DDL_BUDGET_FROM_ROWS;
    const spend = budgeted ? { ms: 0 } : undefined;
    const plans = batches.map((b) => catalog.plan(b, now, spend));
    const exclusive = plans.some((p) => p.ddl.length > 0) || (opts.replaceDocuments?.length ?? 0) > 0 || (opts.assignDatasets?.length ?? 0) > 0;
    let released = false;
    let catalogChanged = false;
    const done = () => { if (!released) { released = true; release(); } };
    try {
      if (exclusive) await Promise.all(this.slots.map((s) => s.commit));
      if (plans.some((p) => p.ddl.length > 0)) this.schema++;
      const slot = await this.freeSlot();
      const w = slot.conn;
      let result: AppendResult;
      await w.run('BEGIN TRANSACTION');
      try {
        await this.runDdl(w, catalog, batches, plans, budgeted);
        for (const doc of opts.replaceDocuments ?? []) await deleteDocument(w, doc);
        for (const a of opts.assignDatasets ?? []) await assignDataset(w, a.traceId, a.spanIds, a.dataset);
        // Their traces' index rows no longer count the spans as stored: recomputed (trace-index.ts).
        const touched = [...new Set([...(opts.replaceDocuments ?? []).map((d) => d.split(':')[0]!), ...(opts.assignDatasets ?? []).map((a) => a.traceId)])];
        if (touched.length > 0) await recomputeTraceIndex(w, traceIdConditions(touched));
        result = this.appendRows(await this.appenderOf(slot), batches, plans.map((p) => p.overflowKeys));
        await this.traceIndex.append(w, batches);
        const changed = catalog.takeDirty();
        catalogChanged = changed.length > 0;
        if (catalogChanged) await saveCatalogRows(w, changed);
      } catch (err) {
        await w.run('ROLLBACK').catch(() => undefined);
        this.schema++;
        throw err;
      }
      const commit = w.run('COMMIT');
      slot.commit = commit.catch(() => undefined);
      if (!exclusive) done();
      try {
        await commit;
      } catch (err) {
        await w.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
      // Readers see new columns only once they exist for every query (catalog changes commit exclusively).
      if (catalogChanged) this.onCatalogCommitted();
      this.rows += result.spans;
      this.maybeCheckpoint(result.spans);
      return result;
    } catch (err) {
      await this.reloadCatalog();
      this.schema++;
      throw err;
    } finally {
      done();
    }
  }

  /**
   * New and widened columns, timed: once this transaction has spent its DDL budget (the catalog's estimate
   * can be stale as the table grows), the columns not created yet are retracted and their keys overflow in
   * every batch of the transaction. Widenings always run (values of the wider type need the column).
   */
  private async runDdl(w: DuckDBConnection, catalog: Catalog, batches: readonly SpanBatch[], plans: Plan[], budgeted: boolean): Promise<void> {
    let spent = 0;
    const retracted: string[] = [];
    for (const p of plans) {
      for (let i = 0; i < p.ddl.length; i++) {
        const key = p.ddlKeys[i];
        if (budgeted && key != null && spent >= catalog.ddlBudget.perTransactionMs) {
          catalog.retract(key);
          retracted.push(key);
          continue;
        }
        const t0 = performance.now();
        await w.run(p.ddl[i]!);
        const ms = performance.now() - t0;
        spent += ms;
        if (key != null) catalog.recordDdl(ms);
      }
    }
    if (retracted.length === 0) return;
    batches.forEach((b, i) => {
      const overflow = plans[i]!.overflowKeys;
      for (const k of retracted) if (b.attrs.has(k) && !overflow.includes(k)) overflow.push(k);
    });
  }

  /**
   * The slot's appender, kept across transactions (creating one per transaction cost ~5% of ingest):
   * an appender writes into whatever transaction its connection has open. Recreated after a schema change.
   */
  private async appenderOf(slot: Slot): Promise<DuckDBAppender> {
    if (slot.appender && slot.schema === this.schema) return slot.appender;
    slot.appender?.closeSync();
    slot.appender = null;
    slot.appender = await slot.conn.createAppender('spans');
    slot.schema = this.schema;
    return slot.appender;
  }

  /** The chunk plan follows the table's columns, which change only with the schema. */
  private plan(): ChunkPlan {
    if (this.cachedPlan?.schema !== this.schema) this.cachedPlan = { schema: this.schema, plan: chunkPlan(this.catalog()) };
    return this.cachedPlan.plan;
  }

  private appendRows(appender: DuckDBAppender, batches: readonly SpanBatch[], overflowKeys: string[][]): AppendResult {
    const spans = batches.reduce((n, b) => n + b.length, 0);
    let overflowed = 0;
    const raw = (appender as unknown as { appender: duckdb.Appender }).appender; // node-api keeps it private
    try {
      overflowed = appendBatches(raw, this.plan(), batches, overflowKeys);
      appender.flushSync();
    } catch (err) {
      appender.clear();
      throw err;
    }
    return { spans, overflowed };
  }

  private freeSlot(): Promise<Slot> {
    return Promise.race(this.slots.map((s) => s.commit.then(() => s)));
  }

  private maybeCheckpoint(spans: number): void {
    this.sinceCheckpoint += spans;
    if (this.checkpointEverySpans <= 0 || this.checkpointing || this.sinceCheckpoint < this.checkpointEverySpans) return;
    const since = this.sinceCheckpoint;
    this.sinceCheckpoint = 0;
    // The trace index's lookup copy is re-sorted first when due: the checkpoint then drops the rows it replaced.
    this.checkpointing = this.traceIndex.compactIfDue().catch(() => undefined)
      .then(() => this.checkpoint(since)).then(() => undefined, () => undefined).finally(() => (this.checkpointing = null));
  }

  /** CHECKPOINT on the admin connection, timed; `spans`: appended since the previous one (absent: a checkpoint on demand). */
  async checkpoint(spans?: number): Promise<void> {
    if (spans === undefined) {
      spans = this.sinceCheckpoint;
      this.sinceCheckpoint = 0;
    }
    const t0 = performance.now();
    await this.admin.run('CHECKPOINT');
    const ms = Math.round(performance.now() - t0);
    const s = this.checkpointStats;
    s.count++;
    s.lastMs = ms;
    s.maxMs = Math.max(s.maxMs, ms);
    s.totalMs += ms;
    s.lastSpans = spans;
  }

  /** Waits for commits and any background checkpoint. */
  async idle(): Promise<void> {
    await this.syncChain;
    await Promise.all(this.slots.map((s) => s.commit));
    await this.checkpointing;
  }

  close(): void {
    this.traceIndex.close();
    for (const s of this.slots) {
      s.appender?.closeSync();
      s.conn.closeSync();
    }
  }
}

type Plan = ReturnType<Catalog['plan']>;

/** From here on (rows in the table) an ALTER costs tens of ms or more (57 ms at 500k rows, measured). */
const DDL_BUDGET_FROM_ROWS = 100_000;

interface Slot {
  conn: DuckDBConnection;
  commit: Promise<unknown>;
  appender: DuckDBAppender | null;
  schema: number;
}

const TYPE_ID: Record<string, duckdb.Type> = {
  BIGINT: duckdb.Type.BIGINT,
  UTINYINT: duckdb.Type.UTINYINT,
  UINTEGER: duckdb.Type.UINTEGER,
  VARCHAR: duckdb.Type.VARCHAR,
  DOUBLE: duckdb.Type.DOUBLE,
  BOOLEAN: duckdb.Type.BOOLEAN,
};

const FIXED_SOURCES: Record<string, ColumnSource> = {
  trace_hi: { kind: 'big', field: 'traceHi' },
  trace_lo: { kind: 'big', field: 'traceLo' },
  span_id: { kind: 'big', field: 'spanId' },
  parent_id: { kind: 'big', field: 'parentId' },
  start_ns: { kind: 'big', field: 'startNs' },
  duration_ns: { kind: 'big', field: 'durationNs' },
  xray_doc_id: { kind: 'big', field: 'xrayDocId' },
  kind: { kind: 'u8', field: 'kind' },
  status_code: { kind: 'u8', field: 'statusCode' },
  source: { kind: 'u8', field: 'source' },
  flags: { kind: 'u32', field: 'flags' },
  dropped_attrs: { kind: 'u32', field: 'droppedAttrs' },
  dropped_events: { kind: 'u32', field: 'droppedEvents' },
  dropped_links: { kind: 'u32', field: 'droppedLinks' },
  dataset: { kind: 'str', field: 'dataset' },
  name: { kind: 'str', field: 'name' },
  trace_state: { kind: 'str', field: 'traceState', emptyAsNull: true },
  status_message: { kind: 'str', field: 'statusMessage', emptyAsNull: true },
  scope_name: { kind: 'str', field: 'scopeName', emptyAsNull: true },
  scope_version: { kind: 'str', field: 'scopeVersion', emptyAsNull: true },
  events: { kind: 'json', field: 'events' },
  links: { kind: 'json', field: 'links' },
  xray_doc: { kind: 'doc' },
  attrs_overflow: { kind: 'overflow' },
};

/** Column sources and types in table order: fixed columns, then attribute columns in catalog order. */
function chunkPlan(catalog: Catalog): ChunkPlan {
  const sources: ColumnSource[] = [];
  const types: duckdb.LogicalType[] = [];
  for (const [name, type] of FIXED_COLUMNS) {
    sources.push(FIXED_SOURCES[name]!);
    types.push(duckdb.create_logical_type(TYPE_ID[type]!));
  }
  for (const c of catalog.all()) {
    sources.push({ kind: 'attr', key: c.key, type: c.type });
    types.push(duckdb.create_logical_type(TYPE_ID[SQL_TYPE[c.type]]!));
  }
  return { sources, types };
}

/**
 * One statement for all changed catalog rows: one INSERT per row cost ~60 ms each right after DDL on the
 * loaded machine (~0.5 s for a request bringing 8 new keys).
 */
async function saveCatalogRows(w: DuckDBConnection, rows: ColumnInfo[]): Promise<void> {
  const values = rows.map((_, i) => `($${i * 6 + 1}, $${i * 6 + 2}, $${i * 6 + 3}, $${i * 6 + 4}, $${i * 6 + 5}, $${i * 6 + 6})`).join(', ');
  const params = rows.flatMap((c) => [c.key, c.type, c.origin, BigInt(c.firstSeenMs), BigInt(c.lastSeenMs), c.column]);
  await w.run(`INSERT OR REPLACE INTO columns (key, type, origin, first_seen, last_seen, col) VALUES ${values}`, params);
}

async function deleteDocument(w: DuckDBConnection, key: string): Promise<void> {
  const [trace, doc] = key.split(':');
  const [hi, lo] = hexToTraceId(trace!);
  await w.run('DELETE FROM spans WHERE trace_hi = $1 AND trace_lo = $2 AND xray_doc_id = $3', [hi, lo, hexToU64(doc!)]);
}

async function assignDataset(w: DuckDBConnection, traceId: string, spanIds: string[], dataset: string): Promise<void> {
  if (spanIds.length === 0) return;
  const [hi, lo] = hexToTraceId(traceId);
  const ids = spanIds.map((s) => String(hexToU64(s))).join(', ');
  await w.run(`UPDATE spans SET dataset = $1 WHERE trace_hi = $2 AND trace_lo = $3 AND span_id IN (${ids})`, [dataset, hi, lo]);
}
