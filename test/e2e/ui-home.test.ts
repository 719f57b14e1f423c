/**
 * The Home page in Chromium: per-dataset overview, and the first-trace panel on an empty server.
 * Set-up (server, data, Chromium, the no-page-errors check) is test/helpers/ui-browser.ts.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { removeDir, startServer } from '../helpers/server-process.js';
import { browserSuite, BULK, checkoutTrace } from '../helpers/ui-browser.js';

browserSuite('ui-home', {}, (ui) => {
  const url = ui.url;
  const shot = ui.shot;
  it('home: per-dataset numbers with sparklines, top operations, latest and slowest traces', async () => {
    const { page } = ui;
    await page.goto(url('/home'));
    await page.waitForSelector('#home-datasets tr[data-dataset="frontend"]');
    const row = async (d: string) => page.innerText(`#home-datasets tr[data-dataset="${d}"]`);
    assert.match(await row('frontend'), /^frontend\s+3\s+0%/);
    assert.match(await row('payment'), /^payment\s+1\s+100%/);
    assert.equal(await page.locator('#home-datasets tr[data-dataset="bulk"] .sparkline path').count(), 2);
    assert.equal(await page.locator('#home-ops tr').count(), 10);
    assert.match(await page.innerText('#home-slow tr:first-child'), /bulk: batch job\s+2\.1s/);
    assert.equal(await page.locator('#home-latest tr').count(), 3);
    await shot('home');
    await page.click('#home-slow tr:first-child a');
    await page.waitForURL(`**/trace/${BULK}`);
  });

  it('home with no data yet: the first-trace panel, which turns into the overview when spans arrive', async () => {
    const { page } = ui;
    const fresh = await startServer();
    try {
      await page.goto(`${fresh.http}/home`);
      await page.locator('#first-trace').waitFor();
      assert.match(await page.innerText('#first-trace'), /OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/127\.0\.0\.1:4318[\s\S]*AWS_XRAY_DAEMON_ADDRESS=127\.0\.0\.1:2000[\s\S]*--endpoint-url/);
      await shot('home-empty');
      const r = await fetch(`${fresh.otlp}/v1/traces`, { method: 'POST', body: JSON.stringify({ resourceSpans: checkoutTrace() }), headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 200);
      await page.waitForSelector('#home-datasets tr[data-dataset="frontend"]', { timeout: 15_000 });
    } finally {
      await fresh.stop();
      removeDir(fresh.dataDir);
    }
  });
});
