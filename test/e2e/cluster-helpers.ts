/** Small helpers of the cluster tests: an OTLP/JSON request, and a trace's spans through the Jaeger API. */
import type { RunningServer } from '../helpers/server-process.js';

export interface SpanSpec {
  traceId: string;
  spanId: string;
  name: string;
  startMs: number;
  durationMs: number;
  attrs?: Record<string, string>;
}

/** `fetch` options posting the spans as OTLP/JSON from `service`. */
export function otlpJson(service: string, spans: SpanSpec[]): RequestInit {
  const ns = (ms: number) => String(BigInt(Math.round(ms * 1000)) * 1000n);
  return {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans: spans.map((s) => ({
      traceId: s.traceId, spanId: s.spanId, name: s.name, kind: 2, startTimeUnixNano: ns(s.startMs), endTimeUnixNano: ns(s.startMs + s.durationMs),
      attributes: Object.entries(s.attrs ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })),
    })) }] }] }),
  };
}

export interface ReadSpan {
  spanId: string;
  service: string;
  durationUs: number;
  tags: Record<string, unknown>;
}

/** The trace's spans as one node's Jaeger API returns them ([] when it has none). */
export async function spansOf(node: RunningServer, traceId: string): Promise<ReadSpan[]> {
  const r = await fetch(`${node.http}/api/traces/${traceId}`);
  if (r.status !== 200) return [];
  const t = ((await r.json()) as { data?: { spans: any[]; processes: Record<string, { serviceName: string }> }[] }).data?.[0];
  if (!t) return [];
  return t.spans.map((s) => ({
    spanId: s.spanID, service: t.processes[s.processID]!.serviceName, durationUs: s.duration,
    tags: Object.fromEntries((s.tags as { key: string; value: unknown }[]).map((x) => [x.key, x.value])),
  }));
}
