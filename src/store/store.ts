import type { SpanBatch } from '../model/span-batch.js';
import type { AttrType, Span } from '../model/span.js';
import type { Dialect } from './dialect.js';

/**
 * The storage seam. Callers (pipeline, api, query) see only this; each engine lives in its own folder
 * (`duckdb/`, later `clickhouse/`) and passes the conformance suite in test/store/conformance.ts.
 * Every method is async and every argument/result is structured-cloneable, so a Store can run in a
 * worker thread behind an RPC proxy (pipeline/store-worker.ts) without callers noticing.
 */
export interface Store {
  readonly engine: string;
  /** How to write SQL for `select` on this engine (query/ir/compile.ts uses it). */
  readonly dialect: Dialect;
  /** Appends all batches in ONE transaction; resolves only once it is durable (committed). */
  append(batches: readonly SpanBatch[], opts?: AppendOptions): Promise<AppendResult>;
  /**
   * Optional: resolves when another `append` can start writing at once. An engine that has it may
   * be given a new append while earlier ones are still committing (the pipeline waits for `ready`
   * before forming each group, so groups grow while the engine is busy). Without it, appends are
   * issued one at a time.
   */
  ready?(): Promise<void>;
  /** All spans of a trace (32 hex id), in start order; [] when unknown. */
  getTrace(traceId: string): Promise<Span[]>;
  /**
   * The same spans as `getTrace`, as columns: cheap to move between threads and to serialize, for big
   * traces (100,000 spans). Null when the trace is unknown.
   */
  getTraceColumns(traceId: string): Promise<TraceColumns | null>;
  /**
   * What a waterfall's first screen needs of each span of a trace (ids, service, name, kind, status,
   * times; no attributes, events or links), as columns with the strings in a dictionary: a lean read
   * for big traces (`GET /api/honeyray/traces/{id}/skeleton`). Null when the trace is unknown.
   */
  getTraceSkeleton(traceId: string): Promise<TraceSkeleton | null>;
  /**
   * One trace for Jaeger's `/api/traces/{id}`: a big trace as Jaeger span text written by the engine
   * (`text`, when the engine can: duckdb/trace-text.ts), else as columns. Null when the trace is unknown.
   */
  getJaegerTrace(traceId: string): Promise<{ text: JaegerTraceText } | { columns: TraceColumns } | null>;
  /** Several traces as columns, one entry per trace found (in no particular order). */
  getTracesColumns(traceIds: readonly string[]): Promise<TraceColumns[]>;
  /** Many traces at once, keyed by 32-hex id; unknown ids are absent. */
  getTraces(traceIds: readonly string[]): Promise<Record<string, Span[]>>;
  /** Trace ids matching a Jaeger-style search, newest first. */
  searchTraces(q: TraceSearch): Promise<string[]>;
  /** Per-trace summaries of the traces matching `q`, computed in the engine, sorted over the whole result. */
  traceSummaries(q: TraceSummaryQuery): Promise<TraceSummaries>;
  /** Distinct datasets (service names), sorted. */
  services(): Promise<string[]>;
  /** Distinct span names of a service, with their kinds. */
  operations(service: string): Promise<Operation[]>;
  /** The attribute-column catalog as committed (a column listed here exists for every query that follows). */
  columns(): Promise<ColumnInfo[]>;
  /**
   * Runs ONE read-only statement compiled by query/ for this engine. Attribute columns are referenced by
   * their `ColumnInfo.column` (from `columns()`); nothing in the text is substituted. Anything but a
   * single SELECT is refused with a `QueryRefusedError`.
   */
  select(sql: string): Promise<Record<string, unknown>[]>;
  /** Small documents kept beside the spans: X-Ray groups, sampling rules, saved queries. */
  putMeta(kind: string, name: string, value: unknown): Promise<void>;
  getMeta<T = unknown>(kind: string, name: string): Promise<T | undefined>;
  listMeta<T = unknown>(kind: string): Promise<{ name: string; value: T }[]>;
  deleteMeta(kind: string, name: string): Promise<boolean>;
  stats(): Promise<StoreStats>;
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}

export interface AppendOptions {
  /**
   * X-Ray documents that replace earlier (in-progress) versions: spans stored from a document with
   * one of these ids (in the same trace) are deleted in the same transaction. Values are 32-hex trace
   * id + ':' + 16-hex document id.
   */
  replaceDocuments?: string[];
  /**
   * Datasets learnt after the fact: X-Ray subsegments streamed on their own do not name their
   * service; once their segment arrives, these spans (already stored) get its name.
   */
  assignDatasets?: { traceId: string; spanIds: string[]; dataset: string }[];
}

export interface AppendResult {
  spans: number;
  /** Attribute values that went to the overflow column because the column cap was reached. */
  overflowed: number;
}

export interface TraceSearch {
  service?: string;
  operation?: string;
  /** Each tag must match some span of the trace (any span, not only the root). */
  tags?: Record<string, string>;
  minDurationNs?: bigint;
  maxDurationNs?: bigint;
  /** Unix ns; spans starting in [startNs, endNs]. */
  startNs?: bigint;
  endNs?: bigint;
  limit?: number;
  /** Any-span filter: each leaf must hold on SOME span of the trace; and/or combine those. */
  where?: SpanFilter;
}

