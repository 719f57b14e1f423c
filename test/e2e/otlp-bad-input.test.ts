/** Bad OTLP requests each get the right status and body, and the server keeps serving. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const PB = readFileSync('test/fixtures/wire/otel/001_proto.pb');
const JSON_BODY = readFileSync('test/fixtures/wire/otel/002_json.json', 'utf8');

async function post(url: string, body: BodyInit | null, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', body, headers });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type') ?? '', retryAfter: res.headers.get('retry-after'), text: buf.toString('utf8'), buf };
}

describe('OTLP receiver: bad input', () => {
  let srv: RunningServer;
  let url: string;
  before(async () => {
    srv = await startServer({ args: ['--max-body', '65536'] });
    url = `${srv.otlp}/v1/traces`;
  });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  const proto = { 'content-type': 'application/x-protobuf' };
  const json = { 'content-type': 'application/json' };

  it('random bytes -> 400 google.rpc.Status (protobuf)', async () => {
    const r = await post(url, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x99, 0x01, 0x02]), proto);
    assert.equal(r.status, 400);
    assert.equal(r.type, 'application/x-protobuf');
    assert.match(r.text, /failed to parse OTLP request body/);
  });
  it('truncated protobuf -> 400', async () => {
    const r = await post(url, PB.subarray(0, PB.length - 7), proto);
    assert.equal(r.status, 400);
  });
  it('malformed JSON -> 400 JSON Status', async () => {
    const r = await post(url, '{"resourceSpans": [', json);
    assert.equal(r.status, 400);
    assert.equal(r.type, 'application/json');
    assert.match(JSON.parse(r.text).message, /failed to parse OTLP request body/);
  });
  it('wrong types in JSON -> 400', async () => {
    const r = await post(url, '{"resourceSpans": 5}', json);
    assert.equal(r.status, 400);
    const r2 = await post(url, '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"635284f42170524f0c18ca9cf2854bbf","spanId":"216d7bbf051809ad","name":12}]}]}]}', json);
    assert.equal(r2.status, 400);
  });
  it('invalid ids -> 200 with partial_success.rejected_spans, valid spans kept', async () => {
    const body = JSON.parse(JSON_BODY);
    const spans = body.resourceSpans[0].scopeSpans[0].spans;
    const n = spans.length;
    spans[0].traceId = 'not-hex';
    spans[1].spanId = '00000000000000';
    const r = await post(url, JSON.stringify(body), json);
    assert.equal(r.status, 200);
    const resp = JSON.parse(r.text);
    assert.equal(String(resp.partialSuccess.rejectedSpans), '2');
    assert.match(resp.partialSuccess.errorMessage, /id/);
    const traceId = spans[2].traceId;
    const t = (await (await fetch(`${srv.http}/api/traces/${traceId}`)).json()) as { data: any[] };
    assert.equal(t.data[0].spans.filter((s: any) => s.spanID === spans[2].spanId).length, 1);
    assert.ok(n > 2);
  });
  it('unknown content type -> 415 text/plain', async () => {
    const r = await post(url, 'hello', { 'content-type': 'text/plain' });
    assert.equal(r.status, 415);
    assert.match(r.type, /^text\/plain/);
    assert.equal(r.text, 'unsupported content-type, valid types are: application/protobuf, application/x-protobuf, application/json');
  });
  it('oversize body -> 413, with and without content-length', async () => {
    const big = Buffer.alloc(70_000, 1);
    assert.equal((await post(url, big, proto)).status, 413);
    const stream = new ReadableStream({ start(c) { c.enqueue(big); c.close(); } });
    const r = await fetch(url, { method: 'POST', body: stream, headers: proto, duplex: 'half' } as RequestInit);
    assert.equal(r.status, 413);
  });
  it('gzip bomb past the limit -> 413', async () => {
    const r = await post(url, gzipSync(Buffer.alloc(1_000_000)), { ...proto, 'content-encoding': 'gzip' });
    assert.equal(r.status, 413);
  });
  it('corrupt gzip -> 400', async () => {
    const gz = gzipSync(PB);
    gz[20] ^= 0xff;
    gz[21] ^= 0xff;
    const r = await post(url, gz, { ...proto, 'content-encoding': 'gzip' });
    assert.equal(r.status, 400);
  });
  it('deflate bodies are accepted (zlib and raw deflate)', async () => {
    const { deflateSync, deflateRawSync } = await import('node:zlib');
    assert.equal((await post(url, deflateSync(PB), { ...proto, 'content-encoding': 'deflate' })).status, 200);
    assert.equal((await post(url, deflateRawSync(Buffer.from(JSON_BODY)), { ...json, 'content-encoding': 'deflate' })).status, 200);
  });
  it('the 400 Status carries the gRPC code Honeycomb uses (13, INTERNAL)', async () => {
    const r = await post(url, '{"resourceSpans": 5}', json);
    assert.equal(JSON.parse(r.text).code, 13);
  });
  it('unknown content-encoding -> 415', async () => {
    assert.equal((await post(url, PB, { ...proto, 'content-encoding': 'br' })).status, 415);
  });
  it('empty body: protobuf is an empty request (200), JSON is unparseable (400)', async () => {
    assert.equal((await post(url, Buffer.alloc(0), proto)).status, 200);
    assert.equal((await post(url, '', json)).status, 400);
  });
  it('keeps serving after all of that', async () => {
    const r = await post(url, PB, proto);
    assert.equal(r.status, 200);
    const h = await fetch(`${srv.http}/healthz`);
    assert.equal(h.status, 200);
  });
  it('answers CORS preflight for browsers', async () => {
    const r = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.match(r.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.equal(r.headers.get('access-control-allow-headers'), 'content-type');
  });
});

describe('OTLP receiver: API keys', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer({ env: { HONEYRAY_API_KEYS: 'k1,k2' } }); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  it('401 without x-honeycomb-team, 401 with an unknown key, 200 with a known one', async () => {
    const url = `${srv.otlp}/v1/traces`;
    const miss = await post(url, JSON_BODY, { 'content-type': 'application/json' });
    assert.equal(miss.status, 401);
    assert.equal(JSON.parse(miss.text).message, "missing 'x-honeycomb-team' header");
    assert.equal((await post(url, JSON_BODY, { 'content-type': 'application/json', 'x-honeycomb-team': 'nope' })).status, 401);
    assert.equal((await post(url, JSON_BODY, { 'content-type': 'application/json', 'x-honeycomb-team': 'k2' })).status, 200);
  });
  it('x-honeycomb-dataset overrides service.name', async () => {
    const r = await post(`${srv.otlp}/v1/traces`, PB, { 'content-type': 'application/x-protobuf', 'x-honeycomb-team': 'k1', 'x-honeycomb-dataset': 'my-dataset' });
    assert.equal(r.status, 200);
    const s = (await (await fetch(`${srv.http}/api/services`, { headers: { 'x-honeycomb-team': 'k1' } })).json()) as { data: string[] };
    assert.ok(s.data.includes('my-dataset'));
  });
});
