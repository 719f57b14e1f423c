/**
 * Shared set-up of the web UI's browser tests (test/e2e/ui-*.test.ts): the server as the README starts
 * it, loaded with the same spans (OTLP/JSON and an X-Ray segment), and Debian's Chromium
 * (/usr/bin/chromium) driven by playwright-core. Without Chromium the browser part is skipped loudly,
 * except in CI (`CI=true`) where it fails. Every suite ends by asserting that no page logged an error.
 * Screenshots go to $HONEYRAY_UI_SCREENSHOTS (CI: artifacts/screenshots) or a fresh temp dir (printed).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { removeDir, startServer, type RunningServer } from './server-process.js';

export const CHROMIUM = '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = process.env.CI === 'true';

export const hex = (bytes: number) => randomBytes(bytes).toString('hex');
export const nowNs = BigInt(Date.now()) * 1_000_000n;
export const msNs = (ms: number) => BigInt(Math.round(ms * 1e6));
export const str = (key: string, v: string) => ({ key, value: { stringValue: v } });

export const CHECKOUT = hex(16); // the multi-service trace
export const CHECKOUT_SLOW = hex(16); // the same request, slower, with an extra span: what compare must show
export const STACK = ['CardError: card_declined', ...Array.from({ length: 12 }, (_, i) => `    at chargeCard${i} (/srv/payment/src/very/long/path/to/the/module/handler-${i}.js:${10 + i}:5)`)].join('\n');
export const BULK = hex(16); // the 2,000-span trace
export const XRAY_EPOCH = Math.floor(Date.now() / 1000) - 30;
export const XRAY_ID = `1-${XRAY_EPOCH.toString(16)}-${hex(12)}`;
export const XRAY_SEGMENT_ID = hex(8);

export function otlpSpan(traceId: string, spanId: string, name: string, startMs: number, endMs: number, base: bigint, o: { parent?: string; kind?: number; attrs?: object[]; error?: string; events?: object[] } = {}) {
  return {
    traceId, spanId, ...(o.parent ? { parentSpanId: o.parent } : {}), name, kind: o.kind ?? 1,
    startTimeUnixNano: String(base + msNs(startMs)), endTimeUnixNano: String(base + msNs(endMs)),
    attributes: o.attrs ?? [], events: o.events ?? [],
    ...(o.error ? { status: { code: 2, message: o.error } } : {}),
  };
}
export const resource = (service: string, spans: object[]) => ({
  resource: { attributes: [str('service.name', service), str('host.name', `${service}-1`)] },
  scopeSpans: [{ scope: { name: 'ui-test' }, spans }],
});

/**
 * frontend -> backend -> payment (error, with an exception event) and a database call. `slow`: the same
 * request 3 minutes later (as its own trace), where the database call takes 400 ms instead of 15 and a
 * retry span `SELECT orders (retry)` appears: the planted difference trace compare must show.
 */
