import { hexToTraceId, hexToU64 } from '../../src/model/ids.js';
import { SpanBatch } from '../../src/model/span-batch.js';
import type { AttrScalar, AttrType, SpanEvent, SpanLink } from '../../src/model/span.js';

/** A span described in test-friendly terms. */
export interface TestSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  dataset: string;
  kind?: number;
  startNs: bigint;
  durationNs: bigint;
  statusCode?: number;
  statusMessage?: string;
  attrs?: Record<string, AttrScalar>;
  resource?: Record<string, AttrScalar>;
  events?: SpanEvent[];
  links?: SpanLink[];
  source?: number;
  xrayDoc?: string;
  xrayDocId?: string;
}

export function typeOf(v: AttrScalar): AttrType {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return Number.isInteger(v) ? 'int' : 'double';
}

export function makeBatch(spans: TestSpan[]): SpanBatch {
  const b = new SpanBatch(4);
  for (const s of spans) {
    const r = b.addRow();
    [b.traceHi[r], b.traceLo[r]] = hexToTraceId(s.traceId);
    b.spanId[r] = hexToU64(s.spanId);
    b.parentId[r] = s.parentSpanId ? hexToU64(s.parentSpanId) : 0n;
    b.name[r] = s.name;
    b.dataset[r] = s.dataset;
    b.kind[r] = s.kind ?? 1;
    b.startNs[r] = s.startNs;
    b.durationNs[r] = s.durationNs;
    b.statusCode[r] = s.statusCode ?? 0;
    b.statusMessage[r] = s.statusMessage ?? '';
    b.source[r] = s.source ?? 0;
    b.events[r] = s.events ?? null;
    b.links[r] = s.links ?? null;
    b.xrayDoc[r] = s.xrayDoc ?? null;
    b.xrayDocId[r] = s.xrayDocId ? hexToU64(s.xrayDocId) : 0n;
    for (const [k, v] of Object.entries(s.resource ?? {})) {
      b.setAttr(r, k, typeOf(v), v);
      b.resourceKeys.add(k);
    }
    for (const [k, v] of Object.entries(s.attrs ?? {})) b.setAttr(r, k, typeOf(v), v);
  }
  return b;
}
