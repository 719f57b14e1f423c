import { hexToTraceId, hexToU64 } from '../../model/ids.js';
import type { SpanBatch } from '../../model/span-batch.js';
import type { AttrType, Span } from '../../model/span.js';
import { QueryRefusedError, type AppendOptions, type AppendResult, type ColumnInfo, type Operation, type Store, type StoreOptions, type StoreStats, type TraceColumns, type TraceSearch, type TraceSummaries, type TraceSummaryQuery } from '../store.js';
import { spansToTraceColumns, summariesFromSpans } from '../spans-to-reads.js';
import { KIND_NAMES, groupByTrace, traceIdConditions } from '../engine-common.js';
import { ColumnCatalog, DEFAULT_ADMISSION, type ColumnDdl } from '../catalog.js';
import { ClickHouseError, refusedSyntax, type ChClient } from './client.js';
import { clickhouseDialect, modifyColumnSql, type ClickHouseRelease } from './dialect.js';
import { encodeTsv, escapeTsv } from './encode-tsv.js';
import { migrate } from './migrate.js';
import { rowToSpan } from './row-to-span.js';
import { CH_TYPE, FIXED_NAMES, liveCondition, quoteIdent, quoteString, viewDdl } from './schema.js';
import { compileTraceSearch } from './trace-search.js';

export interface ClickHouseStoreOptions extends StoreOptions {
  /** Days of spans to keep (TTL where the release has it, else old day partitions are dropped). */
  retentionDays?: number;
}

/** SYNTAX_ERROR, READONLY, ACCESS_DENIED (26.x: table functions under readonly), UNSUPPORTED_METHOD. */
const REFUSED_CODES = new Set([62, 164, 497, 1]);

/** ILLEGAL_COLUMN (18.16: "column with this name already exists"), DUPLICATE_COLUMN (newer releases). */
const COLUMN_EXISTS = new Set([44, 15]);

const TYPE_OF: Record<string, AttrType> = Object.fromEntries(Object.entries(CH_TYPE).map(([k, v]) => [v, k as AttrType]));

/**
 * The Store over ClickHouse (a server over HTTP, or chdb in-process: see client.ts). Appends run one
 * at a time (each is a few HTTP requests: DDL, the TSV insert, tombstones, catalog rows); reads run
 * concurrently. See schema.ts for the tables and why replaced rows are tombstoned instead of deleted.
 */
export class ClickHouseStore implements Store {
  readonly engine = 'clickhouse';
  readonly dialect = clickhouseDialect;
  /** The writer's catalog (plans mutate it before their ALTERs run)... */
  private catalog: ColumnCatalog;
  /** ...and what readers see: only columns whose ALTER has run. */
  private readCatalog: ColumnCatalog;
  private readonly ddl: ColumnDdl;
  private writeQueue: Promise<unknown> = Promise.resolve();
  private lastVer = 0n;
  private closed = false;
  private retentionTimer: NodeJS.Timeout | null = null;

  private constructor(private readonly client: ChClient, readonly release: ClickHouseRelease, private readonly opts: ClickHouseStoreOptions) {
    this.ddl = {
      add: (column, type) => `ALTER TABLE spans_data ADD COLUMN ${quoteIdent(column)} ${CH_TYPE[type]}`,
      widen: (column, type) => modifyColumnSql(release, 'spans_data', quoteIdent(column), CH_TYPE[type]),
    };
    this.catalog = this.newCatalog();
    this.readCatalog = this.catalog;
  }

  private newCatalog(): ColumnCatalog {
    return new ColumnCatalog(this.opts.maxColumns ?? 2000, this.opts.columnAdmission ?? DEFAULT_ADMISSION, this.ddl);
  }

  static async open(client: ChClient, opts: ClickHouseStoreOptions = {}): Promise<ClickHouseStore> {
    const { release } = await migrate(client, { retentionDays: opts.retentionDays });
    const store = new ClickHouseStore(client, release, opts);
    await store.loadCatalog();
    // The view may be older than the table's columns after a crash between ALTER and re-creation.
    for (const sql of viewDdl()) await client.command(sql);
    if (opts.retentionDays) {
      await store.dropExpiredPartitions();
      store.retentionTimer = setInterval(() => void store.dropExpiredPartitions().catch(() => undefined), 3_600_000);
      store.retentionTimer.unref();
    }
    return store;
  }

