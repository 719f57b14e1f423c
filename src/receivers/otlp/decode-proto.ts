/**
 * OTLP/protobuf trace decoder: `ExportTraceServiceRequest` bytes -> `SpanBatch`, in one walk over the wire format
 * (see wire-reader.ts for why it is hand-written).
 *
 * Messages and field numbers (opentelemetry-proto v1.x: collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
 * common/v1/common.proto, resource/v1/resource.proto). Tags below are `field << 3 | wireType`.
 *
 *   ExportTraceServiceRequest  1 resource_spans (repeated ResourceSpans)
 *   ResourceSpans              1 resource, 2 scope_spans (repeated), 3 schema_url (ignored)
 *   Resource                   1 attributes (repeated KeyValue), 2 dropped_attributes_count (ignored),
 *                              3 entity_refs (skipped)
 *   ScopeSpans                 1 scope, 2 spans (repeated), 3 schema_url (ignored)
 *   InstrumentationScope       1 name, 2 version, 3 attributes, 4 dropped_attributes_count (ignored)
 *   Span                       1 trace_id, 2 span_id, 3 trace_state, 4 parent_span_id, 5 name, 6 kind,
 *                              7 start_time_unix_nano (fixed64), 8 end_time_unix_nano (fixed64), 9 attributes,
 *                              10 dropped_attributes_count, 11 events, 12 dropped_events_count, 13 links,
 *                              14 dropped_links_count, 15 status, 16 flags (fixed32)
 *   Span.Event                 1 time_unix_nano (fixed64), 2 name, 3 attributes, 4 dropped_attributes_count
 *   Span.Link                  1 trace_id, 2 span_id, 3 trace_state, 4 attributes, 5 dropped_attributes_count,
 *                              6 flags (fixed32)
 *   Status                     2 message, 3 code (1 is reserved)
 *   KeyValue                   1 key, 2 value (3 key_strindex: profiles only, skipped)
 *   AnyValue (oneof)           1 string, 2 bool, 3 int (int64), 4 double, 5 array, 6 kvlist, 7 bytes
 *                              (8 string_value_strindex: profiles only, skipped -> empty value)
 *   ArrayValue / KeyValueList  1 values (repeated)
 *
 * Fields may arrive in any order and several times (last one wins, messages merge), as protobuf allows: the
 * resource and the scope are found first, and a span's fields are collected before the span is validated, so a
 * rejected span never touches the batch.
 */
import { SpanBatch } from '../../model/span-batch.js';
import { SpanSource } from '../../model/span.js';
import type { AnyValue, Attributes, SpanEvent, SpanLink } from '../../model/span.js';
import { bytesToHex } from '../../model/ids.js';
import {
  AttrList,
  MAX_KVLIST_DEPTH,
  MAX_NESTING,
  RejectLog,
  ZERO_SPAN_HEX,
  ZERO_TRACE_HEX,
  base64,
  clampKind,
  clampStatus,
  datasetFor,
  initialCapacity,
  setProp,
  type DecodeOptions,
  type DecodeResult,
} from './common.js';
import { OtlpParseError } from './errors.js';
import { WireReader } from './wire-reader.js';

export type { DecodeOptions, DecodeResult } from './common.js';

// Tags (field << 3 | wire type).
const LEN1 = 0x0a;
const LEN2 = 0x12;
const LEN3 = 0x1a;
const LEN4 = 0x22;
const LEN5 = 0x2a;
const LEN6 = 0x32;
const LEN7 = 0x3a;
const SPAN_KIND = 0x30;
const SPAN_START = 0x39;
const SPAN_END = 0x41;
const SPAN_ATTRS = 0x4a;
const SPAN_DROPPED_ATTRS = 0x50;
const SPAN_EVENTS = 0x5a;
const SPAN_DROPPED_EVENTS = 0x60;
const SPAN_LINKS = 0x6a;
const SPAN_DROPPED_LINKS = 0x70;
const SPAN_STATUS = 0x7a;
const SPAN_FLAGS = (16 << 3) | 5;
const EVENT_TIME = 0x09;
const VARINT2 = 0x10;
const VARINT3 = 0x18;
const VARINT4 = 0x20;
const VARINT5 = 0x28;
const FIXED32_6 = 0x35;
const ANY_DOUBLE = 0x21;

