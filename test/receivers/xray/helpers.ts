import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Span } from '../../../src/model/span.js';
import { SpanBatch } from '../../../src/model/span-batch.js';
import { parseDatagram, validateSegment } from '../../../src/receivers/xray/datagram.js';
import type { SegmentDocument } from '../../../src/receivers/xray/segment-document.js';
import { appendSegment } from '../../../src/receivers/xray/segment-to-spans.js';

/** test/fixtures/wire, from the source tree (tsx) or from dist/ (compiled tests). */
export const WIRE: string = (() => {
  const candidates = [
    resolve(process.cwd(), 'test/fixtures/wire'),
    fileURLToPath(new URL('../../fixtures/wire', import.meta.url)),
    fileURLToPath(new URL('../../../../test/fixtures/wire', import.meta.url)),
  ];
  for (const c of candidates) if (existsSync(join(c, 'xray_run1'))) return c;
  throw new Error('wire fixtures not found');
})();

export const RUNS = ['xray_run1', 'xray_run2_all_sampled', 'xray_run3_streaming'] as const;

export function captureFiles(run: string): string[] {
  return readdirSync(join(WIRE, run))
    .filter((f) => /^udp_\d+\.raw$/.test(f))
    .sort()
    .map((f) => `${run}/${f}`);
}

export function readCapture(rel: string): Buffer {
  return readFileSync(join(WIRE, rel));
}

/** Parses, validates (must be clean) and maps one capture into a fresh batch. */
export function loadCapture(rel: string): { batch: SpanBatch; doc: SegmentDocument; raw: string } {
  const r = parseDatagram(readCapture(rel));
  if (!r.ok) throw new Error(`${rel}: ${r.reason}`);
  const problems = validateSegment(r.doc);
  if (problems.length > 0) throw new Error(`${rel}: ${JSON.stringify(problems)}`);
  const batch = new SpanBatch(4);
  appendSegment(batch, r.doc, r.raw);
  return { batch, doc: r.doc, raw: r.raw };
}

/** Row view of a batch (what the store would give back), resource keys split out. */
export { batchToSpans } from '../../../src/model/batch-to-spans.js';

/** Number of entities (segment + nested subsegments) in a document. */
export function countEntities(d: SegmentDocument): number {
  let n = 1;
  for (const s of d.subsegments ?? []) n += countEntities(s);
  return n;
}

export function makeSpan(p: Partial<Span> & Pick<Span, 'spanId' | 'name'>): Span {
  return {
    traceId: '6b04f5ef07ca17f08b2bc5660e4ecb2d',
    parentSpanId: '',
    traceState: '',
    dataset: 'svc',
    kind: 1,
    startUnixNano: 1795487215165000000n,
    durationNano: 1000000n,
    statusCode: 0,
    statusMessage: '',
    flags: 0,
    scopeName: '',
    scopeVersion: '',
    attributes: {},
    resource: {},
    events: [],
    links: [],
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    source: 0,
    ...p,
  };
}
