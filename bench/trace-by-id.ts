/**
 * Trace by id, many times: the per-request view bench:query's five runs are too few for.
 *
 * Starts each given build's server (as bench:query does) on a data dir a `bench:query --keep` run left,
 * warms it up, then GETs `/api/traces/{id}` N times in turn (Accept-Encoding: br, gzip) and prints the
 * median and 10th percentile of the whole request, and the server's CPU per request (all its threads, from
 * /proc/PID/stat: less sensitive to other processes' load than wall time). Several builds are run
 * alternately, `--rounds` times, so a before/after comparison shares the machine's load; the first build's
 * median is the baseline of the ratio. Default trace: the typical trace bench:query reads.
 *
 *   node dist/bench/trace-by-id.js --reuse /tmp/q10m                          # this build, 200 requests
 *   node dist/bench/trace-by-id.js --reuse /tmp/q10m --build /tmp/base --build . --rounds 3
 *   node dist/bench/trace-by-id.js --reuse /tmp/q10m --id 641fb2951ba7e9411bb9d86e18d2d5dc --id ...
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/helpers/server-process.js';
import { cpuSeconds, startUntilHealthy } from './bench-process.js';

const { values: flags } = parseArgs({
  options: { reuse: { type: 'string' }, build: { type: 'string', multiple: true }, id: { type: 'string', multiple: true }, requests: { type: 'string' }, rounds: { type: 'string' } },
});
if (!flags.reuse) throw new Error('--reuse DIR (a data dir kept by `bench:query --keep DIR`) is required');
const dataDir = resolve(flags.reuse);
const builds = (flags.build ?? ['.']).map((b) => resolve(b));
const ids = flags.id ?? [(JSON.parse(readFileSync(join(dataDir, 'bench-query.json'), 'utf8')) as { typical: string }).typical];
const REQUESTS = Number(flags.requests ?? 200);
const ROUNDS = Number(flags.rounds ?? 1);

/** CPU time of a process so far (all threads), ms. */
const cpuMs = (pid: number) => 1000 * cpuSeconds(pid);

async function run(build: string): Promise<{ median: number; p10: number; cpu: number; bytes: number }> {
  const [http, otlp] = [await freePort(), await freePort()];
  const server = await startUntilHealthy([join(build, 'dist/src/cli.js'), 'serve', '--data-dir', dataDir, '--http-port', String(http), '--otlp-port', String(otlp),
    '--xray-port', '0', '--grpc-port', '0', '--zipkin-port', '0', '--jaeger-port', '0', '--jaeger-compact-port', '0', '--jaeger-binary-port', '0', '--log-level', 'warn'], http);
  try {
    const get = async (id: string) => (await (await fetch(`http://127.0.0.1:${http}/api/traces/${id}`, { headers: { 'accept-encoding': 'br, gzip' } })).arrayBuffer()).byteLength;
    for (let i = 0; i < 10; i++) for (const id of ids) await get(id);
    const times: number[] = [];
    let bytes = 0;
    const cpu0 = cpuMs(server.child.pid!);
    for (let i = 0; i < REQUESTS; i++) {
      for (const id of ids) {
        const t0 = performance.now();
        bytes = await get(id);
        times.push(performance.now() - t0);
      }
    }
    const cpu = (cpuMs(server.child.pid!) - cpu0) / times.length;
    times.sort((a, b) => a - b);
    return { median: times[times.length >> 1]!, p10: times[Math.floor(times.length / 10)]!, cpu, bytes };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

async function main(): Promise<void> {
  console.log(`trace by id: ${ids.length} trace(s) x ${REQUESTS} requests per server, ${ROUNDS} round(s), data dir ${dataDir}`);
  let base: number | null = null;
  for (let r = 0; r < ROUNDS; r++) {
    for (const build of builds) {
      const m = await run(build);
      base ??= m.median;
      console.log(`${build}: median ${m.median.toFixed(2)} ms (ratio to the first build's first run ${(m.median / base).toFixed(2)}), p10 ${m.p10.toFixed(2)} ms, server CPU ${m.cpu.toFixed(2)} ms per request, ${m.bytes} bytes (decompressed)`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
