import { statSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection, type DuckDBAppender } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { SpanBatch } from '../../model/span-batch.js';
import { hexToTraceId, hexToU64 } from '../../model/ids.js';
import type { Span } from '../../model/span.js';
import type { AppendOptions, AppendResult, ColumnInfo, Operation, Store, StoreOptions, StoreStats, TraceSearch } from '../store.js';
import { Catalog } from './catalog.js';
import { appendBatch, type ChunkPlan, type ColumnSource } from './chunk-writer.js';
import { rowToSpan } from './row-to-span.js';
import { ATTR_PREFIX, DDL, FIXED_COLUMNS, SQL_TYPE, attrColumnName, quoteIdent, quoteString } from './schema.js';
import { compileTraceSearch } from './trace-search.js';

export interface DuckDBStoreOptions extends StoreOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** DuckDB threads (default: DuckDB's own choice). */
  threads?: number;
  /** DuckDB memory_limit, e.g. '1GB'. */
  memoryLimit?: string;
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
  trace_state: { kind: 'str', field: 'traceState' },
  status_message: { kind: 'str', field: 'statusMessage' },
  scope_name: { kind: 'str', field: 'scopeName' },
  scope_version: { kind: 'str', field: 'scopeVersion' },
  events: { kind: 'json', field: 'events' },
  links: { kind: 'json', field: 'links' },
  xray_doc: { kind: 'doc' },
  attrs_overflow: { kind: 'overflow' },
};

