/**
 * Reads are not queued behind ingest (issue 11 item 2): while 200 OTLP requests (~100,000 spans), sent
 * flat out over 8 connections, are being decoded and committed, health, stats, services and a Honeycomb
 * query all answer, and they answer before the burst is through. No timing thresholds: only what finishes before what.
 */
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { findIdFields, withFreshIds } from '../../bench/payload-ids.js';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const PAYLOAD = new Uint8Array(readFileSync('test/fixtures/wire/otel/payload_512.pb'));
const REQUESTS = 200;

describe('reads while ingest runs flat out', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  it('health, stats, services and a query answer before a 100,000-span burst is committed', async () => {
    // Something to read first: one request, committed.
    const fields = findIdFields(PAYLOAD);
    const body = () => withFreshIds(PAYLOAD, fields, randomFillSync(new Uint8Array(16)));
    // As an exporter does: a refusal for backpressure (503/429 + Retry-After) is sent again after a pause.
    const post = async () => {
      const bytes = new Uint8Array(body());
      for (;;) {
        const r = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/x-protobuf' } });
        await r.arrayBuffer();
        if (r.status !== 503 && r.status !== 429) return r.status;
        await new Promise((res) => setTimeout(res, 200));
      }
    };
    assert.equal(await post(), 200);
    const services = (await (await fetch(`${srv.http}/api/services`)).json()) as { data: string[] };
    assert.ok(services.data.length > 0);

    let ingestDone = false;
    // Eight senders, as bench:ingest's load generator: the ingest worker stays saturated.
    let left = REQUESTS;
    const sender = async () => { const out: number[] = []; while (left-- > 0) out.push(await post()); return out; };
    const burst = Promise.all(Array.from({ length: 8 }, sender)).then((xs) => xs.flat()).finally(() => (ingestDone = true));
    const end = Math.floor(Date.now() / 1000) + 60;
    const reads: [string, () => Promise<Response>][] = [
      ['healthz', () => fetch(`${srv.http}/healthz`)],
      ['stats', () => fetch(`${srv.http}/api/honeyray/stats`)],
      ['services', () => fetch(`${srv.http}/api/services`)],
      ['query', () => fetch(`${srv.http}/api/honeyray/query/${encodeURIComponent(services.data[0]!)}`, {
        method: 'POST', body: JSON.stringify({ start_time: end - 7200, end_time: end, breakdowns: ['name'], calculations: [{ op: 'COUNT' }, { op: 'P99', column: 'duration_ms' }] }),
      })],
    ];
    const answered: string[] = [];
    await Promise.all(reads.map(async ([name, read]) => {
      const r = await read();
      assert.equal(r.status, 200, name);
      await r.arrayBuffer();
      if (!ingestDone) answered.push(name);
    }));
    answered.sort();
    const statuses = await burst;
    assert.deepEqual(answered, reads.map(([n]) => n).sort(), 'every read answered while the burst was still being committed');
    // Nothing was lost meanwhile.
    assert.equal(statuses.filter((s) => s === 200).length, REQUESTS);
    const stats = (await (await fetch(`${srv.http}/api/honeyray/stats`)).json()) as { spans: number };
    assert.equal(stats.spans, 512 * (REQUESTS + 1));
  });
});
