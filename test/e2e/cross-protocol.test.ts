/**
 * One request crossing three services instrumented with three protocols is one trace: a Beeline service
 * (Honeycomb Events API) calls an OTel service (OTLP/gRPC) with a W3C `traceparent` header; the OTel service
 * calls a Zipkin service (Zipkin v2 JSON) with B3 headers. Each side extracts the context with its own
 * library, exactly as their HTTP middlewares do; the Jaeger API then returns one tree.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { ROOT_CONTEXT, SpanKind, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import beeline from 'honeycomb-beeline';
import { BatchRecorder, ExplicitContext, Instrumentation, Tracer, jsonEncoder, option } from 'zipkin';
import { HttpLogger } from 'zipkin-transport-http';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { jaegerTrace } from '../helpers/jaeger-read.js';

describe('a trace across the Events API, OTLP/gRPC and Zipkin', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  it('is one trace with the parent links the headers carried', async () => {
    // 1. The Beeline service starts the trace and calls out with traceparent.
    const bl = beeline({ writeKey: 'k', serviceName: 'cross-beeline', apiHost: srv.otlp, disableInstrumentation: true } as never);
    const root = bl.startTrace({ name: 'GET /home' })!;
    const outbound = { traceparent: bl.w3c.marshalTraceContext(bl.getTraceContext()) };

    // 2. The OTel service extracts it, handles the request and calls the Zipkin service with B3 headers.
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'cross-otel' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${srv.grpcPort}`, metadata: new grpc.Metadata() }))],
    });
    const tracer = provider.getTracer('cross');
    const incoming = new W3CTraceContextPropagator().extract(ROOT_CONTEXT, outbound, defaultTextMapGetter);
    const server = tracer.startSpan('handle /home', { kind: SpanKind.SERVER }, incoming);
    const client = tracer.startSpan('GET zipkin-svc', { kind: SpanKind.CLIENT }, trace.setSpan(incoming, server));
    const b3: Record<string, string> = {};
    new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }).inject(trace.setSpan(incoming, client), b3, defaultTextMapSetter);

    // 3. The Zipkin service's HTTP server instrumentation reads the B3 headers.
    const logger = new HttpLogger({ endpoint: `http://127.0.0.1:${srv.zipkinPort}/api/v2/spans`, jsonEncoder: jsonEncoder.JSON_V2, httpInterval: 50 });
    const ztracer = new Tracer({ ctxImpl: new ExplicitContext(), recorder: new BatchRecorder({ logger }), localServiceName: 'cross-zipkin', supportsJoin: false });
    const http = new Instrumentation.HttpServer({ tracer: ztracer, port: 8080 });
    let zipkinSpanId = '';
    ztracer.scoped(() => {
      const readHeader = (name: string) => { const v = b3[name.toLowerCase()]; return (v === undefined ? option.None : new option.Some(v)) as never; };
      const id = http.recordRequest('GET', 'http://zipkin-svc/api', readHeader);
      zipkinSpanId = id.spanId;
      http.recordResponse(id, '200');
    });

    client.end();
    server.end();
    bl.finishTrace(root);
    await Promise.all([bl.flush(), provider.forceFlush(), new Promise((r) => setTimeout(r, 300))]);
    await provider.shutdown();

    const traceId = root.payload['trace.trace_id'] as string;
    assert.equal(server.spanContext().traceId, traceId);
    const t = await jaegerTrace(srv.http, traceId, 4);
    const service = (s: { processID: string }) => t.processes[s.processID]!.serviceName;
    const by = new Map(t.spans.map((s) => [s.spanID, s]));
    assert.deepEqual(t.spans.map(service).sort(), ['cross-beeline', 'cross-otel', 'cross-otel', 'cross-zipkin']);
    const parentOf = (id: string) => by.get(id)!.references.find((r) => r.refType === 'CHILD_OF')?.spanID;
    assert.equal(parentOf(server.spanContext().spanId), root.payload['trace.span_id']);
    assert.equal(parentOf(client.spanContext().spanId), server.spanContext().spanId);
    assert.equal(parentOf(zipkinSpanId), client.spanContext().spanId);
  });
});
