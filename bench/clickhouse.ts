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
 *
 * Where the time goes, per engine: CPU seconds of the Honeyray node(s) and of the ClickHouse server(s)
 * during the load (/proc/PID/stat), and the parts ClickHouse wrote (system.parts, active or merged
 * away). BENCH_ONLY=duckdb,clickhouse,cluster runs some columns only (the ratios need duckdb);
 * BENCH_PROFILE=DIR writes V8 CPU profiles of each Honeyray node (`node --cpu-prof`, every thread) to
 * DIR/<engine> for `node dist/bench/cpuprofile-top.js`.
 *
 * Both engines' data go under BENCH_DIR (default ./data/bench, git-ignored), not the OS temp dir: on
 * this machine / is ext4 without a journal, whose inode allocator skips inodes deleted in the last
 * minute, and /tmp is where every test suite on the machine creates and deletes files. ClickHouse
 * creates ~170 files per part (a .bin and .mrk per column, two more per Nullable), so there its inserts
 * cost 2.5-3.5x the CPU (measured: 41-59 against 16 us per row, 4,096-row inserts); DuckDB, one file,
 * does not notice. BENCH_DIR=/tmp measures that case.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startClickHouse, startClickHouseCluster, type RunningClickHouse, type RunningCluster } from '../test/helpers/clickhouse-server.js';
import { freePort } from '../test/helpers/server-process.js';
import { cpuSeconds, startUntilHealthy } from './bench-process.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const PAYLOAD = resolve('test/fixtures/wire/otel/payload_512.pb');
const ONLY = new Set((process.env.BENCH_ONLY ?? 'duckdb,clickhouse,cluster').split(','));
const PROFILE = process.env.BENCH_PROFILE;
const DIR = resolve(process.env.BENCH_DIR ?? 'data/bench');

interface Figures {
  spansPerSec: number;
  acked: number;
  p99: number;
  traceByIdMs: number;
  searchMs: number;
  bytesPerSpan: number;
  /** CPU seconds during the load: all Honeyray nodes, all ClickHouse servers. */
  honeyrayCpu: number;
  clickhouseCpu: number;
  /** Parts written during the load (active or merged away since), over all servers. */
  parts: number;
}

interface EngineSetup {
  name: string;
  storeArgsPerNode: string[][];
  bytesOnDisk: () => Promise<number>;
  /** ClickHouse servers: their PIDs and HTTP URLs. */
  servers: { pid: number; url: string }[];
}

