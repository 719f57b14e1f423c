/**
 * npm run bench:clickhouse — the same OTLP/HTTP ingest and the same reads, on DuckDB and on a real
 * ClickHouse 18.16 (Debian's clickhouse-server, started here as bench:ingest's tests start it), side by
 * side from one run. Per engine: Honeyray started as the README says (`--store clickhouse://...` for
 * ClickHouse), bench:ingest's load generator for BENCH_SECONDS (default 20), then through the Jaeger
 * API: trace by id (median of 20 traces) and an attribute search on any span (median of 5), then
 * bytes on disk per span. DuckDB is the baseline; ratios are ClickHouse / DuckDB.
 *
 * Third column, cluster mode: two ClickHouse 18.16 shards (one machine, so the same 2 cores) behind two
 * Honeyray nodes, each entering through its own shard; the same total connections, split between the
 * nodes (two load generators at once); reads through node 1; bytes summed over the shards.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startClickHouse, startClickHouseCluster, type RunningClickHouse, type RunningCluster } from '../test/helpers/clickhouse-server.js';
import { freePort } from '../test/helpers/server-process.js';
import { startUntilHealthy } from './bench-process.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const PAYLOAD = resolve('test/fixtures/wire/otel/payload_512.pb');

interface Figures {
  spansPerSec: number;
  acked: number;
  p99: number;
  traceByIdMs: number;
  searchMs: number;
  bytesPerSpan: number;
}

/** Load from one generator per node at once (CONNECTIONS split between them); reads through the first node. */
async function runEngine(storeArgsPerNode: string[][], bytesOnDisk: () => Promise<number>): Promise<Figures> {
  const nodes = [];
  for (const storeArgs of storeArgsPerNode) {
    const [http, otlp] = [await freePort(), await freePort()];
    const { child, exited } = await startUntilHealthy(
      ['dist/src/cli.js', 'serve', ...storeArgs, '--http-port', String(http), '--otlp-port', String(otlp), '--xray-port', '0', '--log-level', 'warn',
        '--grpc-port', '0', '--zipkin-port', '0', '--jaeger-port', '0', '--jaeger-compact-port', '0', '--jaeger-binary-port', '0'], http);
    nodes.push({ http, otlp, child, exited });
  }
  const conns = Math.max(1, Math.round(CONNECTIONS / nodes.length));
  const results = await Promise.all(nodes.map(async ({ otlp }) => {
    const gen = spawn(process.execPath, ['dist/bench/ingest-loadgen.js', `http://127.0.0.1:${otlp}/v1/traces`, String(SECONDS), String(conns), PAYLOAD], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    gen.stdout!.on('data', (d) => (out += d));
    await new Promise((r) => gen.once('exit', r));
    return JSON.parse(out.trim()) as { acked: number; elapsed: number; p99: number };
  }));
  const r = { acked: results.reduce((n, x) => n + x.acked, 0), elapsed: Math.max(...results.map((x) => x.elapsed)), p99: Math.max(...results.map((x) => x.p99)) };
  const http = nodes[0]!.http;

  const api = `http://127.0.0.1:${http}/api`;
  const get = async (path: string) => ((await (await fetch(api + path)).json()) as { data: any }).data;
  const service = ((await get('/services')) as string[])[0]!;
  const recent = (await get(`/traces?service=${encodeURIComponent(service)}&limit=20`)) as { traceID: string; spans: { tags: { key: string; value: unknown }[] }[] }[];
  const byId: number[] = [];
  for (const t of recent) {
    const t0 = performance.now();
    await get(`/traces/${t.traceID}`);
    byId.push(performance.now() - t0);
  }
  // A tag of some span (not the root) of one trace: found only by an any-span search.
  const span = recent[0]!.spans[recent[0]!.spans.length - 1]!;
  const tag = span.tags.find((x) => typeof x.value === 'string' && !['span.kind', 'otel.status_code', 'internal.span.format'].includes(x.key))
    ?? span.tags[0]!;
  const tags = encodeURIComponent(JSON.stringify({ [tag.key]: String(tag.value) }));
  const search: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await get(`/traces?service=${encodeURIComponent(service)}&tags=${tags}&limit=20`);
    search.push(performance.now() - t0);
  }
  for (const n of nodes) {
    n.child.kill('SIGTERM');
    await n.exited;
  }
  return {
    spansPerSec: r.acked / r.elapsed, acked: r.acked, p99: r.p99,
    traceByIdMs: median(byId), searchMs: median(search), bytesPerSpan: (await bytesOnDisk()) / r.acked,
  };
}

/** Bytes of the `bench` database's active parts, summed over servers. */
async function partBytes(urls: string[]): Promise<number> {
  let n = 0;
  for (const u of urls) {
    const r = await fetch(`${u}/?query=${encodeURIComponent("SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'bench' AND active")}`);
    n += Number((await r.text()).trim());
  }
  return n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

async function main(): Promise<void> {
  console.log(`bench:clickhouse: ${SECONDS}s of ingest per engine, ${CONNECTIONS} connections, payload ${PAYLOAD}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'honeyray-bench-'));
  const duck = await runEngine([['--data-dir', dataDir]], async () => dirBytes(dataDir));
  rmSync(dataDir, { recursive: true, force: true });

  let ch: RunningClickHouse | undefined;
  let cluster: RunningCluster | undefined;
  try {
    ch = await startClickHouse();
    const chUrl = ch.url;
    const click = await runEngine([['--store', `clickhouse://127.0.0.1:${ch.httpPort}/bench`]], () => partBytes([chUrl]));
    await ch.stop();
    ch = undefined;
    cluster = await startClickHouseCluster(2);
    const urls = cluster.shards.map((x) => x.url);
    const sharded = await runEngine([['--store', cluster.storeUrl('bench', 0)], ['--store', cluster.storeUrl('bench', 1)]], () => partBytes(urls));
    const row = (k: string, d: string, c: string, ratio: string, k2: string, ratio2: string, target = '') =>
      console.log(`  ${k.padEnd(28)} ${d.padStart(10)} ${c.padStart(13)} ${ratio.padStart(8)} ${k2.padStart(15)} ${ratio2.padStart(9)}  ${target}`);
    const line = (k: string, f: (x: Figures) => number, digits: number, target = '') =>
      row(k, f(duck).toFixed(digits), f(click).toFixed(digits), (f(click) / f(duck)).toFixed(2), f(sharded).toFixed(digits), (f(sharded) / f(duck)).toFixed(2), target);
    console.log('results');
    row('', 'duckdb', 'clickhouse18', 'ch/duck', '2 shards+nodes', 'cl/duck');
    line('spans/s acknowledged', (x) => x.spansPerSec, 0, 'target (one ClickHouse) >= 50,000');
    line('spans stored', (x) => x.acked, 0);
    line('request latency p99 (ms)', (x) => x.p99, 1);
    line('trace by id, median (ms)', (x) => x.traceByIdMs, 1, 'target <= 50 at 10M spans');
    line('any-span tag search (ms)', (x) => x.searchMs, 1, 'target <= 300 at 10M spans');
    line('bytes on disk per span', (x) => x.bytesPerSpan, 1, 'target (ClickHouse) <= 76');
  } finally {
    await ch?.stop();
    await cluster?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
