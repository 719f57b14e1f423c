/**
 * OTLP/JSON trace decoder: `JSON.parse` plus a dedicated mapper to `SpanBatch`.
 *
 * Not a generic protobuf-JSON decoder, on purpose: OTLP/JSON differs from protojson in ways a generic decoder gets
 * silently wrong (trace and span ids are HEX strings, not base64). What it accepts, per the OTLP/HTTP spec and
 * protojson's leniencies:
 * - keys in lowerCamelCase, or the proto field names in snake_case;
 * - `null` for any field means "not set";
 * - ids as hex strings in either case; a span with a missing, wrong-length, non-hex or all-zero trace/span id, or a
 *   parent id that is neither empty nor 16 hex chars, is rejected (not stored) and counted;
 * - 64-bit integers (times, `intValue`) as JSON numbers or decimal strings; 32-bit ones (counts, flags) too;
 * - enums (`kind`, `status.code`) as numbers or enum names (`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`);
 * - `doubleValue` as a number or `"NaN"`, `"Infinity"`, `"-Infinity"`, or a numeric string;
 * - `bytesValue` as base64 (standard or URL-safe), stored as standard base64;
 * - unknown keys are ignored (the OTLP spec requires it).
 * A value of the wrong JSON type (`"resourceSpans": 5`, `"name": 12`, spans not an array, ...) or text that is not
 * JSON throws `OtlpParseError`. `{}` is a valid, empty request.
 *
 * The result is the same batch the protobuf decoder (decode-proto.ts) gives for the same request.
 */
import { SpanBatch } from '../../model/span-batch.js';
import { SpanSource } from '../../model/span.js';
import type { AnyValue, Attributes, SpanEvent, SpanLink } from '../../model/span.js';
import {
  AttrList,
  MAX_KVLIST_DEPTH,
  MAX_NESTING,
  RejectLog,
  ZERO_SPAN_HEX,
  ZERO_TRACE_HEX,
  clampKind,
  clampStatus,
  datasetFor,
  initialCapacity,
  setProp,
  type DecodeOptions,
  type DecodeResult,
} from './common.js';
import { OtlpParseError } from './errors.js';

export type { DecodeOptions, DecodeResult } from './common.js';

type Obj = { [key: string]: unknown };

const utf8 = new TextDecoder('utf-8');

const KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_NAMES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

/** Per-request state; the indexes locate errors (`resourceSpans[0].scopeSpans[1].spans[2].name`). */
class State {
  readonly batch: SpanBatch;
  readonly rejects = new RejectLog();
  spanIndex = 0;
  readonly resAttrs = new AttrList();
  readonly baseAttrs = new AttrList();
  readonly spanAttrs = new AttrList();
  level = 0;
  ri = 0;
  si = 0;
  pi = 0;

  constructor(
    readonly opts: DecodeOptions,
    bytes: number,
  ) {
    this.batch = new SpanBatch(initialCapacity(bytes, 700));
  }

  where(field: string): string {
    let p = '';
    if (this.level >= 1) p += `resourceSpans[${this.ri}]`;
    if (this.level >= 2) p += `.scopeSpans[${this.si}]`;
    if (this.level >= 3) p += `.spans[${this.pi}]`;
    return p === '' ? field : field === '' ? p : `${p}.${field}`;
  }

  bad(field: string, want: string, got: unknown): OtlpParseError {
    return new OtlpParseError(`json: ${this.where(field)}: want ${want}, got ${describe(got)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v;
}

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest`. Throws `OtlpParseError` when the text is not JSON or does not
 * have the OTLP shape; spans with invalid ids are left out and counted in `rejected`.
 */
export function decodeOtlpJson(body: Uint8Array | string, opts: DecodeOptions = {}): DecodeResult {
  const text = typeof body === 'string' ? body : utf8.decode(body);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new OtlpParseError(`json: syntax error: ${(e as Error).message}`);
  }
  const st = new State(opts, text.length);
  if (!isObj(doc)) throw st.bad('', 'an ExportTraceServiceRequest object', doc);
  try {
    const rss = arr(st, doc, 'resourceSpans', 'resource_spans');
    if (rss !== null) {
      for (let i = 0; i < rss.length; i++) {
        st.level = 1;
        st.ri = i;
        decodeResourceSpans(st, obj(st, rss[i], ''));
      }
    }
  } catch (e) {
    if (e instanceof RangeError) throw new OtlpParseError(`json: ${e.message}`);
    throw e;
  }
  return { batch: st.batch, rejected: st.rejects.count, rejectMessage: st.rejects.message() };
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  return v !== undefined && v !== null ? v : o[snake];
}

function obj(st: State, v: unknown, where: string): Obj {
  if (isObj(v)) return v;
  throw st.bad(where, 'an object', v);
}

/** An array field, or null when it is absent. */
function arr(st: State, o: Obj, camel: string, snake: string): unknown[] | null {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v;
  throw st.bad(camel, 'an array', v);
}

/** An object field, or null when it is absent. */
function optObj(st: State, o: Obj, camel: string, snake: string): Obj | null {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return null;
  if (isObj(v)) return v;
  throw st.bad(camel, 'an object', v);
}

function str(st: State, v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  throw st.bad(where, 'a string', v);
}

const UINT_RE = /^[0-9]+$/;
const INT_RE = /^-?[0-9]+$/;
const TWO64 = 1n << 64n;

/** uint32 (counts, flags): a number or a decimal string. */
function u32(st: State, v: unknown, where: string): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return v;
  } else if (typeof v === 'string') {
    if (UINT_RE.test(v)) {
      const n = Number(v);
      if (n <= 0xffffffff) return n;
    }
  } else if (v === undefined || v === null) return 0;
  throw st.bad(where, 'a uint32', v);
}

