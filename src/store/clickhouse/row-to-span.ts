import { traceIdToHex, u64ToHex } from '../../model/ids.js';
import type { AttrScalar, Span, SpanEvent, SpanLink } from '../../model/span.js';
import type { ChColumn } from './catalog.js';

/**
 * One `SELECT *` row of `spans_data` as JSONEachRow (64-bit integers as decimal strings) -> `Span`.
 * `byColumn` maps physical attribute column names to their catalog entries.
 */
export function rowToSpan(r: Record<string, unknown>, byColumn: ReadonlyMap<string, ChColumn>): Span {
  const attributes: Record<string, AttrScalar> = {};
  const resource: Record<string, AttrScalar> = {};
  for (const [column, c] of byColumn) {
    const v = r[column];
    if (v === null || v === undefined) continue;
    const value = c.type === 'bool' ? Boolean(Number(v)) : c.type === 'string' ? String(v) : Number(v);
    if (c.origin === 'resource') resource[c.key] = value;
    else attributes[c.key] = value;
  }
  if (typeof r.attrs_overflow === 'string') Object.assign(attributes, JSON.parse(r.attrs_overflow) as Record<string, AttrScalar>);
  const parent = BigInt(r.parent_id as string);
  const span: Span = {
    traceId: traceIdToHex(BigInt(r.trace_hi as string), BigInt(r.trace_lo as string)),
    spanId: u64ToHex(BigInt(r.span_id as string)),
    parentSpanId: parent === 0n ? '' : u64ToHex(parent),
    traceState: String(r.trace_state ?? ''),
    dataset: String(r.dataset ?? ''),
    name: String(r.name ?? ''),
    kind: Number(r.kind) as Span['kind'],
    startUnixNano: BigInt(r.start_ns as string),
    durationNano: BigInt(r.duration_ns as string),
    statusCode: Number(r.status_code) as Span['statusCode'],
    statusMessage: String(r.status_message ?? ''),
    flags: Number(r.flags),
    scopeName: String(r.scope_name ?? ''),
    scopeVersion: String(r.scope_version ?? ''),
    attributes,
    resource,
    events: r.events ? (JSON.parse(r.events as string) as SpanEvent[]) : [],
    links: r.links ? (JSON.parse(r.links as string) as SpanLink[]) : [],
    droppedAttributesCount: Number(r.dropped_attrs),
    droppedEventsCount: Number(r.dropped_events),
    droppedLinksCount: Number(r.dropped_links),
    source: Number(r.source) as Span['source'],
  };
  if (typeof r.xray_doc === 'string') span.xrayDocument = r.xray_doc;
  return span;
}
