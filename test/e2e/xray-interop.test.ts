/**
 * One request across both halves of the seed: it enters `backend-flask`, an express service instrumented
 * with the X-Ray SDK (segments over UDP to Honeyray's daemon port), which calls `activities-otel`, a
 * service instrumented with the OTel JS SDK (AWSXRayPropagator + AWSXRayIdGenerator, OTLP/HTTP to
 * Honeyray). The X-Ray SDK's captured outgoing call adds `X-Amzn-Trace-Id: Root=..;Parent=<subsegment>;
 * Sampled=1`; the OTel side extracts it (no HTTP auto-instrumentation package is installed: the server
 * span is started by hand from the extracted context, as an instrumentation would).
 *
 * Honeyray must show ONE trace: in the Jaeger API both services' spans, the OTel server span a child of
 * the X-Ray remote subsegment; in BatchGetTraces X-Ray documents for both (the SDK's own, and ones
 * synthesized from the OTel spans); in GetServiceGraph the edge between the two services.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import AWSXRay from 'aws-xray-sdk-core';
import xrayExpress from 'aws-xray-sdk-express';
import express from 'express';
import {
  BatchGetTracesCommand, GetServiceGraphCommand, GetTraceGraphCommand, GetTraceSummariesCommand, type XRayClient,
} from '@aws-sdk/client-xray';
import { eventually, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { exposeTraceId, inMinutes, listen, minutesAgo, pointXraySdkAt, quietXrayLogger, traceIdOf, xrayClient } from '../helpers/xray.js';

type Doc = Record<string, any>;

describe('X-Ray SDK service -> OTel service: one trace in Honeyray', () => {
  let srv: RunningServer;
  let xray: XRayClient;
  let provider: NodeTracerProvider;
  const closers: (() => Promise<void>)[] = [];
  let traceId = ''; // X-Ray form
  let received = ''; // X-Amzn-Trace-Id as the OTel service got it

  before(async () => {
    srv = await startServer();
    xray = xrayClient(srv.xrayPort);

    // activities-otel: OTel JS SDK, X-Ray propagation and ids, OTLP/HTTP to Honeyray.
    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'activities-otel' }),
      idGenerator: new AWSXRayIdGenerator(),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${srv.otlp}/v1/traces` }))],
    });
    const tracer = provider.getTracer('interop-test');
    const propagator = new AWSXRayPropagator();
    const otel = await listen((req, res) => {
      received = String(req.headers['x-amzn-trace-id'] ?? '');
      const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
      const span = tracer.startSpan('GET /api/activities', {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': 'GET', 'url.path': '/api/activities', 'url.scheme': 'http', 'server.address': '127.0.0.1' },
      }, parent);
      const ctx = trace.setSpan(parent, span);
      const db = tracer.startSpan('db-query', { attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT 1', 'app.result_length': 3 } }, ctx);
      setTimeout(() => {
        db.end();
        span.setAttribute('http.response.status_code', 200);
        span.setStatus({ code: SpanStatusCode.OK });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify([{ uuid: '1' }]));
        span.end();
      }, 3);
    });
    closers.push(otel.close);

    // backend-flask: express + X-Ray SDK, every request sampled, the call captured with its header.
    AWSXRay.setLogger(quietXrayLogger);
    pointXraySdkAt(AWSXRay, srv.xrayPort);
    AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
    AWSXRay.middleware.disableCentralizedSampling();
    AWSXRay.middleware.setSamplingRules({ version: 2, default: { fixed_target: 0, rate: 1 } });
    const xhttp = AWSXRay.captureHTTPs(http, true);
    const app = express();
    app.use(xrayExpress.openSegment('backend-flask'));
    app.use(exposeTraceId(() => AWSXRay.getSegment()));
    app.get('/api/activities/home', (_req, res) => {
      xhttp.get(`${otel.url}/api/activities`, (r) => {
        let body = '';
        r.on('data', (d) => (body += d));
        r.on('end', () => res.json({ upstream: JSON.parse(body) }));
      });
    });
    app.use(xrayExpress.closeSegment());
    const backend = await listen(app as unknown as http.RequestListener);
    closers.push(backend.close);

    const r = await fetch(`${backend.url}/api/activities/home`);
    assert.equal(r.status, 200);
    await r.arrayBuffer();
    traceId = traceIdOf(r).root;
    await provider.forceFlush();
    await eventually(async () => {
      const t = await (await fetch(`${srv.http}/api/traces/${traceId}`)).json() as { data?: any[] };
      return t.data?.[0]?.spans?.length === 4 ? true : null;
    }, 10_000, 'the 4 spans of the trace');
  });

  after(async () => {
    for (const c of closers) await c();
    await provider?.shutdown();
    xray?.destroy();
    if (srv) {
      await srv.stop();
      removeDir(srv.dataDir);
    }
  });

  it('the X-Ray SDK propagated X-Amzn-Trace-Id to the OTel service', () => {
    assert.match(received, new RegExp(`^Root=${traceId};Parent=[0-9a-f]{16};Sampled=1$`));
  });

  it('Jaeger API: one trace, the OTel server span a child of the X-Ray remote subsegment', async () => {
    const t = ((await (await fetch(`${srv.http}/api/traces/${traceId}`)).json()) as { data: any[] }).data[0];
    assert.equal(t.traceID, traceId.slice(2).replace('-', ''));
    const byName = new Map<string, any>(t.spans.map((s: any) => [s.operationName, s]));
    const segment = byName.get('GET /api/activities/home');
    const call = byName.get('127.0.0.1');
    const server = byName.get('GET /api/activities');
    const db = byName.get('db-query');
    assert.ok(segment && call && server && db, `spans: ${[...byName.keys()]}`);
    const service = (s: any) => t.processes[s.processID].serviceName;
    assert.deepEqual([segment, call, server, db].map(service), ['backend-flask', 'backend-flask', 'activities-otel', 'activities-otel']);
    assert.deepEqual(segment.references, []);
    assert.equal(call.references[0].spanID, segment.spanID);
    assert.equal(server.references[0].spanID, call.spanID);
    assert.equal(server.references[0].spanID, /Parent=([0-9a-f]{16})/.exec(received)![1]);
    assert.equal(db.references[0].spanID, server.spanID);
  });

  it('BatchGetTraces: the SDK document for backend-flask, a synthesized one for activities-otel', async () => {
    const out = await xray.send(new BatchGetTracesCommand({ TraceIds: [traceId] }));
    assert.equal(out.Traces!.length, 1);
    const docs = out.Traces![0]!.Segments!.map((s) => ({ id: s.Id, doc: JSON.parse(s.Document!) as Doc }));
    assert.equal(docs.length, 2);
    for (const d of docs) assert.equal(d.id, d.doc.id);
    const x = docs.find((d) => d.doc.name === 'backend-flask')!.doc;
    const o = docs.find((d) => d.doc.name === 'activities-otel')!.doc;
    assert.ok(x && o);
    const call = x.subsegments.find((s: Doc) => s.namespace === 'remote');
    assert.equal(call.name, '127.0.0.1');
    assert.equal(x.aws.xray.sdk, 'X-Ray for Node.js');
    // The synthesized segment: same trace, parent = the remote subsegment, its child as a subsegment.
    assert.equal(o.trace_id, traceId);
    assert.equal(o.parent_id, call.id);
    assert.ok(o.end_time >= o.start_time && o.start_time >= x.start_time);
    assert.equal(o.http.request.method, 'GET');
    assert.equal(o.http.response.status, 200);
    assert.equal(o.subsegments.length, 1);
    assert.equal(o.subsegments[0].name, 'db-query');
    assert.equal(o.subsegments[0].sql.sanitized_query, 'SELECT 1');
    assert.equal(o.subsegments[0].sql.database_type, 'postgresql');
    // An attribute whose key X-Ray could not filter on (it has a dot) goes to metadata.
    assert.equal(o.subsegments[0].metadata.default['app.result_length'], 3);
  });

  it('GetServiceGraph and GetTraceGraph: the edge backend-flask -> activities-otel', async () => {
    for (const out of [
      await xray.send(new GetServiceGraphCommand({ StartTime: minutesAgo(5), EndTime: inMinutes(1) })),
      await xray.send(new GetTraceGraphCommand({ TraceIds: [traceId] })),
    ]) {
      const byName = new Map(out.Services!.map((s) => [s.Name!, s]));
      const backend = byName.get('backend-flask');
      const otel = byName.get('activities-otel');
      assert.ok(backend && otel, `services: ${[...byName.keys()]}`);
      const edge = backend.Edges!.find((e) => e.ReferenceId === otel.ReferenceId);
      assert.ok(edge, 'backend-flask -> activities-otel');
      assert.equal(edge.SummaryStatistics?.TotalCount, 1);
      assert.equal(otel.SummaryStatistics?.TotalCount, 1);
      assert.equal(otel.Root, false);
      // The call reached a traced service: no extra inferred node for the host.
      assert.ok(!byName.has('127.0.0.1'), 'no inferred remote node');
      const client = out.Services!.find((s) => s.Type === 'client');
      assert.ok(client?.Edges!.some((e) => e.ReferenceId === backend.ReferenceId));
    }
  });

  it('GetTraceSummaries: both services in the trace, filters across them', async () => {
    const sum = async (FilterExpression: string) =>
      (await xray.send(new GetTraceSummariesCommand({ StartTime: minutesAgo(5), EndTime: inMinutes(1), FilterExpression }))).TraceSummaries ?? [];
    const s = await sum('service("activities-otel")');
    assert.deepEqual(s.map((x) => x.Id), [traceId]);
    assert.deepEqual(s[0]!.ServiceIds!.map((x) => x.Name).sort(), ['activities-otel', 'backend-flask']);
    assert.equal(s[0]!.EntryPoint?.Name, 'backend-flask');
    assert.deepEqual((await sum('edge("backend-flask", "activities-otel")')).map((x) => x.Id), [traceId]);
    assert.deepEqual((await sum('service("backend-flask") AND service("activities-otel")')).map((x) => x.Id), [traceId]);
  });
});