/** The embedded default engine. One writer connection (used by one pipeline), one reader connection. */
export class DuckDBStore implements Store {
  readonly engine = 'duckdb';
  private catalog: Catalog;
  private writeQueue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly opts: DuckDBStoreOptions,
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reader: DuckDBConnection,
  ) {
    this.catalog = new Catalog(opts.maxColumns ?? 2000);
  }

  static async open(opts: DuckDBStoreOptions): Promise<DuckDBStore> {
    const config: Record<string, string> = {};
    if (opts.threads) config.threads = String(opts.threads);
    if (opts.memoryLimit) config.memory_limit = opts.memoryLimit;
    const instance = await DuckDBInstance.create(opts.path, config);
    const writer = await instance.connect();
    const reader = await instance.connect();
    const store = new DuckDBStore(opts, instance, writer, reader);
    for (const sql of DDL) await writer.run(sql);
    await store.loadCatalog();
    return store;
  }

  /** Loads the catalog in table-column order (the order the chunk writer fills columns in). */
  private async loadCatalog(): Promise<void> {
    const rows = (await this.reader.runAndReadAll(
      `SELECT c.key, c.type, c.origin, c.first_seen, c.last_seen FROM columns c
       JOIN duckdb_columns() d ON d.table_name = 'spans' AND d.column_name = $1 || c.key ORDER BY d.column_index`, [ATTR_PREFIX])).getRowObjectsJS();
    this.catalog = new Catalog(this.opts.maxColumns ?? 2000);
    this.catalog.load(rows.map((r) => ({
      key: String(r.key), type: r.type as ColumnInfo['type'], origin: r.origin as ColumnInfo['origin'],
      firstSeenMs: Number(r.first_seen), lastSeenMs: Number(r.last_seen),
    })));
  }

  /** Appends run one at a time (one writer); each is one transaction, durable when it resolves. */
  append(batches: readonly SpanBatch[], opts: AppendOptions = {}): Promise<AppendResult> {
    const run = this.writeQueue.then(() => this.appendNow(batches, opts));
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  private async appendNow(batches: readonly SpanBatch[], opts: AppendOptions): Promise<AppendResult> {
    if (this.closed) throw new Error('store is closed');
    const now = Date.now();
    const plans = batches.map((b) => this.catalog.plan(b, now));
    const w = this.writer;
    await w.run('BEGIN TRANSACTION');
    try {
      for (const p of plans) for (const sql of p.ddl) await w.run(sql);
      for (const doc of opts.replaceDocuments ?? []) await this.deleteDocument(doc);
      for (const a of opts.assignDatasets ?? []) await this.assignDataset(a.traceId, a.spanIds, a.dataset);
      let spans = 0;
      let overflowed = 0;
      const appender = await w.createAppender('spans');
      try {
        const plan = this.chunkPlan();
        const raw = rawAppender(appender);
        for (let i = 0; i < batches.length; i++) {
          const b = batches[i]!;
          if (b.length === 0) continue;
          overflowed += appendBatch(raw, { ...plan, overflowKeys: plans[i]!.overflowKeys }, b);
          spans += b.length;
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      for (const c of this.catalog.takeDirty()) {
        await w.run('INSERT OR REPLACE INTO columns VALUES ($1, $2, $3, $4, $5)', [c.key, c.type, c.origin, BigInt(c.firstSeenMs), BigInt(c.lastSeenMs)]);
      }
      await w.run('COMMIT');
      return { spans, overflowed };
    } catch (err) {
      await w.run('ROLLBACK').catch(() => undefined);
      await this.loadCatalog();
      throw err;
    }
  }

  private async deleteDocument(key: string): Promise<void> {
    const [trace, doc] = key.split(':');
    const [hi, lo] = hexToTraceId(trace!);
    await this.writer.run('DELETE FROM spans WHERE trace_hi = $1 AND trace_lo = $2 AND xray_doc_id = $3', [hi, lo, hexToU64(doc!)]);
  }

  private async assignDataset(traceId: string, spanIds: string[], dataset: string): Promise<void> {
    if (spanIds.length === 0) return;
    const [hi, lo] = hexToTraceId(traceId);
    const ids = spanIds.map((s) => String(hexToU64(s))).join(', ');
    await this.writer.run(`UPDATE spans SET dataset = $1 WHERE trace_hi = $2 AND trace_lo = $3 AND span_id IN (${ids})`, [dataset, hi, lo]);
  }

  private chunkPlan(): Omit<ChunkPlan, 'overflowKeys'> {
    const sources: ColumnSource[] = [];
    const types: duckdb.LogicalType[] = [];
    for (const [name, type] of FIXED_COLUMNS) {
      sources.push(FIXED_SOURCES[name]!);
      types.push(duckdb.create_logical_type(TYPE_ID[type]!));
    }
    for (const c of this.tableAttrColumns()) {
      sources.push({ kind: 'attr', key: c.key, type: c.type });
      types.push(duckdb.create_logical_type(TYPE_ID[SQL_TYPE[c.type]]!));
    }
    return { sources, types };
  }

  /** Attribute columns in table order (the order they were added). */
  private tableAttrColumns(): ColumnInfo[] {
    return this.catalog.all();
  }

  async getTrace(traceId: string): Promise<Span[]> {
    return (await this.getTraces([traceId]))[traceId] ?? [];
  }

  async getTraces(traceIds: readonly string[]): Promise<Record<string, Span[]>> {
    if (traceIds.length === 0) return {};
    const conds = traceIds.map((id) => {
      const [hi, lo] = hexToTraceId(id);
      return `(trace_hi = ${hi} AND trace_lo = ${lo})`;
    });
    const rows = (await this.reader.runAndReadAll(`SELECT * FROM spans WHERE ${conds.join(' OR ')} ORDER BY start_ns, span_id`)).getRowObjectsJS();
    const out: Record<string, Span[]> = {};
    for (const r of rows) {
      const s = rowToSpan(r, this.catalog);
      (out[s.traceId] ??= []).push(s);
    }
    return out;
  }

  async searchTraces(q: TraceSearch): Promise<string[]> {
    const sql = compileTraceSearch(q, (key) => this.columnRef(key));
    const rows = (await this.reader.runAndReadAll(sql)).getRowsJS();
    return rows.map((r) => traceHex(r[0] as bigint, r[1] as bigint));
  }

  async services(): Promise<string[]> {
    const rows = (await this.reader.runAndReadAll("SELECT DISTINCT dataset FROM spans WHERE dataset <> '' ORDER BY 1")).getRowsJS();
    return rows.map((r) => String(r[0]));
  }

  async operations(service: string): Promise<Operation[]> {
    const rows = (await this.reader.runAndReadAll('SELECT DISTINCT name, kind FROM spans WHERE dataset = $1 ORDER BY 1, 2', [service])).getRowsJS();
    return rows.map((r) => ({ name: String(r[0]), spanKind: KIND_NAMES[Number(r[1])] ?? '' }));
  }

  async columns(): Promise<ColumnInfo[]> {
    return this.catalog.all().map((c) => ({ ...c }));
  }

  /** SQL for an attribute key's column, or NULL when the key has no column. */
  columnRef(key: string): string {
    return this.catalog.get(key) ? quoteIdent(attrColumnName(key)) : 'NULL';
  }

  async select(sql: string): Promise<Record<string, unknown>[]> {
    const expanded = sql.replace(/\{\{attr:((?:[^}]|\}(?!\}))*)\}\}/g, (_, key: string) => this.columnRef(key));
    return (await this.reader.runAndReadAll(expanded)).getRowObjectsJS() as Record<string, unknown>[];
  }

  async putMeta(kind: string, name: string, value: unknown): Promise<void> {
    await this.serialWrite(() => this.writer.run('INSERT OR REPLACE INTO meta VALUES ($1, $2, $3)', [kind, name, JSON.stringify(value)]));
  }

  async getMeta<T>(kind: string, name: string): Promise<T | undefined> {
    const rows = (await this.reader.runAndReadAll('SELECT value FROM meta WHERE kind = $1 AND name = $2', [kind, name])).getRowsJS();
    return rows.length ? (JSON.parse(String(rows[0]![0])) as T) : undefined;
  }

  async listMeta<T>(kind: string): Promise<{ name: string; value: T }[]> {
    const rows = (await this.reader.runAndReadAll('SELECT name, value FROM meta WHERE kind = $1 ORDER BY name', [kind])).getRowsJS();
    return rows.map((r) => ({ name: String(r[0]), value: JSON.parse(String(r[1])) as T }));
  }

  async deleteMeta(kind: string, name: string): Promise<boolean> {
    const r = await this.serialWrite(() => this.writer.run('DELETE FROM meta WHERE kind = $1 AND name = $2', [kind, name]));
    return r.rowsChanged > 0;
  }

  async stats(): Promise<StoreStats> {
    const r = (await this.reader.runAndReadAll('SELECT count(*) FROM spans')).getRowsJS();
    return { spans: Number(r[0]![0]), bytesOnDisk: this.bytesOnDisk(), columns: this.catalog.size };
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
    await this.serialWrite(() => this.writer.run('CHECKPOINT'));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writeQueue;
    this.closed = true;
    if (this.opts.path !== ':memory:') await this.writer.run('CHECKPOINT').catch(() => undefined);
    this.reader.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  private serialWrite<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(fn);
    this.writeQueue = run.catch(() => undefined);
    return run;
  }
}

const KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

function traceHex(hi: bigint, lo: bigint): string {
  return BigInt.asUintN(64, hi).toString(16).padStart(16, '0') + BigInt.asUintN(64, lo).toString(16).padStart(16, '0');
}

/** node-api keeps the raw appender private; the chunk writer needs it (see chunk-writer.ts). */
function rawAppender(a: DuckDBAppender): duckdb.Appender {
  return (a as unknown as { appender: duckdb.Appender }).appender;
}

export { quoteString };
