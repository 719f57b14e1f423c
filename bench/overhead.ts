/**
 * `npm run bench:overhead`: what tracing costs the Cruddur backend. `GET /api/activities/home` (or
 * BENCH_PATH) on loopback with no tracing, OpenTelemetry only, X-Ray only and both, each variant in
 * its own process (aws-xray-sdk-core is a per-process singleton) pointed at one Honeyray, with X-Ray
 * sampling every request (the worst case); ratios to no tracing, measured in the same run.
 * BENCH_PATH=mix: the seed's routes in the proportions `honeyray demo` sends them (src/cli/demo-traffic.ts:
 * home refreshes, profiles with their X-Ray subsegments, searches, messages, posts with JSON bodies,
 * 422s, /api/error faults, continued X-Amzn-Trace-Id traces), 200 requests from a fixed seed, cycled;
 * its 4xx/5xx answers are part of the mix, not errors.
 *
 * Two figures per variant, because on a 2-core machine the load generator, Cruddur and Honeyray
 * compete for the same cores:
 *   - requests/s, the user-visible one, which the other two processes also move;
 *   - Cruddur's CPU time per request (user + system of the whole process, from /proc/PID/stat), which
 *     is the app's own cost and the fairer ratio: `cpu ratio` = base CPU/request ÷ variant CPU/request,
 *     i.e. the throughput one core would keep.
 * With taskset (BENCH_PIN=0 turns it off) Cruddur runs alone on CPU 0 and Honeyray plus the load
 * generator on CPU 1, so the req/s ratio measures the app's overhead too, not the sink's.
 *
 * The load generator is autocannon (the Node HTTP benchmarking tool Fastify uses), a library made for
 * the job and much cheaper per request than an http.request loop, so it is not the bottleneck.
 *
 * Warm-up: BENCH_WARMUP s (default 2) at full speed, so that V8 has compiled the SDKs' hot paths
 * (the OTLP serializer runs once per 512 spans: at 80 req/s a 1 s warm-up left it unoptimised and
 * charged its compilation to the measurement), then 1 s at the measured rate.
 *
 * BENCH_PROFILE=DIR writes a V8 CPU profile of each variant's Cruddur process (`node --cpu-prof`) to
 * DIR/<variant>/, to be opened in Chrome DevTools or summarised with `node dist/bench/cpuprofile-top.js`,
 * plus <pid>.window.json beside it: the measured window (monotonic clock, the profile's own) and its
 * request count, which cpuprofile-top uses to leave out start-up, warm-up and the final flush and to
 * print microseconds per request.
 * BENCH_SINK=none: no Honeyray; a discarding sink in this process answers the exporter (200 to every
 * OTLP POST) and reads the X-Ray datagrams, leaving only the instrumentation's cost. (Nothing listening
 * would not be free for the app: the OTLP exporter retries a refused connection up to 5 times.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { UNUSED_RECEIVERS } from '../src/cli/demo-processes.js';
import { pickRequest } from '../src/cli/demo-traffic.js';
import { cpuSeconds, startUntilHealthy } from './bench-process.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const PATH = process.env.BENCH_PATH ?? '/api/activities/home';
const MIXED = PATH === 'mix';

/** The demo's request mix (BENCH_PATH=mix), from a fixed seed so every variant gets the same requests. */
function mixedRequests(n: number): autocannon.Request[] {
  let seed = 0x9e3779b9;
  const rnd = () => { // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => {
    const r = pickRequest(rnd);
    delete r.headers['x-cruddur-delay-ms']; // slow requests measure waiting, not CPU (the app ignores it here anyway)
    return { method: r.method, path: r.path, headers: r.headers, ...(r.body ? { body: JSON.stringify(r.body) } : {}) };
  });
}
const MIX_REQUESTS = MIXED ? mixedRequests(200) : undefined;
const PROFILE = process.env.BENCH_PROFILE;
/** BENCH_ROUNDS=n: run the variants n times in turn and report the medians (the machine is shared). */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/**
 * BENCH_RATE=n: n requests/s in all, whatever the variant (default: as fast as it answers). CPU per
 * request depends on the rate (a busy event loop handles several requests per wake-up), so at a fixed
 * rate every variant is compared under the same load, even when the machine cannot run at full speed.
 */
