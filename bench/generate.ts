/**
 * The data generator: realistic Cruddur traces (generate-traces.ts), deterministic by seed, sent as
 * OTLP protobuf over HTTP to a running Honeyray (the real ingest path: a 200 means committed).
 *
 *   npm run generate -- --spans 1000000                       # to http://127.0.0.1:4318/v1/traces
 *   npm run generate -- --spans 10000000 --seed 7 --window 1h --big-trace 100000 --url http://127.0.0.1:4318/v1/traces
 *
 * `loadSpans()` is the same thing as a function, for bench/query.ts.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { encodeRequest } from './generate-otlp.js';
import { Rng, generateBigTrace, generateRequests, hex, toResourceSpans, type GenTrace } from './generate-traces.js';

export interface LoadOptions {
  url: string;
  spans: number;
  seed?: number;
  /** Traces start within [endNs - windowNs, endNs]; default: the hour before now. */
  endNs?: bigint;
  windowNs?: bigint;
  /** Also send one trace of this many spans (in the middle of the window). */
  bigTrace?: number;
  connections?: number;
  spansPerRequest?: number;
  /** Called with every generated trace (to keep expectations); keep it cheap. */
  onTrace?: (t: GenTrace) => void;
  onProgress?: (sent: number, elapsedS: number) => void;
}

export interface LoadResult {
  spans: number;
  traces: number;
  seconds: number;
  bigTraceId?: string;
}

function post(agent: http.Agent, target: URL, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends until every request is acknowledged; 503/429 (backpressure) are retried after a pause. */
async function sendAcked(agent: http.Agent, target: URL, body: Uint8Array): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const status = await post(agent, target, body);
    if (status === 200) return;
    if ((status === 503 || status === 429) && attempt < 600) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    throw new Error(`OTLP export answered ${status}`);
  }
}

export async function loadSpans(o: LoadOptions): Promise<LoadResult> {
  const target = new URL(o.url);
  const connections = o.connections ?? 8;
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const endNs = o.endNs ?? BigInt(Date.now()) * 1_000_000n;
  const windowNs = o.windowNs ?? 3_600_000_000_000n;
  const seed = o.seed ?? 1;
  const t0 = performance.now();
  let sent = 0;
  let traces = 0;
  const inflight = new Set<Promise<void>>();
  const send = async (body: Uint8Array, spans: number) => {
    while (inflight.size >= connections) await Promise.race(inflight);
    const p = sendAcked(agent, target, body).then(() => {
      sent += spans;
      o.onProgress?.(sent, (performance.now() - t0) / 1000);
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => undefined);
  };
  let bigTraceId: string | undefined;
  try {
    if (o.bigTrace) {
      const big = generateBigTrace(new Rng(seed ^ 0x5bd1e995), endNs - windowNs / 2n, o.bigTrace);
      bigTraceId = hex(big.traceId);
      o.onTrace?.(big);
      traces++;
      for (const g of big.groups) await send(encodeRequest([g]), g.spans.length);
    }
    for (const req of generateRequests({ seed, spans: o.spans, endNs, windowNs, spansPerRequest: o.spansPerRequest })) {
      if (o.onTrace) for (const t of req.traces) o.onTrace(t);
      traces += req.traces.length;
      await send(encodeRequest(toResourceSpans(req.traces)), req.spans);
    }
    await Promise.all(inflight);
  } finally {
    agent.destroy();
  }
  return { spans: sent, traces, seconds: (performance.now() - t0) / 1000, bigTraceId };
}

const DURATION: Record<string, number> = { s: 1e9, m: 60e9, h: 3600e9, d: 86400e9 };

function parseWindow(v: string): bigint {
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(v);
  if (!m) throw new Error(`--window wants e.g. 30m, 1h, 2d; got ${v}`);
  return BigInt(Math.round(Number(m[1]) * DURATION[m[2]!]!));
}

async function cli(): Promise<void> {
  const { values } = parseArgs({
    options: {
      spans: { type: 'string', default: '1000000' },
      seed: { type: 'string', default: '1' },
      url: { type: 'string', default: 'http://127.0.0.1:4318/v1/traces' },
      window: { type: 'string', default: '1h' },
      'big-trace': { type: 'string', default: '0' },
      connections: { type: 'string', default: '8' },
      'spans-per-request': { type: 'string', default: '2000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run generate -- [--spans N] [--seed S] [--url OTLP_URL] [--window 1h] [--big-trace N] [--connections 8] [--spans-per-request 2000]');
    return;
  }
  const spans = Number(values.spans);
  let last = 0;
  const r = await loadSpans({
    url: values.url!, spans, seed: Number(values.seed), windowNs: parseWindow(values.window!), bigTrace: Number(values['big-trace']),
    connections: Number(values.connections), spansPerRequest: Number(values['spans-per-request']),
    onProgress: (sent, s) => {
      if (s - last < 5) return;
      last = s;
      console.error(`  ${sent.toLocaleString('en-US')} spans, ${(sent / s).toFixed(0)} spans/s`);
    },
  });
  console.log(`sent ${r.spans.toLocaleString('en-US')} spans in ${r.traces.toLocaleString('en-US')} traces in ${r.seconds.toFixed(1)} s (${(r.spans / r.seconds).toFixed(0)} spans/s acknowledged)` +
    (r.bigTraceId ? `; big trace ${r.bigTraceId}` : ''));
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  cli().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
