/**
 * The real OTel JS gRPC exporter (@opentelemetry/exporter-trace-otlp-grpc), plain and gzip, with Honeycomb
 * headers as metadata, exporting to Honeyray's gRPC port; read back through the Jaeger API. Bad input from a
 * raw grpc-js client gets gRPC status codes and the server keeps serving; a request over
 * `--max-spans-per-request` gets INVALID_ARGUMENT naming the limit (not INTERNAL: it parsed fine). Clients are
 * given HTTP/2 windows wider than grpc-js's 64 KiB (otlp-grpc/flow-control.ts).
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { jaegerTrace } from '../helpers/jaeger-read.js';

/** A raw unary call to TraceService/Export with `body` as the request bytes. */
function rawExport(port: number, body: Buffer, metadata: Record<string, string> = {}): Promise<{ code: number; details: string; response?: Buffer }> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, md, (err, response) => {
      client.close();
      resolve(err ? { code: err.code, details: err.details } : { code: 0, details: '', response });
    });
  });
}

const MAX_SPANS = 10;

describe('OTLP/gRPC: @opentelemetry/exporter-trace-otlp-grpc -> Honeyray', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer({ args: ['--api-keys', 'grpc-key', '--max-body', '65536', '--max-spans-per-request', String(MAX_SPANS)] }); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  for (const compression of ['none', 'gzip'] as const) {
    it(`exports a trace (${compression}), with x-honeycomb-team and x-honeycomb-dataset as metadata`, async () => {
      const metadata = new grpc.Metadata();
      metadata.set('x-honeycomb-team', 'grpc-key');
      metadata.set('x-honeycomb-dataset', `grpc-${compression}`);
      const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${srv.grpcPort}`, metadata, compression: compression as never });
      const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'grpc-svc' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
      const tracer = provider.getTracer('grpc-e2e', '1.0.0');
      const root = tracer.startSpan('GET /grpc', { kind: SpanKind.SERVER, attributes: { 'http.response.status_code': 500 } });
      const child = tracer.startSpan('query', { kind: SpanKind.CLIENT, attributes: { 'db.rows': 7 } }, trace.setSpan(context.active(), root));
      child.addEvent('retry', { attempt: 2 });
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
      child.end();
      root.end();
      await provider.forceFlush();
      await provider.shutdown();

      const t = await jaegerTrace(srv.http, root.spanContext().traceId, 1, () => true, { 'x-honeycomb-team': 'grpc-key' });
      assert.equal(t.spans.length, 2);
      const c = t.spans.find((s) => s.operationName === 'query')!;
      assert.equal(c.spanID, child.spanContext().spanId);
      assert.deepEqual(c.references.map((r) => r.spanID), [root.spanContext().spanId]);
      const tag = (k: string) => c.tags.find((x) => x.key === k)?.value;
      assert.equal(tag('span.kind'), 'client');
      assert.equal(tag('db.rows'), 7);
      assert.equal(tag('otel.status_code'), 'ERROR');
      assert.equal(tag('otel.status_description'), 'boom');
      assert.deepEqual(c.logs[0]!.fields.find((f) => f.key === 'attempt')?.value, 2);
      assert.equal(t.processes[c.processID]!.serviceName, `grpc-${compression}`);
    });
  }

  it('bad input gets gRPC status codes and the server keeps serving', async () => {
    const key = { 'x-honeycomb-team': 'grpc-key' };
    assert.equal((await rawExport(srv.grpcPort, Buffer.alloc(0))).code, grpc.status.UNAUTHENTICATED);
    const wrong = await rawExport(srv.grpcPort, Buffer.alloc(0), { 'x-honeycomb-team': 'nope' });
    assert.deepEqual([wrong.code, wrong.details], [grpc.status.UNAUTHENTICATED, 'unknown API key - check your credentials']);
    const garbage = await rawExport(srv.grpcPort, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]), key);
    assert.equal(garbage.code, grpc.status.INTERNAL);
    assert.match(garbage.details, /^failed to parse OTLP request body/);
    assert.doesNotMatch(garbage.details, /SELECT|duckdb/i);
    const big = await rawExport(srv.grpcPort, Buffer.alloc(100_000), key);
    assert.equal(big.code, grpc.status.RESOURCE_EXHAUSTED);
    const empty = await rawExport(srv.grpcPort, Buffer.alloc(0), key);
    assert.deepEqual([empty.code, empty.response?.length], [0, 0], 'an empty request is a valid, empty export');
  });
  it('a request over --max-spans-per-request gets INVALID_ARGUMENT with the limit, nothing stored; at the limit is accepted', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'grpc-many' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
    const tracer = provider.getTracer('grpc-limits');
    const root = tracer.startSpan('root');
    for (let i = 0; i < MAX_SPANS; i++) tracer.startSpan(`child-${i}`, {}, trace.setSpan(context.active(), root)).end();
    root.end();
    await provider.forceFlush();
    const spans: ReadableSpan[] = memory.getFinishedSpans();
    assert.equal(spans.length, MAX_SPANS + 1);
    assert.equal(spans.at(-1)!.name, 'root', 'children end first');
    const traceId = root.spanContext().traceId;
    const key = { 'x-honeycomb-team': 'grpc-key' };

    const over = await rawExport(srv.grpcPort, Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!), key);
    assert.deepEqual([over.code, over.details], [grpc.status.INVALID_ARGUMENT,
      `too many spans in one request: ${MAX_SPANS + 1}, at most ${MAX_SPANS} (--max-spans-per-request); send smaller batches`]);
    // The real exporter sees a failed export (not retried: INVALID_ARGUMENT is not retryable in OTLP).
    const md = new grpc.Metadata();
    md.set('x-honeycomb-team', 'grpc-key');
    const real = new OTLPTraceExporter({ url: `http://127.0.0.1:${srv.grpcPort}`, metadata: md });
    const failed = await new Promise<ExportResult>((resolve) => real.export(spans, resolve));
    assert.equal(failed.code, ExportResultCode.FAILED);
    assert.match(String(failed.error), /too many spans in one request/);

    // At the limit (the ten children, not the root) is accepted, and the trace holds those ten only: the
    // refused requests, root included, stored nothing.
    const atLimit = await new Promise<ExportResult>((resolve) => real.export(spans.slice(0, MAX_SPANS), resolve));
    assert.equal(atLimit.code, ExportResultCode.SUCCESS, String(atLimit.error));
    await real.shutdown();
    await provider.shutdown();
    const t = await jaegerTrace(srv.http, traceId, MAX_SPANS, () => true, key);
    assert.deepEqual(t.spans.map((s) => s.operationName).sort(), spans.slice(0, MAX_SPANS).map((s) => s.name).sort());
  });
  it('gives each connection a 4 MiB stream window and a 16 MiB connection window, not HTTP/2\'s 64 KiB; odd connections do not upset it', async () => {
    const session = http2.connect(`http://127.0.0.1:${srv.grpcPort}`);
    try {
      // One empty Export, answered: the server's SETTINGS and WINDOW_UPDATE, sent when the connection opened,
      // came before its answer on the wire, so the client has applied them by now.
      const status = await new Promise<string | undefined>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export', 'content-type': 'application/grpc', te: 'trailers', 'x-honeycomb-team': 'grpc-key' });
        let grpcStatus: string | undefined;
        const read = (h: http2.IncomingHttpHeaders) => { grpcStatus ??= h['grpc-status'] as string | undefined; };
        stream.on('response', read).on('trailers', read).on('error', reject).on('close', () => resolve(grpcStatus));
        stream.resume();
        stream.end(Buffer.alloc(5));
      });
      assert.equal(status, '0');
      assert.equal(session.remoteSettings.initialWindowSize, 4 * 2 ** 20);
      assert.ok(session.state.remoteWindowSize! > 16 * 2 ** 20 - 65_536, `connection window ${session.state.remoteWindowSize}`);
    } finally {
      session.close();
    }
    // Connections that go away at once, or speak no HTTP/2, do not upset the session handler.
    for (const bytes of [Buffer.alloc(0), Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\xff\xff')]) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(srv.grpcPort, '127.0.0.1', () => socket.end(bytes));
        socket.on('error', () => resolve()).on('close', () => resolve());
        socket.resume();
      });
    }
    const after = await rawExport(srv.grpcPort, Buffer.alloc(0), { 'x-honeycomb-team': 'grpc-key' });
    assert.equal(after.code, 0);
  });
});
