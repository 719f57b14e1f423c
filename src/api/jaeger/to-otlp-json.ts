import type { AnyValue, AttrScalar, Span } from '../../model/span.js';

/**
 * Spans as OTLP/JSON `TracesData` (the shape Jaeger's api_v3 answers inside `{"result": ...}`): one
 * ResourceSpans per (service, resource attributes), one ScopeSpans per scope; ids hex, times as
 * decimal strings, enums as numbers (protojson as the OTLP spec asks of JSON encoders).
 */
export interface OtlpJsonTraces {
  resourceSpans: {
    resource: { attributes: OtlpKeyValue[] };
    scopeSpans: { scope: { name: string; version?: string }; spans: Record<string, unknown>[] }[];
  }[];
}
export interface OtlpKeyValue { key: string; value: Record<string, unknown> }

export function anyValue(v: AnyValue | AttrScalar): Record<string, unknown> {
  if (v === null) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  return { kvlistValue: { values: keyValues(v) } };
}

function keyValues(attrs: Record<string, AnyValue | AttrScalar>): OtlpKeyValue[] {
  return Object.entries(attrs).map(([key, v]) => ({ key, value: anyValue(v) }));
}

export function toOtlpJson(spans: readonly Span[]): OtlpJsonTraces {
  const resources = new Map<string, OtlpJsonTraces['resourceSpans'][number]>();
  const scopes = new Map<string, OtlpJsonTraces['resourceSpans'][number]['scopeSpans'][number]>();
  for (const s of spans) {
    const resKey = s.dataset + '\u0000' + JSON.stringify(s.resource);
    let rs = resources.get(resKey);
    if (!rs) {
      const attrs = { ...s.resource };
      if (s.dataset && attrs['service.name'] === undefined) attrs['service.name'] = s.dataset;
      rs = { resource: { attributes: keyValues(attrs) }, scopeSpans: [] };
      resources.set(resKey, rs);
    }
    const scopeKey = resKey + '\u0000' + s.scopeName + '\u0000' + s.scopeVersion;
    let ss = scopes.get(scopeKey);
    if (!ss) {
      ss = { scope: { name: s.scopeName, ...(s.scopeVersion ? { version: s.scopeVersion } : {}) }, spans: [] };
      scopes.set(scopeKey, ss);
      rs.scopeSpans.push(ss);
    }
    ss.spans.push({
      traceId: s.traceId,
      spanId: s.spanId,
      ...(s.traceState ? { traceState: s.traceState } : {}),
      ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
      ...(s.flags ? { flags: s.flags } : {}),
      name: s.name,
      kind: s.kind,
      startTimeUnixNano: String(s.startUnixNano),
      endTimeUnixNano: String(s.startUnixNano + s.durationNano),
      attributes: keyValues(s.attributes),
      ...(s.droppedAttributesCount ? { droppedAttributesCount: s.droppedAttributesCount } : {}),
      events: s.events.map((e) => ({ timeUnixNano: e.timeUnixNano, name: e.name, attributes: keyValues(e.attributes), ...dropped(e) })),
      links: s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, ...(l.traceState ? { traceState: l.traceState } : {}), attributes: keyValues(l.attributes), ...dropped(l) })),
      status: { ...(s.statusMessage ? { message: s.statusMessage } : {}), ...(s.statusCode ? { code: s.statusCode } : {}) },
    });
  }
  return { resourceSpans: [...resources.values()] };
}

/** An event's or link's `droppedAttributesCount`, left out when 0 (protojson leaves defaults out). */
function dropped(x: { droppedAttributesCount?: number }): { droppedAttributesCount?: number } {
  return x.droppedAttributesCount ? { droppedAttributesCount: x.droppedAttributesCount } : {};
}
