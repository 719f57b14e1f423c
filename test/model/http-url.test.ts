import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpUrl, urlPath } from '../../src/model/http-url.js';
import type { AttrScalar } from '../../src/model/span.js';

const from = (a: Record<string, AttrScalar>) => httpUrl((k) => a[k]);

test('url.full (or http.url) wins', () => {
  assert.equal(from({ 'url.full': 'https://x/y?q', 'url.path': '/z' }), 'https://x/y?q');
  assert.equal(from({ 'http.url': 'http://old/style' }), 'http://old/style');
});

test('rebuilt from path, query, host, port and scheme; older names too', () => {
  assert.equal(from({ 'url.path': '/api/activities/search', 'url.query': 'term=cloud', 'url.scheme': 'http', 'server.address': '127.0.0.1', 'server.port': 4567 }),
    'http://127.0.0.1:4567/api/activities/search?term=cloud');
  assert.equal(from({ 'http.target': '/a?b=1', 'http.scheme': 'https', 'http.host': 'example.com:8443', 'server.port': 1 }), 'https://example.com:8443/a?b=1');
  assert.equal(from({ 'url.path': '/p' }), 'http://localhost/p', 'no host: localhost, no scheme: http');
  assert.equal(from({ 'server.address': 'x' }), undefined, 'no path, no URL');
});

test('every candidate key is read (AttrView records them as used)', () => {
  const seen: string[] = [];
  httpUrl((k) => { seen.push(k); return undefined; });
  assert.deepEqual(seen.sort(), ['http.host', 'http.scheme', 'http.target', 'http.url', 'net.host.name', 'net.host.port', 'server.address', 'server.port', 'url.full', 'url.path', 'url.query', 'url.scheme']);
});

test('urlPath', () => {
  assert.equal(urlPath('http://h:1/api/x?y=1#f'), '/api/x');
  assert.equal(urlPath('/api/x?y'), '/api/x');
  assert.equal(urlPath('not a url'), undefined);
});