// AnyValue kinds.
const NONE = 0;
const STR = 1;
const BOOL = 2;
const INT = 3;
const DBL = 4;
const ARR = 5;
const KV = 6;
const BYTES = 7;

/** Per-request state. */
class State {
  readonly batch: SpanBatch;
  readonly rejects = new RejectLog();
  spanIndex = 0;
  /** Resource attributes of the current ResourceSpans. */
  readonly resAttrs = new AttrList();
  /** Resource + scope attributes of the current ScopeSpans. */
  readonly baseAttrs = new AttrList();
  /** Attributes of the span being decoded. */
  readonly spanAttrs = new AttrList();
  scopeName = '';
  scopeVersion = '';

  constructor(
    readonly r: WireReader,
    readonly opts: DecodeOptions,
  ) {
    this.batch = new SpanBatch(initialCapacity(r.buf.length, 300));
  }
}

/**
 * Decodes an OTLP/protobuf `ExportTraceServiceRequest`. Throws `OtlpParseError` when the bytes are not a valid
 * protobuf message; spans with invalid ids are left out and counted in `rejected`.
 */
export function decodeOtlpProto(body: Uint8Array, opts: DecodeOptions = {}): DecodeResult {
  const r = new WireReader(body);
  const st = new State(r, opts);
  try {
    while (r.pos < r.limit) {
      const t = r.tag();
      if (t === LEN1) {
        const outer = r.enter();
        decodeResourceSpans(st);
        r.leave(outer);
      } else r.skip(t);
    }
  } catch (e) {
    // Only a pathological nesting could overflow the stack; report it as what it is, malformed input.
    if (e instanceof RangeError) throw new OtlpParseError(`proto: cannot parse invalid wire-format data (${e.message})`);
    throw e;
  }
  return { batch: st.batch, rejected: st.rejects.count, rejectMessage: st.rejects.message() };
}

function decodeResourceSpans(st: State): void {
  const r = st.r;
  const start = r.pos;
  const res = st.resAttrs;
  res.clear();
  // Pass 1: the resource (it may come after the spans on the wire).
  while (r.pos < r.limit) {
    const t = r.tag();
    if (t === LEN1) {
      const outer = r.enter();
      while (r.pos < r.limit) {
        const t2 = r.tag();
        if (t2 === LEN1) {
          const o2 = r.enter();
          decodeKeyValueAttr(r, res, '', 0);
          r.leave(o2);
        } else r.skip(t2); // dropped_attributes_count, entity_refs
      }
      r.leave(outer);
    } else r.skip(t);
  }
  const dataset = datasetFor(st.opts, res.get('service.name'));
  // Pass 2: the scopes and their spans.
  const rowsBefore = st.batch.length;
  r.pos = start;
  while (r.pos < r.limit) {
    const t = r.tag();
    if (t === LEN2) {
      const outer = r.enter();
      decodeScopeSpans(st, dataset);
      r.leave(outer);
    } else r.skip(t); // resource (done), schema_url
  }
  if (st.batch.length > rowsBefore) for (let i = 0; i < res.n; i++) st.batch.resourceKeys.add(res.keys[i]!);
}

function decodeScopeSpans(st: State, dataset: string): void {
  const r = st.r;
  const start = r.pos;
  const base = st.baseAttrs;
  base.copyFrom(st.resAttrs);
  st.scopeName = '';
  st.scopeVersion = '';
  // Pass 1: the scope.
  while (r.pos < r.limit) {
    const t = r.tag();
    if (t === LEN1) {
      const outer = r.enter();
      while (r.pos < r.limit) {
        const t2 = r.tag();
        if (t2 === LEN1) st.scopeName = r.string();
        else if (t2 === LEN2) st.scopeVersion = r.string();
        else if (t2 === LEN3) {
          const o2 = r.enter();
          decodeKeyValueAttr(r, base, '', 0);
          r.leave(o2);
        } else r.skip(t2);
      }
      r.leave(outer);
    } else r.skip(t);
  }
  // Pass 2: the spans.
  r.pos = start;
  while (r.pos < r.limit) {
    const t = r.tag();
    if (t === LEN2) {
      const outer = r.enter();
      decodeSpan(st, dataset);
      r.leave(outer);
    } else r.skip(t);
  }
}

