/**
 * The Traces page in Chromium: search form, server-side sort, X-Ray filter, time picker, duration scatter.
 * Set-up (server, data, Chromium, the no-page-errors check) is test/helpers/ui-browser.ts.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { browserSuite, BULK, CHECKOUT, XRAY_ID } from '../helpers/ui-browser.js';

browserSuite('ui-search', {}, (ui) => {
  const url = ui.url;
  const shot = ui.shot;
  it('search page lists the traces, newest first, and the URL holds the search', async () => {
    const { page } = ui;
    await page.goto(url('/'));
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 3);
    const order = await page.$$eval('.result', (rs) => rs.map((r) => (r as HTMLElement).dataset.traceId));
    assert.deepEqual(order, [XRAY_ID.slice(2).replace('-', ''), BULK, CHECKOUT]);
    const checkout = page.locator(`.result[data-trace-id="${CHECKOUT}"]`);
    assert.match(await checkout.innerText(), /frontend: GET \/checkout/);
    assert.match(await checkout.locator('.badge.error').innerText(), /1 error/);
    assert.match(await page.locator(`.result[data-trace-id="${BULK}"]`).innerText(), /2,000 spans/);

    await page.waitForSelector('#f-service option[value="frontend"]', { state: 'attached' });
    await page.selectOption('#f-service', 'frontend');
    await page.waitForSelector('#f-operation option[value="GET /checkout"]', { state: 'attached' });
    await page.fill('input[name=tags]', 'payment.provider=stripe');
    await page.fill('input[name=minDuration]', '50ms');
    await page.click('button[type=submit]');
    await page.waitForURL(/\?service=frontend/);
    const search = new URL(page.url()).searchParams;
    assert.equal(search.get('tags'), 'payment.provider=stripe');
    assert.equal(search.get('minDuration'), '50ms');
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 1);
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 1);
    assert.equal(await page.inputValue('#f-service'), 'frontend');
    assert.equal(await page.inputValue('input[name=tags]'), 'payment.provider=stripe');
    // Sorting and X-Ray filter expressions are the server's, over every matching trace.
    await page.goto(url('/?limit=1'));
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 1);
    assert.match(await page.innerText('#result-count'), /^1 trace of 3$/);
    await page.selectOption('#f-sort', 'slowest');
    await page.waitForURL(/sort=slowest/);
    await page.waitForSelector(`.result[data-trace-id="${BULK}"]`);
    await page.selectOption('#f-sort', 'most_spans');
    await page.waitForURL(/sort=most_spans/);
    await page.waitForSelector(`.result[data-trace-id="${BULK}"]`);
    await page.goto(url('/'));
    await page.fill('input[name=filter]', 'service("payment") { fault }');
    await page.click('button[type=submit]');
    await page.waitForURL(/filter=service/);
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 1);
    assert.equal(await page.getAttribute('.result', 'data-trace-id'), CHECKOUT);
    await page.goto(url('/'));
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 3);
    await shot('search');
  });

  it('time picker: presets and a custom absolute range, kept in the URL', async () => {
    const { page } = ui;
    await page.goto(url('/'));
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 3);
    await page.click('.time-picker-button');
    await page.click('.time-presets [data-lookback="15m"]');
    await page.waitForURL(/lookback=15m/);
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 3);
    assert.match(await page.innerText('.time-picker-button'), /Last 15 minutes/);
    // From 2 minutes ago to now: the checkout trace (3 minutes old) drops out.
    const [from, to] = await page.evaluate(() => {
      const f = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
      return [f(new Date(Date.now() - 120_000)), f(new Date(Date.now() + 5_000))];
    });
    await page.click('.time-picker-button');
    await page.fill('input[name=range-end]', from);
    await page.fill('input[name=range-start]', to);
    await page.click('[data-apply]');
    assert.match(await page.innerText('.time-custom .filter-error'), /end must be after the start/);
    await page.fill('input[name=range-start]', from);
    await page.fill('input[name=range-end]', to);
    await page.click('[data-apply]');
    await page.waitForURL(/start=\d+&end=\d+/);
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 2);
    assert.equal(await page.locator(`.result[data-trace-id="${CHECKOUT}"]`).count(), 0);
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 2);
    assert.match(await page.innerText('.time-picker-button'), /→/);
  });

  it('duration scatter: hover names a trace, click opens it, a drag narrows the time range', async () => {
    const { page } = ui;
    await page.goto(url('/'));
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 3);
    const over = page.locator('.scatter .u-over');
    await over.waitFor();
    const box = (await over.boundingBox())!;
    // Sweep across the plot until the tip names the checkout trace, then click there.
    let found = -1;
    for (let x = 1; x < box.width && found < 0; x += 4) {
      await page.mouse.move(box.x + x, box.y + box.height / 2);
      if (await page.locator(`.scatter-tip[data-trace-id="${CHECKOUT}"]`).count()) found = x;
    }
    assert.ok(found >= 0, 'the tip named the checkout trace somewhere on the plot');
    assert.match(await page.innerText('.scatter-tip'), /frontend: GET \/checkout[\s\S]*120ms[\s\S]*6 spans[\s\S]*1 error/);
    await shot('search-scatter');
    await page.mouse.click(box.x + found, box.y + box.height / 2);
    await page.waitForURL(`**/trace/${CHECKOUT}`);
    await page.goBack();
    await over.waitFor();
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 6 });
    await page.mouse.up();
    await page.waitForURL(/start=\d+&end=\d+/);
    const u = new URL(page.url()).searchParams;
    assert.ok(Number(u.get('end')) > Number(u.get('start')));
    await page.waitForSelector('.result');
  });
});
