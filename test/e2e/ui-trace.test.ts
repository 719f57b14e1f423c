/**
 * The trace page in Chromium: waterfall, span detail, exception, minimap zoom, find, X-Ray documents.
 * Set-up (server, data, Chromium, the no-page-errors check) is test/helpers/ui-browser.ts.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { browserSuite, BULK, CHECKOUT, CHECKOUT_SLOW, checkoutTrace, postOtlp, STACK, XRAY_ID, XRAY_SEGMENT_ID } from '../helpers/ui-browser.js';

browserSuite('ui-trace', { allowConsole: /status of 400/, more: (srv) => postOtlp(srv, checkoutTrace({ slow: true })) }, (ui) => {
  const url = ui.url;
  const shot = ui.shot;
  it('clicking a trace opens the waterfall with every span; clicking a span shows its tags and events', async () => {
    const { page } = ui;
    await page.goto(url('/'));
    await page.click(`.result[data-trace-id="${CHECKOUT}"]`);
    await page.waitForURL(`**/trace/${CHECKOUT}`);
    await page.waitForFunction(() => document.querySelectorAll('.wf-row').length === 6);
    const nameWidth = async () => (await page.locator('.wf-head .wf-name').boundingBox())!.width;
    const namesBefore = await nameWidth();
    assert.equal(await page.innerText('#stat-spans'), '6');
    assert.equal(await page.innerText('#stat-services'), '3');
    assert.equal(await page.innerText('#stat-depth'), '4');
    const ops = await page.$$eval('.wf-row .op', (es) => es.map((e) => e.textContent));
    assert.deepEqual(ops, ['GET /checkout', 'POST /api/orders', 'POST /api/orders', 'SELECT orders', 'charge card', 'render']);
    const errorRow = page.locator('.wf-row.error');
    assert.equal(await errorRow.count(), 1);
    assert.equal(await errorRow.locator('.op').innerText(), 'charge card');

    await errorRow.click();
    const detail = page.locator('#detail');
    await detail.waitFor({ state: 'visible' });
    const tags = await detail.locator('table.tags').innerText();
    assert.match(tags, /payment\.provider\s+stripe/);
    assert.match(tags, /payment\.amount_cents\s+4200/);
    assert.match(await detail.locator('.error-note').innerText(), /card declined/);
    assert.match(await detail.locator('.log').innerText(), /exception[\s\S]*exception\.message\s+card_declined/);
    // The exception: on the banner, and its stack trace as a full-width monospace block, one frame a line.
    assert.match(await page.innerText('.error-banner'), /1 error[\s\S]*payment: charge card[\s\S]*CardError: card_declined/);
    assert.match(await detail.locator('.exception-head').innerText(), /CardError: card_declined/);
    const stack = detail.locator('.exception pre.stack');
    assert.equal(await stack.innerText(), STACK);
    const [stackBox, detailBox] = [(await stack.boundingBox())!, (await detail.boundingBox())!];
    assert.ok(stackBox.width > detailBox.width * 0.8, `stack trace ${stackBox.width}px wide in a ${detailBox.width}px panel`);
    assert.equal(await stack.evaluate((e) => getComputedStyle(e).whiteSpace), 'pre');
    // Error bars are red; opening the detail narrows the timeline, not the names.
    assert.equal(await errorRow.locator('.bar').evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(209, 36, 47)');
    assert.match(await detail.locator('table.process').innerText(), /host\.name\s+payment-1/);
    assert.match(await detail.locator('.refs').innerText(), /child of\s+b000000000000003/);
    assert.equal(new URL(page.url()).searchParams.get('span'), 'c000000000000005');
    assert.equal(await nameWidth(), namesBefore, 'the name column keeps its width when the detail opens');
    // The name column's edge drags.
    const handle = (await page.locator('#wf-resize').boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + handle.width / 2 + 120, handle.y + handle.height / 2, { steps: 4 });
    await page.mouse.up();
    const widened = await nameWidth();
    assert.ok(Math.abs(widened - namesBefore - 120) <= 2, `name column ${namesBefore}px -> ${widened}px after a 120px drag`);
    assert.equal((await page.locator('.wf-row .wf-name').first().boundingBox())!.width, widened, 'rows follow the header');
    await shot('trace');
    // Attributes by service: what each service's spans carry, and their most common values.
    await page.click('#attr-summary summary');
    const pay = page.locator('.attr-service[data-service="payment"]');
    assert.match(await pay.locator('tr[data-key="payment.provider"]').innerText(), /payment\.provider\s+1\s+1\s+stripe\s+1/);
    assert.match(await page.innerText('.attr-service[data-service="backend"] tr[data-key="db.system"]'), /db\.system\s+1\s+1\s+postgresql/);
    await page.click('#attr-summary summary');

    await page.click('.wf-row[data-i="0"] [data-tog]');
    await page.waitForFunction(() => document.querySelectorAll('.wf-row').length === 1);
    await page.click('.wf-row[data-i="0"] [data-tog]');
    await page.waitForFunction(() => document.querySelectorAll('.wf-row').length === 6);
    await page.click('#detail [data-close]');
    await detail.waitFor({ state: 'hidden' });
    await page.goBack();
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 4); // with the slow checkout of the compare test
    await page.goForward();
    await page.waitForFunction(() => document.querySelectorAll('.wf-row').length === 6);
  });

  it('renders the 2,000-span trace virtually and finds a span at the bottom', async () => {
    const { page } = ui;
    const t0 = Date.now();
    await page.goto(url(`/trace/${BULK}`));
    await page.waitForSelector('.wf-row');
    const ms = Date.now() - t0;
    assert.equal(await page.innerText('#stat-spans'), '2,000');
    const inDom = await page.locator('.wf-row').count();
    assert.ok(inDom > 20 && inDom < 200, `rows in the DOM: ${inDom}`);
    console.log(`2,000-span trace: first rows in ${ms} ms (load + model + render), ${inDom} rows in the DOM`);
    // Drawn from the skeleton (2,000 spans and up); the rest of this test works on the full trace.
    await page.locator('#details-state').waitFor({ state: 'hidden' });

    await page.$eval('#wf-scroll', (e) => { e.scrollTop = e.scrollHeight; });
    await page.waitForSelector('.wf-row[data-i="1999"]');
    await page.fill('#find', 'item-1500');
    await page.press('#find', 'Enter');
    await page.locator('#detail').waitFor({ state: 'visible' });
    assert.match(await page.locator('#detail .detail-op').innerText(), /^item-1500$/);
    // The count is rewritten by the (debounced) input handler and by Enter: wait for the final text.
    await page.waitForFunction(() => /1 of 1 match/.test(document.querySelector('#find-count')?.textContent ?? ''));
    assert.equal(await page.locator('.wf-row.selected .op').innerText(), 'item-1500');
    // Drag across the first quarter of the minimap: the waterfall zooms to that window.
    const mm = (await page.locator('#minimap').boundingBox())!;
    await page.mouse.move(mm.x + 2, mm.y + mm.height / 2);
    await page.mouse.down();
    await page.mouse.move(mm.x + mm.width / 4, mm.y + mm.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.locator('#zoom-reset').waitFor({ state: 'visible' });
    assert.match(await page.innerText('#zoom-label'), / of 2\.1s$/);
    const lastTick = await page.innerText('#wf-ruler span.last');
    assert.match(lastTick, /^5\d\d(\.\d+)?ms$/, `the ruler ends near a quarter of 2.1s: ${lastTick}`);
    await page.$eval('#wf-scroll', (e) => { e.scrollTop = 0; });
    const rootBar = (await page.locator('.wf-row[data-i="0"] .bar').boundingBox())!;
    const timeCol = (await page.locator('.wf-head .wf-time').boundingBox())!;
    assert.ok(rootBar.width > timeCol.width * 3, 'the root bar runs far past the zoomed window');
    await shot('trace-zoomed');
    await page.click('#zoom-reset');
    await page.locator('#zoom-reset').waitFor({ state: 'hidden' });
    assert.equal(await page.innerText('#wf-ruler span.last'), '2.1s');
    await page.click('#collapse-all');
    // Root and its 40 chunks: 41 rows of 26 px (how many are in the DOM depends on the viewport).
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#wf-spacer')?.style.height === `${41 * 26}px`);
    await page.click('#expand-all');
    await shot('trace-2000');
  });

  it('opens a trace by its X-Ray id and notes X-Ray documents', async () => {
    const { page } = ui;
    await page.fill('#trace-lookup input', XRAY_ID);
    await page.press('#trace-lookup input', 'Enter');
    await page.waitForURL(`**/trace/${XRAY_ID}`);
    await page.click('.wf-row[data-i="0"]');
    assert.match(await page.locator('#detail .xray-note').innerText(), new RegExp(`X-Ray document[\\s\\S]*${XRAY_ID}`));
    // A 0.4 ms segment: "< 1 ms", as the X-Ray console says it.
    assert.equal(await page.innerText('.wf-row[data-i="0"] .bar-label'), '< 1 ms');
    // Annotations and metadata in their own tables, the raw segment document on demand.
    assert.match(await page.innerText('#detail table.annotations'), /cart_items\s+3[\s\S]*tier\s+gold/);
    assert.match(await page.innerText('#detail table.metadata'), /default\.cart/);
    await page.click('#detail .xray-raw summary');
    await page.waitForFunction(() => /"sku": "A-17"/.test(document.querySelector('#detail .xray-raw pre')?.textContent ?? ''));
    const raw = JSON.parse(await page.innerText('#detail .xray-raw pre')) as { id: string; annotations: object };
    assert.equal(raw.id, XRAY_SEGMENT_ID);
    assert.deepEqual(raw.annotations, { tier: 'gold', cart_items: 3 });
    await shot('trace-xray');
    await page.goto(url('/trace/not-a-trace-id'));
    assert.match(await page.locator('.error-box').innerText(), /invalid trace id/);
  });

  it('compares two traces: the planted extra span and the slower database call stand out', async () => {
    const { page } = ui;
    await page.goto(url(`/trace/${CHECKOUT}`));
    await page.waitForFunction(() => document.querySelectorAll('.wf-row').length === 6);
    await page.fill('#compare-with input', CHECKOUT_SLOW);
    await page.press('#compare-with input', 'Enter');
    await page.waitForURL(/\/compare\?a=/);
    await page.waitForSelector('#compare-table tbody tr');
    assert.deepEqual(Object.fromEntries(new URL(page.url()).searchParams), { a: CHECKOUT, b: CHECKOUT_SLOW });
    assert.equal(await page.innerText('.compare-side[data-side="A"] [data-stat="spans"]'), '6');
    assert.equal(await page.innerText('.compare-side[data-side="B"] [data-stat="spans"]'), '7');
    assert.match(await page.innerText('[data-summary="added"]'), /^1 span only in B$/);
    assert.match(await page.innerText('[data-summary="removed"]'), /^0 spans only in A$/);
    assert.match(await page.innerText('[data-summary="duration"]'), /^duration \+385ms$/);
    const retry = page.locator('#compare-table tr[data-path="backend: SELECT orders (retry)"]');
    assert.match(await retry.getAttribute('class') ?? '', /\bdiff-added\b/);
    assert.equal(await retry.getAttribute('data-depth'), '4');
    assert.match(await retry.innerText(), /only in B/);
    const db = page.locator('#compare-table tr[data-path="backend: SELECT orders"]');
    assert.match(await db.getAttribute('class') ?? '', /\bdiff-same\b.*\bslower\b/);
    assert.match(await db.locator('.diff-delta').innerText(), /^\+385ms \(\+2567%\)$/);
    // Unchanged paths hide on request; the changed ones stay.
    const rows = await page.locator('#compare-table tbody tr').count();
    assert.equal(rows, 7);
    await page.check('#only-diff');
    assert.equal(await page.locator('#compare-table tr[data-path="frontend: render"]').isVisible(), false);
    assert.equal(await retry.isVisible(), true);
    await ui.shot('compare');
    // Swap: the extra span is now only in A.
    await page.click('#compare-swap');
    await page.waitForURL((u) => u.searchParams.get('a') === CHECKOUT_SLOW);
    await page.waitForFunction(() => /1 span only in A/.test(document.querySelector('[data-summary="removed"]')?.textContent ?? ''));
    // From the search results, as in Jaeger: tick two traces, then Compare.
    await page.goto(url('/'));
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 4);
    assert.equal(await page.isDisabled('#compare-picked'), true);
    await page.click(`.result[data-trace-id="${CHECKOUT}"] [data-pick]`);
    await page.click(`.result[data-trace-id="${CHECKOUT_SLOW}"] [data-pick]`);
    assert.equal(new URL(page.url()).pathname, '/', 'ticking does not open the trace');
    assert.equal(await page.getAttribute(`.result[data-trace-id="${CHECKOUT}"] [data-pick]`, 'aria-checked'), 'true');
    await page.click('#compare-picked');
    await page.waitForURL((u) => u.pathname === '/compare' && u.searchParams.get('a') === CHECKOUT && u.searchParams.get('b') === CHECKOUT_SLOW);
    await page.waitForSelector('#compare-table tr.diff-added');
  });
});
