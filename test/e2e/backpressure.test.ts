/** A full write pipeline answers 503 + Retry-After (the OTel exporters retry); what was acknowledged is stored. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const BODY = readFileSync('test/fixtures/wire/otel/002_json.json', 'utf8');

describe('backpressure', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer({ args: ['--max-queued-bytes', '4096'] }); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  it('turns requests away with 503 and Retry-After while the pipeline is full, never loses acknowledged ones', async () => {
    const sent = Array.from({ length: 60 }, () => {
      const traceId = randomBytes(16).toString('hex');
      return { traceId, body: BODY.replace(/635284f42170524f0c18ca9cf2854bbf/g, traceId) };
    });
    const results = await Promise.all(sent.map(async (s) => {
      const r = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body: s.body, headers: { 'content-type': 'application/json' } });
      return { ...s, status: r.status, retryAfter: r.headers.get('retry-after'), text: await r.text() };
    }));
    const refused = results.filter((r) => r.status === 503);
    const ok = results.filter((r) => r.status === 200);
    assert.ok(refused.length > 0, 'some requests are refused');
    assert.ok(ok.length > 0, 'some requests are accepted');
    assert.equal(ok.length + refused.length, results.length);
    for (const r of refused) {
      assert.equal(r.retryAfter, '1');
      assert.match(JSON.parse(r.text).message, /full/);
    }
    for (const r of ok) {
      const t = (await (await fetch(`${srv.http}/api/traces/${r.traceId}`)).json()) as { data: any[] };
      assert.ok(t.data[0].spans.length > 0);
    }
  });
});