const RATE = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
const NO_SINK = process.env.BENCH_SINK === 'none';
const PIN = process.env.BENCH_PIN !== '0' && spawnSync('taskset', ['-V']).status === 0;

const VARIANTS: [name: string, env: Record<string, string>][] = [
  ['no tracing', { CRUDDUR_OTEL: '0', CRUDDUR_XRAY: '0' }],
  ['OTel only', { CRUDDUR_XRAY: '0' }],
  ['X-Ray only', { CRUDDUR_OTEL: '0' }],
  ['both', {}],
  // Not the app's setup: the X-Ray SDK serialising and sending segments itself (examples/cruddur/xray-emitter.ts).
  ['both (SDK emitter)', { CRUDDUR_XRAY_LEAN_EMITTER: '0' }],
  // Not the app's setup: what the X-Ray SDK's default (automatic, cls-hooked) context mode costs.
  ['both, X-Ray automatic mode', { CRUDDUR_XRAY_CONTEXT: 'automatic' }],
];
/** BENCH_VARIANTS='OTel only,both': run only these (the baseline always runs). */
const ONLY = process.env.BENCH_VARIANTS?.split(',').map((v) => v.trim());
const chosen = VARIANTS.filter(([name], i) => i === 0 || !ONLY || ONLY.includes(name));

/** Pins a running process (all its threads) to one CPU. */
function pin(pid: number, cpu: number): void {
  if (PIN) spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

interface Load { rps: number; requests: number; p50: number; p99: number; errors: number }

async function load(port: number, seconds: number, rate = RATE): Promise<Load> {
  const r = await autocannon({
    url: `http://127.0.0.1:${port}${MIXED ? '' : PATH}`, connections: CONCURRENCY, duration: seconds,
    ...(rate ? { overallRate: rate } : {}), ...(MIX_REQUESTS ? { requests: MIX_REQUESTS } : {}),
  });
  return {
    rps: r.requests.total / (r.duration || seconds), requests: r.requests.total,
    p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts + (MIXED ? 0 : r.non2xx),
  };
}

interface Result extends Load {
  /** Cruddur's CPU per request, all threads (V8's GC helpers and libuv's pool included). */
  appCpuUs: number;
  /** The same, main (JavaScript) thread only. */
  mainCpuUs: number;
  /** Honeyray's CPU per request (ingest of what the SDKs sent), not part of the app's cost. */
  sinkCpuUs: number;
}

/** Field by field median over the rounds (each figure on its own: the machine is noisy). */
function median(rs: Result[]): Result {
  const mid = <K extends keyof Result>(k: K) => [...rs].sort((a, b) => a[k] - b[k])[Math.floor(rs.length / 2)]![k];
  return {
    rps: mid('rps'), requests: mid('requests'), p50: mid('p50'), p99: mid('p99'), errors: mid('errors'),
    appCpuUs: mid('appCpuUs'), mainCpuUs: mid('mainCpuUs'), sinkCpuUs: mid('sinkCpuUs'),
  };
}

/** A port nothing listens on right now (TCP; the X-Ray port's UDP twin is checked when bound). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Sink { otlpPort: number; xrayPort: number; pid?: number; stop(): Promise<void> }

/** Honeyray on a fresh data dir: the demo's real sink. */
async function startHoneyray(): Promise<Sink> {
  const [http, otlp, xray] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'honeyray-bench-overhead-'));
  const srv = await startUntilHealthy(['dist/src/cli.js', 'serve', '--data-dir', dir, '--http-port', String(http), '--otlp-port', String(otlp), '--xray-port', String(xray), '--log-level', 'warn',
    ...UNUSED_RECEIVERS.flatMap((flag) => [flag, '0'])], http);
  pin(srv.child.pid!, 1);
  return {
    otlpPort: otlp, xrayPort: xray, pid: srv.child.pid!,
    async stop() {
      srv.child.kill('SIGTERM');
      await srv.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** BENCH_SINK=none: accepts and drops everything, in this process (see the header). */
async function startDiscardingSink(): Promise<Sink> {
  const http = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }).end());
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const udp = createSocket('udp4');
  udp.on('message', () => {});
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  return {
    otlpPort: (http.address() as AddressInfo).port, xrayPort: udp.address().port,
    async stop() {
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
      await new Promise<void>((r) => udp.close(r));
    },
  };
}