function decodeSpan(st: State, dataset: string): void {
  const r = st.r;
  const buf = r.buf;
  const index = st.spanIndex++;
  const attrs = st.spanAttrs;
  attrs.clear();
  let traceOff = 0;
  let traceLen = 0;
  let spanOff = 0;
  let spanLen = 0;
  let parentOff = 0;
  let parentLen = 0;
  let traceState = '';
  let name = '';
  let kind = 0;
  let start = 0n;
  let end = 0n;
  let droppedAttrs = 0;
  let droppedEvents = 0;
  let droppedLinks = 0;
  let flags = 0;
  let statusCode = 0;
  let statusMessage = '';
  let events: SpanEvent[] | null = null;
  let links: SpanLink[] | null = null;
  let badLinks = 0;

  while (r.pos < r.limit) {
    const t = r.tag();
    switch (t) {
      case SPAN_ATTRS: {
        const outer = r.enter();
        decodeKeyValueAttr(r, attrs, '', 0);
        r.leave(outer);
        break;
      }
      case LEN1:
        traceLen = r.len();
        traceOff = r.pos;
        r.pos += traceLen;
        break;
      case LEN2:
        spanLen = r.len();
        spanOff = r.pos;
        r.pos += spanLen;
        break;
      case LEN3:
        traceState = r.string();
        break;
      case LEN4:
        parentLen = r.len();
        parentOff = r.pos;
        r.pos += parentLen;
        break;
      case LEN5:
        name = r.string();
        break;
      case SPAN_KIND:
        kind = r.uint32();
        break;
      case SPAN_START:
        start = r.fixed64();
        break;
      case SPAN_END:
        end = r.fixed64();
        break;
      case SPAN_DROPPED_ATTRS:
        droppedAttrs = r.uint32();
        break;
      case SPAN_EVENTS: {
        const outer = r.enter();
        (events ??= []).push(decodeEvent(r));
        r.leave(outer);
        break;
      }
      case SPAN_DROPPED_EVENTS:
        droppedEvents = r.uint32();
        break;
      case SPAN_LINKS: {
        const outer = r.enter();
        const link = decodeLink(r);
        if (link !== null) (links ??= []).push(link);
        else badLinks++;
        r.leave(outer);
        break;
      }
      case SPAN_DROPPED_LINKS:
        droppedLinks = r.uint32();
        break;
      case SPAN_STATUS: {
        const outer = r.enter();
        while (r.pos < r.limit) {
          const t2 = r.tag();
          if (t2 === LEN2) statusMessage = r.string();
          else if (t2 === VARINT3) statusCode = r.uint32();
          else r.skip(t2);
        }
        r.leave(outer);
        break;
      }
      case SPAN_FLAGS:
        flags = r.fixed32();
        break;
      default:
        r.skip(t);
    }
  }

  // Validate the ids before the span touches the batch.
  let why: string | null = null;
  if (traceLen !== 16) why = 'invalid trace_id (want 16 bytes)';
  else if (allZero(buf, traceOff, 16)) why = 'invalid trace_id (all zero)';
  else if (spanLen !== 8) why = 'invalid span_id (want 8 bytes)';
  else if (allZero(buf, spanOff, 8)) why = 'invalid span_id (all zero)';
  else if (parentLen !== 0 && parentLen !== 8) why = 'invalid parent_span_id (want 8 bytes or empty)';
  if (why !== null) {
    st.rejects.add(index, why);
    return;
  }

  const b = st.batch;
  const row = b.addRow();
  const dv = r.view;
  b.traceHi[row] = dv.getBigInt64(traceOff, false);
  b.traceLo[row] = dv.getBigInt64(traceOff + 8, false);
  b.spanId[row] = dv.getBigInt64(spanOff, false);
  b.parentId[row] = parentLen === 8 ? dv.getBigInt64(parentOff, false) : 0n;
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
  b.scopeName[row] = st.scopeName;
  b.scopeVersion[row] = st.scopeVersion;
  b.events[row] = events;
  b.links[row] = links;
  st.baseAttrs.applyTo(b, row);
  attrs.applyTo(b, row);
}

function allZero(buf: Uint8Array, off: number, n: number): boolean {
  for (let i = off, e = off + n; i < e; i++) if (buf[i] !== 0) return false;
  return true;
}