/** fixed64 (times): a decimal string or a number. */
function u64(st: State, v: unknown, where: string): bigint {
  if (typeof v === 'string') {
    if (UINT_RE.test(v)) {
      const n = BigInt(v);
      if (n < TWO64) return n;
    }
  } else if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v < 18446744073709551616) return BigInt(v);
  } else if (v === undefined || v === null) return 0n;
  throw st.bad(where, 'a uint64 (decimal string or number)', v);
}

/** int64 attribute value as a JS number. */
function i64(st: State, v: unknown, where: string): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return v;
  } else if (typeof v === 'string') {
    if (INT_RE.test(v)) return Number(v);
  }
  throw st.bad(where, 'an int64 (number or decimal string)', v);
}

function dbl(st: State, v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw st.bad(where, 'a double', v);
}

function enumValue(st: State, v: unknown, names: Record<string, number>, where: string): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return v;
  } else if (typeof v === 'string') {
    const n = names[v];
    if (n !== undefined && Object.prototype.hasOwnProperty.call(names, v)) return n;
  } else if (v === undefined || v === null) return 0;
  throw st.bad(where, `an enum number or name (${Object.keys(names).join(', ')})`, v);
}

function bytesB64(st: State, v: unknown, where: string): string {
  if (typeof v !== 'string') throw st.bad(where, 'a base64 string', v);
  return Buffer.from(v, 'base64').toString('base64');
}

// Hex ids -> signed 64-bit bigints, through a scratch DataView (one bigint allocation per half).
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}
const scratch = new DataView(new ArrayBuffer(8));
/** Set by hexU64: whether the 16 hex chars were all zero. */
let hexZero = false;

/** 16 hex chars of `s` at `off` -> signed bigint, or null if one is not a hex digit. */
function hexU64(s: string, off: number): bigint | null {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 8; i++) {
    const c = s.charCodeAt(off + i);
    const d = c < 128 ? HEX[c]! : -1;
    if (d < 0) return null;
    hi = (hi << 4) | d;
  }
  for (let i = 8; i < 16; i++) {
    const c = s.charCodeAt(off + i);
    const d = c < 128 ? HEX[c]! : -1;
    if (d < 0) return null;
    lo = (lo << 4) | d;
  }
  hexZero = hi === 0 && lo === 0;
  scratch.setUint32(0, hi >>> 0);
  scratch.setUint32(4, lo >>> 0);
  return scratch.getBigInt64(0);
}

function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || HEX[c]! < 0) return false;
  }
  return true;
}

function decodeResourceSpans(st: State, rs: Obj): void {
  const res = st.resAttrs;
  res.clear();
  const resource = optObj(st, rs, 'resource', 'resource');
  if (resource !== null) {
    const attrs = arr(st, resource, 'attributes', 'attributes');
    if (attrs !== null) for (let i = 0; i < attrs.length; i++) keyValueAttr(st, attrs[i], res, '', 0);
  }
  const dataset = datasetFor(st.opts, res.get('service.name'));
  const rowsBefore = st.batch.length;
  const sss = arr(st, rs, 'scopeSpans', 'scope_spans');
  if (sss !== null) {
    for (let i = 0; i < sss.length; i++) {
      st.level = 2;
      st.si = i;
      decodeScopeSpans(st, obj(st, sss[i], ''), dataset);
    }
  }
  st.level = 1;
  if (st.batch.length > rowsBefore) for (let i = 0; i < res.n; i++) st.batch.resourceKeys.add(res.keys[i]!);
}

