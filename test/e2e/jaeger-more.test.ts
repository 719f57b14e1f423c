/**
 * The rest of the Jaeger query API (shapes as Jaeger's cmd/query/app http_handler.go and apiv3/http_gateway.go),
 * Honeyray's trace-summaries endpoint, and compression negotiated on every JSON answer; against a real server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { request } from 'node:http';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const NOW = BigInt(Date.now()) * 1_000_000n;
const kv = (key: string, v: string | number) => ({ key, value: typeof v === 'number' ? { intValue: v } : { stringValue: v } });
const span = (traceId: string, spanId: string, name: string, durMs: number, parent?: string, attrs: object[] = [], status = 0) => ({
  traceId, spanId, ...(parent ? { parentSpanId: parent } : {}), name, kind: 2,
  startTimeUnixNano: String(NOW), endTimeUnixNano: String(NOW + BigInt(durMs) * 1_000_000n), attributes: attrs,
  ...(status ? { status: { code: status } } : {}),
});
const T1 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
const T2 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2';
const resource = (service: string, spans: object[]) => ({ resource: { attributes: [kv('service.name', service)] }, scopeSpans: [{ scope: { name: 'test' }, spans }] });
const BODY = { resourceSpans: [
  resource('frontend', [span(T1, 'f000000000000001', 'GET /', 300), span(T2, 'f000000000000002', 'GET /slow', 900)]),
  resource('backend', [
    span(T1, 'b000000000000001', 'GET /api', 200, 'f000000000000001', [kv('user.handle', 'vir')]),
    span(T2, 'b000000000000002', 'GET /api', 800, 'f000000000000002', [kv('user.handle', 'londo'), kv('http.status_code', 500)], 2),
    // Lots of tags so answers are big enough to be compressed.
    span(T2, 'b000000000000003', 'SELECT', 50, 'b000000000000002', Array.from({ length: 40 }, (_, i) => kv(`db.extra.${i}`, `value number ${i}`))),
  ]),
] };

/** GET with Accept-Encoding and no automatic decompression: status, headers and the raw body. */
function raw(url: string, accept: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { 'accept-encoding': accept } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
}

