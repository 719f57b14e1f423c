/**
 * The web UI with keys on (docs/security.md): Debian's Chromium, given the key once as HTTP Basic
 * credentials (what a user types into the browser's login box), loads every page's data; without the
 * key the browser gets the 401 Basic challenge. Skipped loudly without Chromium, except in CI.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { CHROMIUM, HAVE_CHROMIUM } from '../helpers/ui-browser.js';

const IN_CI = process.env.CI === 'true';
const KEY = 'ui-key';

describe('web UI with --api-keys: the key as the browser\'s Basic login', { skip: !HAVE_CHROMIUM && !IN_CI ? `${CHROMIUM} is missing` : false }, () => {
  let srv: RunningServer;
  let browser: Browser;
  let userDir = '';
  const traceId = randomBytes(16).toString('hex');

  before(async () => {
    srv = await startServer({ args: ['--api-keys', KEY] });
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ui-auth-svc' } }] }, scopeSpans: [{ spans: [{ traceId, spanId: randomBytes(8).toString('hex'), name: 'GET /x', kind: 2, startTimeUnixNano: String(now - 3_000_000n), endTimeUnixNano: String(now) }] }] }] });
    const r = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-honeycomb-team': KEY } });
    assert.equal(r.status, 200);
    userDir = mkdtempSync(join(tmpdir(), 'honeyray-chromium-auth-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  });

  after(async () => {
    await browser?.close();
    if (userDir) rmSync(userDir, { recursive: true, force: true });
    if (srv) { await srv.stop(); removeDir(srv.dataDir); }
  });

  it('with the key: the search page lists the service, the trace page loads the trace, the X-Ray page its groups', async () => {
    const context = await browser.newContext({ httpCredentials: { username: '', password: KEY } });
    const page = await context.newPage();
    const statuses: string[] = [];
    page.on('response', (r) => { if (r.status() >= 400) statuses.push(`${r.status()} ${r.url()}`); });
    const services = page.waitForResponse((r) => r.url().includes('/api/services'));
    await page.goto(srv.http + '/');
    const s = await services;
    assert.equal(s.status(), 200);
    assert.ok(((await s.json()) as { data: string[] }).data.includes('ui-auth-svc'));
    const trace = page.waitForResponse((r) => r.url().includes(`/api/traces/${traceId}`));
    await page.goto(`${srv.http}/trace/${traceId}`);
    assert.equal((await trace).status(), 200);
    await page.getByText('GET /x').first().waitFor({ timeout: 10_000 });
    const groups = page.waitForResponse((r) => r.url().endsWith('/Groups'));
    await page.goto(`${srv.http}/xray`);
    assert.equal((await groups).status(), 200);
    assert.deepEqual(statuses, []);
    await context.close();
  });

  it('without the key: the page is a 401 Basic challenge', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Headless Chromium has no login box: a Basic challenge it cannot answer fails the navigation.
    await assert.rejects(page.goto(srv.http + '/'), /ERR_INVALID_AUTH_CREDENTIALS/);
    const res = await context.request.get(srv.http + '/');
    assert.equal(res.status(), 401);
    assert.match(res.headers()['www-authenticate'] ?? '', /^Basic realm="Honeyray"/);
    await context.close();
  });
});
