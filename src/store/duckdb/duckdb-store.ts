import { statSync } from 'node:fs';
import { DuckDBInstance, StatementType, type DuckDBConnection, type DuckDBResultReader } from '@duckdb/node-api';
import type { SpanBatch } from '../../model/span-batch.js';
import type { Span } from '../../model/span.js';
import { QueryRefusedError, type AppendOptions, type AppendResult, type ColumnInfo, type Operation, type Store, type StoreOptions, type StoreStats, type JaegerTraceText, type TraceColumns, type TraceSkeleton, type TraceSearch, type TraceSummaries, type TraceSummaryQuery } from '../store.js';
import { KIND_NAMES, groupByTrace, traceIdConditions } from '../engine-common.js';
import { Catalog } from './catalog.js';
import { duckdbDialect } from './dialect.js';
import { SpanWriter } from './span-writer.js';
import { rowToSpan } from './row-to-span.js';
import { DDL, quoteIdent } from './schema.js';
import { ReadConnections } from './read-connections.js';
import { compareBigInts, readTraceColumns } from './trace-columns.js';
import { readTraceText } from './trace-text.js';
import { expireTraceIndexSql, expiredRowsCondition, inTransaction, openTraceIndex, recomputeTraceIndex, SERVICE_SEP, SMALL_READ_INDEX_ROWS, traceReadRange } from './trace-index.js';
import { compileTraceSearch, compileTraceSummaryTop } from './trace-search.js';
import { readTraceSkeleton } from './trace-skeleton.js';

export interface DuckDBStoreOptions extends StoreOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** Background checkpoint after this many appended spans (0 = only DuckDB's own, at 1GB of WAL). */
  checkpointEverySpans?: number;
  /** DuckDB threads (default: DuckDB's own choice). */
  threads?: number;
  /** DuckDB memory_limit, e.g. '1GB'. */
  memoryLimit?: string;
  /** Days of spans to keep (by start time); 0 or absent = forever. */
  retentionDays?: number;
  /** Datasets kept for a time of their own, in days (0 = forever), whatever `retentionDays` says. */
  datasetRetentionDays?: Record<string, number>;
}

/** How often retention runs (and once shortly after opening). */
const RETENTION_EVERY_MS = 10 * 60_000;
/** Read connections: reads run side by side (read-connections.ts). */
const READ_CONNECTIONS = 4;
/**
 * How long the next ingest group waits for reads in flight before it is decoded and appended (ready()).
 * Long enough for a typical read's steps to get the worker's event loop; short enough that a stream of
 * reads costs ingest at most this per group (it then sheds with 503 + Retry-After, as when it is full).
 */
const READS_FIRST_MS = 100;

