/**
 * The real OTel JS SDK with both OTLP/HTTP exporters (protobuf and JSON), with and without gzip,
 * exporting to a Honeyray started as the README says; read back through the Jaeger API and compared
 * field by field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, context, trace, type Link } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

type Exporter = SpanExporter;

interface Variant {
  name: string;
  make(url: string): Exporter;
}

const VARIANTS: Variant[] = [
  { name: 'protobuf', make: (url) => new ProtoExporter({ url }) },
  { name: 'protobuf+gzip', make: (url) => new ProtoExporter({ url, compression: 'gzip' as never }) },
  { name: 'json', make: (url) => new JsonExporter({ url }) },
  { name: 'json+gzip', make: (url) => new JsonExporter({ url, compression: 'gzip' as never }) },
];

/** Emits a small trace with every kind of field; returns what was sent. */
async function emit(exporter: Exporter, service: string) {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.2.3', 'deployment.environment': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('honeyray-e2e', '0.0.1');
  const linked = tracer.startSpan('linked-producer', { kind: SpanKind.PRODUCER });
  linked.end();
  const link: Link = { context: linked.spanContext(), attributes: { 'link.why': 'batch' } };
  const root = tracer.startSpan('GET /api/activities/home', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'app.ratio': 0.5, 'app.cached': true, 'app.tags': ['a', 'b'] },
  });
  const ctx = trace.setSpan(context.active(), root);
  const child = tracer.startSpan('http-home-activities', { attributes: { 'app.now': '2026-11-24T00:00:00Z', 'app.result_length': 3 }, links: [link] }, ctx);
  child.addEvent('computed', { 'rows': 3, 'note': 'ok' });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'db timeout' });
  child.end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  return { root: root.spanContext(), child: child.spanContext(), linked: linked.spanContext() };
}

describe('OTel JS SDK -> Honeyray -> Jaeger API', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  for (const v of VARIANTS) {
    it(`delivers spans with ${v.name} and reads them back field by field`, async () => {
      const service = `e2e-${v.name.replace('+', '-')}`;
      const sent = await emit(v.make(`${srv.otlp}/v1/traces`), service);
      const res = await fetch(`${srv.http}/api/traces/${sent.root.traceId}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { data: any[] };
      const t = body.data[0];
      assert.equal(t.traceID, sent.root.traceId);
      assert.equal(t.spans.length, 2);
      const root = t.spans.find((s: any) => s.spanID === sent.root.spanId);
      const child = t.spans.find((s: any) => s.spanID === sent.child.spanId);
      assert.equal(root.operationName, 'GET /api/activities/home');
      assert.deepEqual(root.references, []);
      assert.equal(t.processes[root.processID].serviceName, service);
      const ptags = Object.fromEntries(t.processes[root.processID].tags.map((x: any) => [x.key, x.value]));
      assert.equal(ptags['service.version'], '1.2.3');
      assert.equal(ptags['deployment.environment'], 'test');
      const rtags = Object.fromEntries(root.tags.map((x: any) => [x.key, [x.type, x.value]]));
      assert.deepEqual(rtags['http.request.method'], ['string', 'GET']);
      assert.deepEqual(rtags['http.response.status_code'], ['int64', 200]);
      assert.deepEqual(rtags['app.ratio'], ['float64', 0.5]);
      assert.deepEqual(rtags['app.cached'], ['bool', true]);
      assert.deepEqual(rtags['app.tags'], ['string', '["a","b"]']);
      assert.deepEqual(rtags['span.kind'], ['string', 'server']);
      assert.deepEqual(rtags['otel.scope.name'], ['string', 'honeyray-e2e']);
      assert.deepEqual(rtags['otel.scope.version'], ['string', '0.0.1']);
      assert.ok(root.startTime > 1.7e15 && root.duration >= 0);
      assert.deepEqual(child.references, [
        { refType: 'CHILD_OF', traceID: sent.root.traceId, spanID: sent.root.spanId },
        { refType: 'FOLLOWS_FROM', traceID: sent.linked.traceId, spanID: sent.linked.spanId },
      ]);
      const ctags = Object.fromEntries(child.tags.map((x: any) => [x.key, x.value]));
      assert.equal(ctags['app.now'], '2026-11-24T00:00:00Z');
      assert.equal(ctags['app.result_length'], 3);
      assert.equal(ctags['otel.status_code'], 'ERROR');
      assert.equal(ctags['otel.status_description'], 'db timeout');
      assert.equal(ctags.error, true);
      assert.equal(child.logs.length, 1);
      const fields = Object.fromEntries(child.logs[0].fields.map((x: any) => [x.key, x.value]));
      assert.deepEqual(fields, { event: 'computed', rows: 3, note: 'ok' });
      assert.ok(child.logs[0].timestamp >= child.startTime);

      const services = (await (await fetch(`${srv.http}/api/services`)).json()) as { data: string[] };
      assert.ok(services.data.includes(service));
      const ops = (await (await fetch(`${srv.http}/api/services/${service}/operations`)).json()) as { data: string[] };
      assert.deepEqual(ops.data.sort(), ['GET /api/activities/home', 'http-home-activities', 'linked-producer']);
      const search = (await (await fetch(`${srv.http}/api/traces?service=${service}&tags=${encodeURIComponent('{"app.now":"2026-11-24T00:00:00Z"}')}`)).json()) as { data: any[] };
      assert.deepEqual(search.data.map((x) => x.traceID), [sent.root.traceId]);
      const x = (await (await fetch(`${srv.http}/api/traces/1-${sent.root.traceId.slice(0, 8)}-${sent.root.traceId.slice(8)}`)).json()) as { data: any[] };
      assert.equal(x.data[0].spans.length, 2);
    });
  }

  it('works with the seed settings: OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS, no code options', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = srv.otlp;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-honeycomb-team=anything';
    try {
      const sent = await emit(new ProtoExporter(), 'backend-flask');
      const body = (await (await fetch(`${srv.http}/api/traces/${sent.root.traceId}`)).json()) as { data: any[] };
      assert.equal(body.data[0].spans.length, 2);
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
      delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
    }
  });
});