export function checkoutTrace(o: { slow?: boolean } = {}) {
  const base = nowNs - msNs(o.slow ? 170_000 : 180_000);
  const t = o.slow ? CHECKOUT_SLOW : CHECKOUT;
  const k = o.slow ? 385 : 0; // every span after the database call shifts by this
  const frontend = [
    otlpSpan(t, 'a000000000000001', 'GET /checkout', 0, 120 + k, base, { kind: 2, attrs: [str('http.request.method', 'GET'), str('url.path', '/checkout')] }),
    otlpSpan(t, 'a000000000000002', 'POST /api/orders', 5, 100 + k, base, { parent: 'a000000000000001', kind: 3, attrs: [str('server.address', 'backend')] }),
    otlpSpan(t, 'a000000000000006', 'render', 100 + k, 118 + k, base, { parent: 'a000000000000001' }),
  ];
  const backend = [
    otlpSpan(t, 'b000000000000003', 'POST /api/orders', 10, 95 + k, base, { parent: 'a000000000000002', kind: 2 }),
    otlpSpan(t, 'b000000000000004', 'SELECT orders', 15, 30 + k, base, { parent: 'b000000000000003', kind: 3, attrs: [str('db.system', 'postgresql'), str('server.address', 'orders-db'), str('db.statement', 'SELECT * FROM orders WHERE id = $1')] }),
    ...(o.slow ? [otlpSpan(t, 'b000000000000007', 'SELECT orders (retry)', 200, 410, base, { parent: 'b000000000000004', kind: 3, attrs: [str('db.system', 'postgresql')] })] : []),
  ];
  const payment = [
    otlpSpan(t, 'c000000000000005', 'charge card', 35 + k, 90 + k, base, {
      parent: 'b000000000000003', kind: 2, error: 'card declined',
      attrs: [str('payment.provider', 'stripe'), { key: 'payment.amount_cents', value: { intValue: '4200' } }],
      events: [{ name: 'exception', timeUnixNano: String(base + msNs(80 + k)), attributes: [str('exception.type', 'CardError'), str('exception.message', 'card_declined'), str('exception.stacktrace', STACK)] }],
    }),
  ];
  return [resource('frontend', frontend), resource('backend', backend), resource('payment', payment)];
}

/** One root, 40 chunks, 1,959 items: 2,000 spans in one service. */
export function bulkTrace() {
  const base = nowNs - msNs(60_000);
  const id = (i: number) => (0xd000000000000000n + BigInt(i)).toString(16);
  const spans = [otlpSpan(BULK, id(0), 'batch job', 0, 2100, base, { kind: 2 })];
  for (let i = 1; i < 2000; i++) {
    if (i <= 40) spans.push(otlpSpan(BULK, id(i), `chunk-${i}`, (i - 1) * 50, (i - 1) * 50 + 48, base, { parent: id(0) }));
    else {
      const chunk = ((i - 41) % 40) + 1;
      const k = Math.floor((i - 41) / 40);
      const start = (chunk - 1) * 50 + k;
      spans.push(otlpSpan(BULK, id(i), `item-${i}`, start, start + 1.5, base, { parent: id(chunk) }));
    }
  }
  return [resource('bulk', spans)];
}

/**
 * The `shop` dataset, BubbleUp's planted cause: 60 one-span traces of `GET /cart` within 2 s, 50 fast
 * (10-40 ms, `app.feature_flag` old except 6) and 10 slow (900-1,100 ms, all `new`). Region and status are
 * spread alike over both, so the flag is the one column that explains the slow ones.
 */
export const SHOP_SLOW: string[] = [];
export function shopTraces() {
  const base = nowNs - msNs(90_000);
  const spans = Array.from({ length: 60 }, (_, i) => {
    const slow = i % 6 === 5;
    const id = hex(16);
    if (slow) SHOP_SLOW.push(id);
    const dur = slow ? 900 + 20 * (i % 11) : 10 + (i % 31);
    return otlpSpan(id, hex(8), 'GET /cart', i * 30, i * 30 + dur, base, {
      kind: 2,
      attrs: [str('app.feature_flag', slow || i % 10 === 0 ? 'new' : 'old'), str('cloud.region', ['eu-west-1', 'us-east-1', 'ap-south-1'][i % 3]!)],
    });
  });
  return [resource('shop', spans)];
}

/** A 0.4 ms X-Ray segment with annotations and metadata (the "< 1 ms" case). */
export const XRAY_SEGMENT = {
  trace_id: XRAY_ID, id: XRAY_SEGMENT_ID, name: 'xray-svc', origin: 'AWS::EC2::Instance',
  start_time: XRAY_EPOCH + 0.25, end_time: XRAY_EPOCH + 0.2504,
  http: { request: { method: 'GET', url: 'http://xray-svc/api/items' }, response: { status: 200 } },
  annotations: { tier: 'gold', cart_items: 3 },
  metadata: { default: { cart: { sku: 'A-17', qty: 3 } } },
};

