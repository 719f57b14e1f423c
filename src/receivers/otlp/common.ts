/**
 * What the protobuf and JSON OTLP decoders share: options and result types, the dataset rule, the flat attribute
 * list they fill before a span is known to be valid, the reject log and the AnyValue member numbers.
 */
import { SpanBatch, type AttrColumn } from '../../model/span-batch.js';
import type { AnyValue, AttrScalar, AttrType } from '../../model/span.js';

export interface DecodeOptions {
  /** `x-honeycomb-dataset` header: when given (and not blank) every span goes to this dataset. */
  dataset?: string;
}

export interface DecodeResult {
  batch: SpanBatch;
  /** Spans that were not stored (invalid ids). */
  rejected: number;
  /** The first few reasons, e.g. `span 3: invalid trace_id (want 16 bytes)`, for `partial_success.error_message`. */
  rejectMessage?: string;
}

/** Honeycomb's dataset for spans without a usable `service.name`. */
export const UNKNOWN_SERVICE = 'unknown_service';

/** kvlist attributes are flattened (`parent.child`) this many levels deep; deeper values become JSON text. */
export const MAX_KVLIST_DEPTH = 5;

/** AnyValue arrays/kvlists nested deeper than this make the request malformed (protects the stack). */
export const MAX_NESTING = 100;

/** How many reject reasons are kept in `rejectMessage`. */
const MAX_REJECT_REASONS = 5;

/**
 * Honeycomb's dataset rule (husky `getDataset`): the header when given; else the trimmed resource `service.name`;
 * missing, not a string, blank or starting with `unknown_service` gives `unknown_service`.
 */
export function datasetFor(opts: DecodeOptions, serviceName: AttrScalar | undefined): string {
  if (opts.dataset !== undefined) {
    const d = opts.dataset.trim();
    if (d !== '') return d;
  }
  if (typeof serviceName !== 'string') return UNKNOWN_SERVICE;
  const s = serviceName.trim();
  if (s === '' || s.startsWith(UNKNOWN_SERVICE)) return UNKNOWN_SERVICE;
  return s;
}

/** A first guess at the number of spans in a body of `bytes` bytes (the batch grows if it is wrong). */
export function initialCapacity(bytes: number, bytesPerSpan: number): number {
  return Math.max(16, Math.min(65536, Math.ceil(bytes / bytesPerSpan)));
}

/**
 * Scalar attributes of one level (resource, scope or span) as parallel arrays, reused between spans so decoding
 * allocates nothing for the list itself. Later entries win over earlier ones when applied to a row.
 */
export class AttrList {
  keys: string[] = [];
  types: AttrType[] = [];
  vals: AttrScalar[] = [];
  n = 0;
  /** The batch column of each entry, once known (a list applied to many rows skips the Map lookups). */
  private cols: (AttrColumn | undefined)[] = [];
  private colsOf: SpanBatch | null = null;

  push(key: string, type: AttrType, val: AttrScalar): void {
    const i = this.n++;
    this.keys[i] = key;
    this.types[i] = type;
    this.vals[i] = val;
    this.cols[i] = undefined;
  }

  clear(): void {
    this.n = 0;
  }

  copyFrom(o: AttrList): void {
    for (let i = 0; i < o.n; i++) {
      this.keys[i] = o.keys[i]!;
      this.types[i] = o.types[i]!;
      this.vals[i] = o.vals[i]!;
      this.cols[i] = undefined;
    }
    this.n = o.n;
  }

  /** The value of the last entry named `key`, if any. */
  get(key: string): AttrScalar | undefined {
    for (let i = this.n - 1; i >= 0; i--) if (this.keys[i] === key) return this.vals[i];
    return undefined;
  }

  /**
   * Sets the attributes on `row` (the last row of the batch). The common case, a column of the same type that
   * already holds the rows before this one, is appended to directly; anything else goes through `setAttr`.
   */
  applyTo(batch: SpanBatch, row: number): void {
    const keys = this.keys;
    const types = this.types;
    const vals = this.vals;
    const cols = this.cols;
    if (this.colsOf !== batch) {
      this.colsOf = batch;
      cols.fill(undefined);
    }
    for (let i = 0, n = this.n; i < n; i++) {
      let col = cols[i];
      if (col === undefined) col = cols[i] = batch.attrs.get(keys[i]!);
      if (col !== undefined && col.type === types[i] && col.values.length === row) col.values.push(vals[i]!);
      else batch.setAttr(row, keys[i]!, types[i]!, vals[i]!);
    }
  }
}

/** Counts rejected spans and keeps the first few reasons. */
export class RejectLog {
  count = 0;
  private reasons: string[] = [];

  add(spanIndex: number, why: string): void {
    this.count++;
    if (this.reasons.length < MAX_REJECT_REASONS) this.reasons.push(`span ${spanIndex}: ${why}`);
  }

  message(): string | undefined {
    if (this.count === 0) return undefined;
    const more = this.count - this.reasons.length;
    return this.reasons.join('; ') + (more > 0 ? `; and ${more} more` : '');
  }
}

/** `obj[key] = v` that also works for the key `__proto__` (kept as an ordinary own property). */
export function setProp(obj: { [key: string]: AnyValue }, key: string, v: AnyValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[key] = v;
}

/** Standard base64 of some bytes. */
export function base64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** OTLP kind / status numbers outside the known range are stored as 0 (unspecified / unset). */
export function clampKind(k: number): number {
  return k >= 0 && k <= 5 ? k : 0;
}

export function clampStatus(c: number): number {
  return c >= 0 && c <= 2 ? c : 0;
}

export const ZERO_TRACE_HEX = '0'.repeat(32);
export const ZERO_SPAN_HEX = '0'.repeat(16);

/**
 * AnyValue oneof members, numbered as their protobuf fields (decode-proto.ts relies on it); NONE: no member set.
 * A `const enum` for the same reason as proto-tags.ts `Tag`: the decoders switch on these per value.
 */
export const enum AnyKind {
  NONE = 0,
  STR = 1,
  BOOL = 2,
  INT = 3,
  DBL = 4,
  ARR = 5,
  KV = 6,
  BYTES = 7,
}
