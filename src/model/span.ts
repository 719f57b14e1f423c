/**
 * The one internal span model, OTel-shaped. `Span` is the row view used at the edges (APIs, X-Ray
 * mapping, tests); `SpanBatch` (span-batch.ts) is the columnar form used on the ingest hot path.
 */

/** OTLP `Span.SpanKind` numbers. */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

export const SPAN_KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;

/** OTLP `Status.StatusCode` numbers. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export type StatusCode = (typeof StatusCode)[keyof typeof StatusCode];

/** Where a span came from; decides how BatchGetTraces renders it. */
export const SpanSource = { OTLP: 0, XRAY: 1 } as const;
export type SpanSource = (typeof SpanSource)[keyof typeof SpanSource];

/**
 * Scalar attribute types, the types of the store's attribute columns. Types widen along
 * int -> double -> string and bool -> string, never narrow (see docs/storage.md).
 */
export type AttrType = 'string' | 'int' | 'double' | 'bool';
export type AttrScalar = string | number | boolean;

/** Full OTLP AnyValue shape, kept in span events and links (which are stored as JSON). */
export type AnyValue = string | number | boolean | null | AnyValue[] | { [key: string]: AnyValue };
export type Attributes = Record<string, AnyValue>;

export interface SpanEvent {
  /** Unix nanoseconds as a decimal string (JSON has no 64-bit integers). */
  timeUnixNano: string;
  name: string;
  attributes: Attributes;
  droppedAttributesCount?: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes: Attributes;
  droppedAttributesCount?: number;
  flags?: number;
}

/** One span, as read back from the store. Ids are lowercase hex; `parentSpanId` is '' for a root. */
export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  /** Honeycomb dataset: the trimmed `service.name`, or `x-honeycomb-dataset`. */
  dataset: string;
  name: string;
  kind: SpanKind;
  startUnixNano: bigint;
  durationNano: bigint;
  statusCode: StatusCode;
  statusMessage: string;
  flags: number;
  scopeName: string;
  scopeVersion: string;
  /** Span attributes (scalar; arrays, kvlists and bytes arrive as JSON/base64 strings). */
  attributes: Record<string, AttrScalar>;
  /** Resource attributes, copied onto every span of the resource. */
  resource: Record<string, AttrScalar>;
  events: SpanEvent[];
  links: SpanLink[];
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
  source: SpanSource;
  /** For X-Ray data: the original segment document this span was the top of, if any. */
  xrayDocument?: string;
}
