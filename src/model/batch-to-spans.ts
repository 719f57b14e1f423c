import type { SpanBatch } from './span-batch.js';
import { traceIdToHex, u64ToHex } from './ids.js';
import type { AttrScalar, Span } from './span.js';

/**
 * The rows of a decoded batch as edge `Span`s, without a store in between: what Jaeger's
 * `POST /api/transform` (OTLP JSON in, Jaeger JSON out) needs, and tests of decoders. Resource keys go
 * to `resource`; an X-Ray span keeps its segment document.
 */
export function batchToSpans(b: SpanBatch): Span[] {
  const out: Span[] = [];
  for (let r = 0; r < b.length; r++) {
    const attributes: Record<string, AttrScalar> = {};
    const resource: Record<string, AttrScalar> = {};
    for (const [key, col] of b.attrs) {
      const v = col.values[r];
      if (v === undefined) continue;
      if (b.resourceKeys.has(key)) resource[key] = v;
      else attributes[key] = v;
    }
    const span: Span = {
      traceId: traceIdToHex(b.traceHi[r]!, b.traceLo[r]!),
      spanId: u64ToHex(b.spanId[r]!),
      parentSpanId: b.parentId[r] === 0n ? '' : u64ToHex(b.parentId[r]!),
      traceState: b.traceState[r]!,
      dataset: b.dataset[r]!,
      name: b.name[r]!,
      kind: b.kind[r]! as Span['kind'],
      startUnixNano: b.startNs[r]!,
      durationNano: b.durationNs[r]!,
      statusCode: b.statusCode[r]! as Span['statusCode'],
      statusMessage: b.statusMessage[r]!,
      flags: b.flags[r]!,
      scopeName: b.scopeName[r]!,
      scopeVersion: b.scopeVersion[r]!,
      attributes,
      resource,
      events: b.events[r] ?? [],
      links: b.links[r] ?? [],
      droppedAttributesCount: b.droppedAttrs[r]!,
      droppedEventsCount: b.droppedEvents[r]!,
      droppedLinksCount: b.droppedLinks[r]!,
      source: b.source[r]! as Span['source'],
    };
    const doc = b.xrayDoc[r];
    if (doc !== null && doc !== undefined) span.xrayDocument = doc;
    out.push(span);
  }
  return out;
}