/** Load from one generator per node at once (CONNECTIONS split between them); reads through the first node. */
async function runEngine({ name, storeArgsPerNode, bytesOnDisk, servers }: EngineSetup): Promise<Figures> {
  const nodes: { http: number; otlp: number; child: ChildProcess; exited: Promise<number | null> }[] = [];
  const nodeArgs = PROFILE ? ['--cpu-prof', '--cpu-prof-dir', join(PROFILE, name)] : [];
  for (const storeArgs of storeArgsPerNode) {
    const [http, otlp] = [await freePort(), await freePort()];
    const { child, exited } = await startUntilHealthy(
      [...nodeArgs, 'dist/src/cli.js', 'serve', ...storeArgs, '--http-port', String(http), '--otlp-port', String(otlp), '--xray-port', '0', '--log-level', 'warn',
        '--grpc-port', '0', '--zipkin-port', '0', '--jaeger-port', '0', '--jaeger-compact-port', '0', '--jaeger-binary-port', '0'], http);
    nodes.push({ http, otlp, child, exited });
  }
  const conns = Math.max(1, Math.round(CONNECTIONS / nodes.length));
  const cpu = () => [nodes.reduce((n, x) => n + cpuSeconds(x.child.pid!), 0), servers.reduce((n, x) => n + cpuSeconds(x.pid), 0)];
  const partsBefore = await partCount(servers.map((x) => x.url));
  const cpuBefore = cpu();
  const results = await Promise.all(nodes.map(async ({ otlp }) => {
    const gen = spawn(process.execPath, ['dist/bench/ingest-loadgen.js', `http://127.0.0.1:${otlp}/v1/traces`, String(SECONDS), String(conns), PAYLOAD], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    gen.stdout!.on('data', (d) => (out += d));
    await new Promise((r) => gen.once('exit', r));
    return JSON.parse(out.trim()) as { acked: number; elapsed: number; p99: number };
  }));
  const cpuAfter = cpu();
  const parts = (await partCount(servers.map((x) => x.url))) - partsBefore;
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
    honeyrayCpu: cpuAfter[0]! - cpuBefore[0]!, clickhouseCpu: cpuAfter[1]! - cpuBefore[1]!, parts,
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

/**
 * Parts of the `bench` database ever written: the highest block number of each partition's parts
 * (every insert into a MergeTree takes the next one), summed over tables and servers.
 */
async function partCount(urls: string[]): Promise<number> {
  let n = 0;
  for (const u of urls) {
    const sql = "SELECT sum(m) FROM (SELECT max(max_block_number) AS m FROM system.parts WHERE database = 'bench' GROUP BY table, partition_id)";
    const r = await fetch(`${u}/?query=${encodeURIComponent(sql)}`);
    n += Number((await r.text()).trim()) || 0;
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
  console.log(`bench:clickhouse: ${SECONDS}s of ingest per engine, ${CONNECTIONS} connections, payload ${PAYLOAD}, data under ${DIR}`);
  mkdirSync(DIR, { recursive: true });
  const columns: [string, Figures][] = [];
  if (ONLY.has('duckdb')) {
    const dataDir = mkdtempSync(join(DIR, 'honeyray-bench-'));
    columns.push(['duckdb', await runEngine({ name: 'duckdb', storeArgsPerNode: [['--data-dir', dataDir]], bytesOnDisk: async () => dirBytes(dataDir), servers: [] })]);
    rmSync(dataDir, { recursive: true, force: true });
  }
  let ch: RunningClickHouse | undefined;
  let cluster: RunningCluster | undefined;
  /** Data directories are removed at the end, not between columns (see RunningClickHouse.stop). */
  const stopped: RunningClickHouse[] = [];
  try {
    if (ONLY.has('clickhouse')) {
      ch = await startClickHouse(undefined, undefined, DIR);
      const servers = [{ pid: ch.pid, url: ch.url }];
      columns.push(['clickhouse18', await runEngine({
        name: 'clickhouse', storeArgsPerNode: [['--store', `clickhouse://127.0.0.1:${ch.httpPort}/bench`]], bytesOnDisk: () => partBytes([servers[0]!.url]), servers,
      })]);
      await ch.stop({ keepDir: true });
      stopped.push(ch);
      ch = undefined;
    }
    if (ONLY.has('cluster')) {
      cluster = await startClickHouseCluster(2, DIR);
      const servers = cluster.shards.map((x) => ({ pid: x.pid, url: x.url }));
      columns.push(['2 shards+nodes', await runEngine({
        name: 'cluster', storeArgsPerNode: [['--store', cluster.storeUrl('bench', 0)], ['--store', cluster.storeUrl('bench', 1)]],
        bytesOnDisk: () => partBytes(servers.map((x) => x.url)), servers,
      })]);
    }
  } finally {
    await ch?.stop();
    await cluster?.stop();
    for (const s of stopped) s.removeDir();
  }
  const base = columns[0]![1];
  const baseName = columns[0]![0];
  const head = columns.flatMap(([k], i) => (i === 0 ? [k] : [k, `/ ${baseName}`]));
  const row = (k: string, cells: string[], target = '') => console.log(`  ${k.padEnd(30)} ${cells.map((c) => c.padStart(16)).join('')}  ${target}`);
  const line = (k: string, f: (x: Figures) => number, digits: number, target = '') =>
    row(k, columns.flatMap(([, x], i) => (i === 0 ? [f(x).toFixed(digits)] : [f(x).toFixed(digits), (f(x) / f(base)).toFixed(2)])), target);
  console.log('results');
  row('', head);
  line('spans/s acknowledged', (x) => x.spansPerSec, 0, 'target (one ClickHouse) >= 50,000');
  line('spans stored', (x) => x.acked, 0);
  line('request latency p99 (ms)', (x) => x.p99, 1);
  line('trace by id, median (ms)', (x) => x.traceByIdMs, 1, 'target <= 50 at 10M spans');
  line('any-span tag search (ms)', (x) => x.searchMs, 1, 'target <= 300 at 10M spans');
  line('bytes on disk per span', (x) => x.bytesPerSpan, 1, 'target (ClickHouse) <= 76');
  line('Honeyray CPU s per 100k spans', (x) => (x.honeyrayCpu / x.acked) * 1e5, 2);
  line('ClickHouse CPU s per 100k spans', (x) => (x.clickhouseCpu / x.acked) * 1e5, 2);
  line('parts written per second', (x) => x.parts / SECONDS, 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
