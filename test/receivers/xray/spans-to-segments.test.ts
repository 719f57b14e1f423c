import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { u64ToHex } from '../../../src/model/ids.js';
import { Attr } from '../../../src/model/semconv.js';
import type { Span } from '../../../src/model/span.js';
import { SpanBatch } from '../../../src/model/span-batch.js';
import { parseDocument, validateSegment } from '../../../src/receivers/xray/datagram.js';
import type { SegmentDocument } from '../../../src/receivers/xray/segment-document.js';
import { appendSegment } from '../../../src/receivers/xray/segment-to-spans.js';
import { nsToSeconds, parseStack, synthesizeSegments } from '../../../src/receivers/xray/spans-to-segments.js';
import { batchToSpans, captureFiles, loadCapture, makeSpan, readCapture, RUNS } from './helpers.js';
import { parseDatagram } from '../../../src/receivers/xray/datagram.js';

/** Documents -> spans, through the real parser, validator and mapper. */
function ingest(segments: { Id: string; Document: string }[]): Span[] {
  const b = new SpanBatch();
  for (const s of segments) {
    const r = parseDocument(s.Document);
    assert.ok(r.ok, !r.ok ? r.reason : '');
    assert.equal(r.doc.id, s.Id);
    assert.deepEqual(validateSegment(r.doc), [], s.Document);
    appendSegment(b, r.doc, r.raw);
  }
  return batchToSpans(b);
}

const byId = (spans: Span[]) => new Map(spans.map((s) => [s.spanId, s]));

