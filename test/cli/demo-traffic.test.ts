import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newXrayTraceId, pickRequest } from '../../src/cli/demo-traffic.js';

/** A small deterministic uniform source (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('the mix covers every route of the seed, with slow, failing and continued requests', () => {
  const rnd = seeded(42);
  const reqs = Array.from({ length: 3000 }, () => pickRequest(rnd));
  const routes = new Set(reqs.map((r) => `${r.method} ${r.path.replace(/@\w+/, '@:handle').replace(/\?.*/, '').replace(/[0-9a-f-]{36}/, ':uuid')}`));
  assert.deepEqual([...routes].sort(), [
    'GET /api/activities/@:handle', 'GET /api/activities/home', 'GET /api/activities/notifications', 'GET /api/activities/search',
    'GET /api/error', 'GET /api/message_groups', 'GET /api/messages/@:handle',
    'POST /api/activities', 'POST /api/activities/:uuid/reply', 'POST /api/messages',
  ]);
  const share = (f: (r: ReturnType<typeof pickRequest>) => boolean) => reqs.filter(f).length / reqs.length;
  assert.ok(Math.abs(share((r) => r.path === '/api/activities/home') - 30 / 91) < 0.03, 'home refreshes are the most common');
  assert.ok(Math.abs(share((r) => r.headers['x-cruddur-delay-ms'] !== undefined) - 0.05) < 0.015);
  const continued = reqs.filter((r) => r.continues);
  assert.ok(Math.abs(continued.length / reqs.length - 0.03) < 0.012);
  for (const r of continued) assert.match(r.headers['x-amzn-trace-id']!, new RegExp(`^Root=${r.continues};Parent=[0-9a-f]{16};Sampled=1$`));
  assert.ok(new Set(reqs.filter((r) => r.path.startsWith('/api/activities/@')).map((r) => r.path)).size >= 4, 'several handles');
  for (const r of reqs.filter((x) => x.body)) assert.equal(r.headers['content-type'], 'application/json');
});

test('newXrayTraceId: epoch seconds, then 24 hex digits', () => {
  assert.match(newXrayTraceId(0x6b04f5ef * 1000), /^1-6b04f5ef-[0-9a-f]{24}$/);
});
