/**
 * `npm run bench:overhead`: what tracing costs the Cruddur backend. Requests/s of
 * `GET /api/activities/home` on loopback with no tracing, OpenTelemetry only, X-Ray only and both,
 * each variant in its own process (aws-xray-sdk-core is a per-process singleton) pointed at one
 * Honeyray, with X-Ray sampling every request (the worst case); ratios to no tracing, same run.
 *
 * The load generator is hand-written (keep-alive http.Agent, N requests in flight), like
 * ingest-loadgen.ts: a few lines, no extra dependency, and it is the same for every variant, which is
 * what the ratios need.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUntilHealthy } from './bench-process.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PATH = '/api/activities/home';
const [HTTP, OTLP, XRAY, APP] = [17700, 17701, 17702, 17703];
/**
 * BENCH_SINK=none: the SDKs send to ports where nothing listens (UDP datagrams are dropped, OTLP exports
 * fail), which separates the instrumentation's own cost from Honeyray's ingest on the same cores.
 */
const NO_SINK = process.env.BENCH_SINK === 'none';
const [SINK_OTLP, SINK_XRAY] = NO_SINK ? [17711, 17712] : [OTLP, XRAY];

const VARIANTS: [name: string, env: Record<string, string>][] = [
  ['no tracing', { CRUDDUR_OTEL: '0', CRUDDUR_XRAY: '0' }],
  ['OTel only', { CRUDDUR_XRAY: '0' }],
  ['X-Ray only', { CRUDDUR_OTEL: '0' }],
  ['both', {}],
];

/** Requests/s over `seconds` with `concurrency` keep-alive requests in flight. */
async function load(port: number, seconds: number, concurrency: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const until = Date.now() + seconds * 1000;
  let done = 0;
  const one = () => new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: PATH, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
  const start = Date.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < until) {
      await one();
      done++;
    }
  }));
  agent.destroy();
  return done / ((Date.now() - start) / 1000);
}

async function runVariant(env: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, ['dist/examples/cruddur/main.js'], {
    stdio: ['ignore', 'pipe', NO_SINK ? 'ignore' : 'inherit'],
    env: {
      ...process.env, ...env, PORT: String(APP), OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${SINK_OTLP}`,
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${SINK_XRAY}`, CRUDDUR_XRAY_SAMPLING: 'local-all',
    },
  });
  const exited = new Promise((r) => child.once('exit', r));
  await new Promise<void>((resolve) => child.stdout!.on('data', (d) => { if (String(d).includes('listening on')) resolve(); }));
  try {
    await load(APP, 1, CONCURRENCY); // warm-up (JIT, sockets)
    return await load(APP, SECONDS, CONCURRENCY);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'honeyray-bench-overhead-'));
const srv = await startUntilHealthy(['dist/src/cli.js', 'serve', '--data-dir', dir, '--http-port', String(HTTP), '--otlp-port', String(OTLP), '--xray-port', String(XRAY), '--log-level', 'warn'], HTTP);
try {
  console.log(`Cruddur GET ${PATH}, ${CONCURRENCY} in flight, ${SECONDS} s per variant, X-Ray sampling every request${NO_SINK ? ', spans sent nowhere' : ''}`);
  let base = 0;
  for (const [name, env] of VARIANTS) {
    const rps = await runVariant(env);
    if (name === 'no tracing') base = rps;
    console.log(`${name.padEnd(12)} ${rps.toFixed(0).padStart(7)} req/s   ratio ${(rps / base).toFixed(2)}`);
  }
} finally {
  srv.child.kill('SIGTERM');
  await srv.exited;
  rmSync(dir, { recursive: true, force: true });
}
