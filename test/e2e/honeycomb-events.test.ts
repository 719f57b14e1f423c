/**
 * The real `libhoney` and `honeycomb-beeline` clients, pointed (apiHost) at a Honeyray started as the README
 * says, with their default transport (JSON batches to /1/batch/{dataset}); spans read back through the
 * Jaeger API field by field; raw Events API requests for what the clients do not send (msgpack, single
 * events, bad input).
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { encode } from '@msgpack/msgpack';
import Libhoney from 'libhoney';
import beeline from 'honeycomb-beeline';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { jaegerTrace, tagOf } from '../helpers/jaeger-read.js';

const tag = tagOf;
/** Reads need a key too once keys are configured. */
const KEY = { 'x-honeycomb-team': 'hny-key' };

async function spanCount(srv: RunningServer): Promise<number> {
  return ((await (await fetch(`${srv.http}/api/honeyray/stats`, { headers: KEY })).json()) as { spans: number }).spans;
}

describe('Honeycomb Events API: libhoney and honeycomb-beeline -> Honeyray', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer({ args: ['--api-keys', 'hny-key'] }); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  it('libhoney: a batch of events and spans with sample rates, 202 for each', async () => {
    const responses: { status_code?: number; error?: unknown }[] = [];
    const hny = new Libhoney({
      writeKey: 'hny-key', dataset: 'libhoney-ds', apiHost: srv.otlp,
      responseCallback: (rs: typeof responses) => responses.push(...rs),
    });
    const before = await spanCount(srv);
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    for (let i = 0; i < 3; i++) {
      const ev = hny.newEvent();
      ev.add({ 'trace.trace_id': traceId, 'trace.span_id': `b7ad6b716920333${i}`, 'trace.parent_id': i === 0 ? undefined : 'b7ad6b7169203330', name: `op-${i}`, service_name: 'libhoney-svc', duration_ms: 10 + i, 'app.i': i });
      ev.sampleRate = 5;
      ev.timestamp = new Date(Date.now() - 1000 + i);
      ev.sendPresampled(); // send() would sample 1 in 5 in the client; presampled keeps all, with the rate
    }
    const plain = hny.newEvent();
    plain.add({ endpoint: '/login', status: 200 });
    plain.send();
    await hny.flush();
    assert.deepEqual(responses.map((r) => r.status_code), [202, 202, 202, 202]);

    const t = await jaegerTrace(srv.http, traceId, 3, () => true, KEY);
    assert.equal(t.spans.length, 3);
    const byName = new Map(t.spans.map((s) => [s.operationName, s]));
    const child = byName.get('op-2')!;
    assert.equal(child.spanID, 'b7ad6b7169203332');
    assert.deepEqual(child.references.map((r) => [r.refType, r.spanID]), [['CHILD_OF', 'b7ad6b7169203330']]);
    assert.equal(child.duration, 12_000);
    assert.equal(tag(child, 'app.i'), 2);
    assert.equal(tag(child, 'meta.sample_rate'), 5);
    assert.equal(t.processes[child.processID]!.serviceName, 'libhoney-ds');
    assert.equal(t.processes[child.processID]!.tags.find((x) => x.key === 'service.name')?.value, 'libhoney-svc');
    assert.equal((await spanCount(srv)) - before, 4, 'the event that is not a span is stored too');

    // Queries weight by the sample rate, as Honeycomb does: 3 events at 1-in-5 and 1 unsampled.
    const q = await fetch(`${srv.http}/api/honeyray/query/libhoney-ds`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-honeycomb-team': 'hny-key' },
      // end_time past now: the unsampled event was sent within this very second.
      body: JSON.stringify({ start_time: Math.floor(Date.now() / 1000) - 3600, end_time: Math.floor(Date.now() / 1000) + 60, calculations: [{ op: 'COUNT' }, { op: 'SUM', column: 'duration_ms' }, { op: 'AVG', column: 'duration_ms' }, { op: 'MAX', column: 'duration_ms' }] }),
    });
    const r = ((await q.json()) as { results: { data: Record<string, number> }[] }).results[0]!.data;
    assert.equal(r.COUNT, 16);
    assert.equal(r['SUM(duration_ms)'], 165);
    assert.equal(r['AVG(duration_ms)'], 165 / 16); // the event that is not a span has duration 0
    assert.equal(r['MAX(duration_ms)'], 12);

    // The event that is not a span (trace id 0) is queryable, but it is not a trace in searches.
    const found = (await (await fetch(`${srv.http}/api/traces?service=libhoney-ds&lookback=1h`, { headers: KEY })).json()) as { data: { traceID: string }[] };
    assert.deepEqual(found.data.map((t) => t.traceID), [traceId]);
    const sums = (await (await fetch(`${srv.http}/api/honeyray/trace-summaries?service=libhoney-ds`, { headers: KEY })).json()) as { data: { traceId: string }[] };
    assert.deepEqual(sums.data.map((t) => t.traceId), [traceId]);
  });

  it('honeycomb-beeline: a trace with nested spans, an error and custom context', async () => {
    const bl = beeline({ writeKey: 'hny-key', dataset: 'beeline-ds', serviceName: 'beeline-svc', apiHost: srv.otlp, disableInstrumentation: true } as never);
    const root = bl.startTrace({ name: 'GET /api/activities/home' })!;
    const traceId = root.payload['trace.trace_id'] as string;
    const child = bl.startSpan({ name: 'db.query' })!;
    bl.addContext({ 'db.rows': 3 });
    bl.addTraceContext({ user: 'andrew' });
    bl.finishSpan(child);
    const failing = bl.startSpan({ name: 'notifications' })!;
    bl.addContext({ error: 'timeout talking to notifications' });
    bl.finishSpan(failing);
    bl.finishTrace(root);
    await bl.flush();

    const t = await jaegerTrace(srv.http, traceId, 3, () => true, KEY);
    assert.equal(t.spans.length, 3);
    const byName = new Map(t.spans.map((s) => [s.operationName, s]));
    const r = byName.get('GET /api/activities/home')!;
    assert.deepEqual(r.references, []);
    assert.equal(r.spanID, root.payload['trace.span_id']);
    const q = byName.get('db.query')!;
    assert.deepEqual(q.references.map((x) => x.spanID), [r.spanID]);
    assert.equal(tag(q, 'db.rows'), 3);
    assert.equal(tag(q, 'app.user'), 'andrew');
    assert.equal(tag(q, 'meta.beeline_version') !== undefined, true);
    const n = byName.get('notifications')!;
    assert.equal(tag(n, 'otel.status_code'), 'ERROR');
    assert.equal(tag(n, 'otel.status_description'), 'timeout talking to notifications');
    assert.equal(t.processes[r.processID]!.tags.find((x) => x.key === 'service.name')?.value, 'beeline-svc');
  });

  it('msgpack and gzip batches, single events with their headers', async () => {
    const traceId = '1af7651916cd43dd8448eb211c80319c';
    const body = gzipSync(encode([{ time: new Date(), samplerate: 2, data: { 'trace.trace_id': traceId, 'trace.span_id': '00000000000000aa', name: 'mp' } }]));
    const r = await fetch(`${srv.otlp}/1/batch/mp-ds`, { method: 'POST', body, headers: { 'x-honeycomb-team': 'hny-key', 'content-type': 'application/msgpack', 'content-encoding': 'gzip' } });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), [{ status: 202 }]);
    const one = await fetch(`${srv.http}/1/events/single-ds`, {
      method: 'POST',
      body: JSON.stringify({ 'trace.trace_id': traceId, 'trace.span_id': '00000000000000bb', 'trace.parent_id': '00000000000000aa', name: 'single', duration_ms: 1.5 }),
      headers: { 'x-honeycomb-team': 'hny-key', 'x-honeycomb-samplerate': '3', 'x-honeycomb-event-time': new Date(Date.now() - 5000).toISOString() },
    });
    assert.equal(one.status, 200);
    const t = await jaegerTrace(srv.http, traceId, 2, () => true, KEY);
    const single = t.spans.find((s) => s.operationName === 'single')!;
    assert.equal(tag(single, 'meta.sample_rate'), 3);
    assert.equal(single.duration, 1500);
    assert.ok(Math.abs(single.startTime / 1000 - (Date.now() - 5000)) < 3000);
    assert.equal(tag(t.spans.find((s) => s.operationName === 'mp')!, 'meta.sample_rate'), 2);
  });

  it('bad input gets Honeycomb-shaped errors and the server keeps serving', async () => {
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${srv.otlp}${path}`, { method: 'POST', body, headers: { 'x-honeycomb-team': 'hny-key', 'content-type': 'application/json', ...headers } });
    let r = await post('/1/batch/d', '[{"data":{"a":1}}, {"nope":1}]');
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), [{ status: 202 }, { status: 400, error: 'Request body is malformed and cannot be read.' }]);
    r = await post('/1/batch/d', '[{"data":');
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { error: 'Request body is malformed and cannot be read.' });
    r = await post('/1/batch/d', '[]');
    assert.deepEqual([r.status, await r.json()], [400, { error: 'Request body should not be empty.' }]);
    r = await post('/1/batch/d', '[{"data":{"a":1}}]', { 'x-honeycomb-team': 'wrong' });
    assert.deepEqual([r.status, await r.json()], [401, { error: 'unknown API key - check your credentials' }]);
    r = await post('/1/batch/d', 'xx', { 'content-encoding': 'gzip' });
    assert.equal(r.status, 400);
    assert.match(((await r.json()) as { error: string }).error, /cannot decompress gzip/);
    r = await post('/1/batch/d', 'xx', { 'content-encoding': 'br' });
    assert.equal(r.status, 415);
    r = await post('/1/events/d', '[1]');
    assert.deepEqual([r.status, await r.json()], [400, { error: 'Request body is malformed and cannot be read.' }]);
    r = await post('/1/batch/d', '[{"data":{"still":"up"}}]');
    assert.deepEqual(await r.json(), [{ status: 202 }]);
  });
});
