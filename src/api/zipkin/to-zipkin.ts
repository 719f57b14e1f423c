import type { Span } from '../../model/span.js';

/** Zipkin v2 span JSON (zipkin2-api.yaml `Span`), what the Zipkin UI and clients read. */
export interface ZipkinJsonSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name: string;
  kind?: string;
  timestamp: number;
  duration: number;
  localEndpoint: { serviceName: string };
  remoteEndpoint?: { serviceName?: string; ipv4?: string; port?: number };
  annotations?: { timestamp: number; value: string }[];
  tags: Record<string, string>;
  /** The server half of a span its client started (stored as the `zipkin.shared` attribute). */
  shared?: boolean;
}

const KINDS = ['', '', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const SHARED = 'zipkin.shared';

/**
 * A stored span as Zipkin shows it (the reverse of receivers/zipkin): the dataset is the local service,
 * attributes and resource attributes are string tags, events annotations, an error status the `error` tag;
 * `peer.service` / `network.peer.*` give the remote endpoint back. Times in microseconds.
 */
export function toZipkinSpan(s: Span): ZipkinJsonSpan {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.resource)) if (k !== 'service.name') tags[k] = String(v);
  for (const [k, v] of Object.entries(s.attributes)) if (k !== SHARED) tags[k] = String(v);
  if (s.statusCode === 2) tags.error = s.statusMessage || 'true';
  const out: ZipkinJsonSpan = {
    traceId: s.traceId,
    id: s.spanId,
    ...(s.parentSpanId ? { parentId: s.parentSpanId } : {}),
    name: s.name,
    ...(KINDS[s.kind] ? { kind: KINDS[s.kind] } : {}),
    timestamp: Number(s.startUnixNano / 1000n),
    duration: Number(s.durationNano / 1000n),
    localEndpoint: { serviceName: s.dataset },
    tags,
  };
  const peer = s.attributes['peer.service'];
  const addr = s.attributes['network.peer.address'];
  const port = s.attributes['network.peer.port'];
  if (peer !== undefined || addr !== undefined) {
    out.remoteEndpoint = { ...(peer !== undefined ? { serviceName: String(peer) } : {}), ...(addr !== undefined ? { ipv4: String(addr) } : {}), ...(typeof port === 'number' ? { port } : {}) };
  }
  if (s.attributes[SHARED] === true) out.shared = true;
  if (s.events.length > 0) out.annotations = s.events.map((e) => ({ timestamp: Number(BigInt(e.timeUnixNano) / 1000n), value: e.name }));
  return out;
}