export interface Operation {
  name: string;
  spanKind: string;
}

export interface ColumnInfo {
  key: string;
  /**
   * The engine's column holding this key (unquoted). Not always `a:` + key: engines fold identifier case
   * and refuse some characters, so the catalog picks a unique name (store/duckdb/catalog.ts).
   */
  column: string;
  type: AttrType;
  /** Where the key was first seen. */
  origin: 'resource' | 'span';
  firstSeenMs: number;
  lastSeenMs: number;
}

export interface StoreStats {
  spans: number;
  traces?: number;
  bytesOnDisk: number;
  columns: number;
  /** Engines with checkpoints (DuckDB): how many ran since start and how long they took, ms (ingest's appends wait for them). */
  checkpoints?: { count: number; lastMs: number; maxMs: number; totalMs: number; lastSpans: number };
}

/** Options every engine understands. */
export interface StoreOptions {
  /** Max attribute columns before values go to the overflow column (Honeycomb: 2,000). */
  maxColumns?: number;
  /**
   * New attribute columns allowed per appended batch (one request) and per minute; keys past it go to
   * the overflow column of their rows until they are seen again with room to spare.
   */
  columnAdmission?: { perBatch: number; perMinute: number };
}

/** A statement `select()` will not run (not a single read-only SELECT). The message names no SQL. */
export class QueryRefusedError extends Error {
  override name = 'QueryRefusedError';
}

/**
 * A condition on the spans of a trace. A leaf holds for a trace when some span satisfies it
 * (`not-exists`: when no span has the key); `and` / `or` combine trace-level truths. Comparisons other
 * than = and != are numeric. Keys are attribute keys, or the fixed fields `service.name`, `name`,
 * `span.kind`, `error`, `otel.status_code`, `otel.status_description`, `otel.scope.name`, `duration_ns`.
 */
export type SpanFilter =
  | { and: SpanFilter[] }
  | { or: SpanFilter[] }
  | { key: string; op: '=' | '!=' | '>' | '>=' | '<' | '<=' | 'contains' | 'exists' | 'not-exists'; value?: string | number | boolean };

export type TraceSummarySort = 'newest' | 'oldest' | 'slowest' | 'fastest' | 'most_spans' | 'errors';

export interface TraceSummaryQuery extends TraceSearch {
  sort?: TraceSummarySort;
  /**
   * A trace-level condition compiled by query/ for this engine (an X-Ray filter expression): SQL over
   * the trace's spans grouped under alias `t`, ANDed into the HAVING clause.
   */
  having?: string;
}

export interface TraceSummaryRow {
  traceId: string;
  rootService: string;
  rootName: string;
  startUs: number;
  durationUs: number;
  spanCount: number;
  errorCount: number;
  services: string[];
}

export interface TraceSummaries {
  data: TraceSummaryRow[];
  /** Traces matching the query (before the limit). */
  total: number;
}

/**
 * One trace, column by column, in start order. Ids are hex; times are microseconds (what the read APIs
 * print); `events` / `links` / `overflow` are the stored JSON texts (null when none); `attrs` holds only
 * the attribute columns with a value in this trace, in table order.
 */
/** `Store.getTraceSkeleton`: one entry per span in every array, in start order (then span id). */
export interface TraceSkeleton {
  traceId: string;
  length: number;
  /** Every distinct service (dataset) and span name once; `service` and `name` index into it. */
  strings: string[];
  /** 16 hex. */
  spanId: string[];
  /** 16 hex; '' for a root. */
  parentSpanId: string[];
  service: number[];
  name: number[];
  /** OTel SpanKind (0 unspecified .. 5 consumer). */
  kind: number[];
  /** OTel status (0 unset, 1 ok, 2 error). */
  statusCode: number[];
  /** Microseconds since the epoch. */
  startUs: number[];
  durationUs: number[];
}

/**
 * A trace's spans as Jaeger JSON text, written by the engine but for what the reader fills in: `spans`,
 * joined by commas, are the spans' objects in (start, span id) order, UTF-8; each 0x01 byte in them is where
 * a span's `"logs":` value goes, written from the next entry of `events` (a span's events JSON, as
 * TraceColumns.events). `processes`: the processes the spans' `processID`s (p1, p2, ...) number, in that
 * order, each a JSON array of the service name and the values of `resourceKeys` (null where absent).
 */
export interface JaegerTraceText {
  traceId: string;
  spans: Uint8Array[];
  events: string[];
  processes: string[];
  resourceKeys: string[];
}

export interface TraceColumns {
  traceId: string;
  length: number;
  spanId: string[];
  parentSpanId: string[];
  name: string[];
  dataset: string[];
  traceState: string[];
  kind: number[];
  statusCode: number[];
  statusMessage: string[];
  flags: number[];
  scopeName: string[];
  scopeVersion: string[];
  startUs: number[];
  durationUs: number[];
  events: (string | null)[];
  links: (string | null)[];
  overflow: (string | null)[];
  attrs: { key: string; resource: boolean; values: (string | number | boolean | null)[] }[];
}