function decodeEvent(r: WireReader): SpanEvent {
  let time = 0n;
  let name = '';
  const attributes: Attributes = {};
  let dropped = 0;
  while (r.pos < r.limit) {
    const t = r.tag();
    switch (t) {
      case EVENT_TIME:
        time = r.fixed64();
        break;
      case LEN2:
        name = r.string();
        break;
      case LEN3: {
        const outer = r.enter();
        decodeKeyValueJs(r, attributes, 0);
        r.leave(outer);
        break;
      }
      case VARINT4:
        dropped = r.uint32();
        break;
      default:
        r.skip(t);
    }
  }
  const ev: SpanEvent = { timeUnixNano: time.toString(), name, attributes };
  if (dropped !== 0) ev.droppedAttributesCount = dropped;
  return ev;
}

/**
 * A link, or null when its ids have impossible lengths (the span keeps its other links and counts this one in
 * dropped_links_count). Empty ids become all-zero hex: OTel records links to invalid contexts when they carry
 * attributes or a trace state.
 */
function decodeLink(r: WireReader): SpanLink | null {
  let traceId: Uint8Array | null = null;
  let spanId: Uint8Array | null = null;
  let traceState = '';
  const attributes: Attributes = {};
  let dropped = 0;
  let flags = 0;
  while (r.pos < r.limit) {
    const t = r.tag();
    switch (t) {
      case LEN1:
        traceId = r.bytes();
        break;
      case LEN2:
        spanId = r.bytes();
        break;
      case LEN3:
        traceState = r.string();
        break;
      case LEN4: {
        const outer = r.enter();
        decodeKeyValueJs(r, attributes, 0);
        r.leave(outer);
        break;
      }
      case VARINT5:
        dropped = r.uint32();
        break;
      case FIXED32_6:
        flags = r.fixed32();
        break;
      default:
        r.skip(t);
    }
  }
  const tl = traceId === null ? 0 : traceId.length;
  const sl = spanId === null ? 0 : spanId.length;
  if ((tl !== 0 && tl !== 16) || (sl !== 0 && sl !== 8)) return null;
  const link: SpanLink = {
    traceId: tl === 0 ? ZERO_TRACE_HEX : bytesToHex(traceId!),
    spanId: sl === 0 ? ZERO_SPAN_HEX : bytesToHex(spanId!),
    attributes,
  };
  if (traceState !== '') link.traceState = traceState;
  if (dropped !== 0) link.droppedAttributesCount = dropped;
  if (flags !== 0) link.flags = flags;
  return link;
}

/**
 * One KeyValue (the reader's limit is its end) as scalar column attributes: scalars as they are, kvlists flattened
 * with `.` (MAX_KVLIST_DEPTH levels, deeper values as JSON text), arrays as JSON text, bytes as base64. Entries
 * with an empty key (top level only) or no value are ignored, as Honeycomb does.
 */
function decodeKeyValueAttr(r: WireReader, out: AttrList, prefix: string, depth: number): void {
  let key = '';
  let vStart = -1;
  let vLen = 0;
  while (r.pos < r.limit) {
    const t = r.tag();
    if (t === LEN1) key = r.string();
    else if (t === LEN2) {
      vLen = r.len();
      vStart = r.pos;
      r.pos += vLen;
    } else r.skip(t);
  }
  if (vStart < 0) return;
  if (depth === 0) {
    if (key === '') return;
  } else key = prefix + '.' + key;
  const end = r.limit;
  r.pos = vStart;
  r.limit = vStart + vLen;
  if (depth <= MAX_KVLIST_DEPTH) decodeAnyValueAttr(r, out, key, depth);
  else {
    const v = decodeAnyValueJs(r, depth);
    out.push(key, 'string', JSON.stringify(v));
  }
  r.pos = end;
  r.limit = end;
}

