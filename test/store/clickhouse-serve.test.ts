/**
 * `honeyray serve --store clickhouse://...` end to end on a real ClickHouse 18.16: the OTel JS SDK
 * exports over OTLP/HTTP, the Jaeger API reads back; X-Ray in-progress segments are replaced by their
 * final version; with ClickHouse down, exporters get 503 + Retry-After (no engine text) and, once it
 * is back, the retried spans are stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { clickhouseAvailable, startClickHouse, type RunningClickHouse } from '../helpers/clickhouse-server.js';
import { eventually, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { datagram, newSegmentId, newXrayTraceId, sendDatagrams } from '../helpers/xray.js';

const run = clickhouseAvailable();

describe('honeyray serve --store clickhouse://', { skip: run ? false : 'clickhouse-server is not installed' }, () => {
  let ch: RunningClickHouse;
  let srv: RunningServer;
  before(async () => {
    ch = await startClickHouse();
    srv = await startServer({ args: ['--store', `clickhouse://127.0.0.1:${ch.httpPort}/e2e`] });
  });
  after(async () => {
    await srv?.stop();
    removeDir(srv?.dataDir);
    await ch?.stop();
  });

  it('stores what the OTel SDK exports and the Jaeger API reads it back', async () => {
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'backend-flask', 'service.version': '1.2.3' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${srv.otlp}/v1/traces` }))],
    });
    const tracer = provider.getTracer('e2e');
    const root = tracer.startSpan('GET /api/activities/home', { kind: SpanKind.SERVER, attributes: { 'http.response.status_code': 200, 'app.cached': true } });
    const child = tracer.startSpan('db', { attributes: { 'db.statement': "SELECT 'x' -- \\ \t" } }, trace.setSpan(context.active(), root));
    child.end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();
    const id = root.spanContext().traceId;

    const t = ((await (await fetch(`${srv.http}/api/traces/${id}`)).json()) as { data: any[] }).data[0];
    assert.equal(t.spans.length, 2);
    const db = t.spans.find((s: any) => s.operationName === 'db');
    assert.equal(db.tags.find((x: any) => x.key === 'db.statement').value, "SELECT 'x' -- \\ \t");
    assert.equal(t.processes[db.processID].serviceName, 'backend-flask');
    const services = ((await (await fetch(`${srv.http}/api/services`)).json()) as { data: string[] }).data;
    assert.ok(services.includes('backend-flask'));
    const tags = encodeURIComponent(JSON.stringify({ 'app.cached': 'true', 'http.response.status_code': '200' }));
    const found = ((await (await fetch(`${srv.http}/api/traces?service=backend-flask&tags=${tags}&lookback=1h`)).json()) as { data: any[] }).data;
    assert.deepEqual(found.map((x) => x.traceID), [id]);
  });

  it('replaces an in-progress X-Ray segment by its final version', async () => {
    const traceId = newXrayTraceId();
    const id = newSegmentId();
    const start = Date.now() / 1000;
    await sendDatagrams(srv.xrayPort, [datagram({ trace_id: traceId, id, name: 'xray-svc', start_time: start, in_progress: true })]);
    const w3c = traceId.slice(2).replace('-', '');
    const spans = async () => ((await (await fetch(`${srv.http}/api/traces/${w3c}`)).json()) as { data?: any[] }).data?.[0]?.spans ?? [];
    await eventually(async () => (await spans()).length === 1, 10_000, 'in-progress segment stored');
    await sendDatagrams(srv.xrayPort, [datagram({ trace_id: traceId, id, name: 'xray-svc', start_time: start, end_time: start + 0.25, http: { response: { status: 200 } } })]);
    const done = await eventually(async () => {
      const s = await spans();
      return s.length === 1 && s[0].duration === 250_000 ? s : null;
    }, 10_000, 'final segment replaces the in-progress one');
    assert.equal(done[0].spanID, id);
  });

  it('answers 503 + Retry-After while ClickHouse is down and stores the retried spans once it is back', async () => {
    await ch.kill();
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'down-svc' } }] }, scopeSpans: [{ spans: [{
      traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'while-down', kind: 2,
      startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n), endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n + 5_000_000n),
    }] }] }] });
    const post = () => fetch(`${srv.otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const down = await post();
    assert.equal(down.status, 503);
    assert.ok(Number(down.headers.get('retry-after')) > 0);
    const text = await down.text();
    assert.doesNotMatch(text, /DB::Exception|SELECT|INSERT|Code: \d+/);
    await ch.restart();
    const up = await eventually(async () => { const r = await post(); return r.status === 200 ? r : null; }, 20_000, 'accepted again');
    assert.equal(up.status, 200);
    const t = ((await (await fetch(`${srv.http}/api/traces/0af7651916cd43dd8448eb211c80319c`)).json()) as { data: any[] }).data[0];
    assert.equal(t.spans[0].operationName, 'while-down');
  });
});
