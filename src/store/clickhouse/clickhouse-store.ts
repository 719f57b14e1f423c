import type { SpanBatch } from '../../model/span-batch.js';
import type { AttrType, Span } from '../../model/span.js';
import { QueryRefusedError, type AppendOptions, type AppendResult, type ColumnInfo, type Operation, type Store, type StoreOptions, type StoreStats, type TraceColumns, type TraceSkeleton, type TraceSearch, type TraceSummaries, type TraceSummaryQuery } from '../store.js';
import { spansToTraceColumns, summariesFromSpans } from '../spans-to-reads.js';
import { KIND_NAMES, groupByTrace, traceIdConditions } from '../engine-common.js';
import { ColumnCatalog, DEFAULT_ADMISSION, type ColumnDdl } from '../catalog.js';
import { ClickHouseError, refusedSyntax, type ChClient } from './client.js';
import { clickhouseDialect, modifyColumnSql, type ClickHouseRelease } from './dialect.js';
import { escapeTsv } from './encode-tsv.js';
import { migrate } from './migrate.js';
import { rowToSpan } from './row-to-span.js';
import { CH_TYPE, liveCondition, localTable, quoteIdent, quoteString, traceRows, viewDdl, type ClusterLayout } from './schema.js';
import { SpanWriter, VerClock } from './span-writer.js';
import { compileTraceSearch, compileTraceSummaries } from './trace-search.js';
import { readTraceSkeleton } from './trace-skeleton.js';
import { expireOnServer, retentionPlan, wholeDayRetention } from './retention.js';

export interface ClickHouseStoreOptions extends StoreOptions {
  /** Days of spans to keep (TTL where the release has it, else old day partitions are dropped). */
  retentionDays?: number;
  /** Days per dataset (`--retention 7d,cruddur=1d`), overriding `retentionDays`; 0 = forever. */
  datasetRetentionDays?: Record<string, number>;
  /** Cluster mode (schema.ts `baseDdl`): the layout and a client per shard, `client` among them. */
  cluster?: { layout: ClusterLayout; servers: readonly ChClient[] };
}

/** How long reads trust their column catalog before reading other nodes' new columns (ms). */
const CATALOG_TTL_MS = 2_000;

