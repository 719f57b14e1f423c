/**
 * The X-Ray page in Chromium: live filter errors, groups, sampling rules, summaries.
 * Set-up (server, data, Chromium, the no-page-errors check) is test/helpers/ui-browser.ts.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { browserSuite, CHECKOUT } from '../helpers/ui-browser.js';

browserSuite('ui-xray', { allowConsole: /status of 400/ }, (ui) => {
  const url = ui.url;
  const shot = ui.shot;
  it('X-Ray page: live filter-expression errors with their position, groups, sampling rules, summaries', async () => {
    const { page } = ui;
    await page.goto(url('/xray'));
    await page.waitForSelector('tr[data-rule="Default"]');
    await page.waitForSelector('tr[data-group="Default"]');

    await page.fill('#g-filter', 'responsetime > AND ok');
    const err = page.locator('#g-status .filter-error');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-position'), '15');
    assert.match(await err.innerText(), /at position 15/);
    assert.equal(await page.locator('#g-status pre.caret').innerText(), `responsetime > AND ok\n${' '.repeat(15)}^`);
    assert.equal(await page.isDisabled('#g-create'), true);
    await shot('xray-filter-error');

    await page.fill('#g-filter', 'service("frontend")');
    await page.locator('#g-status .filter-ok').waitFor();
    await page.fill('#g-name', 'Checkout');
    await page.click('#g-create');
    await page.waitForSelector('tr[data-group="Checkout"]');

    await page.waitForSelector('.summaries tr[data-trace-id]');
    await page.fill('#ts-filter', 'service("payment") { fault }');
    await page.click('#ts-form button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('.summaries tr[data-trace-id]').length === 1);
    const xrayCheckout = `1-${CHECKOUT.slice(0, 8)}-${CHECKOUT.slice(8)}`;
    assert.equal(await page.getAttribute('.summaries tr[data-trace-id] a', 'href'), `/trace/${xrayCheckout}`);
    assert.match(page.url(), /filter=service/);
    await shot('xray');
    await page.click('.summaries tr[data-trace-id] a');
    await page.waitForFunction(() => document.querySelectorAll('.wf-row').length === 6);

    // The group scopes the service map.
    await page.goto(url('/map?group=Checkout'));
    await page.waitForSelector('.service-map .node');
    const names = await page.$$eval('.service-map .node', (ns) => ns.map((n) => (n as SVGElement).dataset.service));
    assert.ok(names.includes('frontend') && !names.includes('bulk'), names.join(', '));
  });
});