function decodeScopeSpans(st: State, ss: Obj, dataset: string): void {
  const base = st.baseAttrs;
  base.copyFrom(st.resAttrs);
  let scopeName = '';
  let scopeVersion = '';
  const scope = optObj(st, ss, 'scope', 'scope');
  if (scope !== null) {
    scopeName = str(st, scope.name, 'scope.name');
    scopeVersion = str(st, scope.version, 'scope.version');
    const attrs = arr(st, scope, 'attributes', 'attributes');
    if (attrs !== null) for (let i = 0; i < attrs.length; i++) keyValueAttr(st, attrs[i], base, '', 0);
  }
  const spans = arr(st, ss, 'spans', 'spans');
  if (spans === null) return;
  for (let i = 0; i < spans.length; i++) {
    st.level = 3;
    st.pi = i;
    decodeSpan(st, obj(st, spans[i], ''), dataset, scopeName, scopeVersion);
  }
  st.level = 2;
}

function decodeSpan(st: State, sp: Obj, dataset: string, scopeName: string, scopeVersion: string): void {
  const index = st.spanIndex++;
  const traceId = str(st, field(sp, 'traceId', 'trace_id'), 'traceId');
  const spanId = str(st, field(sp, 'spanId', 'span_id'), 'spanId');
  const parentId = str(st, field(sp, 'parentSpanId', 'parent_span_id'), 'parentSpanId');
  const traceState = str(st, field(sp, 'traceState', 'trace_state'), 'traceState');
  const name = str(st, sp.name, 'name');
  const kind = enumValue(st, sp.kind, KIND_NAMES, 'kind');
  const start = u64(st, field(sp, 'startTimeUnixNano', 'start_time_unix_nano'), 'startTimeUnixNano');
  const end = u64(st, field(sp, 'endTimeUnixNano', 'end_time_unix_nano'), 'endTimeUnixNano');
  const droppedAttrs = u32(st, field(sp, 'droppedAttributesCount', 'dropped_attributes_count'), 'droppedAttributesCount');
  const droppedEvents = u32(st, field(sp, 'droppedEventsCount', 'dropped_events_count'), 'droppedEventsCount');
  const droppedLinks = u32(st, field(sp, 'droppedLinksCount', 'dropped_links_count'), 'droppedLinksCount');
  const flags = u32(st, sp.flags, 'flags');
  let statusCode = 0;
  let statusMessage = '';
  const status = optObj(st, sp, 'status', 'status');
  if (status !== null) {
    statusCode = enumValue(st, status.code, STATUS_NAMES, 'status.code');
    statusMessage = str(st, status.message, 'status.message');
  }
  const attrs = st.spanAttrs;
  attrs.clear();
  const attrList = arr(st, sp, 'attributes', 'attributes');
  if (attrList !== null) for (let i = 0; i < attrList.length; i++) keyValueAttr(st, attrList[i], attrs, '', 0);
  let events: SpanEvent[] | null = null;
  const evList = arr(st, sp, 'events', 'events');
  if (evList !== null && evList.length > 0) {
    events = [];
    for (let i = 0; i < evList.length; i++) events.push(decodeEvent(st, obj(st, evList[i], 'events[]')));
  }
  let links: SpanLink[] | null = null;
  let badLinks = 0;
  const lnList = arr(st, sp, 'links', 'links');
  if (lnList !== null) {
    for (let i = 0; i < lnList.length; i++) {
      const l = decodeLink(st, obj(st, lnList[i], 'links[]'));
      if (l !== null) (links ??= []).push(l);
      else badLinks++;
    }
  }

  // Ids.
  let why: string | null = null;
  let hi = 0n;
  let lo = 0n;
  let sid = 0n;
  let pid = 0n;
  if (traceId.length !== 32) why = 'invalid trace_id (want 32 hex chars)';
  else {
    const h = hexU64(traceId, 0);
    const z1 = hexZero;
    const l = h === null ? null : hexU64(traceId, 16);
    if (h === null || l === null) why = 'invalid trace_id (not hex)';
    else if (z1 && hexZero) why = 'invalid trace_id (all zero)';
    else {
      hi = h;
      lo = l;
    }
  }
  if (why === null) {
    const s = spanId.length === 16 ? hexU64(spanId, 0) : null;
    if (spanId.length !== 16) why = 'invalid span_id (want 16 hex chars)';
    else if (s === null) why = 'invalid span_id (not hex)';
    else if (hexZero) why = 'invalid span_id (all zero)';
    else sid = s;
  }
  if (why === null && parentId !== '') {
    const p = parentId.length === 16 ? hexU64(parentId, 0) : null;
    if (p === null) why = 'invalid parent_span_id (want 16 hex chars or empty)';
    else pid = p;
  }
  if (why !== null) {
    st.rejects.add(index, why);
    return;
  }

  const b = st.batch;
  const row = b.addRow();
  b.traceHi[row] = hi;
  b.traceLo[row] = lo;
  b.spanId[row] = sid;
  b.parentId[row] = pid;
  b.startNs[row] = start;
  b.durationNs[row] = end > start ? end - start : 0n;
  b.kind[row] = clampKind(kind);
  b.statusCode[row] = clampStatus(statusCode);
  b.source[row] = SpanSource.OTLP;
  b.flags[row] = flags;
  b.droppedAttrs[row] = droppedAttrs;
  b.droppedEvents[row] = droppedEvents;
  b.droppedLinks[row] = droppedLinks + badLinks;
  b.name[row] = name;
  b.dataset[row] = dataset;
  b.traceState[row] = traceState;
  b.statusMessage[row] = statusMessage;
  b.scopeName[row] = scopeName;
  b.scopeVersion[row] = scopeVersion;
  b.events[row] = events;
  b.links[row] = links;
  st.baseAttrs.applyTo(b, row);
  attrs.applyTo(b, row);
}

