import { dedupeSharedSpanIds } from '../../model/shared-span-ids.js';
import { SPAN_KIND_NAMES, type AnyValue, type AttrScalar, type Span, type SpanEvent } from '../../model/span.js';

/** Jaeger's JSON model (jaeger-ui `src/types/trace.tsx`, the query service's `/api/traces` answers). */
export interface JaegerKeyValue { key: string; type: 'string' | 'bool' | 'int64' | 'float64'; value: string | number | boolean }
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  startTime: number;
  duration: number;
  tags: JaegerKeyValue[];
  logs: { timestamp: number; fields: JaegerKeyValue[] }[];
  processID: string;
  warnings: string[] | null;
  flags: number;
}
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerKeyValue[] }>;
  warnings: string[] | null;
}

/** Jaeger prints a trace id with a zero high half as 16 hex chars. */
export function jaegerTraceId(hex: string): string {
  return hex.startsWith('0000000000000000') ? hex.slice(16) : hex;
}

export function toJaegerTrace(spans: Span[]): JaegerTrace {
  const processes: JaegerTrace['processes'] = {};
  const processIds = new Map<string, string>();
  const traceID = jaegerTraceId(spans[0]!.traceId);
  const spanIds = spans.map((s) => s.spanId);
  const parentIds = spans.map((s) => s.parentSpanId ?? '');
  dedupeSharedSpanIds(spanIds, parentIds, spans.map((s) => s.kind)); // Zipkin shared spans, as Jaeger's query service shows them
  const ids = new Set(spanIds);
  const out: JaegerSpan[] = spans.map((s, i) => {
    const spanID = spanIds[i]!;
    const parentSpanId = parentIds[i]!;
    const procKey = s.dataset + '\u0000' + JSON.stringify(s.resource);
    let pid = processIds.get(procKey);
    if (!pid) {
      pid = `p${processIds.size + 1}`;
      processIds.set(procKey, pid);
      processes[pid] = { serviceName: s.dataset, tags: toTags(s.resource) };
    }
    const references: JaegerSpan['references'] = [];
    if (parentSpanId) references.push({ refType: 'CHILD_OF', traceID: jaegerTraceId(s.traceId), spanID: parentSpanId });
    for (const l of s.links) references.push({ refType: 'FOLLOWS_FROM', traceID: jaegerTraceId(l.traceId), spanID: l.spanId });
    const warnings: string[] = [];
    if (parentSpanId && !ids.has(parentSpanId)) warnings.push(`invalid parent span IDs=${parentSpanId}; skipping clock skew adjustment`);
    return {
      traceID: jaegerTraceId(s.traceId),
      spanID,
      operationName: s.name,
      references,
      startTime: Number(s.startUnixNano / 1000n),
      duration: Number(s.durationNano / 1000n),
      tags: [...toTags(s.attributes), ...fixedTags(s)],
      logs: jaegerLogs(s.events),
      processID: pid,
      warnings: warnings.length ? warnings : null,
      flags: s.flags & 0xff,
    };
  });
  return { traceID, spans: out, processes, warnings: null };
}

/** Span events as Jaeger logs: an `event` field with the name, then the attributes. */
export function jaegerLogs(events: SpanEvent[]): JaegerSpan['logs'] {
  return events.map((e) => ({
    timestamp: Number(BigInt(e.timeUnixNano) / 1000n),
    fields: [{ key: 'event', type: 'string', value: e.name }, ...toTags(flatten(e.attributes))],
  }));
}

/** The tags Jaeger's OTLP translator adds for fields OTel has outside attributes. */
function fixedTags(s: Span): JaegerKeyValue[] {
  const t: JaegerKeyValue[] = [];
  if (s.kind !== 0) t.push({ key: 'span.kind', type: 'string', value: SPAN_KIND_NAMES[s.kind] });
  if (s.statusCode === 1) t.push({ key: 'otel.status_code', type: 'string', value: 'OK' });
  if (s.statusCode === 2) {
    t.push({ key: 'otel.status_code', type: 'string', value: 'ERROR' });
    t.push({ key: 'error', type: 'bool', value: true });
  }
  if (s.statusMessage) t.push({ key: 'otel.status_description', type: 'string', value: s.statusMessage });
  if (s.scopeName) t.push({ key: 'otel.scope.name', type: 'string', value: s.scopeName });
  if (s.scopeVersion) t.push({ key: 'otel.scope.version', type: 'string', value: s.scopeVersion });
  if (s.traceState) t.push({ key: 'w3c.tracestate', type: 'string', value: s.traceState });
  return t;
}

export function toTags(attrs: Record<string, AttrScalar>): JaegerKeyValue[] {
  return Object.entries(attrs).map(([key, v]) => {
    if (typeof v === 'boolean') return { key, type: 'bool', value: v };
    if (typeof v === 'number') return Number.isInteger(v) ? { key, type: 'int64', value: v } : { key, type: 'float64', value: v };
    return { key, type: 'string', value: String(v) };
  });
}

/** Event attributes keep their AnyValue shape; Jaeger fields are flat: nested values become JSON. */
function flatten(attrs: Record<string, AnyValue>): Record<string, AttrScalar> {
  const out: Record<string, AttrScalar> = {};
  for (const [k, v] of Object.entries(attrs)) {
    out[k] = v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : v;
  }
  return out;
}
