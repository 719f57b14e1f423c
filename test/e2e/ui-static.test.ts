/**
 * The web UI's static files as the server serves them (no browser): the shell at every app route with
 * its headers, assets with ETags, and path traversal refused.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { seed, XRAY_ID } from '../helpers/ui-browser.js';

describe('web UI static files', () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer();
    await seed(srv);
  });
  after(async () => {
    await srv?.stop();
    if (srv) removeDir(srv.dataDir);
  });

  describe('static files', () => {
    it('serves the shell at the app routes with HTML, CSP and revalidation headers', async () => {
      for (const path of ['/', '/?service=frontend', '/trace/abc', `/trace/${XRAY_ID}`, '/compare?a=1&b=2', '/map', '/xray', '/query', '/home']) {
        const r = await fetch(srv.http + path);
        assert.equal(r.status, 200, path);
        assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
        assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'self'/);
        assert.equal(r.headers.get('cache-control'), 'no-cache');
        assert.match(await r.text(), /<script type="module" src="\/ui\/main.js">/);
      }
    });
    it('serves assets with their content type, ETag and 304; HEAD without a body', async () => {
      const js = await fetch(`${srv.http}/ui/main.js`);
      assert.equal(js.status, 200);
      assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(js.headers.get('x-content-type-options'), 'nosniff');
      const etag = js.headers.get('etag')!;
      assert.ok(etag);
      assert.equal((await fetch(`${srv.http}/ui/main.js`, { headers: { 'if-none-match': etag } })).status, 304);
      assert.equal((await fetch(`${srv.http}/ui/styles.css`)).headers.get('content-type'), 'text/css; charset=utf-8');
      assert.equal((await fetch(`${srv.http}/ui/favicon.svg`)).headers.get('content-type'), 'image/svg+xml');
      const head = await fetch(`${srv.http}/ui/main.js`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), '');
    });
    it('refuses directory traversal, directories and unknown files', async () => {
      const raw = (path: string) => new Promise<{ status: number; body: string }>((res, rej) => {
        http.get({ host: '127.0.0.1', port: srv.httpPort, path }, (r) => {
          let body = '';
          r.on('data', (c) => (body += c));
          r.on('end', () => res({ status: r.statusCode!, body }));
        }).on('error', rej);
      });
      for (const path of ['/ui/../package.json', '/ui/../../package.json', '/ui/%2e%2e/%2e%2e/package.json', '/ui/..%2f..%2fpackage.json',
        '/ui/chunks/../../../package.json', '/ui/%2fetc%2fpasswd', '/ui/..\\..\\package.json', '/ui/', '/ui/pages', '/ui/nope.js', '/ui/index.html%00.js']) {
        const r = await raw(path);
        assert.notEqual(r.status, 200, path);
        assert.doesNotMatch(r.body, /honeyray|root:/, path);
      }
      // The APIs around the UI are unchanged.
      assert.equal((await fetch(`${srv.http}/api/nope`)).status, 404);
      assert.deepEqual(((await (await fetch(`${srv.http}/api/services`)).json()) as { data: string[] }).data.sort(), ['backend', 'bulk', 'frontend', 'payment', 'xray-svc']);
    });
  });
});
