/**
 * Zipkin v2 spans (zipkin-api `zipkin2-api.yaml`, `zipkin.proto`) -> rows. Both wire forms (JSON, proto3)
 * are read into `ZipkinSpan`, then mapped here the way the OpenTelemetry collector's Zipkin receiver does:
 * `localEndpoint.serviceName` is the service (resource `service.name` and the dataset), tags are attributes,
 * annotations are span events, `remoteEndpoint` becomes `peer.service` / `network.peer.*`, the `error` tag
 * (or `otel.status_code`) sets the status, `otel.scope.name` / `otel.library.name` the scope.
 */
import { SpanBatch } from '../../model/span-batch.js';
import { PayloadError } from '../../pipeline/payload.js';
import type { SpanEvent } from '../../model/span.js';
import { appendSpan, kindOf } from '../span-rows.js';
import { UNKNOWN_SERVICE } from '../otlp/common.js';

export interface ZipkinEndpoint { serviceName?: string; ipv4?: string; ipv6?: string; port?: number }
export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: string;
  /** Epoch microseconds. */
  timestamp?: number;
  duration?: number;
  localEndpoint?: ZipkinEndpoint;
  remoteEndpoint?: ZipkinEndpoint;
  annotations?: { timestamp: number; value: string }[];
  tags?: Record<string, string>;
  debug?: boolean;
  shared?: boolean;
}

const TRACE_HEX = /^[0-9a-f]{1,32}$/;
const SPAN_HEX = /^[0-9a-f]{1,16}$/;

/** Maps decoded spans to a batch; throws a PayloadError (400, as Zipkin answers) on the first invalid one. */
export function zipkinSpansToBatch(spans: readonly ZipkinSpan[]): SpanBatch {
  const batch = new SpanBatch(Math.max(16, spans.length));
  spans.forEach((z, i) => addSpan(batch, z, i));
  return batch;
}

function addSpan(batch: SpanBatch, z: ZipkinSpan, i: number): void {
  const traceHex = typeof z.traceId === 'string' ? z.traceId.toLowerCase() : '';
  if (!TRACE_HEX.test(traceHex) || /^0+$/.test(traceHex)) throw new PayloadError(`span ${i}: traceId should be 16 or 32 lower-hex characters, got ${JSON.stringify(z.traceId)}`);
  const idHex = typeof z.id === 'string' ? z.id.toLowerCase() : '';
  if (!SPAN_HEX.test(idHex) || /^0+$/.test(idHex)) throw new PayloadError(`span ${i}: id should be 16 lower-hex characters, got ${JSON.stringify(z.id)}`);
  const parentHex = typeof z.parentId === 'string' && z.parentId !== '' ? z.parentId.toLowerCase() : '0';
  if (!SPAN_HEX.test(parentHex)) throw new PayloadError(`span ${i}: parentId should be 16 lower-hex characters, got ${JSON.stringify(z.parentId)}`);
  const trace32 = traceHex.padStart(32, '0');
  const tags: Record<string, unknown> = { ...(z.tags ?? {}) };
  let statusCode = 0;
  let statusMessage: string | undefined;
  if (typeof tags['otel.status_code'] === 'string') {
    statusCode = tags['otel.status_code'] === 'ERROR' ? 2 : tags['otel.status_code'] === 'OK' ? 1 : 0;
    delete tags['otel.status_code'];
  }
  if (tags.error !== undefined) {
    statusCode = 2;
    if (tags.error !== '' && tags.error !== 'true') statusMessage = String(tags.error);
    delete tags.error;
  }
  if (typeof tags['otel.status_description'] === 'string') {
    statusMessage = tags['otel.status_description'] as string;
    delete tags['otel.status_description'];
  }
  const scopeName = (tags['otel.scope.name'] ?? tags['otel.library.name']) as string | undefined;
  const scopeVersion = (tags['otel.scope.version'] ?? tags['otel.library.version']) as string | undefined;
  for (const k of ['otel.scope.name', 'otel.library.name', 'otel.scope.version', 'otel.library.version']) delete tags[k];
  const remote = z.remoteEndpoint;
  if (remote?.serviceName) tags['peer.service'] = remote.serviceName;
  if (remote?.ipv4 || remote?.ipv6) tags['network.peer.address'] = remote.ipv4 ?? remote.ipv6;
  if (remote?.port) tags['network.peer.port'] = remote.port;
  if (z.shared) tags['zipkin.shared'] = true;
  const service = z.localEndpoint?.serviceName?.trim() || UNKNOWN_SERVICE;
  const resource: Record<string, unknown> = { 'service.name': service };
  if (z.localEndpoint?.ipv4 || z.localEndpoint?.ipv6) resource['host.ip'] = z.localEndpoint.ipv4 ?? z.localEndpoint.ipv6;
  const events: SpanEvent[] = (z.annotations ?? []).map((a) => ({ timeUnixNano: String(BigInt(Math.trunc(a.timestamp ?? 0)) * 1000n), name: String(a.value ?? ''), attributes: {} }));
  appendSpan(batch, {
    traceHi: BigInt.asIntN(64, BigInt('0x' + trace32.slice(0, 16))),
    traceLo: BigInt.asIntN(64, BigInt('0x' + trace32.slice(16))),
    spanId: BigInt.asIntN(64, BigInt('0x' + idHex)),
    parentId: BigInt.asIntN(64, BigInt('0x' + parentHex)),
    name: z.name ?? '',
    kind: kindOf(z.kind),
    startNs: BigInt(Math.trunc(z.timestamp ?? 0)) * 1000n,
    durationNs: BigInt(Math.trunc(z.duration ?? 0)) * 1000n,
    statusCode,
    statusMessage,
    dataset: service,
    attrs: tags,
    resource,
    events,
    scopeName,
    scopeVersion,
  });
}
