/** The Jaeger query API: ids in every form, search parameters, errors in Jaeger's envelope. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const NOW = BigInt(Date.now()) * 1_000_000n;
const span = (traceId: string, spanId: string, name: string, durMs: number, parent?: string, attrs: object[] = []) => ({
  traceId, spanId, ...(parent ? { parentSpanId: parent } : {}), name, kind: 2,
  startTimeUnixNano: String(NOW), endTimeUnixNano: String(NOW + BigInt(durMs) * 1_000_000n), attributes: attrs,
});
const T64 = '00000000000000001234567890abcdef';

describe('Jaeger API', () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer();
    const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'jaeger-svc' } }] }, scopeSpans: [{ spans: [
      span(T64, 'a000000000000001', 'root', 300),
      span(T64, 'a000000000000002', 'child', 20, 'a000000000000001', [{ key: 'db.system', value: { stringValue: 'postgresql' } }]),
      span('11111111111111111111111111111111', 'b000000000000001', 'fast', 1),
    ] }] }] };
    const r = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 200);
  });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  const get = async (path: string) => {
    const r = await fetch(srv.http + path);
    return { status: r.status, body: (await r.json()) as any };
  };

  it('accepts 32-hex and 16-hex ids and prints a 64-bit id as 16 hex, like Jaeger', async () => {
    for (const id of [T64, '1234567890abcdef', '1234567890ABCDEF']) {
      const r = await get(`/api/traces/${id}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.data[0].traceID, '1234567890abcdef');
      assert.equal(r.body.data[0].spans.length, 2);
    }
  });
  it('answers 404 and 400 in the Jaeger envelope', async () => {
    const missing = await get('/api/traces/ffffffffffffffffffffffffffffffff');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body.errors, [{ code: 404, msg: 'trace not found' }]);
    const bad = await get('/api/traces/not-an-id');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].code, 400);
    assert.equal((await get('/api/traces?service=jaeger-svc&minDuration=abc')).status, 400);
    assert.equal((await get('/api/traces?service=jaeger-svc&limit=-1')).status, 400);
    assert.equal((await get('/api/traces?tags=[1]')).status, 400);
  });
  it('searches by duration, tags (JSON, logfmt, tag=k:v), lookback and limit', async () => {
    const ids = async (q: string) => (await get(`/api/traces?${q}`)).body.data.map((t: any) => t.traceID).sort();
    assert.deepEqual(await ids('service=jaeger-svc&minDuration=100ms'), ['1234567890abcdef']);
    assert.deepEqual(await ids('service=jaeger-svc&maxDuration=5ms'), ['11111111111111111111111111111111']);
    assert.deepEqual(await ids(`service=jaeger-svc&tags=${encodeURIComponent('{"db.system":"postgresql"}')}`), ['1234567890abcdef']);
    assert.deepEqual(await ids('service=jaeger-svc&tags=db.system%3Dpostgresql'), ['1234567890abcdef']);
    assert.deepEqual(await ids('service=jaeger-svc&tag=db.system:postgresql'), ['1234567890abcdef']);
    assert.deepEqual(await ids('service=jaeger-svc&operation=fast'), ['11111111111111111111111111111111']);
    assert.deepEqual(await ids('service=jaeger-svc&lookback=1h'), ['11111111111111111111111111111111', '1234567890abcdef']);
    assert.equal((await ids('service=jaeger-svc&limit=1')).length, 1);
    const start = Number(NOW / 1000n) + 60_000_000;
    assert.deepEqual(await ids(`service=jaeger-svc&start=${start}`), []);
  });
  it('lists operations with span kinds', async () => {
    const r = await get('/api/operations?service=jaeger-svc&spanKind=server');
    assert.deepEqual(r.body.data.map((o: any) => o.name).sort(), ['child', 'fast', 'root']);
    assert.equal((await get('/api/operations')).status, 400);
  });

  it('exposes X-Ray filter parsing for editors, with the position of a mistake', async () => {
    const ok = await get(`/api/xray/filter?expression=${encodeURIComponent('service("backend-flask") { fault }')}`);
    assert.equal(ok.body.ok, true);
    assert.equal(ok.body.ast.kind, 'service');
    const bad = await get(`/api/xray/filter?expression=${encodeURIComponent('responsetime > AND ok')}`);
    assert.equal(bad.body.ok, false);
    assert.equal(bad.body.position, 15);
    assert.match(bad.body.caret, /\n {15}\^/);
  });
});
