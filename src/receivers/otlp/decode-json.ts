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
 *
 * This file walks the request, resources, scopes and spans; typed value reads are in json-fields.ts, hex ids in
 * json-ids.ts, KeyValue/AnyValue decoding in json-attributes.ts, span events and links in json-events-links.ts.
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
import { keyValueAttr } from './json-attributes.js';
import { decodeEvent, decodeLink } from './json-events-links.js';
import { JsonLocation, arr, enumValue, field, isObj, obj, optObj, str, u32, u64, type Obj } from './json-fields.js';
import { hexU64, hexZero } from './json-ids.js';

export type { DecodeOptions, DecodeResult } from './common.js';

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

/** Per-request state; the location (JsonLocation) names the span in errors. */
class State extends JsonLocation {
  readonly batch: SpanBatch;
  readonly rejects = new RejectLog();
  spanIndex = 0;
  readonly resAttrs = new AttrList();
  readonly baseAttrs = new AttrList();
  readonly spanAttrs = new AttrList();

  constructor(
    readonly opts: DecodeOptions,
    bytes: number,
  ) {
    super();
    this.batch = new SpanBatch(initialCapacity(bytes, 700));
  }
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
