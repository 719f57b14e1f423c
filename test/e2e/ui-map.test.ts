/**
 * The service map in Chromium: layout inside the viewport, health rings, zoom, node panel.
 * Set-up (server, data, Chromium, the no-page-errors check) is test/helpers/ui-browser.ts.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { browserSuite, CHECKOUT } from '../helpers/ui-browser.js';

browserSuite('ui-map', {}, (ui) => {
  const url = ui.url;
  const shot = ui.shot;
  it('service map shows the services and their calls', async () => {
    const { page } = ui;
    await page.goto(url('/map'));
    await page.waitForSelector('.service-map .node');
    const names = await page.$$eval('.service-map .node', (ns) => ns.map((n) => (n as SVGElement).dataset.service).sort());
    for (const s of ['client', 'frontend', 'backend', 'payment', 'bulk', 'xray-svc']) assert.ok(names.includes(s), `${s} in ${names.join(', ')}`);
    assert.ok(await page.locator('.service-map .edge').count() >= 5);
    assert.match(await page.locator('.service-map .node[data-service="payment"]').innerHTML(), /faults 100%/);
    // Layered: client left of frontend, left of backend, left of payment.
    const x = async (s: string) => (await page.locator(`.service-map .node[data-service="${s}"]`).boundingBox())!.x;
    assert.ok(await x('client') < await x('frontend') && await x('frontend') < await x('backend') && await x('backend') < await x('payment'));
    // Everything inside the canvas: every node and edge label within the SVG's box.
    const svgBox = (await page.locator('.service-map').boundingBox())!;
    for (const loc of await page.locator('.service-map .node, .service-map .edge-label, .service-map .edge').all()) {
      const b = (await loc.boundingBox())!;
      assert.ok(b.x >= svgBox.x - 1 && b.y >= svgBox.y - 1 && b.x + b.width <= svgBox.x + svgBox.width + 1 && b.y + b.height <= svgBox.y + svgBox.height + 1,
        `${await loc.getAttribute('data-service') ?? await loc.getAttribute('data-edge')} at ${JSON.stringify(b)} outside ${JSON.stringify(svgBox)}`);
    }
    // 100% faults: red, with a ring all fault.
    assert.match(await page.getAttribute('.service-map .node[data-service="payment"]', 'class') ?? '', /\bfault\b/);
    assert.deepEqual(await page.$$eval('.service-map .node[data-service="payment"] .ring', (rs) => rs.map((r) => r.getAttribute('class'))), ['ring fault']);
    await shot('map');
    // Zoom in and back: the viewBox changes, Fit restores it.
    const vb = await page.getAttribute('.service-map', 'viewBox');
    await page.click('[data-zoom="in"]');
    assert.notEqual(await page.getAttribute('.service-map', 'viewBox'), vb);
    await page.click('[data-zoom="fit"]');
    assert.equal(await page.getAttribute('.service-map', 'viewBox'), vb);
    // A node opens its panel: numbers, response-time histogram, link to its traces.
    await page.click('.service-map .node[data-service="payment"]');
    const panel = page.locator('#map-panel');
    await panel.waitFor({ state: 'visible' });
    assert.match(await panel.innerText(), /Faults \(5xx\)\s+1\s+100%/);
    await panel.locator('[data-histogram] canvas').first().waitFor();
    await shot('map-node');
    await page.click('.service-map .node[data-service="backend"]');
    await page.click('#map-panel a[data-traces]');
    await page.waitForURL(/\/\?service=backend/);
  });

  it('an edge opens its numbers, its response-time histogram and its traces; the time range is in the URL', async () => {
    const { page } = ui;
    await page.goto(url('/map'));
    const label = page.locator('.service-map .edge-label[aria-label="backend to payment"]');
    await label.click();
    const panel = page.locator('#map-panel');
    await panel.waitFor({ state: 'visible' });
    assert.match(await panel.locator('h2').innerText(), /backend → payment/);
    assert.match(await panel.innerText(), /Requests\s+1[\s\S]*Faults \(5xx\)\s+1\s+100%/);
    await panel.locator('[data-histogram] canvas').first().waitFor();
    assert.match(await label.getAttribute('class') ?? '', /\bselected\b/);
    await ui.shot('map-edge');
    await panel.locator('a[data-traces]').click();
    await page.waitForURL(/\/\?filter=edge/);
    assert.equal(new URL(page.url()).searchParams.get('filter'), 'edge("backend", "payment")');
    await page.waitForFunction(() => document.querySelectorAll('.result').length === 1);
    assert.equal(await page.getAttribute('.result', 'data-trace-id'), CHECKOUT);
    // The time picker: a preset narrows the graph and lands in the URL.
    await page.goto(url('/map'));
    await page.waitForSelector('.service-map .node');
    await page.click('.time-picker-button');
    await page.click('.time-presets [data-lookback="15m"]');
    await page.waitForURL(/\/map\?lookback=15m/);
    await page.waitForSelector('.service-map .node[data-service="payment"]');
    // Keyboard: Enter on a focused edge label opens it too.
    await page.focus('.service-map .edge-label[aria-label="frontend to backend"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /frontend → backend/.test(document.querySelector('#map-panel h2')?.textContent ?? ''));
  });
});
