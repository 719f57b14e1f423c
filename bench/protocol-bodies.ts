/**
 * The bench payload (OTLP protobuf, 512 spans) rendered as the other protocols' request bodies, so every
 * protocol carries the same spans: Honeycomb Events API batches (what a Beeline sends) and Zipkin v2 JSON.
 * Trace ids start with TRACE_MARK, replaced per request so each request makes new traces.
 */
import { decodeOtlpProto } from '../src/receivers/otlp/decode-proto.js';
import { u64ToHex } from '../src/model/ids.js';

export const TRACE_MARK = 'tttttttt';

export function eventsBody(payload: Uint8Array): string {
  return JSON.stringify(rows(payload).map((s) => ({
    time: new Date(Number(s.startNs / 1_000_000n)).toISOString(),
    data: { 'trace.trace_id': s.traceId, 'trace.span_id': s.spanId, ...(s.parentId ? { 'trace.parent_id': s.parentId } : {}), name: s.name, service_name: s.service, duration_ms: Number(s.durationNs) / 1e6, ...s.attrs },
  })));
}

export function zipkinBody(payload: Uint8Array): string {
  const kinds = ['', '', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
  return JSON.stringify(rows(payload).map((s) => ({
    traceId: s.traceId, id: s.spanId, ...(s.parentId ? { parentId: s.parentId } : {}), name: s.name, ...(kinds[s.kind] ? { kind: kinds[s.kind] } : {}),
    timestamp: Number(s.startNs / 1000n), duration: Number(s.durationNs / 1000n), localEndpoint: { serviceName: s.service },
    tags: Object.fromEntries(Object.entries(s.attrs).map(([k, v]) => [k, String(v)])),
  })));
}

function rows(payload: Uint8Array) {
  const b = decodeOtlpProto(payload, {}).batch;
  return Array.from({ length: b.length }, (_, r) => {
    const attrs: Record<string, string | number | boolean> = {};
    for (const [k, col] of b.attrs) if (col.values[r] !== undefined) attrs[k] = col.values[r]!;
    return {
      traceId: TRACE_MARK + (u64ToHex(b.traceHi[r]!) + u64ToHex(b.traceLo[r]!)).slice(TRACE_MARK.length),
      spanId: u64ToHex(b.spanId[r]!),
      parentId: b.parentId[r] === 0n ? '' : u64ToHex(b.parentId[r]!),
      name: b.name[r]!, kind: b.kind[r]!, service: b.dataset[r]!, startNs: b.startNs[r]!, durationNs: b.durationNs[r]!, attrs,
    };
  });
}
