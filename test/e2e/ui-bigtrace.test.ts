/**
 * A big trace on the trace page: the waterfall is drawn from the skeleton
 * (`/api/honeyray/traces/{id}/skeleton`) while the full trace is still on its way, then the full trace
 * upgrades the page in place (tags in the span detail, the exception message on the banner). The full
 * answer is held back by the browser (a real answer from the real server, released by the test), so
 * "drawn before the details" is an order the test controls, not a race it hopes to win.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Route } from 'playwright-core';
import { browserSuite, CHECKOUT, hex, msNs, nowNs, otlpSpan, postOtlp, resource, str } from '../helpers/ui-browser.js';

const BIG = hex(16);
const SPANS = 3_000;
const sid = (i: number) => (0xa1000000000000000n + BigInt(i)).toString(16).slice(-16);

/** 3,000 spans over 4 services, a 10-way tree; span 1,234 is the one error. */
function bigTrace() {
  const base = nowNs - msNs(90_000);
  const bySvc: object[][] = [[], [], [], []];
  for (let i = 0; i < SPANS; i++) {
    bySvc[i % 4]!.push(otlpSpan(BIG, sid(i), `step-${i}`, i * 0.5, i * 0.5 + 3, base, {
      ...(i ? { parent: sid(Math.floor((i - 1) / 10)) } : {}), attrs: [str('big.index', `idx-${i}`)], ...(i === 1234 ? { error: 'planted failure' } : {}),
    }));
  }
  return bySvc.map((spans, k) => resource(`big-${k}`, spans));
}

browserSuite('ui-bigtrace', { more: (srv) => postOtlp(srv, bigTrace()) }, (ui) => {
  it('draws a 3,000-span trace from the skeleton, then shows tags once the full trace arrives', async () => {
    const { page } = ui;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const fullRequests: string[] = [];
    const hold = async (route: Route) => { fullRequests.push(route.request().url()); await released; await route.continue(); };
    await page.route((u) => u.pathname === `/api/traces/${BIG}`, hold);
    const skeleton = page.waitForResponse((r) => r.url().endsWith(`/api/honeyray/traces/${BIG}/skeleton`));
    try {
      await page.goto(ui.url(`/trace/${BIG}`));
      assert.equal((await skeleton).status(), 200);
      await page.waitForSelector('.wf-row');
      assert.equal(await page.innerText('#stat-spans'), SPANS.toLocaleString('en-US'));
      assert.equal(await page.innerText('#stat-services'), '4');
      assert.deepEqual(await page.$$eval('.wf-row .op', (es) => es.slice(0, 3).map((e) => e.textContent)), ['step-0', 'step-1', 'step-11']);
      const state = page.locator('#details-state');
      assert.match(await state.innerText(), /Loading span details/);
      assert.equal(fullRequests.length, 1, 'the full trace was asked for, and is held');
      assert.match(await page.innerText('.error-banner'), /big-2: step-1234/);
      // The minimap paints the spans (thin rows: antialiased, so counted by alpha) and the error in red.
      const painted = await page.$eval('#minimap canvas', (c: HTMLCanvasElement) => {
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let red = 0;
        let other = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (d[i + 3] === 0) continue;
          if (d[i] === 209 && d[i + 1] === 36 && d[i + 2] === 47 && d[i + 3] === 255) red++;
          else other++;
        }
        return { red, other, all: d.length / 4 };
      });
      assert.ok(painted.red > 0, 'the error is painted red');
      assert.ok(painted.other > 1_000, `spans painted (a thin diagonal band: 3 ms spans 0.5 ms apart): ${painted.other} of ${painted.all} pixels`);
      // Find works on names before the details; its cursor survives the upgrade.
      await page.fill('#find', 'step-2999');
      await page.press('#find', 'Enter');
      await page.waitForFunction(() => document.querySelector('#find-count')?.textContent === '1 of 1 match');
      // A span chosen before the details: its place in the tree now, its tags later.
      await page.$eval('#wf-scroll', (e) => { e.scrollTop = 0; });
      await page.click('.wf-row:has(.op:text-is("step-1")) .op');
      const detail = page.locator('#detail');
      await detail.waitFor({ state: 'visible' });
      assert.match(await detail.locator('.details-loading').innerText(), /load with the full trace/);
      assert.doesNotMatch(await detail.innerText(), /big\.index/);
      await page.click('#attr-summary summary');
      // The summary's body is written when it opens (a render after the click): wait for it, then check it.
      await page.waitForFunction(() => (document.querySelector('#attr-summary') as HTMLElement | null)?.innerText.includes('\n') ?? false);
      assert.match(await page.innerText('#attr-summary'), /load with the span details/);
      await ui.shot('bigtrace-skeleton');

      release();
      await state.waitFor({ state: 'hidden' });
      assert.match(await detail.locator('table.tags').innerText(), /big\.index\s+idx-1/);
      assert.equal(await detail.locator('.details-loading').count(), 0);
      assert.equal(await page.locator('.wf-row.selected .op').innerText(), 'step-1', 'the selection survives the upgrade');
      assert.match(await page.innerText('.error-banner'), /planted failure/);
      assert.equal(await page.innerText('#find-count'), '1 of 1 match');
      assert.match(await page.innerText('.attr-service[data-service="big-0"]'), /big\.index/, 'the open attribute summary is filled');
      assert.equal(await page.innerText('#stat-spans'), SPANS.toLocaleString('en-US'));
      // Find reaches tags now.
      await page.fill('#find', 'idx-2999');
      await page.waitForFunction(() => document.querySelector('#find-count')?.textContent === '1 match');
      await ui.shot('bigtrace-full');
    } finally {
      release();
      await page.unroute((u) => u.pathname === `/api/traces/${BIG}`, hold);
    }
  });

  it('fetches a small trace in full before its first draw (no loading state)', async () => {
    const { page } = ui;
    const asked: string[] = [];
    const seen = (r: { url(): string }) => { const p = new URL(r.url()).pathname; if (p.startsWith('/api/') && p.includes(CHECKOUT)) asked.push(p); };
    page.on('request', seen);
    await page.goto(ui.url(`/trace/${CHECKOUT}`));
    await page.waitForSelector('.wf-row');
    assert.equal(await page.locator('#details-state').isHidden(), true);
    assert.equal(await page.locator('.error-banner .error-message').innerText(), 'CardError: card_declined');
    page.off('request', seen);
    assert.deepEqual(asked, [`/api/honeyray/traces/${CHECKOUT}/skeleton`, `/api/traces/${CHECKOUT}`]);
  });
});