async function runVariant(name: string, env: Record<string, string>, sink: Sink): Promise<Result> {
  const APP = await freePort();
  const profileDir = PROFILE ? join(PROFILE, name.replace(/\W+/g, '-')) : undefined;
  const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = spawn(process.execPath, [...nodeArgs, 'dist/examples/cruddur/main.js'], {
    stdio: ['ignore', 'pipe', NO_SINK ? 'ignore' : 'inherit'],
    env: {
      ...process.env, ...env, PORT: String(APP), OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink.otlpPort}`,
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${sink.xrayPort}`, CRUDDUR_XRAY_SAMPLING: 'local-all',
    },
  });
  const exited = new Promise((r) => child.once('exit', r));
  await new Promise<void>((resolve) => child.stdout!.on('data', (d) => { if (String(d).includes('listening on')) resolve(); }));
  pin(child.pid!, 0);
  try {
    if (WARMUP > 0) await load(APP, WARMUP, undefined); // JIT, sockets: see the header
    await load(APP, 1); // settle at the measured rate
    const pid = child.pid!;
    const sinkCpu = () => (sink.pid === undefined ? NaN : cpuSeconds(sink.pid));
    const from = process.hrtime.bigint() / 1000n;
    const [app0, main0, sink0] = [cpuSeconds(pid), cpuSeconds(pid, pid), sinkCpu()];
    const l = await load(APP, SECONDS);
    const [app1, main1, sink1] = [cpuSeconds(pid), cpuSeconds(pid, pid), sinkCpu()];
    if (profileDir) {
      mkdirSync(profileDir, { recursive: true });
      writeFileSync(join(profileDir, `${pid}.window.json`), JSON.stringify({ fromUs: Number(from), toUs: Number(process.hrtime.bigint() / 1000n), requests: l.requests }));
    }
    const perRequest = (s: number) => (s / l.requests) * 1e6;
    return { ...l, appCpuUs: perRequest(app1 - app0), mainCpuUs: perRequest(main1 - main0), sinkCpuUs: perRequest(sink1 - sink0) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/**
 * `node dist/bench/overhead.js segments`: the X-Ray SDK's cost per segment alone, with its own emitter
 * and with Cruddur's lean one (examples/cruddur/xray-emitter.ts), each in a fresh process (the emitter
 * is installed process-wide): create a segment as the express middleware does, close it, serialise and
 * send it to a UDP socket read in the same process. CPU per segment, 3 alternating runs each.
 */
async function segmentLoop(lean: boolean): Promise<void> {
  process.env.AWS_XRAY_MANUAL_MODE = '1';
  const X = (await import('aws-xray-sdk-core')).default;
  if (lean) (await import('../examples/cruddur/xray-emitter.js')).installLeanEmitter(X);
  const sinkSocket = createSocket('udp4');
  sinkSocket.on('message', () => {});
  await new Promise<void>((r) => sinkSocket.bind(0, '127.0.0.1', r));
  X.setDaemonAddress(`127.0.0.1:${sinkSocket.address().port}`);
  const req = {
    method: 'GET', url: '/api/activities/home', connection: { remoteAddress: '127.0.0.1' }, socket: { remoteAddress: '127.0.0.1' },
    headers: { host: '127.0.0.1:4567', 'user-agent': 'autocannon', 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8' },
  };
  const res = { statusCode: 200, getHeader: () => 1234, headers: {} };
  const batch = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const segment = new X.Segment('backend-flask', '1-5759e988-bd862e3fe1be46a994272793', '53995c3f42cd8ad8');
      segment.addIncomingRequestData(new X.middleware.IncomingRequestData(req as never));
      (segment as unknown as { http: { close(r: unknown): void } }).http.close(res);
      segment.close();
      if (i % 50 === 49) await new Promise((r) => setImmediate(r)); // let the datagrams go out
    }
  };
  await batch(20_000);
  const c0 = process.cpuUsage();
  const N = 40_000;
  await batch(N);
  await new Promise((r) => setTimeout(r, 50));
  const c = process.cpuUsage(c0);
  console.log(String((c.user + c.system) / N));
  sinkSocket.close();
}

if (process.argv[2] === 'segment-child') {
  await segmentLoop(process.argv[3] === 'lean');
  process.exit(0);
}
if (process.argv[2] === 'segments') {
  const perSegment = { sdk: [] as number[], lean: [] as number[] };
  for (let i = 0; i < 3; i++) {
    for (const mode of ['sdk', 'lean'] as const) {
      const r = spawnSync(process.execPath, [process.argv[1]!, 'segment-child', mode], { encoding: 'utf8' });
      perSegment[mode].push(Number(r.stdout.trim()));
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1]!;
  console.log(`X-Ray segment (create, close, serialise, send), CPU per segment, median of 3: SDK emitter ${med(perSegment.sdk).toFixed(1)} us, ` +
    `lean emitter ${med(perSegment.lean).toFixed(1)} us, ratio ${(med(perSegment.sdk) / med(perSegment.lean)).toFixed(2)} (runs: sdk ${perSegment.sdk.map((x) => x.toFixed(1)).join(' ')}, lean ${perSegment.lean.map((x) => x.toFixed(1)).join(' ')})`);
  process.exit(0);
}

const sink = NO_SINK ? await startDiscardingSink() : await startHoneyray();
pin(process.pid, 1);
try {
  console.log(`Cruddur ${MIXED ? 'the demo\'s mix of every route' : `GET ${PATH}`}, ${CONCURRENCY} connections, ${SECONDS} s per variant and round, ${ROUNDS} round(s), ${RATE ? `${RATE} req/s` : 'full speed'}, X-Ray sampling every request` +
    `${NO_SINK ? ', spans sent to a discarding sink' : ''}${PIN ? ', Cruddur pinned to CPU 0, Honeyray + load generator to CPU 1' : ', not pinned'}`);
  if (loadavg()[0] > cpus().length / 2) {
    console.log(`warning: load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs: other work competes with every process here; ` +
      'absolute figures mean little, and even CPU per request moves with the load (compare ratios within a round)');
  }
  const results = new Map<string, Result[]>(chosen.map(([name]) => [name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, env] of chosen) {
      const r = await runVariant(name, env, sink);
      results.get(name)!.push(r);
      if (ROUNDS > 1) console.log(`  round ${round} ${name.padEnd(25)} ${r.rps.toFixed(0).padStart(7)} req/s ${r.appCpuUs.toFixed(1).padStart(8)} us/req (main thread ${r.mainCpuUs.toFixed(1)})`);
    }
  }
  console.log(`${ROUNDS > 1 ? 'median of the rounds\n' : ''}variant                      req/s  ratio   app CPU us/req  cpu ratio  main thread  p50/p99 ms   Honeyray CPU us/req  errors`);
  const base = median(results.get(chosen[0]![0])!);
  for (const [name] of chosen) {
    const rs = results.get(name)!;
    const r = median(rs);
    console.log(`${name.padEnd(25)} ${r.rps.toFixed(0).padStart(8)}  ${(r.rps / base.rps).toFixed(2)}   ${r.appCpuUs.toFixed(1).padStart(14)}  ${(base.appCpuUs / r.appCpuUs).toFixed(2).padStart(9)}` +
      `  ${r.mainCpuUs.toFixed(1).padStart(11)}   ${`${r.p50}/${r.p99}`.padStart(10)}   ${(Number.isNaN(r.sinkCpuUs) ? '-' : r.sinkCpuUs.toFixed(1)).padStart(19)}  ${rs.reduce((n, x) => n + x.errors, 0)}`);
  }
} finally {
  await sink.stop();
}