  /** Catalog rows joined with the table's real columns: the table is the truth for names and types. */
  private async loadCatalog(): Promise<void> {
    const physical = new Map<string, string>();
    for (const r of await this.client.query("SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'spans_data'")) {
      physical.set(String(r.name), String(r.type));
    }
    const rows = await this.client.query(
      'SELECT key, argMax(column, ver) AS col, argMax(origin, ver) AS orig, min(first_seen) AS first, max(last_seen) AS last FROM columns GROUP BY key');
    const catalog = this.newCatalog();
    const entries: ColumnInfo[] = [];
    for (const r of rows) {
      const column = String(r.col);
      const type = TYPE_OF[physical.get(column) ?? ''];
      if (!type) continue; // catalog row of a column that was never added
      entries.push({ key: String(r.key), column, type, origin: r.orig === 'resource' ? 'resource' : 'span', firstSeenMs: Number(r.first), lastSeenMs: Number(r.last) });
    }
    catalog.load(entries);
    this.catalog = catalog;
    this.readCatalog = catalog.copy();
  }

  append(batches: readonly SpanBatch[], opts: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return this.serialWrite(() => this.appendNow(batches, opts));
  }

  private async appendNow(batches: readonly SpanBatch[], opts: AppendOptions, retried = false): Promise<AppendResult> {
    const now = Date.now();
    const plans = batches.map((b) => this.catalog.plan(b, now));
    try {
      const ddl = plans.flatMap((p) => p.ddl);
      if (ddl.length > 0) {
        for (const sql of ddl) await this.client.command(sql);
        for (const sql of viewDdl()) await this.client.command(sql);
        this.readCatalog = this.catalog.copy();
      }
      // Order matters (as DuckDB's delete-assign-append in one transaction): datasets are assigned to
      // rows already stored, then the new rows go in, then the rows of replaced documents are
      // tombstoned. Every step writes before it tombstones, so a failure part-way leaves duplicates
      // (hidden or harmless), never a lost span.
      for (const a of opts.assignDatasets ?? []) await this.assignDataset(a.traceId, a.spanIds, a.dataset);
      const ver = this.nextVer();
      const attrCols = this.catalog.all();
      const { tsv, overflowed } = encodeTsv(batches, attrCols, plans.map((p) => p.overflowKeys), ver);
      if (tsv) await this.client.insertTsv('spans_data', [...FIXED_NAMES, ...attrCols.map((c) => quoteIdent(c.column))], tsv);
      for (const doc of opts.replaceDocuments ?? []) await this.tombstoneDocument(doc, ver);
      const dirty = this.catalog.takeDirty();
      if (dirty.length) await this.persistColumns(dirty);
      return { spans: batches.reduce((n, b) => n + b.length, 0), overflowed };
    } catch (err) {
      this.catalog.takeDirty();
      await this.loadCatalog().catch(() => undefined);
      // Another Honeyray node on the same database added this column first (18.16 has no ADD COLUMN
      // IF NOT EXISTS): nothing was written yet, so plan again with the reloaded catalog, once.
      if (!retried && err instanceof ClickHouseError && COLUMN_EXISTS.has(err.code)) return this.appendNow(batches, opts, true);
      throw err;
    }
  }

  /** Copies the spans with the new dataset (a new ver), then tombstones the old rows. */
  private async assignDataset(traceId: string, spanIds: string[], dataset: string): Promise<void> {
    if (spanIds.length === 0) return;
    const [hi, lo] = hexToTraceId(traceId);
    const trace = `trace_hi = ${hi} AND trace_lo = ${lo}`;
    const where = `${trace} AND span_id IN (${spanIds.map((s) => String(hexToU64(s))).join(', ')}) AND ${liveCondition(trace)}`;
    const ver = this.nextVer();
    const cols = [...FIXED_NAMES, ...this.catalog.all().map((c) => quoteIdent(c.column))];
    const select = cols.map((c) => (c === 'dataset' ? quoteString(dataset) : c === 'ver' ? String(ver) : c));
    await this.client.command(`INSERT INTO spans_data (${cols.join(', ')}) SELECT ${select.join(', ')} FROM spans_data WHERE ${where} AND ver != ${ver}`);
    await this.client.command(`INSERT INTO dead (trace_hi, trace_lo, span_id, ver) SELECT trace_hi, trace_lo, span_id, ver FROM spans_data WHERE ${where} AND ver != ${ver}`);
  }

