/**
 * OTLP/protobuf trace decoder: `ExportTraceServiceRequest` bytes -> `SpanBatch`, in one walk over the wire format
 * (see wire-reader.ts for why it is hand-written).
 *
 * Messages and field numbers (opentelemetry-proto v1.x: collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
 * common/v1/common.proto, resource/v1/resource.proto); their tags (`field << 3 | wireType`) are in proto-tags.ts.
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
 *
 * This file walks the request, resources, scopes and spans; KeyValue/AnyValue decoding is in proto-attributes.ts,
 * span events and links in proto-events-links.ts.
 */
import { SpanBatch } from '../../model/span-batch.js';
import { SpanSource } from '../../model/span.js';
import type { SpanEvent, SpanLink } from '../../model/span.js';
import {
  AttrList,
  RejectLog,
  clampKind,
  clampStatus,
  datasetFor,
  initialCapacity,
  type DecodeOptions,
  type DecodeResult,
} from './common.js';
import { OtlpParseError } from './errors.js';
import { decodeKeyValueAttr } from './proto-attributes.js';
import { decodeEvent, decodeLink } from './proto-events-links.js';
import { Tag } from './proto-tags.js';
import { WireReader } from './wire-reader.js';

export type { DecodeOptions, DecodeResult } from './common.js';

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
      if (t === Tag.LEN1) {
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
    if (t === Tag.LEN1) {
      const outer = r.enter();
      while (r.pos < r.limit) {
        const t2 = r.tag();
        if (t2 === Tag.LEN1) {
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
    if (t === Tag.LEN2) {
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
    if (t === Tag.LEN1) {
      const outer = r.enter();
      while (r.pos < r.limit) {
        const t2 = r.tag();
        if (t2 === Tag.LEN1) st.scopeName = r.string();
        else if (t2 === Tag.LEN2) st.scopeVersion = r.string();
        else if (t2 === Tag.LEN3) {
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
    if (t === Tag.LEN2) {
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
      case Tag.SPAN_ATTRS: {
        const outer = r.enter();
        decodeKeyValueAttr(r, attrs, '', 0);
        r.leave(outer);
        break;
      }
      case Tag.LEN1:
        traceLen = r.len();
        traceOff = r.pos;
        r.pos += traceLen;
        break;
      case Tag.LEN2:
        spanLen = r.len();
        spanOff = r.pos;
        r.pos += spanLen;
        break;
      case Tag.LEN3:
        traceState = r.string();
        break;
      case Tag.LEN4:
        parentLen = r.len();
        parentOff = r.pos;
        r.pos += parentLen;
        break;
      case Tag.LEN5:
        name = r.string();
        break;
      case Tag.SPAN_KIND:
        kind = r.uint32();
        break;
      case Tag.SPAN_START:
        start = r.fixed64();
        break;
      case Tag.SPAN_END:
        end = r.fixed64();
        break;
      case Tag.SPAN_DROPPED_ATTRS:
        droppedAttrs = r.uint32();
        break;
      case Tag.SPAN_EVENTS: {
        const outer = r.enter();
        (events ??= []).push(decodeEvent(r));
        r.leave(outer);
        break;
      }
      case Tag.SPAN_DROPPED_EVENTS:
        droppedEvents = r.uint32();
        break;
      case Tag.SPAN_LINKS: {
        const outer = r.enter();
        const link = decodeLink(r);
        if (link !== null) (links ??= []).push(link);
        else badLinks++;
        r.leave(outer);
        break;
      }
      case Tag.SPAN_DROPPED_LINKS:
        droppedLinks = r.uint32();
        break;
      case Tag.SPAN_STATUS: {
        const outer = r.enter();
        while (r.pos < r.limit) {
          const t2 = r.tag();
          if (t2 === Tag.LEN2) statusMessage = r.string();
          else if (t2 === Tag.VARINT3) statusCode = r.uint32();
          else r.skip(t2);
        }
        r.leave(outer);
        break;
      }
      case Tag.SPAN_FLAGS:
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
