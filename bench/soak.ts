/**
 * npm run soak — steady OTLP/HTTP load for a long time, to see memory creep (not in CI).
 *
 * Starts Honeyray as the README does (child process, fresh data dir, default --memory-limit), sends the
 * 512-span request with fresh ids at a fixed rate (open loop, `--rate` spans/s, default 10,000) for
 * `--minutes` (default 10), and prints per minute: the server's RSS (mean and max of one sample a second),
 * acknowledged spans/s, refused requests, and request latency p50/p99. The last line compares the last
 * minute's mean RSS with the first's, in MB per minute (issue 11 once saw +28 MB/min with no plateau).
 */
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/helpers/server-process.js';
import { startUntilHealthy } from './bench-process.js';
import { findIdFields, withFreshIds } from './payload-ids.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '10000' } } });
const MINUTES = Number(values.minutes);
const RATE = Number(values.rate);
const PAYLOAD = readFileSync(resolve('test/fixtures/wire/otel/payload_512.pb'));
const SPANS = 512;

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'honeyray-soak-'));
  const [httpPort, otlp] = [await freePort(), await freePort()];
  const { child, exited } = await startUntilHealthy(['dist/src/cli.js', 'serve', '--data-dir', dataDir, '--http-port', String(httpPort), '--otlp-port', String(otlp),
    '--xray-port', '0', '--grpc-port', '0', '--zipkin-port', '0', '--jaeger-port', '0', '--jaeger-compact-port', '0', '--jaeger-binary-port', '0', '--log-level', 'warn'], httpPort);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const fields = findIdFields(PAYLOAD);
  const salt = new Uint8Array(16);
  const send = (body: Buffer) => new Promise<number>((res) => {
    const req = http.request({ agent, host: '127.0.0.1', port: otlp, path: '/v1/traces', method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (r) => { r.resume(); r.on('end', () => res(r.statusCode ?? 0)); });
    req.on('error', () => res(0));
    req.end(body);
  });
  console.log(`soak: ${MINUTES} min at ${RATE} spans/s (open loop, 512-span requests), server pid ${child.pid}`);
  console.log('  min   RSS mean   RSS max   spans/s acked   refused   p50 ms   p99 ms');
  const means: number[] = [];
  const everyMs = (1000 * SPANS) / RATE;
  let next = performance.now();
  for (let minute = 1; minute <= MINUTES; minute++) {
    const end = Date.now() + 60_000;
    const rss: number[] = [];
    const lat: number[] = [];
    let acked = 0;
    let refused = 0;
    const sampler = setInterval(() => rss.push(rssMiB(child.pid!)), 1000);
    const running: Promise<void>[] = [];
    while (Date.now() < end) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next += everyMs;
      randomFillSync(salt);
      const t0 = performance.now();
      running.push(send(withFreshIds(PAYLOAD, fields, salt)).then((s) => {
        if (s === 200) { acked += SPANS; lat.push(performance.now() - t0); } else refused++;
      }));
      if (running.length > 1000) await Promise.all(running.splice(0, 500));
    }
    await Promise.all(running);
    clearInterval(sampler);
    lat.sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
    const mean = rss.reduce((a, b) => a + b, 0) / Math.max(1, rss.length);
    means.push(mean);
    console.log(`  ${String(minute).padStart(3)} ${mean.toFixed(0).padStart(10)} ${Math.max(...rss).toFixed(0).padStart(9)} ${(acked / 60).toFixed(0).padStart(15)} ${String(refused).padStart(9)} ${q(0.5).toFixed(1).padStart(8)} ${q(0.99).toFixed(1).padStart(8)}`);
    next = Math.max(next, performance.now());
  }
  if (means.length > 1) console.log(`RSS trend: first minute ${means[0]!.toFixed(0)} MiB, last ${means.at(-1)!.toFixed(0)} MiB: ${((means.at(-1)! - means[0]!) / (means.length - 1)).toFixed(1)} MiB/min`);
  agent.destroy();
  child.kill('SIGTERM');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
