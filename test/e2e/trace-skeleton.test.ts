/**
 * `GET /api/honeyray/traces/{id}/skeleton` against a real server: the columns match the full Jaeger answer
 * span for span, strings come once, the answer is compressed when asked, and bad ids and unknown traces
 * get the `/api/honeyray` error envelope.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { get, type IncomingMessage } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const TRACE = 'c0ffee00000000000000000000000001';
const NOW = BigInt(Date.now() - 60_000) * 1_000_000n;
const id = (i: number) => (0xe000000000000000n + BigInt(i)).toString(16);
/** 300 spans over 3 services, a 10-way tree, every 7th an error, with an attribute the skeleton leaves out. */
function body() {
  const bySvc: object[][] = [[], [], []];
  for (let i = 0; i < 300; i++) {
    const start = NOW + BigInt(i) * 1_000_000n;
    bySvc[i % 3]!.push({
      traceId: TRACE, spanId: id(i), ...(i ? { parentSpanId: id(Math.floor((i - 1) / 10)) } : {}), name: `op-${i % 5}`, kind: i ? 3 : 2,
      startTimeUnixNano: String(start), endTimeUnixNano: String(start + BigInt(2_000_000 + i * 1000)),
      attributes: [{ key: 'secret.detail', value: { stringValue: `value-${i}` } }],
      ...(i % 7 === 6 ? { status: { code: 2, message: 'boom' } } : {}),
    });
  }
  return { resourceSpans: bySvc.map((spans, k) => ({ resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${k}` } }] }, scopeSpans: [{ spans }] })) };
}

/** GET with an Accept-Encoding and the body as sent (fetch would decompress it). */
async function raw(url: string, accept: string) {
  const [res] = (await once(get(url, { headers: { 'accept-encoding': accept } }), 'response')) as [IncomingMessage];
  return { status: res.statusCode, headers: res.headers, body: await buffer(res) };
}

describe('trace skeleton endpoint', () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer();
    const r = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body: JSON.stringify(body()), headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 200, await r.text());
  });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  it('has every span of the full trace, with its ids, service, name, kind, status and times', async () => {
    const r = await fetch(`${srv.http}/api/honeyray/traces/${TRACE}/skeleton`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    const sk = (await r.json()) as Record<string, any>;
    assert.deepEqual(Object.keys(sk).sort(), ['durationUs', 'kind', 'length', 'name', 'parentSpanId', 'service', 'spanId', 'startUs', 'statusCode', 'strings', 'traceId']);
    assert.equal(sk.traceId, TRACE);
    assert.equal(sk.length, 300);
    for (const k of ['spanId', 'parentSpanId', 'service', 'name', 'kind', 'statusCode', 'startUs', 'durationUs']) assert.equal(sk[k].length, 300, k);
    assert.deepEqual([...sk.strings].sort(), ['op-0', 'op-1', 'op-2', 'op-3', 'op-4', 'svc-0', 'svc-1', 'svc-2'], 'each service and name once');
    assert.ok(!JSON.stringify(sk).includes('secret.detail'), 'no attributes');

    const full = ((await (await fetch(`${srv.http}/api/traces/${TRACE}`)).json()) as any).data[0];
    const bySpan = new Map<string, any>(full.spans.map((s: any) => [s.spanID, s]));
    const starts: number[] = sk.startUs;
    assert.deepEqual(starts, [...starts].sort((a, b) => a - b), 'in start order');
    for (let i = 0; i < 300; i++) {
      const j = bySpan.get(sk.spanId[i])!;
      assert.ok(j, `span ${sk.spanId[i]} is in the full trace`);
      assert.equal(sk.strings[sk.name[i]], j.operationName);
      assert.equal(sk.strings[sk.service[i]], full.processes[j.processID].serviceName);
      assert.equal(sk.parentSpanId[i], j.references.find((x: any) => x.refType === 'CHILD_OF')?.spanID ?? '');
      assert.equal(sk.startUs[i], j.startTime);
      assert.equal(sk.durationUs[i], j.duration);
      assert.equal(sk.statusCode[i] === 2, j.tags.some((t: any) => t.key === 'error' && t.value === true));
      assert.equal(sk.kind[i], i === 0 ? 2 : 3);
    }
  });

  it('is compressed when the client asks, and takes the other id forms', async () => {
    const br = await raw(`${srv.http}/api/honeyray/traces/${TRACE}/skeleton`, 'gzip, br');
    assert.equal(br.status, 200);
    assert.equal(br.headers['content-encoding'], 'br');
    const plain = await raw(`${srv.http}/api/honeyray/traces/${TRACE}/skeleton`, 'identity');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(JSON.parse(zlib.brotliDecompressSync(br.body).toString()), JSON.parse(plain.body.toString()));
    assert.ok(br.body.length < plain.body.length / 2, `${br.body.length} bytes compressed of ${plain.body.length}`);
    const upper = await fetch(`${srv.http}/api/honeyray/traces/${TRACE.toUpperCase()}/skeleton`);
    assert.equal(((await upper.json()) as { length: number }).length, 300);
  });

  it('answers 404 for an unknown trace and 400 for a bad id, in the /api/honeyray error envelope', async () => {
    const missing = await fetch(`${srv.http}/api/honeyray/traces/${'0'.repeat(31)}9/skeleton`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error: `trace not found: ${'0'.repeat(31)}9` });
    for (const bad of ['xyz', '123', `${TRACE}00`, "1'%20OR%201=1"]) {
      const r = await fetch(`${srv.http}/api/honeyray/traces/${bad}/skeleton`);
      assert.equal(r.status, 400, bad);
      const b = (await r.json()) as { error: string };
      assert.deepEqual(Object.keys(b), ['error']);
      assert.match(b.error, /^invalid trace id .*: want 32 or 16 hex chars or an X-Ray id$/);
    }
  });
});
