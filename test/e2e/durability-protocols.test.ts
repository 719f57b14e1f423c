/**
 * kill -9 during ingest over the newer protocols (Honeycomb Events API, OTLP/gRPC, Zipkin): several senders
 * post one 10-span trace per request; the server is SIGKILLed at a random moment while requests are in
 * flight, restarted on the same data dir, and every trace whose request was acknowledged (Events: 200 with
 * every event 202; gRPC: OK; Zipkin: 202) must come back whole. Trials run in a loop on one data dir.
 *
 * The three protocols send at once, into one server. CI runs 2 trials; `HONEYRAY_DURABILITY_TRIALS=20 node --test dist/test/e2e/durability-protocols.test.js`
 * runs more.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { encodeRequest } from '../../bench/generate-otlp.js';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const TRIALS = Math.max(1, Number(process.env.HONEYRAY_DURABILITY_TRIALS) || 2);
const SENDERS = 6;
const SPANS = 10;

interface Trace { traceId: string; spanIds: string[]; startUs: number }

function newTrace(): Trace {
  return { traceId: randomBytes(16).toString('hex'), spanIds: Array.from({ length: SPANS }, () => randomBytes(8).toString('hex')), startUs: Date.now() * 1000 };
}

/** One request per protocol; resolves true only when the protocol acknowledged it. */
type Send = (t: Trace) => Promise<boolean>;

function eventsSender(srv: RunningServer): Send {
  return async (t) => {
    const events = t.spanIds.map((id, i) => ({
      time: new Date(t.startUs / 1000).toISOString(),
      data: { 'trace.trace_id': t.traceId, 'trace.span_id': id, ...(i ? { 'trace.parent_id': t.spanIds[0] } : {}), name: `op-${i}`, service_name: 'durable-events', duration_ms: 2 },
    }));
    const r = await fetch(`${srv.otlp}/1/batch/durable-events`, { method: 'POST', body: JSON.stringify(events), headers: { 'content-type': 'application/json' } });
    if (r.status !== 200) return false;
    const statuses = (await r.json()) as { status: number }[];
    return statuses.length === SPANS && statuses.every((s) => s.status === 202);
  };
}

function zipkinSender(srv: RunningServer): Send {
  return async (t) => {
    const spans = t.spanIds.map((id, i) => ({
      traceId: t.traceId, id, ...(i ? { parentId: t.spanIds[0] } : {}), name: `op-${i}`, kind: i ? 'CLIENT' : 'SERVER',
      timestamp: t.startUs, duration: 2000, localEndpoint: { serviceName: 'durable-zipkin' }, tags: { i: String(i) },
    }));
    const r = await fetch(`http://127.0.0.1:${srv.zipkinPort}/api/v2/spans`, { method: 'POST', body: JSON.stringify(spans), headers: { 'content-type': 'application/json' } });
    return r.status === 202;
  };
}

function grpcSender(srv: RunningServer): { send: Send; close(): void } {
  const client = new grpc.Client(`127.0.0.1:${srv.grpcPort}`, grpc.credentials.createInsecure());
  const send: Send = (t) => {
    const hex = (h: string) => Buffer.from(h, 'hex');
    const body = Buffer.from(encodeRequest([{
      resource: [['service.name', 'durable-grpc']], scope: { name: 'durability', version: '1' },
      spans: t.spanIds.map((id, i) => ({
        traceId: hex(t.traceId), spanId: hex(id), parentSpanId: i ? hex(t.spanIds[0]!) : null, name: `op-${i}`, kind: 2,
        startNs: BigInt(t.startUs) * 1000n, endNs: BigInt(t.startUs + 2000) * 1000n, attrs: [['i', i]], status: 0,
      })),
    }]));
    return new Promise((resolve) => {
      client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, { deadline: Date.now() + 10_000 }, (err) => resolve(!err));
    });
  };
  return { send, close: () => client.close() };
}

/** Senders loop until `stop` is set; returns the acknowledged traces (requests cut by the kill are not). */
async function sendUntil(send: Send, stop: { now: boolean }, progress: (acked: number) => void): Promise<Trace[]> {
  const acked: Trace[] = [];
  await Promise.all(Array.from({ length: SENDERS }, async () => {
    while (!stop.now) {
      const t = newTrace();
      const ok = await send(t).catch(() => false);
      if (ok) progress(acked.push(t));
      else if (stop.now) return;
    }
  }));
  return acked;
}

/** Traces (by id) whose spans are not all readable, via the Jaeger API's multi-id lookup. */
async function missing(srv: RunningServer, traces: Trace[]): Promise<string[]> {
  const bad: string[] = [];
  for (let i = 0; i < traces.length; i += 40) {
    const chunk = traces.slice(i, i + 40);
    const q = chunk.map((t) => `traceID=${t.traceId}`).join('&');
    const r = await fetch(`${srv.http}/api/traces?${q}`);
    const found = new Map(((await r.json()) as { data: { traceID: string; spans: { spanID: string }[] }[] }).data.map((t) => [t.traceID, new Set(t.spans.map((s) => s.spanID))]));
    for (const t of chunk) {
      const ids = found.get(t.traceId);
      if (!ids || !t.spanIds.every((id) => ids.has(id))) bad.push(t.traceId);
    }
  }
  return bad;
}

const PROTOCOLS: [string, (srv: RunningServer) => { send: Send; close(): void }][] = [
  ['Events API', (srv) => ({ send: eventsSender(srv), close: () => {} })],
  ['OTLP/gRPC', grpcSender],
  ['Zipkin', (srv) => ({ send: zipkinSender(srv), close: () => {} })],
];

describe(`durability of the newer protocols: kill -9 during ingest, ${TRIALS} trials`, () => {
  it('Events API, OTLP/gRPC and Zipkin sending at once: 0 acknowledged spans lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'honeyray-durable-'));
    const all = new Map<string, Trace[]>(PROTOCOLS.map(([name]) => [name, []]));
    let srv = await startServer({ dataDir: dir });
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        const stop = { now: false };
        const senders = PROTOCOLS.map(([name, make]) => ({ name, s: make(srv), acked: [] as Trace[], count: 0 }));
        const sending = senders.map(async (x) => { x.acked = await sendUntil(x.s.send, stop, (n) => (x.count = n)); });
        // Kill once every protocol has had requests acknowledged (or after 10 s), at a random moment after.
        const t0 = Date.now();
        while (senders.some((x) => !x.count) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 700));
        stop.now = true;
        await srv.kill();
        await Promise.all(sending);
        for (const x of senders) { x.s.close(); all.get(x.name)!.push(...x.acked); }
        srv = await startServer({ dataDir: dir });
        for (const [name, traces] of all) {
          const lost = await missing(srv, traces);
          assert.deepEqual(lost, [], `${name}, trial ${trial + 1}: ${lost.length} of ${traces.length} acknowledged traces missing or partial`);
        }
        console.log(`# trial ${trial + 1}: acknowledged traces ${senders.map((x) => `${x.name} ${x.acked.length}`).join(', ')}; all found after restart`);
      }
      for (const [name, traces] of all) {
        assert.ok(traces.length > 0, `${name}: some requests were acknowledged before the kills`);
        console.log(`# ${name}: ${TRIALS} kill -9 trials, ${traces.length} acknowledged traces (${traces.length * SPANS} spans), 0 lost`);
      }
    } finally {
      await srv.stop();
      removeDir(dir);
    }
  });
});