function decodeEvent(st: State, ev: Obj): SpanEvent {
  const time = u64(st, field(ev, 'timeUnixNano', 'time_unix_nano'), 'events[].timeUnixNano');
  const name = str(st, ev.name, 'events[].name');
  const attributes: Attributes = {};
  const attrs = arr(st, ev, 'attributes', 'attributes');
  if (attrs !== null) for (let i = 0; i < attrs.length; i++) keyValueJs(st, attrs[i], attributes, 0);
  const dropped = u32(st, field(ev, 'droppedAttributesCount', 'dropped_attributes_count'), 'events[].droppedAttributesCount');
  const out: SpanEvent = { timeUnixNano: time.toString(), name, attributes };
  if (dropped !== 0) out.droppedAttributesCount = dropped;
  return out;
}

/** A link, or null when an id is not hex of the right length (see decode-proto.ts `decodeLink`). */
function decodeLink(st: State, ln: Obj): SpanLink | null {
  const traceId = str(st, field(ln, 'traceId', 'trace_id'), 'links[].traceId');
  const spanId = str(st, field(ln, 'spanId', 'span_id'), 'links[].spanId');
  const traceState = str(st, field(ln, 'traceState', 'trace_state'), 'links[].traceState');
  const attributes: Attributes = {};
  const attrs = arr(st, ln, 'attributes', 'attributes');
  if (attrs !== null) for (let i = 0; i < attrs.length; i++) keyValueJs(st, attrs[i], attributes, 0);
  const dropped = u32(st, field(ln, 'droppedAttributesCount', 'dropped_attributes_count'), 'links[].droppedAttributesCount');
  const flags = u32(st, ln.flags, 'links[].flags');
  if ((traceId.length !== 0 && (traceId.length !== 32 || !isHex(traceId))) || (spanId.length !== 0 && (spanId.length !== 16 || !isHex(spanId)))) {
    return null;
  }
  const link: SpanLink = {
    traceId: traceId.length === 0 ? ZERO_TRACE_HEX : traceId.toLowerCase(),
    spanId: spanId.length === 0 ? ZERO_SPAN_HEX : spanId.toLowerCase(),
    attributes,
  };
  if (traceState !== '') link.traceState = traceState;
  if (dropped !== 0) link.droppedAttributesCount = dropped;
  if (flags !== 0) link.flags = flags;
  return link;
}

/** One KeyValue as column attributes (same rules as decode-proto.ts `decodeKeyValueAttr`). */
function keyValueAttr(st: State, kvRaw: unknown, out: AttrList, prefix: string, depth: number): void {
  const kv = obj(st, kvRaw, 'attributes[]');
  let key = str(st, kv.key, 'attributes[].key');
  const value = kv.value;
  if (value === undefined || value === null) return;
  if (depth === 0) {
    if (key === '') return;
  } else key = prefix + '.' + key;
  if (depth <= MAX_KVLIST_DEPTH) anyValueAttr(st, value, out, key, depth);
  else out.push(key, 'string', JSON.stringify(anyValueJs(st, value, depth)));
}

// AnyValue member kinds.
const NONE = 0;
const STR = 1;
const BOOL = 2;
const INT = 3;
const DBL = 4;
const ARR = 5;
const KV = 6;
const BYTES = 7;

