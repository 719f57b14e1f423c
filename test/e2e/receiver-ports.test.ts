/**
 * The new receivers under a full write pipeline answer their protocol's "retry later" and lose nothing they
 * acknowledged; and every receiver port can be turned off with 0.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const zipkinSpans = (traceId: string) => JSON.stringify(Array.from({ length: 20 }, (_, i) => ({
  traceId, id: (i + 1).toString(16).padStart(16, '0'), name: 'op', timestamp: Date.now() * 1000, duration: 10, localEndpoint: { serviceName: 'bp' }, tags: { pad: 'x'.repeat(200) },
})));

describe('receivers: backpressure and ports', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer({ args: ['--max-queued-bytes', '4096'] }); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  it('Zipkin 503 + Retry-After and Events API 429 + Retry-After while full; accepted ones are stored', async () => {
    const sent = Array.from({ length: 40 }, (_, i) => ({ traceId: randomBytes(16).toString('hex'), events: i % 2 === 1 }));
    const results = await Promise.all(sent.map(async (s) => {
      const r = s.events
        ? await fetch(`${srv.otlp}/1/batch/bp`, { method: 'POST', body: JSON.stringify(JSON.parse(zipkinSpans(s.traceId)).map((z: { id: string }) => ({ data: { 'trace.trace_id': s.traceId, 'trace.span_id': z.id, pad: 'x'.repeat(200) } }))) })
        : await fetch(`http://127.0.0.1:${srv.zipkinPort}/api/v2/spans`, { method: 'POST', body: zipkinSpans(s.traceId), headers: { 'content-type': 'application/json' } });
      return { ...s, status: r.status, retryAfter: r.headers.get('retry-after') };
    }));
    const refused = results.filter((r) => r.status === (r.events ? 429 : 503));
    const ok = results.filter((r) => r.status === (r.events ? 200 : 202));
    assert.ok(refused.length > 0, 'some requests are refused');
    assert.ok(ok.length > 0, 'some requests are accepted');
    assert.equal(ok.length + refused.length, results.length, JSON.stringify(results.map((r) => r.status)));
    for (const r of refused) assert.equal(r.retryAfter, '1');
    for (const r of ok) {
      const t = (await (await fetch(`${srv.http}/api/traces/${r.traceId}`)).json()) as { data: { spans: unknown[] }[] };
      assert.equal(t.data[0]!.spans.length, 20);
    }
  });

  it('port 0 turns a receiver off', async () => {
    const off = await startServer({ args: ['--grpc-port', '0', '--zipkin-port', '0', '--jaeger-port', '0', '--jaeger-compact-port', '0', '--jaeger-binary-port', '0'] });
    try {
      assert.doesNotMatch(off.logs(), /Zipkin|gRPC|Jaeger/);
      for (const port of [off.grpcPort, off.zipkinPort, off.jaegerPort]) {
        const refused = await new Promise<boolean>((res) => {
          const c = createConnection(port, '127.0.0.1');
          c.once('connect', () => { c.destroy(); res(false); });
          c.once('error', () => res(true));
        });
        assert.ok(refused, `port ${port} is closed`);
      }
    } finally {
      await off.stop();
      removeDir(off.dataDir);
    }
  });
});
