/**
 * npm run bench:clickhouse — the same OTLP/HTTP ingest and the same reads, on DuckDB and on a real
 * ClickHouse 18.16 (Debian's clickhouse-server, started here as bench:ingest's tests start it), side by
 * side from one run. Per engine: Honeyray started as the README says (`--store clickhouse://...` for
 * ClickHouse), bench:ingest's load generator for BENCH_SECONDS (default 20), then through the Jaeger
 * API: trace by id (median of 20 traces) and an attribute search on any span (median of 5), then
 * bytes on disk per span. DuckDB is the baseline; ratios are ClickHouse / DuckDB.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startClickHouse, type RunningClickHouse } from '../test/helpers/clickhouse-server.js';
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

async function runEngine(storeArgs: string[], bytesOnDisk: () => Promise<number>): Promise<Figures> {
  const [http, otlp] = [await freePort(), await freePort()];
  const { child: server, exited } = await startUntilHealthy(
    ['dist/src/cli.js', 'serve', ...storeArgs, '--http-port', String(http), '--otlp-port', String(otlp), '--xray-port', '0', '--log-level', 'warn'], http);
  const gen = spawn(process.execPath, ['dist/bench/ingest-loadgen.js', `http://127.0.0.1:${otlp}/v1/traces`, String(SECONDS), String(CONNECTIONS), PAYLOAD], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  gen.stdout!.on('data', (d) => (out += d));
  await new Promise((r) => gen.once('exit', r));
  const r = JSON.parse(out.trim()) as { acked: number; elapsed: number; p99: number };

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
  server.kill('SIGTERM');
  await exited;
  return {
    spansPerSec: r.acked / r.elapsed, acked: r.acked, p99: r.p99,
    traceByIdMs: median(byId), searchMs: median(search), bytesPerSpan: (await bytesOnDisk()) / r.acked,
  };
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
  const duck = await runEngine(['--data-dir', dataDir], async () => dirBytes(dataDir));
  rmSync(dataDir, { recursive: true, force: true });

  let ch: RunningClickHouse | undefined;
  try {
    ch = await startClickHouse();
    const chUrl = ch.url;
    const click = await runEngine(['--store', `clickhouse://127.0.0.1:${ch.httpPort}/bench`], async () => {
      const r = await fetch(`${chUrl}/?query=${encodeURIComponent("SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'bench' AND active")}`);
      return Number((await r.text()).trim());
    });
    const row = (k: string, d: string, c: string, ratio: string, target = '') => console.log(`  ${k.padEnd(30)} ${d.padStart(12)} ${c.padStart(14)} ${ratio.padStart(8)}  ${target}`);
    console.log('results');
    row('', 'duckdb', 'clickhouse18', 'ch/duck');
    row('spans/s acknowledged', duck.spansPerSec.toFixed(0), click.spansPerSec.toFixed(0), (click.spansPerSec / duck.spansPerSec).toFixed(2), 'target (ClickHouse) >= 50,000');
    row('spans stored', String(duck.acked), String(click.acked), '');
    row('request latency p99 (ms)', duck.p99.toFixed(1), click.p99.toFixed(1), (click.p99 / duck.p99).toFixed(2));
    row('trace by id, median (ms)', duck.traceByIdMs.toFixed(1), click.traceByIdMs.toFixed(1), (click.traceByIdMs / duck.traceByIdMs).toFixed(2), 'target <= 50 at 10M spans');
    row('any-span tag search (ms)', duck.searchMs.toFixed(1), click.searchMs.toFixed(1), (click.searchMs / duck.searchMs).toFixed(2), 'target <= 300 at 10M spans');
    row('bytes on disk per span', duck.bytesPerSpan.toFixed(1), click.bytesPerSpan.toFixed(1), (click.bytesPerSpan / duck.bytesPerSpan).toFixed(2), 'target (ClickHouse) <= 76');
  } finally {
    await ch?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
