import { hexToTraceId, hexToU64, traceIdToHex, u64ToHex } from '../../model/ids.js';
import type { SpanBatch } from '../../model/span-batch.js';
import { Attr } from '../../model/semconv.js';
import type { AppendOptions, AppendResult, ColumnInfo } from '../store.js';
import type { ColumnCatalog } from '../catalog.js';
import { ClickHouseError, type ChClient } from './client.js';
import { encodeNative } from './encode-native.js';
import { encodeTsv, escapeTsv } from './encode-tsv.js';
import { CH_TYPE, FIXED_NAMES, liveCondition, localTable, quoteIdent, quoteString, traceRows, viewDdl } from './schema.js';

/** ILLEGAL_COLUMN (18.16: "column with this name already exists"), DUPLICATE_COLUMN (newer releases). */
export const COLUMN_EXISTS = new Set([44, 15]);

/** Row versions: strictly increasing, and ordered across nodes by the clock: ms * 1000 + a counter. */
export class VerClock {
  private last = 0n;

  next(): bigint {
    const t = BigInt(Date.now()) * 1000n;
    this.last = t > this.last ? t : this.last + 1n;
    return this.last;
  }
}

/** What the writer shares with the store: the client, the servers DDL runs on, the column catalogs. */
export interface SpanWriterContext {
  client: ChClient;
  /** Every server DDL runs on: the one server, or each shard. */
  servers: readonly ChClient[];
  cluster: boolean;
  vers: VerClock;
  /** The writer's catalog (plans mutate it before their ALTERs run). */
  catalog(): ColumnCatalog;
  /** Readers see the writer's catalog from now on (its ALTERs have run). */
  publishCatalog(): void;
  /** Reloads both catalogs from ClickHouse (after a failed append). */
  reloadCatalog(): Promise<void>;
}

/**
 * The write path of the ClickHouse store (as duckdb/span-writer.ts is DuckDB's): attribute-column DDL,
 * the Native (or TSV) insert of the rows, the versions and tombstones that stand in for updates and
 * deletes (schema.ts), and the catalog rows. One append at a time (the store serializes them).
 */
export class SpanWriter {
  constructor(private readonly cx: SpanWriterContext) {}

  /**
   * One append at a time, no `ready()`: two in flight (one group encoded and sent while ClickHouse
   * writes the other) halved the rows per insert under bench:clickhouse's load and doubled
   * ClickHouse's CPU per span, which goes to creating each part's files (docs/clickhouse.md, "Where the time goes").
   */
  async append(batches: readonly SpanBatch[], opts: AppendOptions, retried = false): Promise<AppendResult> {
    const now = Date.now();
    const catalog = this.cx.catalog();
    const plans = batches.map((b) => catalog.plan(b, now));
    try {
      const ddl = plans.flatMap((p) => p.ddl);
      if (ddl.length > 0) {
        for (const sql of ddl) await this.columnDdl(sql);
        await this.onEveryServer(viewDdl());
        this.cx.publishCatalog();
      }
      // Order matters (as DuckDB's delete-assign-append in one transaction): datasets are assigned to
      // rows already stored, then the new rows go in, then the rows of replaced documents are
      // tombstoned. Every step writes before it tombstones, so a failure part-way leaves duplicates
      // (hidden or harmless), never a lost span.
      for (const a of opts.assignDatasets ?? []) await this.assignDataset(a.traceId, a.spanIds, a.dataset);
      const ver = this.cx.vers.next();
      const overflowed = await this.insertSpans(batches, catalog.all(), plans.map((p) => p.overflowKeys), ver);
      await this.tombstoneDocuments([...new Set([...(opts.replaceDocuments ?? []), ...completeDocuments(batches)])], ver);
      const dirty = catalog.takeDirty();
      if (dirty.length) await this.persistColumns(dirty);
      return { spans: batches.reduce((n, b) => n + b.length, 0), overflowed };
    } catch (err) {
      catalog.takeDirty();
      await this.cx.reloadCatalog().catch(() => undefined);
      // Another Honeyray node on the same database added this column first (18.16 has no ADD COLUMN
      // IF NOT EXISTS): nothing was written yet, so plan again with the reloaded catalog, once.
      if (!retried && err instanceof ClickHouseError && COLUMN_EXISTS.has(err.code)) return this.append(batches, opts, true);
      throw err;
    }
  }

  /**
   * The rows of `batches` into spans_data, in one insert: Native where the client takes binary bodies
   * (HTTP; see encode-native.ts for why), else TabSeparated (chdb). Returns the overflowed values.
   */
  private async insertSpans(batches: readonly SpanBatch[], attrCols: readonly ColumnInfo[], overflowKeys: string[][], ver: bigint): Promise<number> {
    const columns = [...FIXED_NAMES, ...attrCols.map((c) => quoteIdent(c.column))];
    if (batches.every((b) => b.length === 0)) return 0;
    const client = this.cx.client;
    if (client.insertNative) {
      const { body, overflowed } = encodeNative(batches, attrCols, overflowKeys, ver);
      await client.insertNative('spans_data', columns, body);
      return overflowed;
    }
    const { tsv, overflowed } = encodeTsv(batches, attrCols, overflowKeys, ver);
    await client.insertTsv('spans_data', columns, tsv);
    return overflowed;
  }