describe('Jaeger API completeness, trace summaries, compression', () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer();
    const r = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body: JSON.stringify(BODY), headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 200);
  });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });
  const get = async (path: string) => {
    const r = await fetch(srv.http + path);
    return { status: r.status, text: await r.clone().text(), body: (await r.json()) as any };
  };

  it('/api/traces?traceID=a&traceID=b returns exactly those traces, misses in errors', async () => {
    const r = await get(`/api/traces?traceID=${T2}&traceID=${T1}&traceID=ffffffffffffffffffffffffffffffff`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data.map((t: any) => t.traceID), [T2, T1]);
    assert.deepEqual(r.body.errors, [{ msg: 'trace not found', traceID: 'ffffffffffffffffffffffffffffffff' }]);
    assert.equal((await get('/api/traces?traceID=zz')).status, 400);
  });

  it('/api/dependencies computes parent -> child service calls from spans', async () => {
    const r = await get(`/api/dependencies?endTs=${Date.now() + 60_000}&lookback=3600000`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.data, [{ parent: 'frontend', child: 'backend', callCount: 2 }]);
    assert.equal((await get('/api/dependencies?endTs=soon')).status, 400);
  });

  it('/api/metrics/* answers 501 as Jaeger does without a metrics store', async () => {
    for (const p of ['/api/metrics/calls?service=backend', '/api/metrics/errors?service=backend', '/api/metrics/minstep', '/api/metrics/latencies?service=backend&quantile=0.95']) {
      const r = await get(p);
      assert.equal(r.status, 501, p);
      assert.deepEqual(r.body, { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 501, msg: 'metrics querying is currently disabled' }] });
    }
    assert.equal((await get('/api/metrics/latencies?service=backend')).status, 400);
  });

  it('POST /api/transform turns OTLP JSON into Jaeger traces without storing them', async () => {
    const body = { resourceSpans: [resource('uploaded', [span('cccccccccccccccccccccccccccccccc', 'c000000000000001', 'upload', 5)])] };
    const r = await fetch(`${srv.http}/api/transform`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 200);
    const j = (await r.json()) as any;
    assert.equal(j.data[0].traceID, 'cccccccccccccccccccccccccccccccc');
    assert.equal(j.data[0].spans[0].operationName, 'upload');
    assert.equal(j.data[0].processes.p1.serviceName, 'uploaded');
    assert.equal((await get('/api/traces/cccccccccccccccccccccccccccccccc')).status, 404);
    const bad = await fetch(`${srv.http}/api/transform`, { method: 'POST', body: '{"resourceSpans": 3' });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as any).errors[0].code, 400);
  });

  it('api_v3: services, operations, trace by id and search in OTLP JSON; errors in grpc-gateway shape', async () => {
    assert.deepEqual((await get('/api/v3/services')).body, { services: ['backend', 'frontend'] });
    assert.deepEqual((await get('/api/v3/operations?service=backend&span_kind=server')).body, { operations: [{ name: 'GET /api', spanKind: 'server' }, { name: 'SELECT', spanKind: 'server' }] });
    const t = await get(`/api/v3/traces/${T1}`);
    assert.equal(t.status, 200);
    const rs = t.body.result.resourceSpans;
    assert.deepEqual(rs.map((r: any) => r.resource.attributes.find((a: any) => a.key === 'service.name').value.stringValue).sort(), ['backend', 'frontend']);
    const spans = rs.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans));
    assert.equal(spans.length, 2);
    assert.equal(spans.find((s: any) => s.name === 'GET /api').parentSpanId, 'f000000000000001');
    assert.equal(typeof spans[0].startTimeUnixNano, 'string');
    const min = new Date(Date.now() - 3_600_000).toISOString();
    const max = new Date(Date.now() + 60_000).toISOString();
    const found = await get(`/api/v3/traces?query.service_name=backend&query.start_time_min=${min}&query.start_time_max=${max}&query.duration_min=500ms`);
    assert.deepEqual([...new Set(found.body.result.resourceSpans.flatMap((r: any) => r.scopeSpans.flatMap((s: any) => s.spans.map((x: any) => x.traceId))))], [T2]);
    const missing = await get('/api/v3/traces/ffffffffffffffffffffffffffffffff');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { error: { httpCode: 404, message: 'trace not found' } });
    const bad = await get('/api/v3/traces?query.service_name=backend');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.httpCode, 400);
  });

  it('prettyPrint indents by four spaces; unknown /api/* paths answer 404 in the envelope', async () => {
    const r = await get('/api/services?prettyPrint=true');
    assert.match(r.text, /^\{\n {4}"data": \[/);
    assert.doesNotMatch((await get('/api/services?prettyPrint=false')).text, /\n/);
    const big = await get(`/api/traces/${T1}?prettyPrint=1`);
    assert.match(big.text, /\n {4}"data"/);
    const u = await get('/api/no-such-thing');
    assert.equal(u.status, 404);
    assert.deepEqual(u.body.errors, [{ code: 404, msg: '404 page not found: GET /api/no-such-thing' }]);
  });

  it('trace summaries: roots, counts, services, sort, any-span where, X-Ray filter, bad input', async () => {
    const r = await get('/api/honeyray/trace-summaries?sort=slowest&lookback=1h');
    assert.equal(r.status, 200);
    assert.equal(r.body.total, 2);
    assert.deepEqual(r.body.data[0], {
      traceId: T2, rootService: 'frontend', rootName: 'GET /slow', startUs: Number(NOW / 1000n), durationUs: 900_000,
      spanCount: 3, errorCount: 1, services: ['backend', 'frontend'],
    });
    const ids = async (q: string) => (await get(`/api/honeyray/trace-summaries?${q}`)).body.data.map((x: any) => x.traceId);
    assert.deepEqual(await ids(`tags=${encodeURIComponent('{"user.handle":"vir"}')}`), [T1]);
    assert.deepEqual(await ids(`where=${encodeURIComponent('{"key":"http.status_code","op":">=","value":500}')}`), [T2]);
    assert.deepEqual(await ids(`sort=fastest&where=${encodeURIComponent('{"or":[{"key":"user.handle","value":"vir"},{"key":"error","value":true}]}')}`), [T1, T2]);
    assert.deepEqual(await ids(`filter=${encodeURIComponent('responsetime > 0.5')}`), [T2]);
    for (const q of ['sort=sideways', 'where=%7B', 'where=%7B%22key%22%3A%22a%22%2C%22op%22%3A%22%3E%22%2C%22value%22%3A%22x%22%7D', 'filter=service(', 'minDuration=fast']) {
      const b = await get(`/api/honeyray/trace-summaries?${q}`);
      assert.equal(b.status, 400, q);
      assert.equal(typeof b.body.error, 'string');
    }
  });

  it('compresses JSON answers by Accept-Encoding (br preferred, gzip, none; q=0 refuses)', async () => {
    const url = `${srv.http}/api/traces/${T2}`;
    const plain = await raw(url, '');
    assert.equal(plain.headers['content-encoding'], undefined);
    const want = JSON.parse(plain.body.toString());
    // Past the 1 KiB below which nothing is compressed, and small enough to be compressed on the event loop
    // (http-util.ts SYNC_MAX_BYTES); the big trace below goes through the libuv pool.
    assert.ok(plain.body.length > 1024 && plain.body.length <= 16 * 1024, String(plain.body.length));
    const br = await raw(url, 'gzip, deflate, br');
    assert.equal(br.headers['content-encoding'], 'br');
    assert.deepEqual(JSON.parse((await promisify(zlib.brotliDecompress)(br.body)).toString()), want);
    assert.ok(br.body.length < plain.body.length);
    const gz = await raw(url, 'gzip;q=1, br;q=0');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(JSON.parse(zlib.gunzipSync(gz.body).toString()), want);
    assert.equal((await raw(url, 'identity')).headers['content-encoding'], undefined);
    assert.match(String(br.headers.vary), /Accept-Encoding/i);
  });

  it('a big trace (many appended batches: the engine writes its text) answers as the column path does, compressed', async () => {
    // One request per batch, each acknowledged (committed) before the next: 12 trace index rows, past
    // SMALL_READ_INDEX_ROWS, so /api/traces/{id} takes store/duckdb/trace-text.ts; ?traceID= takes columns.
    const T9 = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa9';
    for (let b = 0; b < 12; b++) {
      const spans = Array.from({ length: 20 }, (_, k) => {
        const i = b * 20 + k;
        const s = span(T9, (0x9000 + i).toString(16).padStart(16, '0'), i % 2 ? 'SELECT "x"' : 'GET /é', i + 1, i ? '0000000000009000' : undefined,
          [kv('db.statement', `SELECT ${i} -- 😀`), kv('batch.index', i)], i % 9 === 0 ? 2 : 0);
        return i % 10 === 3 ? { ...s, events: [{ timeUnixNano: String(NOW + 5n), name: 'exception', attributes: [kv('exception.message', 'boom')] }] } : s;
      });
      const body = { resourceSpans: [resource(b % 2 ? 'backend' : 'frontend', spans)] };
      const r = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 200);
    }
    const columns = await raw(`${srv.http}/api/traces?traceID=${T9}`, '');
    const br = await raw(`${srv.http}/api/traces/${T9}`, 'br, gzip');
    assert.equal(br.headers['content-encoding'], 'br');
    const text = (await promisify(zlib.brotliDecompress)(br.body)).toString();
    assert.equal(text, columns.body.toString());
    const doc = JSON.parse(text);
    assert.equal(doc.data[0].spans.length, 240);
    assert.equal(Object.keys(doc.data[0].processes).length, 2);
    assert.equal(doc.data[0].spans.filter((s: any) => s.logs.length).length, 24);
    const gz = await raw(`${srv.http}/api/traces/${T9}`, 'gzip');
    assert.equal(zlib.gunzipSync(gz.body).toString(), text);
    assert.equal((await raw(`${srv.http}/api/traces/${T9}`, '')).body.toString(), text);
    const pretty = await get(`/api/traces/${T9}?prettyPrint=true`);
    assert.deepEqual(pretty.body, doc);
  });
});
