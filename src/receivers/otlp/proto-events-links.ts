/** OTLP/protobuf Span.Event and Span.Link messages as the JS objects a span keeps (field numbers: decode-proto.ts). */
import type { Attributes, SpanEvent, SpanLink } from '../../model/span.js';
import { bytesToHex } from '../../model/ids.js';
import { ZERO_SPAN_HEX, ZERO_TRACE_HEX } from './common.js';
import { decodeKeyValueJs } from './proto-attributes.js';
import { Tag } from './proto-tags.js';
import type { WireReader } from './wire-reader.js';

/** A Span.Event (the reader's limit is its end). */
export function decodeEvent(r: WireReader): SpanEvent {
  let time = 0n;
  let name = '';
  const attributes: Attributes = {};
  let dropped = 0;
  while (r.pos < r.limit) {
    const t = r.tag();
    switch (t) {
      case Tag.EVENT_TIME:
        time = r.fixed64();
        break;
      case Tag.LEN2:
        name = r.string();
        break;
      case Tag.LEN3: {
        const outer = r.enter();
        decodeKeyValueJs(r, attributes, 0);
        r.leave(outer);
        break;
      }
      case Tag.VARINT4:
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
export function decodeLink(r: WireReader): SpanLink | null {
  let traceId: Uint8Array | null = null;
  let spanId: Uint8Array | null = null;
  let traceState = '';
  const attributes: Attributes = {};
  let dropped = 0;
  let flags = 0;
  while (r.pos < r.limit) {
    const t = r.tag();
    switch (t) {
      case Tag.LEN1:
        traceId = r.bytes();
        break;
      case Tag.LEN2:
        spanId = r.bytes();
        break;
      case Tag.LEN3:
        traceState = r.string();
        break;
      case Tag.LEN4: {
        const outer = r.enter();
        decodeKeyValueJs(r, attributes, 0);
        r.leave(outer);
        break;
      }
      case Tag.VARINT5:
        dropped = r.uint32();
        break;
      case Tag.FIXED32_6:
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
