/**
 * Span limits end to end, through the real OTel JS SDK and its OTLP/HTTP exporter (the SDK's own limits
 * raised so that it sends everything): attributes past `--max-attributes-per-span` are dropped and counted
 * in `droppedAttributesCount` (span, event and link alike), string values are cut at
 * `--max-attribute-value-length`, and a request over `--max-spans-per-request` is refused whole with 400 in
 * the protocol's shape (OTLP google.rpc.Status, Zipkin text), nothing of it stored.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const MAX_ATTRS = 12;
const MAX_LEN = 20;
const MAX_SPANS = 10;

type KV = { key: string; value: Record<string, unknown> };
interface OtlpSpan { spanId: string; name: string; attributes?: KV[]; droppedAttributesCount?: number; events?: { attributes?: KV[]; droppedAttributesCount?: number }[]; links?: { attributes?: KV[]; droppedAttributesCount?: number }[] }
interface OtlpTrace { resourceSpans: { resource: { attributes?: KV[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] }

function provider(exporter: SpanExporter, service: string): NodeTracerProvider {
  const big = 100_000;
  return new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanLimits: { attributeCountLimit: big, attributeValueLengthLimit: big, attributePerEventCountLimit: big, attributePerLinkCountLimit: big },
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
}

const attrs = (n: number, prefix: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}.${String(i).padStart(2, '0')}`, i]));

describe('span limits: attributes per span, value length, spans per request', () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer({ args: ['--max-attributes-per-span', String(MAX_ATTRS), '--max-attribute-value-length', String(MAX_LEN), '--max-spans-per-request', String(MAX_SPANS)] });
  });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  it('drops attributes past the count (span, event, link) with dropped counts, cuts long values, keeps the resource', async () => {
    const p = provider(new OTLPTraceExporter({ url: `${srv.otlp}/v1/traces` }), 'limits-svc');
    const tracer = p.getTracer('limits');
    const linked = tracer.startSpan('linked');
    linked.end();
    const span = tracer.startSpan('wide', { attributes: { 'app.long': 'x'.repeat(100), 'app.emoji': 'a'.repeat(MAX_LEN - 1) + '😀', ...attrs(30, 'attr') }, links: [{ context: linked.spanContext(), attributes: attrs(15, 'link') }] }, context.active());
    span.addEvent('ev', { ...attrs(20, 'ev'), 'ev.long': 'y'.repeat(50) });
    span.end();
    await p.forceFlush();
    await p.shutdown();
    const traceId = span.spanContext().traceId;

    const r = await fetch(`${srv.http}/api/v3/traces/${traceId}`);
    assert.equal(r.status, 200);
    const body = (await r.json()) as { result: OtlpTrace };
    const rs = body.result.resourceSpans.find((x) => x.scopeSpans.some((s) => s.spans.some((sp) => sp.name === 'wide')))!;
    const wide = rs.scopeSpans.flatMap((s) => s.spans).find((s) => s.name === 'wide')!;
    const resourceKeys = (rs.resource.attributes ?? []).map((a) => a.key);
    assert.ok(resourceKeys.includes('service.name'), 'the resource is kept');
    const spanKeys = (wide.attributes ?? []).map((a) => a.key);
    // Resource attributes count against the limit first; then span attributes in the order sent.
    const room = MAX_ATTRS - resourceKeys.length;
    const sent = ['app.long', 'app.emoji', ...Object.keys(attrs(30, 'attr'))];
    assert.deepEqual(spanKeys.sort(), sent.slice(0, room).sort());
    assert.equal(wide.droppedAttributesCount, sent.length - room);
    const value = (k: string) => wide.attributes!.find((a) => a.key === k)!.value.stringValue;
    assert.equal(value('app.long'), 'x'.repeat(MAX_LEN));
    assert.equal(value('app.emoji'), 'a'.repeat(MAX_LEN - 1), 'a surrogate pair is not split');

    const ev = wide.events![0]!;
    assert.equal(ev.attributes!.length, MAX_ATTRS);
    assert.equal(ev.droppedAttributesCount, 21 - MAX_ATTRS);
    assert.deepEqual(ev.attributes!.map((a) => a.key), Object.keys(attrs(MAX_ATTRS, 'ev')));
    const link = wide.links![0]!;
    assert.equal(link.attributes!.length, MAX_ATTRS);
    assert.equal(link.droppedAttributesCount, 15 - MAX_ATTRS);
  });

  it('a request over --max-spans-per-request is refused whole: the exporter gets a 400 with the reason, nothing is stored', async () => {
    const memory = new InMemorySpanExporter();
    const p = provider(memory, 'limits-many');
    const tracer = p.getTracer('limits');
    const root = tracer.startSpan('root');
    const ctx = trace.setSpan(context.active(), root);
    for (let i = 0; i < MAX_SPANS; i++) tracer.startSpan(`child-${i}`, {}, ctx).end();
    root.end();
    await p.forceFlush();
    const spans: ReadableSpan[] = memory.getFinishedSpans();
    assert.equal(spans.length, MAX_SPANS + 1);

    const exporter = new OTLPTraceExporter({ url: `${srv.otlp}/v1/traces` });
    const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
    assert.equal(result.code, ExportResultCode.FAILED);
    assert.equal((result.error as Error & { code?: number }).code, 400, String(result.error));
    const ok = await new Promise<ExportResult>((resolve) => exporter.export(spans.slice(0, MAX_SPANS), resolve));
    assert.equal(ok.code, ExportResultCode.SUCCESS, 'at the limit is accepted');
    await exporter.shutdown();

    // The answer, as a client reads it: a google.rpc.Status naming the limit, in the request's encoding.
    const traceId = randomBytes(16).toString('hex');
    const many = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'limits-json' } }] }, scopeSpans: [{ spans: Array.from({ length: MAX_SPANS + 1 }, () => ({ traceId, spanId: randomBytes(8).toString('hex'), name: 'op', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000001000000' })) }] }] };
    const r = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body: JSON.stringify(many), headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 400);
    const status = (await r.json()) as { code: number; message: string };
    assert.equal(status.message, `too many spans in one request: ${MAX_SPANS + 1}, at most ${MAX_SPANS} (--max-spans-per-request); send smaller batches`);
    assert.equal((await fetch(`${srv.http}/api/v3/traces/${traceId}`)).status, 404);

    const zipkin = await fetch(`http://127.0.0.1:${srv.zipkinPort}/api/v2/spans`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: MAX_SPANS + 1 }, (_, i) => ({ traceId, id: randomBytes(8).toString('hex'), name: `z${i}`, timestamp: 1_700_000_000_000_000, duration: 5, localEndpoint: { serviceName: 'zipkin-many' } }))),
    });
    assert.equal(zipkin.status, 400);
    assert.match(await zipkin.text(), /too many spans in one request: 11, at most 10/);
    assert.equal((await fetch(`${srv.http}/healthz`)).status, 200);
  });
});
