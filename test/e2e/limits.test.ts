/**
 * Limits against slow and greedy clients: headers and bodies that trickle in get 408 and the connection
 * closes (a raw socket, as an attacker sends them), idle keep-alive connections are closed, oversize
 * headers get 431, and every search API refuses a `limit` over the cap with a 400 that says why. The
 * server keeps serving throughout. Timeouts are set short by flag so the test takes seconds.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BatchGetTracesCommand, GetTraceGraphCommand } from '@aws-sdk/client-xray';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { xrayClient } from '../helpers/xray.js';

/** Everything the server sends until it closes the socket (or `deadlineMs` passes: then `closed` is false). */
function collect(sock: Socket, deadlineMs: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    let text = '';
    const t = setTimeout(() => { sock.destroy(); resolve({ text, closed: false }); }, deadlineMs);
    sock.on('data', (d) => (text += d));
    sock.on('error', () => undefined);
    sock.on('close', () => { clearTimeout(t); resolve({ text, closed: true }); });
  });
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes `parts` one every `everyMs` while the socket is open. */
function trickle(sock: Socket, parts: string[], everyMs: number): NodeJS.Timeout {
  let i = 0;
  const timer = setInterval(() => {
    if (sock.destroyed || i >= parts.length) return clearInterval(timer);
    sock.write(parts[i++]!);
  }, everyMs);
  return timer;
}

describe('limits: slow clients, idle connections, header size, search limits', () => {
  let srv: RunningServer;

  before(async () => {
    srv = await startServer({ args: ['--headers-timeout', '2s', '--request-timeout', '3s', '--keep-alive-timeout', '1s'] });
  });

  after(async () => {
    if (srv) await srv.stop();
    if (srv) removeDir(srv.dataDir);
  });

  it('headers sent slowly: 408 and the connection closes', async () => {
    for (const port of [srv.httpPort, srv.otlpPort, srv.zipkinPort]) {
      const sock = await open(port);
      sock.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\n');
      const timer = trickle(sock, Array.from({ length: 40 }, (_, i) => `X-Slow-${i}: a\r\n`), 250);
      const r = await collect(sock, 8_000);
      clearInterval(timer);
      assert.ok(r.closed, `port ${port}: still open after 8 s with a 2 s headers timeout`);
      assert.match(r.text, /^HTTP\/1\.1 408/, `port ${port}: ${r.text.slice(0, 80)}`);
    }
  });

  it('a body sent slowly: 408 and the connection closes', async () => {
    const sock = await open(srv.otlpPort);
    sock.write('POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
    const timer = trickle(sock, Array.from({ length: 100 }, () => '          '), 250);
    const r = await collect(sock, 9_000);
    clearInterval(timer);
    assert.ok(r.closed, 'still open after 9 s with a 3 s request timeout');
    assert.match(r.text, /^HTTP\/1\.1 408/);
  });

  it('an idle keep-alive connection is closed', async () => {
    const sock = await open(srv.httpPort);
    sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    const r = await collect(sock, 8_000);
    assert.match(r.text, /^HTTP\/1\.1 200/);
    assert.ok(r.closed, 'an idle connection stayed open 8 s with a 1 s keep-alive timeout');
  });

  it('a header over 32 KiB: 431', async () => {
    const r = await fetch(`${srv.http}/api/services`, { headers: { 'x-big': 'a'.repeat(40 * 1024) } }).catch((e: Error) => e);
    if (r instanceof Error) assert.fail(`request failed: ${r.message}`);
    assert.equal(r.status, 431);
  });

  it('limit over the cap: 400 with the reason on every search API', async () => {
    const jaeger = await fetch(`${srv.http}/api/traces?service=a&limit=10000`);
    assert.equal(jaeger.status, 400);
    const body = (await jaeger.json()) as { errors: { msg: string }[] };
    assert.match(body.errors[0]!.msg, /'limit' is at most 1500, got 10000/);
    assert.equal((await fetch(`${srv.http}/api/traces?service=a&limit=1500`)).status, 200);
    const v3 = await fetch(`${srv.http}/api/v3/traces?query.service_name=a&query.start_time_min=2026-01-01T00:00:00Z&query.start_time_max=2026-01-02T00:00:00Z&query.num_traces=5000`);
    assert.equal(v3.status, 400);
    assert.match(await v3.text(), /query\.num_traces' is at most 1500/);
    const sums = await fetch(`${srv.http}/api/honeyray/trace-summaries?limit=99999`);
    assert.equal(sums.status, 400);
    assert.match(await sums.text(), /at most 1500/);
    const zipkin = await fetch(`http://127.0.0.1:${srv.zipkinPort}/api/v2/traces?serviceName=a&limit=5000`);
    assert.equal(zipkin.status, 400);
    assert.match(await zipkin.text(), /at most 1500/);
    assert.equal((await fetch(`${srv.http}/healthz`)).status, 200);
  });

  it('X-Ray BatchGetTraces and GetTraceGraph take at most 5 trace ids (as AWS documents), through the AWS SDK', async () => {
    const xray = xrayClient(srv.xrayPort);
    const ids = Array.from({ length: 6 }, (_, i) => `1-6560c2a0-${String(i).padStart(24, '0')}`);
    for (const cmd of [new BatchGetTracesCommand({ TraceIds: ids }), new GetTraceGraphCommand({ TraceIds: ids })]) {
      const err = await xray.send(cmd as never).then(() => null, (e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
      assert.ok(err, `${cmd.constructor.name}: 6 trace ids accepted`);
      assert.equal(err.name, 'InvalidRequestException');
      assert.equal(err.$metadata?.httpStatusCode, 400);
      assert.match(err.message, /at most 5 trace ids per call, got 6/);
    }
    const five = await xray.send(new BatchGetTracesCommand({ TraceIds: ids.slice(0, 5) }));
    assert.equal(five.UnprocessedTraceIds?.length, 5);
  });

  it('Honeycomb query results: limit over 10,000 is a 400 in Honeycomb\'s problem JSON', async () => {
    const post = (path: string, body: unknown) => fetch(`${srv.http}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const span = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'op', startTimeUnixNano: `${Date.now()}000000`, endTimeUnixNano: `${Date.now() + 1}000000` };
    const sent = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ds' } }] }, scopeSpans: [{ spans: [span] }] }] }) });
    assert.equal(sent.status, 200);
    const created = await post('/1/queries/ds', { time_range: 3600, calculations: [{ op: 'COUNT' }] });
    assert.equal(created.status, 200);
    const id = ((await created.json()) as { id: string }).id;
    const r = await post('/1/query_results/ds', { query_id: id, disable_series: true, limit: 10_001 });
    assert.equal(r.status, 400);
    assert.match(await r.text(), /limit.*between 1 and 10000/);
    assert.equal((await post('/1/queries/ds', { time_range: 3600, limit: 10_001 })).status, 400);
  });
});
