/**
 * npm run bench:ingest — OTLP/HTTP ingest, end to end, on loopback.
 *
 * Starts Honeyray as the README does (a child process, fresh data dir), runs a load generator in a
 * second process sending the realistic 512-span request (fresh ids each time) over several
 * connections for BENCH_SECONDS (default 30), then prints: spans/s acknowledged (a 200 means
 * committed), p50/p99 request latency, the server's peak RSS, bytes on disk per span after a
 * checkpoint, and the decode-only speed of the same payload measured in this run, with the ratio.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../test/helpers/server-process.js';
import { peakRssMiB, startUntilHealthy } from './bench-process.js';
import { measureDecode } from './otlp-decode.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const PAYLOAD = resolve('test/fixtures/wire/otel/payload_512.pb');
/** Receivers with ports of their own stay off: this benchmark measures OTLP/HTTP. */
const OTHER_PORTS_OFF = ['--grpc-port', '0', '--zipkin-port', '0', '--jaeger-port', '0', '--jaeger-compact-port', '0', '--jaeger-binary-port', '0'];

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'honeyray-bench-'));
  const [http, otlp] = [await freePort(), await freePort()];
  const { child: server, exited, log } = await startUntilHealthy(
    ['dist/src/cli.js', 'serve', '--data-dir', dataDir, '--http-port', String(http), '--otlp-port', String(otlp), '--xray-port', '0', ...OTHER_PORTS_OFF, '--log-level', 'warn'], http);

  console.log(`bench:ingest: ${SECONDS}s, ${CONNECTIONS} connections, payload ${PAYLOAD} (512 spans, ${statSync(PAYLOAD).size} bytes)`);
  const gen = spawn(process.execPath, ['dist/bench/ingest-loadgen.js', `http://127.0.0.1:${otlp}/v1/traces`, String(SECONDS), String(CONNECTIONS), PAYLOAD], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  gen.stdout!.on('data', (d) => (out += d));
  await new Promise((r) => gen.once('exit', r));
  const r = JSON.parse(out.trim()) as { acked: number; elapsed: number; requests: number; rejectedRequests: number; statuses: Record<string, number>; p50: number; p99: number; max: number };
  const rss = peakRssMiB(server.pid!);

  const t0 = performance.now();
  server.kill('SIGTERM');
  const code = await exited;
  const stopMs = performance.now() - t0;
  const bytes = dirBytes(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
  if (code !== 0) console.log(`server exit code ${code}\n${log()}`);

  const decode = measureDecode(new Uint8Array(readFileSync(PAYLOAD)), 3);
  const ingestRate = r.acked / r.elapsed;
  const row = (k: string, v: string, target = '') => console.log(`  ${k.padEnd(34)} ${v.padStart(14)}  ${target}`);
  console.log('results');
  row('spans/s acknowledged (durable)', ingestRate.toFixed(0), 'target >= 100,000');
  row('requests ok / refused', `${r.requests} / ${r.rejectedRequests}`, JSON.stringify(r.statuses));
  row('request latency p50 (ms)', r.p50.toFixed(1));
  row('request latency p99 (ms)', r.p99.toFixed(1), 'target <= 250');
  row('server peak RSS (MiB)', rss.toFixed(0), 'target <= 1024');
  row('bytes on disk per span', (bytes / r.acked).toFixed(1), `target <= 40 (${(bytes / 2 ** 20).toFixed(1)} MiB for ${r.acked} spans, after checkpoint)`);
  row('shutdown (flush + checkpoint) ms', stopMs.toFixed(0));
  row('decode-only spans/s (baseline)', decode.spansPerSec.toFixed(0), 'same payload, one core, this run');
  row('ratio ingest / decode', (ingestRate / decode.spansPerSec).toFixed(2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
