/**
 * Load generator for bench:ingest (runs as its own process): sends the 512-span request with fresh
 * ids over `connections` keep-alive connections (gRPC: one HTTP/2 connection per connection) at full speed
 * for `seconds`, and prints one JSON line with acknowledged spans, latencies and its own CPU seconds (so a
 * client that costs more per request than another shows up beside the server's figures). `protocol` picks the wire
 * form of the same spans: otlp-http (default), otlp-grpc, events (Honeycomb /1/batch), zipkin (v2 JSON),
 * jaeger (collector Thrift).
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { findIdFields, withFreshIds } from './payload-ids.js';
import { TRACE_MARK, eventsBody, jaegerBody, zipkinBody } from './protocol-bodies.js';

const [url, secondsArg, connArg, payloadPath, protocolArg] = process.argv.slice(2);
const protocol = protocolArg ?? 'otlp-http';
const seconds = Number(secondsArg);
const connections = Number(connArg);
const payload = readFileSync(payloadPath!);
const fields = findIdFields(payload);
const spansPerRequest = Number(process.env.SPANS_PER_REQUEST ?? 512);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const target = new URL(url!);

let acked = 0;
let rejectedRequests = 0;
const statuses: Record<number, number> = {};
const latencies: number[] = [];
const until = Date.now() + seconds * 1000;

const CONTENT_TYPE: Record<string, string> = { 'otlp-http': 'application/x-protobuf', events: 'application/json', zipkin: 'application/json', jaeger: 'application/x-thrift' };
const OK: Record<string, number> = { 'otlp-http': 200, 'otlp-grpc': 200, events: 200, zipkin: 202, jaeger: 202 };

function send(body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
      headers: { 'content-type': CONTENT_TYPE[protocol]!, 'content-length': body.length },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const closers: (() => void)[] = [];
const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
/** gRPC OK counts as 200, UNAVAILABLE as 503, RESOURCE_EXHAUSTED (the memory budget's refusal, with RetryInfo) as 429: both back off like HTTP's. */
const grpcStatus = (code: number) => (code === 0 ? 200 : code === grpc.status.UNAVAILABLE ? 503 : code === grpc.status.RESOURCE_EXHAUSTED ? 429 : 500);

/**
 * The gRPC client of the load: unary Exports framed by hand on node:http2 (5-byte prefix, `te: trailers`,
 * `grpc-status` from the trailers), one HTTP/2 connection per connection, as the OTLP/HTTP load is node:http
 * on one socket per connection rather than the OTel exporter. @grpc/grpc-js's client costs ~1.8x node:http's
 * CPU per request (5.3 vs 3.0 ms, printed by bench:ingest as "client CPU"), taken from the 2 cores the server
 * runs on: that made gRPC look slower than it is. `BENCH_GRPC_CLIENT=grpc-js` measures with grpc-js instead.
 */
function grpcSender(): (body: Buffer) => Promise<number> {
  if (process.env.BENCH_GRPC_CLIENT === 'grpc-js') return grpcJsSender();
  const session = http2.connect(target.origin);
  session.on('error', () => undefined);
  closers.push(() => session.close());
  const headers = { ':method': 'POST', ':path': EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers' };
  return (body) => new Promise((resolve) => {
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(body.length, 1);
    const stream = session.request(headers);
    let code = -1;
    const read = (h: http2.IncomingHttpHeaders) => { if (h['grpc-status'] !== undefined) code = Number(h['grpc-status']); };
    stream.on('response', read);
    stream.on('trailers', read);
    stream.on('error', () => undefined);
    stream.resume();
    stream.on('close', () => resolve(grpcStatus(code)));
    stream.write(prefix);
    stream.end(body);
  });
}

/**
 * The same with @grpc/grpc-js (what OTel's gRPC exporter uses). Each client gets a local subchannel pool, so
 * its own HTTP/2 connection: grpc-js otherwise shares one connection between all clients of a target, and
 * the 8 "channels" were 8 streams behind one 64 KiB HTTP/2 window.
 */
function grpcJsSender(): (body: Buffer) => Promise<number> {
  const client = new grpc.Client(target.host, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  closers.push(() => client.close());
  return (body) => new Promise((resolve) => {
    client.makeUnaryRequest(EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, body, (err) => resolve(grpcStatus(err ? err.code : 0)));
  });
}

/** Text bodies: fresh trace ids by replacing the mark every trace id starts with. */
const template = protocol === 'events' ? eventsBody(payload) : protocol === 'zipkin' ? zipkinBody(payload) : '';
/** Jaeger's binary body: fresh trace ids by overwriting every trace id's high half. */
const jaeger = protocol === 'jaeger' ? jaegerBody(payload) : undefined;

async function connection(): Promise<void> {
  const salt = new Uint8Array(16);
  const post = protocol === 'otlp-grpc' ? grpcSender() : send;
  while (Date.now() < until) {
    let body: Buffer;
    if (template) body = Buffer.from(template.replaceAll(TRACE_MARK, randomBytes(4).toString('hex')));
    else if (jaeger) {
      body = Buffer.from(jaeger.body);
      const high = randomBytes(8);
      for (const at of jaeger.marks) high.copy(body, at);
    } else {
      randomFillSync(salt);
      body = withFreshIds(payload, fields, salt);
    }
    const t0 = performance.now();
    const status = await post(body);
    const dt = performance.now() - t0;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === OK[protocol]) {
      acked += spansPerRequest;
      latencies.push(dt);
    } else {
      rejectedRequests++;
      if (status === 503 || status === 429) await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Open loop (`RATE` spans/s in the environment): requests start on a fixed schedule whatever the answers,
 * as many independent exporters would, up to `connections` at once (later ones count as refused: the
 * client could not even send). Used for the shed rate at 2x and 4x capacity.
 */
async function openLoop(rate: number): Promise<void> {
  const salt = new Uint8Array(16);
  const everyMs = (1000 * spansPerRequest) / rate;
  let inflight = 0;
  const running: Promise<void>[] = [];
  for (let next = performance.now(); Date.now() < until; next += everyMs) {
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (inflight >= connections) { rejectedRequests++; statuses[0] = (statuses[0] ?? 0) + 1; continue; }
    randomFillSync(salt);
    const body = withFreshIds(payload, fields, salt);
    inflight++;
    const t = performance.now();
    running.push(send(body).then((status) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === OK[protocol]) { acked += spansPerRequest; latencies.push(performance.now() - t); } else rejectedRequests++;
    }, () => { rejectedRequests++; }).finally(() => { inflight--; }));
  }
  await Promise.all(running);
}

const t0 = performance.now();
if (process.env.RATE) await openLoop(Number(process.env.RATE));
else await Promise.all(Array.from({ length: connections }, connection));
const elapsed = (performance.now() - t0) / 1000;
const used = process.cpuUsage();
for (const close of closers) close();
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
process.stdout.write(JSON.stringify({ acked, elapsed, requests: latencies.length, rejectedRequests, statuses, p50: q(0.5), p99: q(0.99), max: latencies.at(-1), cpuSeconds: (used.user + used.system) / 1e6 }) + '\n');
agent.destroy();