export async function postOtlp(srv: RunningServer, resourceSpans: object[]): Promise<void> {
  const r = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body: JSON.stringify({ resourceSpans }), headers: { 'content-type': 'application/json' } });
  assert.equal(r.status, 200, await r.text());
}

/** The suites' data: the checkout trace, the 2,000-span trace and the X-Ray segment. */
export async function seed(srv: RunningServer): Promise<void> {
  for (const resourceSpans of [checkoutTrace(), bulkTrace()]) await postOtlp(srv, resourceSpans);
  const x = await fetch(`${srv.http}/TraceSegments`, { method: 'POST', body: JSON.stringify({ TraceSegmentDocuments: [JSON.stringify(XRAY_SEGMENT)] }), headers: { 'content-type': 'application/json' } });
  const answer = await x.text();
  assert.equal(x.status, 200, answer);
  assert.deepEqual(JSON.parse(answer).UnprocessedTraceSegments, []);
}

export interface Ui {
  readonly srv: RunningServer;
  readonly page: Page;
  readonly context: BrowserContext;
  url(path: string): string;
  shot(name: string): Promise<void>;
}

/**
 * A suite with a seeded server and a Chromium page. `allowConsole`: console errors a test expects (the
 * browser logs every 4xx answer). The suite's last test asserts no page error, console error or 5xx.
 */
export function browserSuite(name: string, opts: { allowConsole?: RegExp; seed?: boolean; more?: (srv: RunningServer) => Promise<void> }, body: (ui: Ui) => void): void {
  if (!HAVE_CHROMIUM) {
    console.warn(`\n${'!'.repeat(100)}\n!! ${CHROMIUM} is missing: the web UI browser tests are ${IN_CI ? 'FAILING (CI=true)' : 'SKIPPED'}.`
      + `\n!! Install it: apt-get install -y --no-install-recommends chromium\n${'!'.repeat(100)}\n`);
  }
  describe(name, { skip: !HAVE_CHROMIUM && !IN_CI ? `${CHROMIUM} is missing` : false }, () => {
    let srv: RunningServer | undefined;
    let context: BrowserContext | undefined;
    let page: Page | undefined;
    let userDir = '';
    const shots = process.env.HONEYRAY_UI_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'honeyray-ui-shots-'));
    const pageErrors: string[] = [];
    const ui: Ui = {
      get srv() { return srv!; },
      get page() { return page!; },
      get context() { return context!; },
      url: (p: string) => srv!.http + p,
      async shot(shotName: string) {
        const path = join(shots, `${shotName}.png`);
        await page!.screenshot({ path });
        console.log(`screenshot: ${path}`);
      },
    };
    before(async () => {
      if (!HAVE_CHROMIUM) throw new Error(`${CHROMIUM} is required in CI: apt-get install -y --no-install-recommends chromium`);
      srv = await startServer();
      if (opts.seed !== false) await seed(srv);
      await opts.more?.(srv);
      mkdirSync(shots, { recursive: true });
      userDir = mkdtempSync(join(tmpdir(), 'honeyray-chromium-'));
      context = await chromium.launchPersistentContext(userDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        viewport: { width: 1400, height: 900 },
      });
      page = context.pages()[0] ?? await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      page.on('response', (r) => { if (r.status() >= 500) pageErrors.push(`${r.status()} from ${r.request().method()} ${r.url()}`); });
      page.on('console', (m) => { if (m.type() === 'error' && !(opts.allowConsole?.test(m.text()))) pageErrors.push(m.text()); });
    });
    after(async () => {
      await context?.close();
      if (userDir) rmSync(userDir, { recursive: true, force: true });
      await srv?.stop();
      if (srv) removeDir(srv.dataDir);
    });
    body(ui);
    it('logged no page errors, console errors or 5xx answers', () => {
      assert.deepEqual(pageErrors, []);
    });
  });
}