/** AnyValue (reader limited to it) as column attribute(s) named `key`. */
function decodeAnyValueAttr(r: WireReader, out: AttrList, key: string, depth: number): void {
  let kind = NONE;
  let s = '';
  let num = 0;
  let bool = false;
  let subStart = 0;
  let subLen = 0;
  while (r.pos < r.limit) {
    const t = r.tag();
    switch (t) {
      case LEN1:
        kind = STR;
        s = r.string();
        break;
      case VARINT2:
        kind = BOOL;
        bool = r.bool();
        break;
      case VARINT3:
        kind = INT;
        num = r.int64();
        break;
      case ANY_DOUBLE:
        kind = DBL;
        num = r.double();
        break;
      case LEN5:
      case LEN6:
      case LEN7:
        kind = t >>> 3;
        subLen = r.len();
        subStart = r.pos;
        r.pos += subLen;
        break;
      default:
        r.skip(t);
    }
  }
  switch (kind) {
    case STR:
      out.push(key, 'string', s);
      return;
    case INT:
      out.push(key, 'int', num);
      return;
    case DBL:
      out.push(key, 'double', num);
      return;
    case BOOL:
      out.push(key, 'bool', bool);
      return;
    case BYTES:
      out.push(key, 'string', base64(r.buf.subarray(subStart, subStart + subLen)));
      return;
    case ARR: {
      const end = r.limit;
      r.pos = subStart;
      r.limit = subStart + subLen;
      out.push(key, 'string', JSON.stringify(decodeArrayJs(r, depth + 1)));
      r.pos = r.limit = end;
      return;
    }
    case KV: {
      // Flatten: every entry becomes `key.entry` one level deeper.
      const end = r.limit;
      r.pos = subStart;
      r.limit = subStart + subLen;
      while (r.pos < r.limit) {
        const t = r.tag();
        if (t === LEN1) {
          const outer = r.enter();
          decodeKeyValueAttr(r, out, key, depth + 1);
          r.leave(outer);
        } else r.skip(t);
      }
      r.pos = r.limit = end;
      return;
    }
    default:
    // An empty AnyValue: no attribute.
  }
}

/** AnyValue (reader limited to it) as a JS value: the full structure, for events, links and JSON text. */
function decodeAnyValueJs(r: WireReader, depth: number): AnyValue {
  if (depth > MAX_NESTING) throw new OtlpParseError('proto: cannot parse invalid wire-format data (AnyValue nested too deep)');
  let v: AnyValue = null;
  while (r.pos < r.limit) {
    const t = r.tag();
    switch (t) {
      case LEN1:
        v = r.string();
        break;
      case VARINT2:
        v = r.bool();
        break;
      case VARINT3:
        v = r.int64();
        break;
      case ANY_DOUBLE:
        v = r.double();
        break;
      case LEN5: {
        const outer = r.enter();
        v = decodeArrayJs(r, depth + 1);
        r.leave(outer);
        break;
      }
      case LEN6: {
        const outer = r.enter();
        const obj: { [key: string]: AnyValue } = {};
        while (r.pos < r.limit) {
          const t2 = r.tag();
          if (t2 === LEN1) {
            const o2 = r.enter();
            decodeKeyValueJs(r, obj, depth + 1);
            r.leave(o2);
          } else r.skip(t2);
        }
        v = obj;
        r.leave(outer);
        break;
      }
      case LEN7:
        v = base64(r.bytes());
        break;
      default:
        r.skip(t);
    }
  }
  return v;
}

/** ArrayValue (reader limited to it) as a JS array. */
function decodeArrayJs(r: WireReader, depth: number): AnyValue[] {
  if (depth > MAX_NESTING) throw new OtlpParseError('proto: cannot parse invalid wire-format data (AnyValue nested too deep)');
  const arr: AnyValue[] = [];
  while (r.pos < r.limit) {
    const t = r.tag();
    if (t === LEN1) {
      const outer = r.enter();
      arr.push(decodeAnyValueJs(r, depth + 1));
      r.leave(outer);
    } else r.skip(t);
  }
  return arr;
}

/** One KeyValue (reader limited to it) into `obj[key]`; a KeyValue without a value gives null. */
function decodeKeyValueJs(r: WireReader, obj: { [key: string]: AnyValue }, depth: number): void {
  let key = '';
  let v: AnyValue = null;
  while (r.pos < r.limit) {
    const t = r.tag();
    if (t === LEN1) key = r.string();
    else if (t === LEN2) {
      const outer = r.enter();
      v = decodeAnyValueJs(r, depth + 1);
      r.leave(outer);
    } else r.skip(t);
  }
  setProp(obj, key, v);
}
