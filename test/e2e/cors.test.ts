/**
 * CORS and cross-site writes, from real Chromium pages on other origins (as a web app with the OTel web
 * exporter, and as a hostile page): a page whose origin `--cors-origins` allows can send OTLP/HTTP and read
 * the answer; a page from another origin cannot (the preflight gets no CORS headers, and a no-cors send is
 * refused by the server); no page can change sampling rules or send to the Events API, whatever the
 * content type. Without Chromium the browser part is skipped loudly, except in CI.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM, HAVE_CHROMIUM, hex } from '../helpers/ui-browser.js';
import { freePort, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const IN_CI = process.env.CI === 'true';

function otlpBody(service: string, traceId: string): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans: [{ traceId, spanId: hex(8), name: 'click', kind: 1, startTimeUnixNano: String(now - 1_000_000n), endTimeUnixNano: String(now) }] }] }] });
}

describe('CORS: browsers on other origins', { skip: !HAVE_CHROMIUM && !IN_CI ? `${CHROMIUM} is missing` : false }, () => {
  let srv: RunningServer;
  let pages: Server;
  let pagePort = 0;
  let context: BrowserContext;
  let userDir = '';
  /** The allowed web app is served from http://localhost:P; the same page from http://127.0.0.1:P is another origin. */
  const allowed = () => `http://localhost:${pagePort}`;
  const other = () => `http://127.0.0.1:${pagePort}`;

  before(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`${CHROMIUM} is required in CI`);
    pagePort = await freePort();
    pages = createServer((_req, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>app</title>'); });
    await new Promise<void>((r) => pages.listen(pagePort, '127.0.0.1', r));
    srv = await startServer({ args: ['--cors-origins', allowed()] });
    userDir = mkdtempSync(join(tmpdir(), 'honeyray-chromium-'));
    context = await chromium.launchPersistentContext(userDir, {
      executablePath: CHROMIUM, headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await context?.close();
    if (userDir) rmSync(userDir, { recursive: true, force: true });
    await new Promise((r) => pages?.close(r));
    await srv?.stop();
    if (srv) removeDir(srv.dataDir);
  });

  /** Runs `fetch(url, init)` in a page of `origin`; the status, or the browser's error (CORS refusals are TypeErrors). */
  async function fetchFrom(origin: string, url: string, init: RequestInit): Promise<{ status?: number; type?: string; error?: string }> {
    const page = await context.newPage();
    try {
      await page.goto(`${origin}/app.html`);
      return await page.evaluate(async ([u, i]) => {
        try {
          const r = await fetch(u as string, i as RequestInit);
          return { status: r.status, type: r.type };
        } catch (e) {
          return { error: String(e) };
        }
      }, [url, init] as const);
    } finally {
      await page.close();
    }
  }

  const traceStored = async (id: string) => (await fetch(`${srv.http}/api/traces/${id}`)).status === 200;

  it('a page from an allowed origin sends OTLP/HTTP JSON with a key header (preflighted) and reads the answer', async () => {
    const id = hex(16);
    const r = await fetchFrom(allowed(), `${srv.otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-honeycomb-team': 'browser-key' }, body: otlpBody('web-app', id) });
    // A readable 200 (type 'cors') is the browser saying the server allowed this origin.
    assert.equal(r.status, 200, JSON.stringify(r));
    assert.equal(r.type, 'cors');
    assert.ok(await traceStored(id));
  });

  it('a page from another origin cannot send OTLP: the preflight fails, and a no-cors send is refused', async () => {
    const id = hex(16);
    const r = await fetchFrom(other(), `${srv.otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: otlpBody('evil', id) });
    assert.match(r.error ?? '', /TypeError/);
    const opaque = await fetchFrom(other(), `${srv.otlp}/v1/traces`, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: otlpBody('evil', id) });
    assert.equal(opaque.type, 'opaque');
    // What the browser sent, as it sent it: the server refuses it in OTLP's shape.
    const direct = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', origin: other(), 'sec-fetch-site': 'same-site' }, body: otlpBody('evil', id) });
    assert.equal(direct.status, 403);
    assert.match(((await direct.json()) as { message: string }).message, /cross-origin/);
    assert.equal(await traceStored(id), false);
  });

  it('no page, not even an allowed one, may change settings or use the Events API or the Zipkin port', async () => {
    const rule = JSON.stringify({ SamplingRuleUpdate: { RuleName: 'Default', FixedRate: 0 } });
    for (const origin of [allowed(), other()]) {
      const preflighted = await fetchFrom(origin, `${srv.http}/UpdateSamplingRule`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: rule });
      assert.match(preflighted.error ?? '', /TypeError/, `${origin}: JSON POST to the X-Ray API`);
      const simple = await fetchFrom(origin, `${srv.http}/UpdateSamplingRule`, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: rule });
      assert.equal(simple.type, 'opaque');
      const events = await fetchFrom(origin, `${srv.http}/1/events/csrf`, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ injected: true }) });
      assert.equal(events.type, 'opaque');
    }
    // Zipkin reads a body without Content-Type as JSON, and a Blob body sends none: no preflight either.
    const zipkinId = hex(16);
    const zipkinSpans = JSON.stringify([{ traceId: zipkinId, id: hex(8), name: 'z', timestamp: Date.now() * 1000, duration: 5, localEndpoint: { serviceName: 'zipkin-csrf' } }]);
    const zipkin = await (async () => {
      const page = await context.newPage();
      try {
        await page.goto(`${allowed()}/app.html`);
        return await page.evaluate(async ([u, b]) => (await fetch(u!, { method: 'POST', mode: 'no-cors', body: new Blob([b!]) })).type, [`http://127.0.0.1:${srv.zipkinPort}/api/v2/spans`, zipkinSpans] as const);
      } finally {
        await page.close();
      }
    })();
    assert.equal(zipkin, 'opaque');
    assert.equal(await traceStored(zipkinId), false, 'the Zipkin port took a cross-site POST');
    // The same body with no Content-Type, as the page sent it, from a CLI: stored.
    const cli = await fetch(`http://127.0.0.1:${srv.zipkinPort}/api/v2/spans`, { method: 'POST', body: new TextEncoder().encode(zipkinSpans) });
    assert.equal(cli.status, 202);
    assert.ok(await traceStored(zipkinId));
    const rules = (await (await fetch(`${srv.http}/GetSamplingRules`, { method: 'POST', body: '{}' })).json()) as { SamplingRuleRecords: { SamplingRule: { RuleName: string; FixedRate: number } }[] };
    assert.notEqual(rules.SamplingRuleRecords.find((x) => x.SamplingRule.RuleName === 'Default')!.SamplingRule.FixedRate, 0);
    const datasets = (await (await fetch(`${srv.http}/1/datasets`)).json()) as { name: string }[];
    assert.ok(!datasets.some((d) => d.name === 'csrf'), 'the Events API took a cross-site event');
    // A CLI (no Origin) still may.
    assert.equal((await fetch(`${srv.http}/1/events/cli`, { method: 'POST', body: JSON.stringify({ ok: true }) })).status, 200);
  });

  it('preflights: only OTLP answers with CORS headers, and only for allowed origins', async () => {
    const preflight = (url: string, origin: string) => fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-honeycomb-team' } });
    const ok = await preflight(`${srv.otlp}/v1/traces`, allowed());
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), allowed());
    assert.equal(ok.headers.get('access-control-allow-headers'), 'content-type,x-honeycomb-team');
    assert.equal((await preflight(`${srv.otlp}/v1/traces`, other())).headers.get('access-control-allow-origin'), null);
    for (const path of ['/UpdateSamplingRule', '/1/events/x', '/1/markers/x', '/api/traces']) {
      assert.equal((await preflight(`${srv.http}${path}`, allowed())).headers.get('access-control-allow-origin'), null, path);
    }
  });
});
