/**
 * Every page of the web UI in Chromium, in the light and the dark theme: each renders its content
 * with no page error, console error or 5xx (the suite's last check), is screenshotted in both themes,
 * and the theme toggle and the pages' main controls work from the keyboard.
 * Set-up (server, data, Chromium) is test/helpers/ui-browser.ts.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { browserSuite, BULK, CHECKOUT, XRAY_ID } from '../helpers/ui-browser.js';

/** Each page and what shows that it rendered its data. */
const PAGES: [string, string, string][] = [
  ['home', '/home', '#home-datasets tr[data-dataset="frontend"]'],
  ['search', '/', '.result'],
  ['query', `/query?dataset=frontend&q=${encodeURIComponent(JSON.stringify({ calculations: [{ op: 'COUNT' }, { op: 'HEATMAP', column: 'duration_ms' }], breakdowns: ['name'] }))}`, '.heatmap canvas'],
  ['trace', `/trace/${CHECKOUT}`, '.wf-row'],
  ['trace-xray', `/trace/${XRAY_ID}`, '.wf-row'],
  ['compare', `/compare?a=${CHECKOUT}&b=${BULK}`, '#compare-table tbody tr'],
  ['map', '/map', '.service-map .node'],
  ['xray', '/xray', '.summaries tr[data-trace-id]'],
];

browserSuite('ui-pages', {}, (ui) => {
  for (const theme of ['light', 'dark']) {
    it(`every page renders its data in the ${theme} theme`, async () => {
      const { page } = ui;
      await page.goto(ui.url('/home'));
      await page.evaluate((t) => localStorage.setItem('honeyray.theme', t), theme);
      for (const [name, path, ready] of PAGES) {
        await page.goto(ui.url(path));
        await page.waitForSelector(ready);
        assert.equal(await page.getAttribute('html', 'data-theme'), theme, name);
        const bg = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim());
        assert.equal(bg === '#0f1217', theme === 'dark', `${name}: page background ${bg} in the ${theme} theme`);
        await ui.shot(`page-${name}-${theme}`);
      }
    });
  }

  it('is keyboard-usable: the theme toggle, a trace by its id, the waterfall, the map', async () => {
    const { page } = ui;
    await page.goto(ui.url('/home'));
    await page.evaluate(() => localStorage.setItem('honeyray.theme', 'light'));
    await page.reload();
    await page.focus('#theme-toggle');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
    await page.keyboard.press('Space');
    assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
    // Go to a trace by typing its id; walk the waterfall with the arrow keys; Escape closes the detail.
    await page.focus('#trace-lookup input');
    await page.keyboard.type(CHECKOUT);
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('.wf-row').length === 6);
    await page.focus('#wf-scroll');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.locator('#detail').waitFor({ state: 'visible' });
    assert.match(await page.innerText('#detail .detail-op'), /POST \/api\/orders/);
    await page.keyboard.press('ArrowLeft'); // collapses it: the root, it and the root's render span stay
    await page.waitForFunction(() => document.querySelectorAll('.wf-row').length === 3);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelectorAll('.wf-row').length === 6);
    await page.keyboard.press('Escape');
    await page.locator('#detail').waitFor({ state: 'hidden' });
    // The service map: Tab reaches the nodes, Enter opens one.
    await page.goto(ui.url('/map'));
    await page.focus('.service-map .node[data-service="payment"]');
    await page.keyboard.press('Enter');
    await page.locator('#map-panel').waitFor({ state: 'visible' });
    assert.match(await page.innerText('#map-panel h2'), /payment/);
  });
});