describe('OTel spans -> synthesized segments -> parse -> same ids/times/names/parents', () => {
  const T = '6b04f5ef07ca17f08b2bc5660e4ecb2d';
  const t0 = 1795487215165000000n;
  const spans: Span[] = [
    // frontend: SERVER root with an INTERNAL child and a CLIENT call to the backend
    makeSpan({ traceId: T, spanId: 'a000000000000001', name: 'GET /', dataset: 'frontend', kind: 2, startUnixNano: t0, durationNano: 50_000_000n,
      attributes: { 'http.request.method': 'GET', 'url.full': 'http://fe/', 'http.response.status_code': 200, user_id: 'u-1', 'app.detail': 'x', retries: 2 },
      resource: { 'service.name': 'frontend', 'service.version': '2.0', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '2.12.0', 'host.name': 'h1' } }),
    makeSpan({ traceId: T, spanId: 'a000000000000002', parentSpanId: 'a000000000000001', name: 'render', dataset: 'frontend', kind: 1, startUnixNano: t0 + 1_000_000n, durationNano: 5_123_000n }),
    makeSpan({ traceId: T, spanId: 'a000000000000003', parentSpanId: 'a000000000000001', name: 'GET', dataset: 'frontend', kind: 3, startUnixNano: t0 + 10_000_000n, durationNano: 30_000_000n,
      attributes: { 'http.method': 'GET', 'http.url': 'http://be/api', 'http.status_code': 503 }, statusCode: 2, statusMessage: 'upstream down' }),
    // grandchild of the CLIENT span, same dataset: nested two deep
    makeSpan({ traceId: T, spanId: 'a000000000000006', parentSpanId: 'a000000000000003', name: 'dns', dataset: 'frontend', kind: 1, startUnixNano: t0 + 10_000_000n, durationNano: 1_000n }),
    // backend: SERVER span whose parent is the CLIENT span of another dataset
    makeSpan({ traceId: T, spanId: 'b000000000000001', parentSpanId: 'a000000000000003', name: 'GET /api', dataset: 'backend', kind: 2, startUnixNano: t0 + 12_000_000n, durationNano: 20_000_000n,
      statusCode: 2, statusMessage: 'boom', attributes: { 'http.response.status_code': 503 },
      events: [{ timeUnixNano: String(t0 + 31_000_000n), name: 'exception', attributes: { 'exception.type': 'Error', 'exception.message': 'boom', 'exception.stacktrace': 'Error: boom\n    at handler (/app/x.js:10:5)\n    at /app/y.js:20:1' } }],
      resource: { 'service.name': 'backend', 'cloud.provider': 'aws', 'cloud.platform': 'aws_ecs', 'cloud.region': 'us-east-1', 'container.name': 'api' } }),
    makeSpan({ traceId: T, spanId: 'b000000000000002', parentSpanId: 'b000000000000001', name: 'SELECT', dataset: 'backend', kind: 3, startUnixNano: t0 + 13_000_000n, durationNano: 2_000_000n,
      attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT 1', 'db.connection_string': 'postgresql://db/x' } }),
    // an INTERNAL span whose parent is not in the set: a segment of its own, keeps parent_id
    makeSpan({ traceId: T, spanId: 'c000000000000001', parentSpanId: 'ffffffffffffffff', name: 'orphan', dataset: 'worker', kind: 1, startUnixNano: t0 + 40_000_000n, durationNano: 1_000_000n }),
  ];
  const out = synthesizeSegments(spans);
  const docs = new Map(out.map((o) => [o.Id, JSON.parse(o.Document) as SegmentDocument]));

  test('which spans became segments', () => {
    assert.deepEqual(out.map((o) => o.Id), ['a000000000000001', 'b000000000000001', 'c000000000000001']);
    const fe = docs.get('a000000000000001')!;
    assert.equal(fe.name, 'frontend');
    assert.equal(fe.trace_id, '1-6b04f5ef-07ca17f08b2bc5660e4ecb2d');
    assert.equal(fe.parent_id, undefined);
    assert.equal(fe.start_time, 1795487215.165);
    assert.equal(fe.end_time, 1795487215.215);
    assert.deepEqual(fe.subsegments!.map((s) => s.id), ['a000000000000002', 'a000000000000003']);
    assert.equal(fe.subsegments![1]!.namespace, 'remote');
    assert.equal(fe.subsegments![1]!.subsegments![0]!.id, 'a000000000000006');
    assert.equal(fe.subsegments![0]!.namespace, undefined);
    assert.equal(docs.get('b000000000000001')!.parent_id, 'a000000000000003');
    assert.equal(docs.get('c000000000000001')!.parent_id, 'ffffffffffffffff');
  });
  test('rebuilt blocks', () => {
    const fe = docs.get('a000000000000001')!;
    assert.deepEqual(fe.http, { request: { method: 'GET', url: 'http://fe/' }, response: { status: 200 } });
    assert.deepEqual(fe.annotations, { user_id: 'u-1', retries: 2 });
    assert.deepEqual(fe.metadata, { default: { 'app.detail': 'x', 'host.name': 'h1' } });
    assert.deepEqual(fe.service, { version: '2.0' });
    assert.deepEqual(fe.aws, { xray: { sdk: 'opentelemetry', sdk_version: '2.12.0' } });
    assert.equal(fe.fault, undefined);
    const call = fe.subsegments![1]!;
    assert.deepEqual(call.http, { request: { method: 'GET', url: 'http://be/api' }, response: { status: 503 } });
    assert.equal(call.fault, true);
    assert.equal(call.error, undefined);
    assert.deepEqual((call.cause as { exceptions: unknown[] }).exceptions.length, 1);
    const be = docs.get('b000000000000001')!;
    assert.equal(be.fault, true);
    assert.equal(be.origin, 'AWS::ECS::Container');
    assert.deepEqual(be.aws, { region: 'us-east-1', ecs: { container: 'api' } });
    const cause = be.cause as { exceptions: { id: string; type: string; message: string; stack: unknown[] }[] };
    assert.equal(cause.exceptions[0]!.type, 'Error');
    assert.equal(cause.exceptions[0]!.message, 'boom');
    assert.match(cause.exceptions[0]!.id, /^[0-9a-f]{16}$/);
    assert.deepEqual(cause.exceptions[0]!.stack, [{ path: '/app/x.js', line: 10, label: 'handler' }, { path: '/app/y.js', line: 20 }]);
    assert.deepEqual(be.subsegments![0]!.sql, { url: 'postgresql://db/x', sanitized_query: 'SELECT 1', database_type: 'postgresql' });
  });
  test('round trip', () => {
    const back = byId(ingest(out));
    assert.equal(back.size, spans.length);
    for (const s of spans) {
      const r = back.get(s.spanId)!;
      assert.ok(r, s.spanId);
      assert.equal(r.traceId, s.traceId);
      assert.equal(r.parentSpanId, s.parentSpanId, s.spanId);
      assert.equal(r.startUnixNano, s.startUnixNano, s.spanId);
      assert.equal(r.durationNano, s.durationNano, s.spanId);
      assert.equal(r.dataset, s.dataset, s.spanId);
      const isSegment = out.some((o) => o.Id === s.spanId);
      // A segment's name is its service (the dataset), its span's name `METHOD /path` when it served an
      // HTTP request; subsegments keep the span name.
      const method = s.attributes['http.request.method'] ?? s.attributes['http.method'];
      const path = s.attributes['url.path'] ?? s.attributes['http.target'] ?? (typeof s.attributes['url.full'] === 'string' ? new URL(s.attributes['url.full']).pathname : undefined);
      assert.equal(r.name, isSegment ? (method && path ? `${method} ${path}` : s.dataset) : s.name, s.spanId);
    }
    assert.equal(back.get('a000000000000003')!.kind, 3);
    assert.equal(back.get('a000000000000002')!.kind, 1);
    assert.equal(back.get('a000000000000001')!.attributes['user_id'], 'u-1');
    assert.equal(back.get('a000000000000001')!.attributes['metadata.default.app.detail'], 'x');
    assert.equal(back.get('b000000000000001')!.events[0]!.attributes[Attr.EXCEPTION_STACKTRACE], 'at handler (/app/x.js:10)\nat /app/y.js:20');
  });
  test('sub-microsecond times are truncated to X-Ray microseconds', () => {
    assert.equal(nsToSeconds(1795487215165000999n), 1795487215.165);
    const [doc] = synthesizeSegments([makeSpan({ spanId: 'd000000000000001', name: 'x', startUnixNano: 1795487215165000999n, durationNano: 1n })]);
    const d = JSON.parse(doc!.Document) as SegmentDocument;
    assert.equal(d.start_time, 1795487215.165);
    assert.equal(d.end_time, 1795487215.165001); // end = start + 1 ns = ...165001000 ns
  });
});

describe('X-Ray spans come back as their original documents', () => {
  for (const run of RUNS) {
    test(run, () => {
      const b = new SpanBatch();
      const raws = new Map<string, string>();
      for (const f of captureFiles(run)) {
        const r = parseDatagram(readCapture(f));
        assert.ok(r.ok);
        appendSegment(b, r.doc, r.raw);
        raws.set(r.doc.id, r.raw);
      }
      const out = synthesizeSegments(batchToSpans(b));
      assert.equal(out.length, raws.size);
      for (const o of out) assert.equal(o.Document, raws.get(o.Id));
    });
  }
  test('a mixed trace: the X-Ray segment unchanged, an OTel child of one of its subsegments synthesized', () => {
    const { batch, raw } = loadCapture('xray_run1/udp_001.raw');
    const xs = batchToSpans(batch);
    const otel = makeSpan({ traceId: xs[0]!.traceId, spanId: 'e000000000000001', parentSpanId: '91db0142fa14185b', name: 'GET /downstream', dataset: 'downstream', kind: 2 });
    const out = synthesizeSegments([...xs, otel]);
    assert.deepEqual(out.map((o) => o.Id).sort(), ['e000000000000001', 'f169a273ff681648']);
    assert.equal(out.find((o) => o.Id === 'f169a273ff681648')!.Document, raw);
    const d = JSON.parse(out.find((o) => o.Id === 'e000000000000001')!.Document) as SegmentDocument;
    assert.equal(d.parent_id, '91db0142fa14185b');
    assert.equal(d.name, 'downstream');
  });
  test('a complete document wins over an in-progress one with the same id', () => {
    const base = { trace_id: '1-6b04f5ef-07ca17f08b2bc5660e4ecb2d', id: 'f169a273ff681648', name: 's', start_time: 1795487215.165 };
    const b = new SpanBatch();
    const open = JSON.stringify({ ...base, in_progress: true });
    const done = JSON.stringify({ ...base, end_time: 1795487215.2 });
    for (const t of [done, open]) {
      const r = parseDocument(t);
      assert.ok(r.ok);
      appendSegment(b, r.doc, r.raw);
    }
    const out = synthesizeSegments(batchToSpans(b));
    assert.equal(out.length, 1);
    assert.equal(out[0]!.Document, done);
  });
});

describe('X-Ray spans without their documents: the attribute mapping reverses', () => {
  for (const f of ['xray_run1/udp_001.raw', 'xray_run1/udp_003.raw', 'xray_run2_all_sampled/udp_004.raw']) {
    test(f, () => {
      const { batch, doc } = loadCapture(f);
      const spans = batchToSpans(batch).map((s) => ({ ...s, xrayDocument: undefined }));
      const out = synthesizeSegments(spans);
      assert.equal(out.length, 1);
      const d = JSON.parse(out[0]!.Document) as SegmentDocument;
      assert.equal(d.id, doc.id);
      assert.equal(d.trace_id, doc.trace_id);
      assert.equal(d.name, doc.name);
      assert.equal(d.start_time, doc.start_time);
      assert.equal(d.end_time, doc.end_time);
      assert.deepEqual(d.http, doc.http);
      assert.deepEqual(d.annotations, doc.annotations);
      assert.deepEqual(d.metadata, doc.metadata);
      assert.equal(d.fault, doc.fault);
      assert.equal(d.error, doc.error);
      assert.deepEqual(d.service, doc.service);
      assert.deepEqual(d.aws, doc.aws);
      assert.deepEqual(d.cause, doc.cause);
      const strip = (s: SegmentDocument): unknown => ({ id: s.id, name: s.name, start_time: s.start_time, end_time: s.end_time, namespace: s.namespace, http: s.http, annotations: s.annotations, subsegments: s.subsegments?.map(strip) });
      assert.deepEqual((d.subsegments ?? []).map(strip).sort(cmp), (doc.subsegments ?? []).map(strip).sort(cmp));
    });
  }
  test('independent subsegment without its document keeps parent_id and becomes a segment-shaped document', () => {
    const { batch } = loadCapture('xray_run3_streaming/udp_001.raw');
    const spans = batchToSpans(batch).map((s) => ({ ...s, xrayDocument: undefined, dataset: 'backend-flask' }));
    const [o] = synthesizeSegments(spans);
    const d = JSON.parse(o!.Document) as SegmentDocument;
    assert.equal(d.parent_id, '2a310ade926b9e0e');
    assert.deepEqual(d.annotations, { rows: 3 });
  });
});

test('parseStack', () => {
  assert.deepEqual(parseStack('Error: x\n    at f (/a.js:1:2)\n    at /b.js:3:4\n    at g (native)\n    at com.x.Y.z(Y.java:12)\n  File "/p.py", line 7, in main\nat lonely'), [
    { label: 'f', path: '/a.js', line: 1 },
    { path: '/b.js', line: 3 },
    { label: 'g', path: 'native' },
    { label: 'com.x.Y.z', path: 'Y.java', line: 12 },
    { path: '/p.py', line: 7, label: 'main' },
    { label: 'lonely' },
  ]);
});

function cmp(a: unknown, b: unknown): number {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

void u64ToHex;