/** SYNTAX_ERROR, READONLY, ACCESS_DENIED (26.x: table functions under readonly), UNSUPPORTED_METHOD. */
const REFUSED_CODES = new Set([62, 164, 497, 1]);

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
  /** ...and what readers see: only columns whose ALTER has run (span-writer.ts). */
  private readCatalog: ColumnCatalog;
  private readonly ddl: ColumnDdl;
  private writeQueue: Promise<unknown> = Promise.resolve();
  private readonly vers = new VerClock();
  /** The write path (span-writer.ts). */
  private readonly writer: SpanWriter;
  private closed = false;
  private retentionTimer: NodeJS.Timeout | null = null;
  /** Every server DDL runs on: the one server, or each shard. */
  private readonly servers: readonly ChClient[];
  private catalogReadAt = 0;
  private catalogRefresh: Promise<void> | null = null;

  private constructor(private readonly client: ChClient, readonly release: ClickHouseRelease, private readonly opts: ClickHouseStoreOptions) {
    this.ddl = {
      add: (column, type) => `ALTER TABLE spans_data ADD COLUMN ${quoteIdent(column)} ${CH_TYPE[type]}`,
      widen: (column, type) => modifyColumnSql(release, 'spans_data', quoteIdent(column), CH_TYPE[type]),
    };
    this.catalog = this.newCatalog();
    this.readCatalog = this.catalog;
    this.servers = opts.cluster?.servers ?? [client];
    this.writer = new SpanWriter({
      client, servers: this.servers, cluster: opts.cluster !== undefined, vers: this.vers,
      catalog: () => this.catalog,
      publishCatalog: () => { this.readCatalog = this.catalog.copy(); },
      reloadCatalog: () => this.loadCatalog(),
    });
  }

  private newCatalog(): ColumnCatalog {
    return new ColumnCatalog(this.opts.maxColumns ?? 2000, this.opts.columnAdmission ?? DEFAULT_ADMISSION, this.ddl);
  }

  static async open(client: ChClient, opts: ClickHouseStoreOptions = {}): Promise<ClickHouseStore> {
    const layout = opts.cluster?.layout;
    // Every shard gets its local and Distributed tables; the entry server's release decides the dialect.
    // TTL (and dropping whole days) only past the longest retention: a dataset kept longer keeps its rows.
    const partitionDays = wholeDayRetention(opts.retentionDays ?? 0, opts.datasetRetentionDays ?? {}) || undefined;
    for (const s of opts.cluster?.servers ?? []) if (s !== client) await migrate(s, { retentionDays: partitionDays, layout });
    const { release } = await migrate(client, { retentionDays: partitionDays, layout });
    const store = new ClickHouseStore(client, release, opts);
    await store.loadCatalog();
    if (opts.cluster) await store.writer.addMissingColumns();
    // The view may be older than the table's columns after a crash between ALTER and re-creation.
    await store.writer.onEveryServer(viewDdl());
    if (opts.retentionDays || Object.values(opts.datasetRetentionDays ?? {}).some((d) => d > 0)) {
      await store.expireByRetention();
      store.retentionTimer = setInterval(() => void store.expireByRetention().catch(() => undefined), 3_600_000);
      store.retentionTimer.unref();
    }
    return store;
  }

  /** Catalog rows joined with the table's real columns: the table is the truth for names and types. */
  private async loadCatalog(): Promise<void> {
    const catalog = this.newCatalog();
    catalog.load(await this.readCatalogRows());
    this.catalog = catalog;
    this.readCatalog = catalog.copy();
    this.catalogReadAt = Date.now();
  }

  private async readCatalogRows(): Promise<ColumnInfo[]> {
    const physical = new Map<string, string>();
    for (const r of await this.client.query("SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'spans_data'")) {
      physical.set(String(r.name), String(r.type));
    }
    const rows = await this.client.query(
      'SELECT key, argMax(column, ver) AS col, argMax(origin, ver) AS orig, min(first_seen) AS first, max(last_seen) AS last FROM columns GROUP BY key');
    const entries: ColumnInfo[] = [];
    for (const r of rows) {
      const column = String(r.col);
      const type = TYPE_OF[physical.get(column) ?? ''];
      if (!type) continue; // catalog row of a column that was never added
      entries.push({ key: String(r.key), column, type, origin: r.orig === 'resource' ? 'resource' : 'span', firstSeenMs: Number(r.first), lastSeenMs: Number(r.last) });
    }
    return entries;
  }

  /**
   * Before a read: columns other Honeyray nodes added (same database or cluster) become readable here
   * within CATALOG_TTL_MS. Only the read catalog changes; this node's writer learns them when its own
   * ALTER meets the existing column (SpanWriter.append's retry). Our own columns not yet in `columns` are kept.
   */
  private async freshReadCatalog(): Promise<ColumnCatalog> {
    if (Date.now() - this.catalogReadAt > CATALOG_TTL_MS) {
      this.catalogRefresh ??= this.readCatalogRows().then((rows) => {
        const merged = this.readCatalog.copy();
        merged.load(rows.filter((r) => merged.get(r.key)?.type !== r.type));
        this.readCatalog = merged;
        this.catalogReadAt = Date.now();
      }).finally(() => { this.catalogRefresh = null; });
      await this.catalogRefresh;
    }
    return this.readCatalog;
  }

  append(batches: readonly SpanBatch[], opts: AppendOptions = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return this.serialWrite(() => this.writer.append(batches, opts));
  }

  async getTrace(traceId: string): Promise<Span[]> {
    return (await this.getTraces([traceId]))[traceId] ?? [];
  }

  async getTraces(traceIds: readonly string[]): Promise<Record<string, Span[]>> {
    if (traceIds.length === 0) return {};
    const conds = traceIdConditions(traceIds);
    const catalog = await this.freshReadCatalog();
    const rows = await this.client.query(`SELECT * FROM spans_data ${traceRows(conds)} AND ${liveCondition(conds)} ORDER BY start_ns, span_id`);
    const byColumn = new Map(catalog.all().map((c) => [c.column, c]));
    return groupByTrace(rows.map((r) => rowToSpan(r, byColumn)));
  }

  async getTraceColumns(traceId: string): Promise<TraceColumns | null> {
    return spansToTraceColumns(traceId, await this.getTrace(traceId));
  }

  getTraceSkeleton(traceId: string): Promise<TraceSkeleton | null> {
    return readTraceSkeleton(this.client, traceId);
  }

  async getJaegerTrace(traceId: string): Promise<{ columns: TraceColumns } | null> {
    const columns = await this.getTraceColumns(traceId);
    return columns ? { columns } : null;
  }

  async getTracesColumns(traceIds: readonly string[]): Promise<TraceColumns[]> {
    const traces = await this.getTraces(traceIds);
    return Object.entries(traces).flatMap(([id, spans]) => spansToTraceColumns(id, spans) ?? []);
  }

  /** From whole traces for now (spans-to-reads.ts); DuckDB computes summaries in the engine. */
  /** Computed in the engine (trace-search.ts), never by fetching traces; a trace-level `having` (DuckDB SQL) is refused there. */
  async traceSummaries(q: TraceSummaryQuery): Promise<TraceSummaries> {
    if (q.having) return summariesFromSpans(q, (s) => this.searchTraces(s), (ids) => this.getTraces(ids));
    const catalog = await this.freshReadCatalog();
    const sql = compileTraceSummaries(q, (key) => catalog.get(key));
    const [rows, [total]] = await Promise.all([this.client.query(sql.top), this.client.query(sql.total)]);
    return {
      total: Number(total?.n ?? 0),
      data: rows.map((r) => ({
        traceId: u64(String(r.hi)) + u64(String(r.lo)),
        rootService: String(r.root_service ?? ''),
        rootName: String(r.root_name ?? ''),
        startUs: Number(BigInt(String(r.first_start)) / 1000n),
        durationUs: Number(BigInt(String(r.trace_duration)) / 1000n),
        spanCount: Number(r.span_count),
        errorCount: Number(r.error_count),
        services: ((r.services as unknown[] | null) ?? []).map(String),
      })),
    };
  }

  /**
   * Newest traces first, window by window: the last minute of [start, end], then 4x as far back, until
   * `limit` traces match or the whole range is read (spans are ordered by start minute, so a window
   * reads only its own granules), as jaeger-clickhouse's progressive search does. A trace counts
   * within the window read: one whose newest spans are in it but whose matching spans are all older
   * is found only by a wider window (docs/clickhouse.md, "Search").
   */
  async searchTraces(q: TraceSearch): Promise<string[]> {
    const catalog = await this.freshReadCatalog();
    const column = (key: string) => catalog.get(key);
    const limit = q.limit ?? 20;
    let rows: Record<string, unknown>[] = [];
    for (const from of searchWindows(q.startNs, q.endNs)) {
      rows = await this.client.query(compileTraceSearch({ ...q, ...(from === undefined ? {} : { startNs: from }) }, column));
      if (rows.length >= limit) break;
    }
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

  /** Columns as committed: an entry exists only once its ALTER has run (see SpanWriter.append). */
  async columns(): Promise<ColumnInfo[]> {
    return (await this.freshReadCatalog()).all().map(({ key, column, type, origin, firstSeenMs, lastSeenMs }) => ({ key, column, type, origin, firstSeenMs, lastSeenMs }));
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
    const row = [kind, name, value, String(deleted), String(this.vers.next())].map(escapeTsv).join('\t') + '\n';
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
    let bytes = 0;
    for (const s of this.servers) {
      const [b] = await s.query('SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE database = currentDatabase() AND active');
      bytes += Number(b?.b ?? 0);
    }
    return { spans: Number(n?.n ?? 0), bytesOnDisk: bytes, columns: this.catalog.size };
  }

  /** One retention pass at `nowMs` on every server (retention.ts), its writes in the store's write order. */
  async expireByRetention(nowMs = Date.now()): Promise<void> {
    const plan = retentionPlan(nowMs, this.opts.retentionDays ?? 0, this.opts.datasetRetentionDays ?? {});
    const table = (name: string) => (this.opts.cluster ? localTable(name) : name);
    for (const s of this.servers) {
      const write = (sql: string) => this.serialWrite(() => s.command(sql));
      await expireOnServer(s, table('spans_data'), plan, write);
      // Lookup rows go with their day (rows of a dataset's deleted spans only widen a trace's read).
      await expireOnServer(s, table('trace_lookup'), { dropBefore: plan.dropBefore, deletes: [] }, write);
    }
  }

  async checkpoint(): Promise<void> {
    await this.writeQueue;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.writeQueue;
    for (const s of new Set([this.client, ...this.servers])) await s.close();
  }

  private serialWrite<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(fn);
    this.writeQueue = run.catch(() => undefined);
    return run;
  }
}

/** Search window starts, newest first, ending with the whole range (`start`, or undefined: no lower bound). */
export function searchWindows(start: bigint | number | undefined, end: bigint | number | undefined): (bigint | undefined)[] {
  if (end === undefined) return [start === undefined ? undefined : BigInt(start)];
  const lo = start === undefined ? undefined : BigInt(start);
  const starts: (bigint | undefined)[] = [];
  for (let span = FIRST_WINDOW_NS; lo === undefined || BigInt(end) - span > lo; span *= 4n) {
    starts.push(BigInt(end) - span);
    if (lo === undefined && span > 366n * 86_400_000_000_000n) break;
  }
  starts.push(lo);
  return starts;
}

/** The first search window: one start minute, the order key's step (schema.ts). */
const FIRST_WINDOW_NS = 60_000_000_000n;

function u64(decimal: string): string {
  return BigInt.asUintN(64, BigInt(decimal)).toString(16).padStart(16, '0');
}
