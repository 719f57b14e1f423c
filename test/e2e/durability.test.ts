/** Every acknowledged span survives a stop (SIGTERM) and a crash (SIGKILL) on the same data dir. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { removeDir, startServer } from '../helpers/server-process.js';

function request(traceId: string, n: number) {
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId, spanId: randomBytes(8).toString('hex'), name: `op-${i}`, kind: 2,
    startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n), endTimeUnixNano: String(BigInt(Date.now() + 5) * 1_000_000n),
    attributes: [{ key: 'i', value: { intValue: i } }],
  }));
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'durable' } }] }, scopeSpans: [{ spans }] }] });
}

async function sendMany(otlp: string, count: number): Promise<string[]> {
  const acked: string[] = [];
  await Promise.all(Array.from({ length: count }, async () => {
    const traceId = randomBytes(16).toString('hex');
    const r = await fetch(`${otlp}/v1/traces`, { method: 'POST', body: request(traceId, 10), headers: { 'content-type': 'application/json' } });
    if (r.status === 200) acked.push(traceId);
  }));
  return acked;
}

async function countSpans(http: string, ids: string[]): Promise<number> {
  let n = 0;
  for (const id of ids) {
    const r = await fetch(`${http}/api/traces/${id}`);
    if (r.status === 200) n += ((await r.json()) as { data: any[] }).data[0].spans.length;
  }
  return n;
}

describe('durability', () => {
  it('keeps every acknowledged span across SIGTERM and SIGKILL restarts', async () => {
    let srv = await startServer();
    const dir = srv.dataDir;
    try {
      const first = await sendMany(srv.otlp, 40);
      assert.equal(first.length, 40);
      assert.equal(await srv.stop(), 0);

      srv = await startServer({ dataDir: dir });
      assert.equal(await countSpans(srv.http, first), 400);
      const second = await sendMany(srv.otlp, 40);
      assert.equal(second.length, 40);
      await srv.kill();

      srv = await startServer({ dataDir: dir });
      assert.equal(await countSpans(srv.http, first), 400);
      assert.equal(await countSpans(srv.http, second), 400);
    } finally {
      await srv.stop();
      removeDir(dir);
    }
  });
});
