/** OTLP/JSON span events and links as the JS objects a span keeps. */
import type { Attributes, SpanEvent, SpanLink } from '../../model/span.js';
import { ZERO_SPAN_HEX, ZERO_TRACE_HEX } from './common.js';
import { keyValueJs } from './json-attributes.js';
import { JsonLocation, arr, field, str, u32, u64, type Obj } from './json-fields.js';
import { isHex } from './json-ids.js';

/** A span event object. */
export function decodeEvent(st: JsonLocation, ev: Obj): SpanEvent {
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
export function decodeLink(st: JsonLocation, ln: Obj): SpanLink | null {
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