  /** Rows of an X-Ray document stored by earlier appends (`ver` other than this one's) become dead. */
  private async tombstoneDocument(key: string, ver: bigint): Promise<void> {
    const [traceHex, docHex] = key.split(':');
    const [hi, lo] = hexToTraceId(traceHex!);
    const trace = `trace_hi = ${hi} AND trace_lo = ${lo}`;
    await this.client.command(`INSERT INTO dead (trace_hi, trace_lo, span_id, ver) SELECT trace_hi, trace_lo, span_id, ver FROM spans_data ` +
      `WHERE ${trace} AND xray_doc_id = ${hexToU64(docHex!)} AND ver != ${ver} AND ${liveCondition(trace)}`);
  }

  private async persistColumns(cols: ColumnInfo[]): Promise<void> {
    const ver = this.nextVer();
    const tsv = cols.map((c) => [c.key, c.column, c.type, c.origin, c.firstSeenMs, c.lastSeenMs, ver].map((v) => escapeTsv(String(v))).join('\t')).join('\n') + '\n';
    await this.client.insertTsv('columns', ['key', 'column', 'type', 'origin', 'first_seen', 'last_seen', 'ver'], tsv);
  }

  /** Strictly increasing, and ordered across nodes by the clock: ms * 1000 + a counter. */
  private nextVer(): bigint {
    const t = BigInt(Date.now()) * 1000n;
    this.lastVer = t > this.lastVer ? t : this.lastVer + 1n;
    return this.lastVer;
  }

  async getTrace(traceId: string): Promise<Span[]> {
    return (await this.getTraces([traceId]))[traceId] ?? [];
  }

  async getTraces(traceIds: readonly string[]): Promise<Record<string, Span[]>> {
    if (traceIds.length === 0) return {};
    const conds = traceIdConditions(traceIds);
    const rows = await this.client.query(`SELECT * FROM spans_data WHERE (${conds}) AND ${liveCondition(conds)} ORDER BY start_ns, span_id`);
    const byColumn = new Map(this.readCatalog.all().map((c) => [c.column, c]));
    return groupByTrace(rows.map((r) => rowToSpan(r, byColumn)));
  }

  async getTraceColumns(traceId: string): Promise<TraceColumns | null> {
    return spansToTraceColumns(traceId, await this.getTrace(traceId));
  }

  async getTracesColumns(traceIds: readonly string[]): Promise<TraceColumns[]> {
    const traces = await this.getTraces(traceIds);
    return Object.entries(traces).flatMap(([id, spans]) => spansToTraceColumns(id, spans) ?? []);
  }

  /** From whole traces for now (spans-to-reads.ts); DuckDB computes summaries in the engine. */
  traceSummaries(q: TraceSummaryQuery): Promise<TraceSummaries> {
    return summariesFromSpans(q, (s) => this.searchTraces(s), (ids) => this.getTraces(ids));
  }

  async searchTraces(q: TraceSearch): Promise<string[]> {
    const rows = await this.client.query(compileTraceSearch(q, (key) => this.readCatalog.get(key)));
    return rows.map((r) => u64(String(r.hi)) + u64(String(r.lo)));
  }

  async services(): Promise<string[]> {
    const rows = await this.client.query(`SELECT DISTINCT dataset FROM spans_data WHERE dataset != '' AND ${liveCondition()} ORDER BY dataset`);
    return rows.map((r) => String(r.dataset));
  }

  async operations(service: string): Promise<Operation[]> {
    const rows = await this.client.query(`SELECT DISTINCT name, kind FROM spans_data WHERE dataset = ${quoteString(service)} AND ${liveCondition()} ORDER BY name, kind`);
    return rows.map((r) => ({ name: String(r.name), spanKind: KIND_NAMES[Number(r.kind)] ?? '' }));
  }

  /** Columns as committed: an entry exists only once its ALTER has run (see appendNow). */
  async columns(): Promise<ColumnInfo[]> {
    return this.readCatalog.all().map(({ key, column, type, origin, firstSeenMs, lastSeenMs }) => ({ key, column, type, origin, firstSeenMs, lastSeenMs }));
  }

