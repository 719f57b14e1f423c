/**
 * Zipkin v1 JSON (`POST /api/v1/spans`, what zipkin-transport-http sends by default) -> v2 `ZipkinSpan`s,
 * following Zipkin's own V1SpanConverter in the common cases: the core annotations (`cs`/`cr`, `sr`/`ss`,
 * `ms`/`ws`, `wr`/`mr`) give the kind, the local endpoint and, when `timestamp`/`duration` are missing (shared
 * spans), the times; the address annotations (`ca`, `sa`, `ma`) the remote endpoint; `lc` the local service
 * when nothing else does; other binary annotations are tags. A v1 span holding both client and server sides
 * becomes one CLIENT span with the server as its remote endpoint.
 */
import { parseJsonList } from './decode-v2.js';
import type { ZipkinEndpoint, ZipkinSpan } from './zipkin-span.js';

export interface V1Annotation { timestamp?: number; value?: string; endpoint?: ZipkinEndpoint }
export interface V1Binary { key?: string; value?: unknown; endpoint?: ZipkinEndpoint }
/** Zipkin's v1 span (JSON field names; the Thrift decoder reads into the same shape). */
export interface V1Span {
  traceId: string; id: string; parentId?: string; name?: string; timestamp?: number; duration?: number; debug?: boolean;
  annotations?: V1Annotation[]; binaryAnnotations?: V1Binary[];
}

const BEGIN: Record<string, [string, string]> = { cs: ['CLIENT', 'cr'], sr: ['SERVER', 'ss'], ms: ['PRODUCER', 'ws'], wr: ['CONSUMER', 'mr'], mr: ['CONSUMER', ''] };
const CORE = new Set(['cs', 'cr', 'sr', 'ss', 'ms', 'ws', 'wr', 'mr']);
const ADDRESS = new Set(['ca', 'sa', 'ma']);

export function decodeZipkinJsonV1(body: Uint8Array): ZipkinSpan[] {
  return parseJsonList<V1Span>(body, 'JSON_V1').map(fromV1);
}

/** One v1 span -> v2 (the JSON and the Thrift decoder both end here). */
export function fromV1(s: V1Span): ZipkinSpan {
  const out: ZipkinSpan = { traceId: s.traceId, id: s.id, parentId: s.parentId, name: s.name, timestamp: s.timestamp, duration: s.duration, debug: s.debug };
  const anns = Array.isArray(s.annotations) ? s.annotations : [];
  const byValue = new Map(anns.map((a) => [a.value, a]));
  // Client side first: a span with both sides is reported by the client here.
  const beginKey = ['cs', 'sr', 'ms', 'wr', 'mr'].find((k) => byValue.has(k));
  if (beginKey) {
    const [kind, endKey] = BEGIN[beginKey]!;
    const begin = byValue.get(beginKey)!;
    const end = endKey ? byValue.get(endKey) : undefined;
    out.kind = kind;
    out.localEndpoint = begin.endpoint;
    if (out.timestamp === undefined && typeof begin.timestamp === 'number') out.timestamp = begin.timestamp;
    if (out.duration === undefined && end && typeof end.timestamp === 'number' && typeof begin.timestamp === 'number') out.duration = end.timestamp - begin.timestamp;
    if (beginKey === 'cs' && byValue.has('sr')) out.remoteEndpoint = byValue.get('sr')!.endpoint;
    // A server that joined its client's span leaves the span's timestamp to the client (zipkin-js, Brave):
    // Zipkin's V1SpanConverter reads such a server-only half as shared.
    if (beginKey === 'sr' && s.timestamp === undefined) out.shared = true;
  }
  out.annotations = anns.filter((a) => !CORE.has(a.value ?? '')).map((a) => ({ timestamp: a.timestamp ?? 0, value: String(a.value ?? '') }));
  const tags: Record<string, string> = {};
  for (const b of Array.isArray(s.binaryAnnotations) ? s.binaryAnnotations : []) {
    const key = String(b.key ?? '');
    if (ADDRESS.has(key)) out.remoteEndpoint ??= b.endpoint;
    else if (key === 'lc' && !out.localEndpoint) out.localEndpoint = b.endpoint ?? { serviceName: String(b.value ?? '') };
    else {
      tags[key] = typeof b.value === 'string' ? b.value : JSON.stringify(b.value);
      out.localEndpoint ??= b.endpoint;
    }
  }
  if (!out.localEndpoint) out.localEndpoint = anns.find((a) => a.endpoint)?.endpoint;
  out.tags = tags;
  return out;
}
