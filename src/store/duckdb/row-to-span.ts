import { traceIdToHex, u64ToHex } from '../../model/ids.js';
import type { AttrScalar, Span, SpanEvent, SpanLink } from '../../model/span.js';
import type { Catalog } from './catalog.js';
import { ATTR_PREFIX } from './schema.js';

/** One `SELECT *` row of `spans` (node-api JS values) -> the edge `Span` type. */
export function rowToSpan(r: Record<string, unknown>, catalog: Catalog): Span {
  const attributes: Record<string, AttrScalar> = {};
  const resource: Record<string, AttrScalar> = {};
  for (const col in r) {
    if (!col.startsWith(ATTR_PREFIX)) continue;
    const v = r[col];
    if (v === null || v === undefined) continue;
    const key = catalog.keyOfColumn(col);
    if (key === undefined) continue; // added by a commit after this catalog was read
    const value = typeof v === 'bigint' ? Number(v) : (v as AttrScalar);
    if (catalog.get(key)?.origin === 'resource') resource[key] = value;
    else attributes[key] = value;
  }
  if (typeof r.attrs_overflow === 'string') Object.assign(attributes, JSON.parse(r.attrs_overflow) as Record<string, AttrScalar>);
  const parent = r.parent_id as bigint;
  const span: Span = {
    traceId: traceIdToHex(r.trace_hi as bigint, r.trace_lo as bigint),
    spanId: u64ToHex(r.span_id as bigint),
    parentSpanId: parent === 0n ? '' : u64ToHex(parent),
    traceState: String(r.trace_state ?? ''),
    dataset: String(r.dataset ?? ''),
    name: String(r.name ?? ''),
    kind: Number(r.kind) as Span['kind'],
    startUnixNano: r.start_ns as bigint,
    durationNano: r.duration_ns as bigint,
    statusCode: Number(r.status_code) as Span['statusCode'],
    statusMessage: String(r.status_message ?? ''),
    flags: Number(r.flags),
    scopeName: String(r.scope_name ?? ''),
    scopeVersion: String(r.scope_version ?? ''),
    attributes,
    resource,
    events: typeof r.events === 'string' ? (JSON.parse(r.events) as SpanEvent[]) : [],
    links: typeof r.links === 'string' ? (JSON.parse(r.links) as SpanLink[]) : [],
    droppedAttributesCount: Number(r.dropped_attrs),
    droppedEventsCount: Number(r.dropped_events),
    droppedLinksCount: Number(r.dropped_links),
    source: Number(r.source) as Span['source'],
  };
  if (typeof r.xray_doc === 'string') span.xrayDocument = r.xray_doc;
  return span;
}
