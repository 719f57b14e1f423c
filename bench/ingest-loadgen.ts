/**
 * Load generator for bench:ingest (runs as its own process): sends the 512-span request with fresh
 * ids over `connections` keep-alive connections at full speed for `seconds`, and prints one JSON line
 * with acknowledged spans and latencies.
 */
import { randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { findIdFields, withFreshIds } from './payload-ids.js';

const [url, secondsArg, connArg, payloadPath] = process.argv.slice(2);
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

function send(body: Buffer): Promise<number> {
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

async function connection(): Promise<void> {
  const salt = new Uint8Array(16);
  while (Date.now() < until) {
    randomFillSync(salt);
    const body = withFreshIds(payload, fields, salt);
    const t0 = performance.now();
    const status = await send(body);
    const dt = performance.now() - t0;
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 200) {
      acked += spansPerRequest;
      latencies.push(dt);
    } else {
      rejectedRequests++;
      if (status === 503 || status === 429) await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const t0 = performance.now();
await Promise.all(Array.from({ length: connections }, connection));
const elapsed = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
process.stdout.write(JSON.stringify({ acked, elapsed, requests: latencies.length, rejectedRequests, statuses, p50: q(0.5), p99: q(0.99), max: latencies.at(-1) }) + '\n');
agent.destroy();