/** The embedded default engine. Appends go through `SpanWriter` (its own connections); meta writes and checkpoints use `admin`; reads use `reads`, a few connections of their own. */
export class DuckDBStore implements Store {
  readonly engine = 'duckdb';
  readonly dialect = duckdbDialect;
  /** The writer's catalog: may already hold columns of a transaction that has not committed yet. */
  private catalog: Catalog;
  /** What readers see: a copy of the catalog as last committed, so every column in it exists. */
  private readCatalog: Catalog;
  private writeQueue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private writer!: SpanWriter;
  private retentionTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly opts: DuckDBStoreOptions,
    private readonly instance: DuckDBInstance,
    /** Meta writes and checkpoints. */
    private readonly admin: DuckDBConnection,
    private readonly reads: ReadConnections,
  ) {
    this.catalog = new Catalog(opts.maxColumns ?? 2000, opts.columnAdmission);
    this.readCatalog = this.catalog;
  }

  static async open(opts: DuckDBStoreOptions): Promise<DuckDBStore> {
    const config: Record<string, string> = {};
    if (opts.threads) config.threads = String(opts.threads);
    if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
    // Checkpoints run in the background (span-writer.ts); this is only the safety net.
    config.wal_autocheckpoint = '1GB';
    // No statement may read or write files outside the database (COPY, read_csv, ATTACH...): queries
    // are compiled from user input, so this is the second line of defence behind the compiler.
    config.enable_external_access = 'false';
    // A NEW file is written in DuckDB 1.5's own storage format: its mostly-NULL low-cardinality string
    // columns (most attribute columns) are then DICT_FSST, which an equality filter evaluates on the
    // dictionary instead of decompressing every string (docs/storage.md, "Storage version"). A file keeps
    // the version it was created with, so an existing data dir is opened and written as before.
    // HONEYRAY_DUCKDB_STORAGE_VERSION overrides it (bench A/B: 'v1.0.0' was the default before).
    config.storage_compatibility_version = process.env.HONEYRAY_DUCKDB_STORAGE_VERSION ?? 'latest';
    const instance = await DuckDBInstance.create(opts.path, config);
    const admin = await instance.connect();
    const store = new DuckDBStore(opts, instance, admin, await ReadConnections.open(instance, READ_CONNECTIONS));
    for (const sql of DDL) await admin.run(sql);
    await openTraceIndex(admin);
    await store.loadCatalog();
    const perDataset = opts.datasetRetentionDays ?? {};
    if ((opts.retentionDays ?? 0) > 0 || Object.values(perDataset).some((d) => d > 0)) store.scheduleRetention(opts.retentionDays ?? 0, perDataset);
    store.writer = await SpanWriter.create(instance, admin, () => store.catalog, () => store.loadCatalog(), () => store.publishCatalog(), opts.checkpointEverySpans ?? 500_000);
    return store;
  }

  /** Loads the catalog in table-column order (the order the chunk writer fills columns in). */
  private async loadCatalog(): Promise<void> {
    const rows = (await this.read(
      `SELECT c.key, c.col, c.type, c.origin, c.first_seen, c.last_seen FROM columns c
       JOIN duckdb_columns() d ON d.table_name = 'spans' AND d.column_name = c.col ORDER BY d.column_index`)).getRowObjectsJS();
    this.catalog = new Catalog(this.opts.maxColumns ?? 2000, this.opts.columnAdmission);
    this.catalog.load(rows.map((r) => ({
      key: String(r.key), column: String(r.col), type: r.type as ColumnInfo['type'], origin: r.origin as ColumnInfo['origin'],
      firstSeenMs: Number(r.first_seen), lastSeenMs: Number(r.last_seen),
    })));
    this.publishCatalog();
  }

  /**
   * Deletes spans that started more than `days` ago (a dataset in `perDataset`: its own days; 0 = forever),
   * in the background, between appends. DuckDB frees row groups whose rows are all deleted at the next
   * checkpoint; ingest order is time order, so old data sits in whole row groups.
   */
  private scheduleRetention(days: number, perDataset: Record<string, number>): void {
    const run = () => void this.expireByRetention(Date.now(), days, perDataset).catch(() => undefined);
    setTimeout(run, 10_000).unref();
    this.retentionTimer = setInterval(run, RETENTION_EVERY_MS);
    this.retentionTimer.unref();
  }

  /** Deletes every span that started before `cutoffNs`; returns how many. */
  async expire(cutoffNs: bigint): Promise<number> {
    return this.expireByRetention(0, 0, {}, cutoffNs);
  }

  /** One retention pass at `nowMs`: the default `days` for datasets not in `perDataset`, then each of those by its own. */
  async expireByRetention(nowMs: number, days: number, perDataset: Record<string, number>, cutoffNs?: bigint): Promise<number> {
    if (this.closed) return 0;
    const cutoff = (d: number) => (BigInt(nowMs) - BigInt(Math.round(d * 86_400_000))) * 1_000_000n;
    const named = Object.keys(perDataset);
    return this.writer.exclusive(async (admin) => {
      let n = 0;
      if (cutoffNs !== undefined || days > 0) {
        const except = named.length > 0 ? ` AND dataset NOT IN (${named.map((_, i) => `$${i + 2}`).join(', ')})` : '';
        n += Number((await admin.run(`DELETE FROM spans WHERE start_ns < $1${except}`, [cutoffNs ?? cutoff(days), ...named])).rowsChanged);
      }
      for (const [dataset, d] of Object.entries(perDataset)) {
        if (d > 0) n += Number((await admin.run('DELETE FROM spans WHERE dataset = $1 AND start_ns < $2', [dataset, cutoff(d)])).rowsChanged);
      }
      // The trace index has no dataset: its rows go only once every dataset's spans of that age are gone (a
      // stale index row costs a little space; a missing one would hide a trace that still has spans).
      const all = [cutoffNs ?? (days > 0 ? cutoff(days) : null), ...Object.values(perDataset).map((d) => (d > 0 ? cutoff(d) : null))];
      if (all.every((c) => c !== null)) for (const sql of expireTraceIndexSql(all.reduce((x, y) => (y! < x! ? y : x))!)) await admin.run(sql);
      // Index rows that counted some of the deleted spans: recomputed in one transaction (a crash between
      // its delete and insert would otherwise leave traces without index rows, which hides them).
      if (n > 0) {
        const rows = expiredRowsCondition(cutoffNs ?? (days > 0 ? cutoff(days) : null), Object.entries(perDataset).filter(([, d]) => d > 0).map(([ds, d]) => [ds, cutoff(d)]), named);
        await inTransaction(admin, () => recomputeTraceIndex(admin, rows));
      }
      return n;
    });
  }

  /** Called once a catalog change has committed: readers now see the new columns. */
  private publishCatalog(): void {
    this.readCatalog = this.catalog.copy();
  }

  /** One transaction per call, durable when it resolves; see span-writer.ts for the overlap. */
  append(batches: readonly SpanBatch[], opts: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return this.writer.append(batches, opts);
  }

  /**
   * Resolves when another append can start at once: the pipeline sizes its group commits by it, and
   * decodes the next group only then. Reads in flight go first (for up to READS_FIRST_MS), so their
   * steps are not queued behind a whole group's synchronous decode and append (read-connections.ts).
   */
  async ready(): Promise<void> {
    await this.writer.ready();
    await this.reads.quiet(READS_FIRST_MS);
  }

  /** One statement on a read connection of its own. */
  private read(sql: string, params?: unknown[]): Promise<DuckDBResultReader> {
    return this.reads.use((c) => c.runAndReadAll(sql, params as never));
  }

  async getTrace(traceId: string): Promise<Span[]> {
    return (await this.getTraces([traceId]))[traceId] ?? [];
  }

  async getTraceColumns(traceId: string): Promise<TraceColumns | null> {
    return (await this.getTracesColumns([traceId]))[0] ?? null;
  }

  getTraceSkeleton(traceId: string): Promise<TraceSkeleton | null> {
    return this.reads.use((c) => readTraceSkeleton(c, traceId));
  }

  async getJaegerTrace(traceId: string): Promise<{ text: JaegerTraceText } | { columns: TraceColumns } | null> {
    // As getTracesColumns: read again when the catalog changed under the read.
    for (let attempt = 0; ; attempt++) {
      const catalog = this.readCatalog;
      const column = (key: string) => columnOf(catalog, key);
      const out = await this.reads.use(async (c): Promise<{ text: JaegerTraceText } | { columns: TraceColumns } | null> => {
        const range = await traceReadRange(c, [traceId], traceIdConditions([traceId]));
        if (range === null) return null;
        if (range.indexRows >= SMALL_READ_INDEX_ROWS) {
          const text = await readTraceText(c, catalog, column, traceId, range);
          if (text === 'not-found') return null;
          if (text !== 'use-columns') return { text };
        }
        const [columns] = await readTraceColumns(c, catalog, column, [traceId], range);
        return columns ? { columns } : null;
      });
      if (catalog === this.readCatalog || attempt === 2) return out;
    }
  }

  async getTracesColumns(traceIds: readonly string[]): Promise<TraceColumns[]> {
    // The columns are chosen from the catalog before the read; a column committed meanwhile (its rows
    // already visible) would be missed, so read again when the catalog changed under us.
    for (let attempt = 0; ; attempt++) {
      const catalog = this.readCatalog;
      const out = await this.reads.use((c) => readTraceColumns(c, catalog, (key) => columnOf(catalog, key), traceIds));
      if (catalog === this.readCatalog || attempt === 2) return out;
    }
  }

  async getTraces(traceIds: readonly string[]): Promise<Record<string, Span[]>> {
    if (traceIds.length === 0) return {};
    const catalog = this.readCatalog;
    const rows = await this.reads.use(async (c) => {
      const range = await traceReadRange(c, traceIds, traceIdConditions(traceIds));
      if (range === null) return [];
      // Few spans: sorted here, not by the engine, whose sort of 50-odd columns costs more than the read
      // (see readTraceColumns).
      if (range.indexRows < SMALL_READ_INDEX_ROWS) return sortBySpanStart((await c.runAndReadAll(`SELECT * FROM spans WHERE ${range.where}`)).getRowObjectsJS());
      return (await c.runAndReadAll(`SELECT * FROM spans WHERE ${range.where} ORDER BY start_ns, span_id`)).getRowObjectsJS();
    });
    return groupByTrace(rows.map((r) => rowToSpan(r, catalog)));
  }

  async searchTraces(q: TraceSearch): Promise<string[]> {
    const sql = compileTraceSearch(q, (key) => this.attrColumn(key));
    const rows = (await this.read(sql)).getRowsJS();
    return rows.map((r) => traceHex(r[0] as bigint, r[1] as bigint));
  }

  async traceSummaries(q: TraceSummaryQuery): Promise<TraceSummaries> {
    const rows = (await this.read(compileTraceSummaryTop(q, (key) => this.attrColumn(key)))).getRowObjectsJS();
    return {
      total: rows.length ? Number(rows[0]!.total) : 0,
      data: rows.map((r) => ({
        traceId: traceHex(r.trace_hi as bigint, r.trace_lo as bigint),
        rootService: String(r.root_service ?? ''),
        rootName: String(r.root_name ?? ''),
        startUs: Number((r.start_ns as bigint) / 1000n),
        durationUs: Number((r.duration_ns as bigint) / 1000n),
        spanCount: Number(r.span_count),
        errorCount: Number(r.error_count),
        services: [...new Set(String(r.services ?? '').split(SERVICE_SEP).filter((x) => x !== ''))].sort(),
      })),
    };
  }

  /** The quoted column of an attribute key, or null when the key was never seen (public for bench:query's floor). */
  attrColumn(key: string): string | null {
    return columnOf(this.readCatalog, key);
  }

  async services(): Promise<string[]> {
    const rows = (await this.read("SELECT DISTINCT dataset FROM spans WHERE dataset <> '' ORDER BY 1")).getRowsJS();
    return rows.map((r) => String(r[0]));
  }

  async operations(service: string): Promise<Operation[]> {
    const rows = (await this.read('SELECT DISTINCT name, kind FROM spans WHERE dataset = $1 ORDER BY 1, 2', [service])).getRowsJS();
    return rows.map((r) => ({ name: String(r[0]), spanKind: KIND_NAMES[Number(r[1])] ?? '' }));
  }

  async columns(): Promise<ColumnInfo[]> {
    return this.readCatalog.all().map((c) => ({ ...c }));
  }

  async select(sql: string): Promise<Record<string, unknown>[]> {
    // prepare() refuses several statements; the type check refuses anything that is not a SELECT
    // (COPY, SET, PRAGMA, ATTACH, DML, DDL). Not a SQL parser of our own: DuckDB's answer is the truth.
    return this.reads.use(async (conn) => {
      let prepared;
      try {
        prepared = await conn.prepare(sql);
      } catch (err) {
        throw new QueryRefusedError('the query does not compile', { cause: err });
      }
      if (prepared.statementType !== StatementType.SELECT) throw new QueryRefusedError('only a single SELECT is allowed');
      return (await prepared.runAndReadAll()).getRowObjectsJS() as Record<string, unknown>[];
    });
  }

  async putMeta(kind: string, name: string, value: unknown): Promise<void> {
    await this.serialWrite(() => this.admin.run('INSERT OR REPLACE INTO meta VALUES ($1, $2, $3)', [kind, name, JSON.stringify(value)]));
  }

  async getMeta<T>(kind: string, name: string): Promise<T | undefined> {
    const rows = (await this.read('SELECT value FROM meta WHERE kind = $1 AND name = $2', [kind, name])).getRowsJS();
    return rows.length ? (JSON.parse(String(rows[0]![0])) as T) : undefined;
  }

  async listMeta<T>(kind: string): Promise<{ name: string; value: T }[]> {
    const rows = (await this.read('SELECT name, value FROM meta WHERE kind = $1 ORDER BY name', [kind])).getRowsJS();
    return rows.map((r) => ({ name: String(r[0]), value: JSON.parse(String(r[1])) as T }));
  }

  async deleteMeta(kind: string, name: string): Promise<boolean> {
    const r = await this.serialWrite(() => this.admin.run('DELETE FROM meta WHERE kind = $1 AND name = $2', [kind, name]));
    return r.rowsChanged > 0;
  }

  async stats(): Promise<StoreStats> {
    const r = (await this.read('SELECT count(*) FROM spans')).getRowsJS();
    return { spans: Number(r[0]![0]), bytesOnDisk: this.bytesOnDisk(), columns: this.catalog.size, checkpoints: { ...this.writer.checkpointStats } };
  }

  private bytesOnDisk(): number {
    if (this.opts.path === ':memory:') return 0;
    let n = 0;
    for (const f of [this.opts.path, this.opts.path + '.wal']) {
      try { n += statSync(f).size; } catch { /* absent */ }
    }
    return n;
  }

  async checkpoint(): Promise<void> {
    await this.writer.idle();
    await this.serialWrite(() => this.writer.checkpoint());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.writer.idle();
    await this.writeQueue;
    if (this.opts.path !== ':memory:') await this.writer.checkpoint().catch(() => undefined);
    this.writer.close();
    this.reads.close();
    this.admin.closeSync();
    this.instance.closeSync();
  }

  private serialWrite<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(fn);
    this.writeQueue = run.catch(() => undefined);
    return run;
  }
}

function columnOf(catalog: Catalog, key: string): string | null {
  const c = catalog.get(key);
  return c ? quoteIdent(c.column) : null;
}

function traceHex(hi: bigint, lo: bigint): string {
  return BigInt.asUintN(64, hi).toString(16).padStart(16, '0') + BigInt.asUintN(64, lo).toString(16).padStart(16, '0');
}



/** Span rows in (start_ns, span_id) order, as `ORDER BY start_ns, span_id` gives them. */
function sortBySpanStart<R extends Record<string, unknown>>(rows: R[]): R[] {
  const cmp = compareBigInts;
  return rows.sort((a, b) => cmp(a.start_ns, b.start_ns) || cmp(a.span_id, b.span_id));
}
