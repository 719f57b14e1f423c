/**
 * The X-Ray page in Chromium: live filter errors, groups, sampling rules, summaries.
 * Set-up (server, data, Chromium, the no-page-errors check) is test/helpers/ui-browser.ts.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { browserSuite, CHECKOUT, XRAY_ID, XRAY_SEGMENT_ID } from '../helpers/ui-browser.js';

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

  it('a group is edited and deleted through clicks', async () => {
    const { page } = ui;
    await page.goto(url('/xray'));
    const row = page.locator('tr[data-group="Checkout"]');
    await row.waitFor();
    await row.locator('[data-edit]').click();
    assert.equal(await page.inputValue('#g-name'), 'Checkout');
    assert.equal(await page.inputValue('#g-filter'), 'service("frontend")');
    // A broken expression: the parser's message inline, Save disabled.
    await page.fill('#g-filter', 'service("backend") AND');
    await page.locator('#g-status .filter-error').waitFor();
    assert.equal(await page.isDisabled('#g-create'), true);
    await page.fill('#g-filter', 'service("backend")');
    await page.locator('#g-status .filter-ok').waitFor();
    await page.click('#g-create');
    await page.waitForFunction(() => /service\("backend"\)/.test(document.querySelector('tr[data-group="Checkout"]')?.textContent ?? ''));
    assert.match(await page.innerText('#g-result'), /Group Checkout saved/);
    page.once('dialog', (d) => void d.accept());
    await row.locator('[data-delete]').click();
    await row.waitFor({ state: 'detached' });
  });

  it('a sampling rule is created, edited and deleted through clicks, with the API validation message inline', async () => {
    const { page } = ui;
    await page.goto(url('/xray'));
    await page.waitForSelector('tr[data-rule="Default"]');
    await page.fill('#r-name', 'checkout');
    await page.fill('#r-priority', '10');
    await page.fill('#r-rate', '150');
    await page.fill('#rule-form input[name=ServiceName]', 'frontend');
    await page.click('#r-save');
    assert.match(await page.innerText('#r-result .error-box'), /Value '1\.5' at 'samplingRule\.fixedRate' failed to satisfy constraint: Member must have value less than or equal to 1 \(HTTP 400\)/);
    await page.fill('#r-rate', '25');
    await page.click('#r-save');
    const row = page.locator('tr[data-rule="checkout"]');
    await row.waitFor();
    assert.match(await row.innerText(), /checkout\s+10\s+1\/s\s+25%\s+ServiceName=frontend/);
    await row.locator('[data-edit]').click();
    assert.equal(await page.inputValue('#r-rate'), '25');
    assert.equal(await page.getAttribute('#r-name', 'readonly'), '');
    await page.fill('#r-priority', '20');
    await page.fill('#r-reservoir', '3');
    await page.click('#r-save');
    await page.waitForFunction(() => /checkout\s+20\s+3\/s/.test((document.querySelector('tr[data-rule="checkout"]') as HTMLElement | null)?.innerText ?? ''));
    // The Default rule takes a new rate.
    await page.click('tr[data-rule="Default"] [data-edit]');
    await page.fill('#r-rate', '10');
    await page.click('#r-save');
    await page.waitForFunction(() => /10%/.test((document.querySelector('tr[data-rule="Default"]') as HTMLElement | null)?.innerText ?? ''));
    await ui.shot('xray-rules');
    page.once('dialog', (d) => void d.accept());
    await row.locator('[data-delete]').click();
    await row.waitFor({ state: 'detached' });
    assert.match(await page.innerText('#r-result'), /Rule checkout deleted/);
  });

  it('summaries: the response-time distribution filters by a dragged band; a trace shows its segment timeline', async () => {
    const { page } = ui;
    await page.goto(url('/xray'));
    await page.waitForFunction(() => document.querySelectorAll('.summaries tr[data-trace-id]').length === 3);
    const over = (await page.locator('#ts-dist .u-over').boundingBox())!;
    // The right half of the axis: only the 2.1 s bulk trace.
    await page.mouse.move(over.x + over.width * 0.5, over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width - 1, over.y + over.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelectorAll('.summaries tr[data-trace-id]').length === 1);
    assert.match(await page.inputValue('#ts-filter'), /^responsetime >= [\d.]+ AND responsetime <= [\d.]+$/);
    assert.match(page.url(), /filter=responsetime/);
    // The X-Ray trace's segment timeline, with the raw document.
    await page.goto(url('/xray'));
    const seg = page.locator(`.summaries tr[data-trace-id="${XRAY_ID}"] [data-segments]`);
    await seg.click();
    const segRow = page.locator(`.seg-row[data-segment-id="${XRAY_SEGMENT_ID}"]`);
    await segRow.waitFor();
    assert.match(await segRow.locator('.seg-name').innerText(), /xray-svc/);
    assert.equal(await segRow.locator('.seg-dur').innerText(), '< 1 ms');
    await segRow.locator('.seg-raw summary').click();
    assert.match(await segRow.locator('.seg-raw pre').innerText(), /"tier": "gold"/);
    await ui.shot('xray-segments');
  });
});
