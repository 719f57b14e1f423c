/**
 * Issue 11 item 0, as an attacker would try it against a running server: SQL injection through X-Ray filter
 * expressions, attribute keys that once poisoned ingest (`user.id` then `User.Id`, NUL), and an end time of
 * 2^63-1 that once made summaries and the service graph answer 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const NOW_S = Math.floor(Date.now() / 1000);

function otlp(traceId: string, spanId: string, attrs: Record<string, string | number>, opts: { service?: string; endNs?: string } = {}) {
  const start = BigInt(NOW_S - 5) * 1_000_000_000n;
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: opts.service ?? 'victim' } }] },
      scopeSpans: [{ spans: [{
        traceId, spanId, name: 'op', kind: 2, startTimeUnixNano: String(start), endTimeUnixNano: opts.endNs ?? String(start + 2_000_000n),
        attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } })),
      }] }],
    }],
  });
}

describe('hardening: injection, poison keys, poison values', () => {
  let srv: RunningServer;
  const send = async (body: string) => {
    const r = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    return { status: r.status, text: await r.text() };
  };
  const xray = async (path: string, body: unknown) => {
    const r = await fetch(`${srv.http}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  const range = { StartTime: NOW_S - 3600, EndTime: NOW_S + 60 };

  // The key-flood cases send 5,000 keys on one span: past --max-attributes-per-span (2,000), which span-limits.test.ts covers.
  const args = ['--max-attributes-per-span', '0'];
  before(async () => { srv = await startServer({ args }); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  it('a filter expression cannot break out of its string literals', async () => {
    assert.equal((await send(otlp('11111111111111111111111111111111', '1111111111111111', { 'x.y': 'v', 'app.k': 'secret', k: '{{attr:x.y}}' }))).status, 200);
    assert.equal((await send(otlp('22222222222222222222222222222222', '2222222222222222', { 'x.y': 'w' }, { service: 'other' }))).status, 200);
    // The payload that once returned every trace of a service that does not exist.
    const attacks = [
      `service("nope") OR annotation.x_y = "{{attr:x.y}}" OR service(") ))) OR 1=1 --")`,
      `service("{{attr:app.k}}") OR service("')) OR TRUE OR (('")`,
      `annotation.x_y = "{{attr:x.y}}" AND service("x"); COPY (SELECT 1) TO '/tmp/honeyray-pwned.csv'; --")`,
    ];
    for (const FilterExpression of attacks) {
      const r = await xray('/TraceSummaries', { ...range, FilterExpression });
      assert.ok(r.status === 200 || r.status === 400, `${r.status} for ${FilterExpression}`);
      if (r.status === 200) assert.deepEqual(r.json.TraceSummaries, [], FilterExpression);
    }
    // Placeholder-looking text is text: it matches itself, and only itself.
    const literal = await xray('/TraceSummaries', { ...range, FilterExpression: 'annotation.k = "{{attr:x.y}}"' });
    assert.equal((literal.json.TraceSummaries as unknown[]).length, 1);
    const other = await xray('/TraceSummaries', { ...range, FilterExpression: 'annotation.k = "{{attr:app.k}}"' });
    assert.equal((other.json.TraceSummaries as unknown[]).length, 0);
    // A real match still works.
    const ok = await xray('/TraceSummaries', { ...range, FilterExpression: 'service("other")' });
    assert.equal((ok.json.TraceSummaries as unknown[]).length, 1);
  });

  it('keys that differ only in case or hold NUL never block ingest, also after a restart', async () => {
    const statuses: number[] = [];
    statuses.push((await send(otlp('33333333333333333333333333333333', '3333333333333331', { 'user.id': 'a' }))).status);
    statuses.push((await send(otlp('33333333333333333333333333333333', '3333333333333332', { 'User.Id': 'b' }))).status);
    const nul = await send(otlp('33333333333333333333333333333333', '3333333333333333', { 'bad\u0000key': 'c' }));
    statuses.push(nul.status);
    assert.doesNotMatch(nul.text, /SELECT|INSERT|ALTER|DuckDB|Binder|Catalog/i);
    for (let i = 0; i < 5; i++) statuses.push((await send(otlp('33333333333333333333333333333333', `444444444444444${i}`, { 'USER.ID': i, 'user.Id': `x${i}` }))).status);
    assert.deepEqual(statuses, statuses.map(() => 200));
    const code = await srv.stop();
    assert.equal(code, 0);
    srv = await startServer({ dataDir: srv.dataDir, args });
    assert.equal((await send(otlp('33333333333333333333333333333333', '5555555555555555', { 'user.id': 'after', 'User.Id': 'restart' }))).status, 200);
    const r = await fetch(`${srv.http}/api/traces/33333333333333333333333333333333`);
    const spans = ((await r.json()) as { data: { spans: { spanID: string; tags: { key: string; value: unknown }[] }[] }[] }).data[0]!.spans;
    assert.equal(spans.length, 9);
    const last = spans.find((s) => s.spanID === '5555555555555555')!;
    const tags = Object.fromEntries(last.tags.map((t) => [t.key, t.value]));
    assert.equal(tags['user.id'], 'after');
    assert.equal(tags['User.Id'], 'restart');
  });

  it('a request with 5,000 new keys is stored at once, past keys in the overflow, and others still get columns', async () => {
    const attrs: Record<string, string> = {};
    for (let i = 0; i < 5000; i++) attrs[`flood.k${i}`] = `v${i}`;
    const columnsBefore = ((await (await fetch(`${srv.http}/api/honeyray/stats`)).json()) as { columns: number }).columns;
    assert.equal((await send(otlp('77777777777777777777777777777777', '7777777777777777', attrs))).status, 200);
    assert.equal((await send(otlp('77777777777777777777777777777777', '7777777777777778', { 'after.flood': 'yes' }))).status, 200);
    const stats = (await (await fetch(`${srv.http}/api/honeyray/stats`)).json()) as { columns: number };
    assert.ok(stats.columns - columnsBefore <= 65, `${stats.columns - columnsBefore} new columns`);
    const r = await fetch(`${srv.http}/api/traces/77777777777777777777777777777777`);
    const spans = ((await r.json()) as { data: { spans: { spanID: string; tags: { key: string; value: unknown }[] }[] }[] }).data[0]!.spans;
    const flood = Object.fromEntries(spans.find((s) => s.spanID === '7777777777777777')!.tags.map((t) => [t.key, t.value]));
    for (const i of [0, 99, 100, 4999]) assert.equal(flood[`flood.k${i}`], `v${i}`);
    const search = await fetch(`${srv.http}/api/traces?service=victim&tags=${encodeURIComponent(JSON.stringify({ 'after.flood': 'yes' }))}`);
    assert.equal(((await search.json()) as { data: unknown[] }).data.length, 1);
  });

  it('refuses state changes from other sites\' pages (CSRF), not from CLIs or the same origin', async () => {
    const rule = { SamplingRuleUpdate: { RuleName: 'Default', FixedRate: 0 } };
    const post = (headers: Record<string, string>) => fetch(`${srv.http}/UpdateSamplingRule`, { method: 'POST', body: JSON.stringify(rule), headers: { 'content-type': 'text/plain', ...headers } });
    assert.equal((await post({ origin: 'https://evil.example' })).status, 403);
    assert.equal((await post({ origin: 'null' })).status, 403);
    const rules = await xray('/GetSamplingRules', {});
    const def = (rules.json.SamplingRuleRecords as { SamplingRule: { RuleName: string; FixedRate: number } }[]).find((r) => r.SamplingRule.RuleName === 'Default')!;
    assert.notEqual(def.SamplingRule.FixedRate, 0);
    assert.equal((await post({ origin: srv.http })).status, 200);
    assert.equal((await post({})).status, 200);
  });

  it('a client that never finishes its headers gets 408 and is disconnected', async () => {
    const { connect } = await import('node:net');
    const port = Number(new URL(srv.http).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => sock.write('POST /TraceSummaries HTTP/1.1\r\nHost: x\r\nX-Slow: '));
      let got = '';
      sock.on('data', (d) => { got += d.toString(); });
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
      setTimeout(() => { sock.destroy(); resolve(got + '(still open)'); }, 25_000);
    });
    assert.match(answer, /^HTTP\/1\.1 408/);
  });

  it('an end time of 2^63-1 is clamped at ingest and reads keep answering', async () => {
    assert.equal((await send(otlp('66666666666666666666666666666666', '6666666666666666', {}, { endNs: '9223372036854775807' }))).status, 200);
    assert.equal((await send(otlp('66666666666666666666666666666666', '6666666666666667', {}, { endNs: '9223372036854775806' }))).status, 200);
    const graph = await xray('/ServiceGraph', range);
    assert.equal(graph.status, 200);
    const sums = await xray('/TraceSummaries', { ...range, FilterExpression: 'duration > 1' });
    assert.equal(sums.status, 200);
    assert.ok((sums.json.TraceSummaries as { Id: string }[]).some((t) => t.Id.endsWith('666666666666666666666666')));
    const stats = await xray('/TimeSeriesServiceStatistics', { ...range, EntitySelectorExpression: 'service("victim")', Period: 60 });
    assert.equal(stats.status, 200);
  });

  it('bodies still arriving count against --max-inflight-bytes: past it, 503 + Retry-After at once', async () => {
    const small = await startServer({ args: ['--max-inflight-bytes', '1000000'] });
    try {
      const { request } = await import('node:http');
      const port = Number(new URL(small.otlp).port);
      const body = Buffer.from(otlp('88888888888888888888888888888888', '8888888888888888', { pad: 'x'.repeat(700_000) }));
      // A slow upload: headers and half the body, then a pause.
      const first = new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => { res.resume(); resolve(res.statusCode!); });
        req.on('error', reject);
        req.write(body.subarray(0, 1000));
        setTimeout(() => req.end(body.subarray(1000)), 1500);
      });
      await new Promise((r) => setTimeout(r, 500));
      const second = await fetch(`${small.otlp}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      assert.equal(second.status, 503);
      assert.equal(second.headers.get('retry-after'), '1');
      assert.equal(await first, 200);
      const again = await fetch(`${small.otlp}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      assert.equal(again.status, 200);
    } finally {
      await small.stop();
      removeDir(small.dataDir);
    }
  });
});
