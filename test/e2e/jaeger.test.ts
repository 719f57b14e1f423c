/**
 * The real `jaeger-client` tracer with its two senders: UDPSender (its default: agent port 6832, binary
 * Thrift) and HTTPSender (collector `POST /api/traces`), sending to Honeyray; read back through the Jaeger
 * API field by field. Bad input on every Jaeger port; the server keeps serving.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import jaeger from 'jaeger-client';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { jaegerTrace, tagOf } from '../helpers/jaeger-read.js';

async function emit(srv: RunningServer, service: string, reporter: Record<string, unknown>) {
  const tracer = jaeger.initTracer(
    { serviceName: service, sampler: { type: 'const', param: 1 }, reporter: { flushIntervalMs: 50, ...reporter } },
    { tags: { 'deployment.environment': 'test' }, logger: { info: () => {}, error: (m: string) => { throw new Error(m); } } },
  );
  const root = tracer.startSpan('GET /api/jaeger', { tags: { 'span.kind': 'server', 'http.status_code': 200 } });
  const child = tracer.startSpan('query', { childOf: root, tags: { 'db.rows': 3, 'app.ratio': 0.25, 'app.cached': false } });
  child.log({ event: 'retry', attempt: 2 });
  child.setTag('error', true);
  child.finish();
  root.finish();
  await new Promise<void>((r) => tracer.close(() => r()));
  const ctx = (s: typeof root) => s.context() as unknown as { toTraceId(): string; toSpanId(): string };
  return { traceId: ctx(root).toTraceId().padStart(32, '0'), rootId: ctx(root).toSpanId().padStart(16, '0'), childId: ctx(child).toSpanId().padStart(16, '0') };
}

describe('Jaeger: jaeger-client -> Honeyray agent UDP and collector HTTP', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  const senders: [string, (s: RunningServer) => Record<string, unknown>][] = [
    ['UDP agent, binary Thrift (the default sender)', (s) => ({ agentHost: '127.0.0.1', agentPort: s.jaegerBinaryPort })],
    ['HTTP collector /api/traces', (s) => ({ collectorEndpoint: `http://127.0.0.1:${s.jaegerPort}/api/traces` })],
  ];
  for (const [name, reporter] of senders) {
    it(name, async () => {
      const svc = `jaeger-${name.startsWith('UDP') ? 'udp' : 'http'}`;
      const ids = await emit(srv, svc, reporter(srv));
      const t = await jaegerTrace(srv.http, ids.traceId, 2);
      assert.equal(t.spans.length, 2);
      const root = t.spans.find((s) => s.spanID === ids.rootId)!;
      const child = t.spans.find((s) => s.spanID === ids.childId)!;
      assert.equal(root.operationName, 'GET /api/jaeger');
      assert.equal(tagOf(root, 'span.kind'), 'server');
      assert.equal(tagOf(root, 'http.status_code'), 200);
      assert.deepEqual(child.references.map((r) => [r.refType, r.spanID]), [['CHILD_OF', ids.rootId]]);
      assert.equal(tagOf(child, 'db.rows'), 3);
      assert.equal(tagOf(child, 'app.ratio'), 0.25);
      assert.equal(tagOf(child, 'app.cached'), false);
      assert.equal(tagOf(child, 'otel.status_code'), 'ERROR');
      const log = child.logs[0]!;
      assert.equal(log.fields.find((f) => f.key === 'event')?.value, 'retry');
      assert.equal(log.fields.find((f) => f.key === 'attempt')?.value, 2);
      const proc = t.processes[child.processID]!;
      assert.equal(proc.serviceName, svc);
      assert.equal(tagOf(proc, 'deployment.environment'), 'test');
      assert.equal(tagOf(proc, 'jaeger.version') !== undefined, true, 'process tags from the client');
    });
  }

  it('bad input: 400/415 on the collector, logged datagrams on the agent ports; the server keeps serving', async () => {
    const url = `http://127.0.0.1:${srv.jaegerPort}/api/traces`;
    let r = await fetch(url, { method: 'POST', body: 'not thrift', headers: { 'content-type': 'application/x-thrift' } });
    assert.equal(r.status, 400);
    assert.doesNotMatch(await r.text(), /duckdb|SELECT/i);
    r = await fetch(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 415);
    const sock = createSocket('udp4');
    for (const port of [srv.jaegerCompactPort, srv.jaegerBinaryPort]) {
      await new Promise<void>((res) => sock.send(Buffer.from([0x82, 0x21, 0xff, 0xff]), port, '127.0.0.1', () => res()));
    }
    sock.close();
    const ids = await emit(srv, 'jaeger-after-bad', { agentHost: '127.0.0.1', agentPort: srv.jaegerBinaryPort });
    assert.equal((await jaegerTrace(srv.http, ids.traceId, 2)).spans.length, 2);
    assert.match(srv.logs(), /invalid datagram/);
  });
});