  /**
   * One read-only SELECT. Proven by the engine: the statement is parsed
   * as a subquery (anything but a SELECT there, or a second statement, is a syntax error), and it
   * runs with `readonly = 1` (no writes, no DDL, no settings, no table functions such as file() or url()).
   */
  async select(sql: string): Promise<Record<string, unknown>[]> {
    if (refusedSyntax(sql)) throw new QueryRefusedError('only a single read-only SELECT is allowed');
    try {
      return await this.client.queryReadOnly(`SELECT * FROM (\n${sql}\n)`);
    } catch (err) {
      if (err instanceof ClickHouseError && REFUSED_CODES.has(err.code)) throw new QueryRefusedError('only a single read-only SELECT is allowed', { cause: err });
      throw err;
    }
  }

  async putMeta(kind: string, name: string, value: unknown): Promise<void> {
    await this.serialWrite(() => this.writeMeta(kind, name, JSON.stringify(value), 0));
  }

  private async writeMeta(kind: string, name: string, value: string, deleted: number): Promise<void> {
    const row = [kind, name, value, String(deleted), String(this.nextVer())].map(escapeTsv).join('\t') + '\n';
    await this.client.insertTsv('meta', ['kind', 'name', 'value', 'deleted', 'ver'], row);
  }

  async getMeta<T>(kind: string, name: string): Promise<T | undefined> {
    const rows = await this.client.query(
      `SELECT argMax(value, ver) AS v, argMax(deleted, ver) AS d FROM meta WHERE kind = ${quoteString(kind)} AND name = ${quoteString(name)} GROUP BY kind, name`);
    const r = rows[0];
    return r && Number(r.d) === 0 ? (JSON.parse(String(r.v)) as T) : undefined;
  }

  async listMeta<T>(kind: string): Promise<{ name: string; value: T }[]> {
    const rows = await this.client.query(
      `SELECT name AS n, argMax(value, ver) AS v, argMax(deleted, ver) AS d FROM meta WHERE kind = ${quoteString(kind)} GROUP BY name HAVING d = 0 ORDER BY n`);
    return rows.map((r) => ({ name: String(r.n), value: JSON.parse(String(r.v)) as T }));
  }

  async deleteMeta(kind: string, name: string): Promise<boolean> {
    return this.serialWrite(async () => {
      if ((await this.getMeta(kind, name)) === undefined) return false;
      await this.writeMeta(kind, name, 'null', 1);
      return true;
    });
  }

  async stats(): Promise<StoreStats> {
    const [n] = await this.client.query(`SELECT count() AS n FROM spans_data WHERE ${liveCondition()}`);
    const [b] = await this.client.query('SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE database = currentDatabase() AND active');
    return { spans: Number(n?.n ?? 0), bytesOnDisk: Number(b?.b ?? 0), columns: this.catalog.size };
  }

  /**
   * Drops day partitions older than the retention. Where the release has TTL it also runs: TTL
   * deletes only when parts merge, this frees a whole day at once.
   */
  async dropExpiredPartitions(): Promise<void> {
    const days = this.opts.retentionDays;
    if (!days) return;
    const cutoff = new Date(Date.now() - Math.floor(days) * 86_400_000).toISOString().slice(0, 10);
    const rows = await this.client.query("SELECT DISTINCT partition AS p FROM system.parts WHERE database = currentDatabase() AND table = 'spans_data' AND active");
    // Partitions are `toDate(...)` values, written YYYY-MM-DD: string order is date order.
    const old = rows.map((r) => String(r.p)).filter((p) => /^\d{4}-\d{2}-\d{2}$/.test(p) && p < cutoff);
    for (const p of old) await this.serialWrite(() => this.client.command(`ALTER TABLE spans_data DROP PARTITION ${quoteString(p)}`));
  }

  async checkpoint(): Promise<void> {
    await this.writeQueue;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.writeQueue;
    await this.client.close();
  }

  private serialWrite<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(fn);
    this.writeQueue = run.catch(() => undefined);
    return run;
  }
}

function u64(decimal: string): string {
  return BigInt.asUintN(64, BigInt(decimal)).toString(16).padStart(16, '0');
}
