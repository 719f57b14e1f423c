/**
 * Retention per environment and per dataset, and the low-disk watermark, end to end. Retention: an
 * environment with `"retention": "1h"` loses exactly its spans older than an hour (the store's first expiry
 * pass runs 10 s after start), while the other environment, with no retention, keeps the same old spans;
 * with `--retention 2h,short-ds=1h,forever-ds=0` each dataset keeps exactly what its own time says. Watermark:
 * with `--min-free-disk` above the disk's free space, every ingest protocol sheds with its retry signal
 * while reads and stats keep answering, and stats report the disk.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventually, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const hex = (n: number) => randomBytes(n).toString('hex');

function otlpJson(service: string, spans: { traceId: string; agoMs: number }[]): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans: spans.map((s) => {
    const end = now - BigInt(s.agoMs) * 1_000_000n;
    return { traceId: s.traceId, spanId: hex(8), name: 'op', kind: 2, startTimeUnixNano: String(end - 1_000_000n), endTimeUnixNano: String(end) };
  }) }] }] });
}

describe('retention per environment, and the low-disk watermark', () => {
  const servers: RunningServer[] = [];
  let tmp = '';
  after(async () => {
    for (const s of servers) { await s.stop(); removeDir(s.dataDir); }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('an environment with "retention": "1h" removes exactly its spans older than 1 h; the other keeps them', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'honeyray-retention-'));
    const file = join(tmp, 'auth.json');
    writeFileSync(file, JSON.stringify({ environments: { short: { keys: ['short-key'], retention: '1h' }, long: { keys: ['long-key'] } } }));
    const srv = await startServer({ args: ['--auth-file', file] });
    servers.push(srv);
    const spans = [
      { traceId: hex(16), agoMs: 3 * 3_600_000 }, // expired
      { traceId: hex(16), agoMs: 3_600_000 + 60_000 }, // just past the hour: expired
      { traceId: hex(16), agoMs: 3_600_000 - 60_000 }, // just inside: kept
      { traceId: hex(16), agoMs: 1_000 }, // kept
    ];
    for (const key of ['short-key', 'long-key']) {
      const r = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body: otlpJson('svc', spans), headers: { 'content-type': 'application/json', 'x-honeycomb-team': key } });
      assert.equal(r.status, 200);
    }
    const count = async (key: string) => ((await (await fetch(`${srv.http}/api/honeyray/stats`, { headers: { 'x-honeycomb-team': key } })).json()) as { spans: number }).spans;
    await eventually(async () => (await count('short-key')) === 2, 40_000, 'the expiry pass in the short environment');
    const present = async (key: string, id: string) => (await fetch(`${srv.http}/api/traces/${id}`, { headers: { 'x-honeycomb-team': key } })).status === 200;
    assert.deepEqual(await Promise.all(spans.map((s) => present('short-key', s.traceId))), [false, false, true, true]);
    assert.equal(await count('long-key'), 4);
    assert.deepEqual(await Promise.all(spans.map((s) => present('long-key', s.traceId))), [true, true, true, true]);
  });

  it('--retention 2h,short-ds=1h,forever-ds=0: each dataset loses exactly its spans past its own time', async () => {
    const srv = await startServer({ args: ['--retention', '2h,short-ds=1h,forever-ds=0'] });
    servers.push(srv);
    const ages = [3 * 3_600_000, 90 * 60_000, 30 * 60_000]; // past 2 h, between 1 and 2 h, inside 1 h
    const sent: Record<string, string[]> = {};
    for (const ds of ['short-ds', 'other-ds', 'forever-ds']) {
      sent[ds] = ages.map(() => hex(16));
      const r = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body: otlpJson(ds, ages.map((agoMs, i) => ({ traceId: sent[ds]![i]!, agoMs }))), headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 200);
    }
    const count = async () => ((await (await fetch(`${srv.http}/api/honeyray/stats`)).json()) as { spans: number }).spans;
    assert.equal(await count(), 9);
    await eventually(async () => (await count()) === 6, 40_000, 'the first retention pass');
    const present = async (id: string) => (await fetch(`${srv.http}/api/traces/${id}`)).status === 200;
    const kept = async (ds: string) => Promise.all(sent[ds]!.map(present));
    assert.deepEqual(await kept('short-ds'), [false, false, true]);
    assert.deepEqual(await kept('other-ds'), [false, true, true]);
    assert.deepEqual(await kept('forever-ds'), [true, true, true]);
  });

  it('below --min-free-disk: ingest sheds with the retry signal of each protocol (OTLP, Events API, Zipkin, X-Ray), reads answer, stats report the disk', async () => {
    const srv = await startServer({ args: ['--min-free-disk', '1000000TB'] });
    servers.push(srv);
    const otlp = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body: otlpJson('svc', [{ traceId: hex(16), agoMs: 0 }]), headers: { 'content-type': 'application/json' } });
    assert.equal(otlp.status, 503);
    assert.ok(otlp.headers.get('retry-after'));
    const events = await fetch(`${srv.http}/1/batch/ds`, { method: 'POST', body: '[{"data":{"a":1}}]', headers: { 'content-type': 'application/json' } });
    assert.equal(events.status, 429);
    assert.ok(events.headers.get('retry-after'));
    const zipkin = await fetch(`http://127.0.0.1:${srv.zipkinPort}/api/v2/spans`, { method: 'POST', body: '[]', headers: { 'content-type': 'application/json' } });
    assert.equal(zipkin.status, 503);
    const xray = await fetch(`${srv.http}/TraceSegments`, { method: 'POST', body: JSON.stringify({ TraceSegmentDocuments: ['{}'] }), headers: { 'content-type': 'application/json' } });
    assert.equal(xray.status, 429);
    assert.equal((await fetch(`${srv.http}/api/services`)).status, 200);
    const stats = (await (await fetch(`${srv.http}/api/honeyray/stats`)).json()) as { bytesOnDisk: number; disk: { freeBytes: number; totalBytes: number; low: boolean } };
    assert.equal(stats.disk.low, true);
    assert.ok(stats.disk.freeBytes > 0 && stats.disk.totalBytes >= stats.disk.freeBytes);
    assert.ok(stats.bytesOnDisk > 0);
  });
});