  /** Copies the spans with the new dataset (a new ver), then tombstones the old rows. */
  private async assignDataset(traceId: string, spanIds: string[], dataset: string): Promise<void> {
    if (spanIds.length === 0) return;
    const [hi, lo] = hexToTraceId(traceId);
    const trace = `trace_hi = ${hi} AND trace_lo = ${lo}`;
    const where = `${traceRows(trace)} AND span_id IN (${spanIds.map((s) => String(hexToU64(s))).join(', ')}) AND ${liveCondition(trace)}`;
    const ver = this.cx.vers.next();
    const cols = [...FIXED_NAMES, ...this.cx.catalog().all().map((c) => quoteIdent(c.column))];
    const select = cols.map((c) => (c === 'dataset' ? quoteString(dataset) : c === 'ver' ? String(ver) : c));
    await this.cx.client.command(`INSERT INTO spans_data (${cols.join(', ')}) SELECT ${select.join(', ')} FROM spans_data ${where} AND ver != ${ver}`);
    await this.cx.client.command(`INSERT INTO dead (trace_hi, trace_lo, span_id, ver) SELECT trace_hi, trace_lo, span_id, ver FROM spans_data ${where} AND ver != ${ver}`);
  }

  /**
   * Rows of X-Ray documents (`trace:doc` keys) stored by earlier appends (`ver` other than this one's)
   * become dead, in one statement. The keys are the documents this node saw in progress
   * (`replaceDocuments`) and every complete document of the batch: its in-progress version may have
   * reached another Honeyray node, or this one before a restart (a complete document sent twice also
   * leaves one copy).
   */
  private async tombstoneDocuments(keys: readonly string[], ver: bigint): Promise<void> {
    if (keys.length === 0) return;
    const traces = new Set<string>();
    const docs: string[] = [];
    for (const key of keys) {
      const [traceHex, docHex] = key.split(':');
      const [hi, lo] = hexToTraceId(traceHex!);
      traces.add(`(${hi}, ${lo})`);
      docs.push(`(${hi}, ${lo}, ${hexToU64(docHex!)})`);
    }
    // Through trace_lookup: only the granules of those traces' (minute, dataset) blocks are read.
    const trace = `(trace_hi, trace_lo) IN (${[...traces].join(', ')})`;
    await this.cx.client.command(`INSERT INTO dead (trace_hi, trace_lo, span_id, ver) SELECT trace_hi, trace_lo, span_id, ver FROM spans_data ` +
      `${traceRows(trace)} AND (trace_hi, trace_lo, xray_doc_id) IN (${docs.join(', ')}) AND ver != ${ver} AND ${liveCondition(trace)}`);
  }

  /** An attribute column's DDL; in cluster mode on each shard's local table, then each Distributed table. */
  private async columnDdl(sql: string): Promise<void> {
    if (!this.cx.cluster) return this.cx.client.command(sql);
    const onLocal = sql.replace(/^ALTER TABLE spans_data /, `ALTER TABLE ${localTable('spans_data')} `);
    for (const statement of [onLocal, sql]) {
      for (const s of this.cx.servers) {
        try {
          await s.command(statement);
        } catch (err) {
          // Another node (or this one, before a crash part-way) added it on this server already.
          if (!(err instanceof ClickHouseError && COLUMN_EXISTS.has(err.code))) throw err;
        }
      }
    }
  }

  /**
   * Cluster mode, at open: a shard added since the columns were created (docs/clickhouse.md, "Adding a
   * shard"), or one a node crashed part-way through, gets the attribute columns the entry server has.
   */
  async addMissingColumns(): Promise<void> {
    for (const s of this.cx.servers) {
      const have = new Set<string>();
      for (const r of await s.query("SELECT table, name FROM system.columns WHERE database = currentDatabase() AND table IN ('spans_data', 'spans_data_local')")) have.add(`${String(r.table)}.${String(r.name)}`);
      const missing = this.cx.catalog().all().filter((c) => !have.has(`spans_data_local.${c.column}`) || !have.has(`spans_data.${c.column}`));
      for (const c of missing) {
        for (const table of [localTable('spans_data'), 'spans_data']) {
          if (!have.has(`${table}.${c.column}`)) await s.command(`ALTER TABLE ${table} ADD COLUMN ${quoteIdent(c.column)} ${CH_TYPE[c.type]}`);
        }
      }
      if (missing.length) for (const sql of viewDdl()) await s.command(sql);
    }
  }

  async onEveryServer(statements: readonly string[]): Promise<void> {
    for (const s of this.cx.servers) for (const sql of statements) await s.command(sql);
  }

  private async persistColumns(cols: ColumnInfo[]): Promise<void> {
    const ver = this.cx.vers.next();
    const tsv = cols.map((c) => [c.key, c.column, c.type, c.origin, c.firstSeenMs, c.lastSeenMs, ver].map((v) => escapeTsv(String(v))).join('\t')).join('\n') + '\n';
    await this.cx.client.insertTsv('columns', ['key', 'column', 'type', 'origin', 'first_seen', 'last_seen', 'ver'], tsv);
  }
}

/** `trace:doc` keys of the complete X-Ray documents in the batches (their segment row: doc id = span id). */
function completeDocuments(batches: readonly SpanBatch[]): string[] {
  const keys: string[] = [];
  for (const b of batches) {
    for (let r = 0; r < b.length; r++) {
      if (b.source[r] !== 1 || b.xrayDocId[r] !== b.spanId[r] || b.getAttr(r, Attr.XRAY_IN_PROGRESS) === true) continue;
      keys.push(`${traceIdToHex(b.traceHi[r]!, b.traceLo[r]!)}:${u64ToHex(b.spanId[r]!)}`);
    }
  }
  return keys;
}
