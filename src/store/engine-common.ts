import type { SpanBatch } from '../model/span-batch.js';
import { hexToTraceId, traceIdToHex, u64ToHex } from '../model/ids.js';
import type { AttrScalar, Span, SpanEvent, SpanLink } from '../model/span.js';

/**
 * What every engine does the same way around its SQL: the wide table's fixed columns to a `Span`,
 * Jaeger's synthesized tags as conditions on fixed columns, the overflow JSON of attributes past the
 * column cap, and trace-id conditions. Engines differ only in how values arrive and how strings are
 * quoted, which they pass in.
 */

export const KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/**
 * The fixed columns of a `spans` row -> `Span`. `big` turns a 64-bit column's value into a bigint
 * (DuckDB gives bigints; ClickHouse's JSON gives decimal strings).
 */
export function fixedRowToSpan(r: Record<string, unknown>, big: (v: unknown) => bigint, attributes: Record<string, AttrScalar>, resource: Record<string, AttrScalar>): Span {
  if (typeof r.attrs_overflow === 'string') Object.assign(attributes, JSON.parse(r.attrs_overflow) as Record<string, AttrScalar>);
  const parent = big(r.parent_id);
  const span: Span = {
    traceId: traceIdToHex(big(r.trace_hi), big(r.trace_lo)),
    spanId: u64ToHex(big(r.span_id)),
    parentSpanId: parent === 0n ? '' : u64ToHex(parent),
    traceState: String(r.trace_state ?? ''),
    dataset: String(r.dataset ?? ''),
    name: String(r.name ?? ''),
    kind: Number(r.kind) as Span['kind'],
    startUnixNano: big(r.start_ns),
    durationNano: big(r.duration_ns),
    statusCode: Number(r.status_code) as Span['statusCode'],
    statusMessage: String(r.status_message ?? ''),
    flags: Number(r.flags),
    scopeName: String(r.scope_name ?? ''),
    scopeVersion: String(r.scope_version ?? ''),
    attributes,
    resource,
    events: typeof r.events === 'string' && r.events !== '' ? (JSON.parse(r.events) as SpanEvent[]) : [],
    links: typeof r.links === 'string' && r.links !== '' ? (JSON.parse(r.links) as SpanLink[]) : [],
    droppedAttributesCount: Number(r.dropped_attrs),
    droppedEventsCount: Number(r.dropped_events),
    droppedLinksCount: Number(r.dropped_links),
    source: Number(r.source) as Span['source'],
  };
  if (typeof r.xray_doc === 'string') span.xrayDocument = r.xray_doc;
  return span;
}

/** Span kind and status names (as Jaeger tags write them) -> the stored codes. */
export const KINDS: Record<string, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
export const STATUS: Record<string, number> = { unset: 0, ok: 1, error: 2 };

/**
 * Tags Jaeger synthesizes from fixed fields, as conditions on those fields; undefined for any other
 * key (an attribute column). `quote` is the engine's string-literal quoting.
 */
export function fixedFieldTag(key: string, value: string, quote: (s: string) => string): string | undefined {
  const v = value.toLowerCase();
  switch (key) {
    case 'error':
      return v === 'true' ? 'status_code = 2' : 'status_code <> 2';
    case 'span.kind':
      return `kind = ${KINDS[v] ?? -1}`;
    case 'otel.status_code':
      return `status_code = ${STATUS[v] ?? -1}`;
    case 'otel.status_description':
      return `status_message = ${quote(value)}`;
    case 'otel.scope.name':
    case 'otel.library.name':
      return `scope_name = ${quote(value)}`;
    default:
      return undefined;
  }
}

/** Per row of `b`, the JSON object of its values for `keys` (the keys past the column cap), or null. */
export function overflowJson(b: SpanBatch, keys: readonly string[]): { json: (string | null)[]; count: number } {
  const rows: (Record<string, AttrScalar> | null)[] = new Array(b.length).fill(null);
  let count = 0;
  for (const key of keys) {
    const vals = b.attrs.get(key)?.values;
    if (!vals) continue;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i];
      if (v === undefined) continue;
      (rows[i] ??= {})[key] = v;
      count++;
    }
  }
  return { json: rows.map((r) => (r ? JSON.stringify(r) : null)), count };
}

/** `(trace_hi = .. AND trace_lo = ..) OR ...` for 32-hex ids (ids are validated, so no quoting). */
export function traceIdConditions(traceIds: readonly string[]): string {
  return traceIds.map((id) => {
    const [hi, lo] = hexToTraceId(id);
    return `(trace_hi = ${hi} AND trace_lo = ${lo})`;
  }).join(' OR ');
}

/** Spans grouped by trace id, in row order. */
export function groupByTrace(spans: Span[]): Record<string, Span[]> {
  const out: Record<string, Span[]> = {};
  for (const s of spans) (out[s.traceId] ??= []).push(s);
  return out;
}