function memberKind(k: string): number {
  switch (k) {
    case 'stringValue':
    case 'string_value':
      return STR;
    case 'boolValue':
    case 'bool_value':
      return BOOL;
    case 'intValue':
    case 'int_value':
      return INT;
    case 'doubleValue':
    case 'double_value':
      return DBL;
    case 'arrayValue':
    case 'array_value':
      return ARR;
    case 'kvlistValue':
    case 'kvlist_value':
      return KV;
    case 'bytesValue':
    case 'bytes_value':
      return BYTES;
    default:
      return NONE;
  }
}

/** Which oneof member an AnyValue object sets (the last one wins, as on the wire); its value in `memberValue`. */
let memberValue: unknown = undefined;
function anyValueMember(st: State, v: unknown): number {
  if (!isObj(v)) throw st.bad('attributes[].value', 'an AnyValue object', v);
  let kind = NONE;
  let val: unknown = undefined;
  for (const k in v) {
    const mk = memberKind(k);
    if (mk !== NONE) {
      const x = v[k];
      if (x !== null && x !== undefined) {
        kind = mk;
        val = x;
      }
    }
  }
  memberValue = val;
  return kind;
}

/** The `values` array of an ArrayValue / KeyValueList object. */
function valuesOf(st: State, v: unknown, where: string): unknown[] {
  const o = obj(st, v, where);
  const vals = o.values;
  if (vals === undefined || vals === null) return [];
  if (Array.isArray(vals)) return vals;
  throw st.bad(where + '.values', 'an array', vals);
}

function anyValueAttr(st: State, v: unknown, out: AttrList, key: string, depth: number): void {
  const kind = anyValueMember(st, v);
  const m = memberValue;
  switch (kind) {
    case STR:
      out.push(key, 'string', str(st, m, 'stringValue'));
      return;
    case INT:
      out.push(key, 'int', i64(st, m, 'intValue'));
      return;
    case DBL:
      out.push(key, 'double', dbl(st, m, 'doubleValue'));
      return;
    case BOOL:
      if (typeof m !== 'boolean') throw st.bad('boolValue', 'a boolean', m);
      out.push(key, 'bool', m);
      return;
    case BYTES:
      out.push(key, 'string', bytesB64(st, m, 'bytesValue'));
      return;
    case ARR:
      out.push(key, 'string', JSON.stringify(arrayJs(st, m, depth + 1)));
      return;
    case KV: {
      const entries = valuesOf(st, m, 'kvlistValue');
      for (let i = 0; i < entries.length; i++) keyValueAttr(st, entries[i], out, key, depth + 1);
      return;
    }
    default:
    // Empty AnyValue: no attribute.
  }
}

function anyValueJs(st: State, v: unknown, depth: number): AnyValue {
  if (depth > MAX_NESTING) throw new OtlpParseError('json: AnyValue nested too deep');
  const kind = anyValueMember(st, v);
  const m = memberValue;
  switch (kind) {
    case STR:
      return str(st, m, 'stringValue');
    case INT:
      return i64(st, m, 'intValue');
    case DBL:
      return dbl(st, m, 'doubleValue');
    case BOOL:
      if (typeof m !== 'boolean') throw st.bad('boolValue', 'a boolean', m);
      return m;
    case BYTES:
      return bytesB64(st, m, 'bytesValue');
    case ARR:
      return arrayJs(st, m, depth + 1);
    case KV: {
      const entries = valuesOf(st, m, 'kvlistValue');
      const o: { [key: string]: AnyValue } = {};
      for (let i = 0; i < entries.length; i++) keyValueJs(st, entries[i], o, depth + 1);
      return o;
    }
    default:
      return null;
  }
}

function arrayJs(st: State, v: unknown, depth: number): AnyValue[] {
  if (depth > MAX_NESTING) throw new OtlpParseError('json: AnyValue nested too deep');
  const vals = valuesOf(st, v, 'arrayValue');
  const out: AnyValue[] = new Array(vals.length);
  for (let i = 0; i < vals.length; i++) out[i] = anyValueJs(st, vals[i], depth + 1);
  return out;
}

/** One KeyValue into `o[key]` with its full structure; a missing value gives null. */
function keyValueJs(st: State, kvRaw: unknown, o: { [key: string]: AnyValue }, depth: number): void {
  const kv = obj(st, kvRaw, 'attributes[]');
  const key = str(st, kv.key, 'attributes[].key');
  const value = kv.value;
  setProp(o, key, value === undefined || value === null ? null : anyValueJs(st, value, depth + 1));
}
