/**
 * npm run bench:query — the read side at scale.
 *
 * Starts Honeyray as the README does (child process, fresh data dir), loads QUERY_SPANS (default
 * 10,000,000; `--spans N` too) generated Cruddur spans plus one 100,000-span trace through the real
 * ingest path (bench/generate.ts: OTLP protobuf over HTTP), then runs each query QUERY_RUNS times (default
 * 5) over HTTP as a client would (Accept-Encoding: br, gzip; the whole body read) and prints the median.
 * Then it stops the server and, in this process, runs the same SQL the store compiles for each query on
 * the same file with DuckDB directly: the engine-only time (the floor), printed beside it with the
 * ratio. Then the typical trace by id again and again while 10% more spans are ingested (median, p99),
 * and last bytes on disk per span (after the shutdown checkpoint).
 *
 * Adding a row: push a `Row` to `rows()` — an HTTP request and (optionally) the SQL of its floor.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { hexToTraceId } from '../src/model/ids.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { compileTraceSearch, compileTraceSummaries } from '../src/store/duckdb/trace-search.js';
import type { TraceSummaryQuery } from '../src/store/store.js';
import { freePort } from '../test/helpers/server-process.js';
import { startUntilHealthy } from './bench-process.js';
import { loadSpans } from './generate.js';
import { SLOW_HANDLE, hex } from './generate-traces.js';

const { values: flags } = parseArgs({ options: { spans: { type: 'string' }, runs: { type: 'string' } } });
const SPANS = Number(flags.spans ?? process.env.QUERY_SPANS ?? 10_000_000);
const RUNS = Number(flags.runs ?? process.env.QUERY_RUNS ?? 5);
const BIG = Number(process.env.QUERY_BIG_TRACE ?? 100_000);

/** One benchmark row: `request` is timed end to end; `floor` returns the SQL of the engine-only time. */
export interface Row {
  name: string;
  target: string;
  request: (base: string) => Promise<{ bytes: number; status: number }>;
  floor?: (store: DuckDBStore) => string;
}

async function get(url: string): Promise<{ bytes: number; status: number }> {
  const r = await fetch(url, { headers: { 'accept-encoding': 'br, gzip' } });
  // fetch decompresses; the wire size is Content-Length when the server sent one.
  const body = new Uint8Array(await r.arrayBuffer());
  return { status: r.status, bytes: Number(r.headers.get('content-length') ?? body.length) };
}

function byIdSql(id: string): string {
  const [hi, lo] = hexToTraceId(id);
  return `SELECT * FROM spans WHERE trace_hi = ${hi} AND trace_lo = ${lo} ORDER BY start_ns, span_id`;
}

function rows(ctx: { typical: string; big: string; startUs: bigint; endUs: bigint }): Row[] {
  const summaries: TraceSummaryQuery = { tags: { 'user.handle': SLOW_HANDLE }, startNs: ctx.startUs * 1000n, endNs: ctx.endUs * 1000n, limit: 20, sort: 'slowest' };
  const tags = encodeURIComponent(JSON.stringify(summaries.tags));
  const window = `start=${ctx.startUs}&end=${ctx.endUs}`;
  return [
    { name: 'trace by id (typical trace)', target: '<= 10 ms', request: (b) => get(`${b}/api/traces/${ctx.typical}`), floor: () => byIdSql(ctx.typical) },
    { name: `trace by id, ${BIG.toLocaleString('en-US')} spans, compressed`, target: '<= 1 s', request: (b) => get(`${b}/api/traces/${ctx.big}`), floor: () => byIdSql(ctx.big) },
    {
      name: 'any-span attribute search, top 20 summaries', target: '<= 100 ms',
      request: (b) => get(`${b}/api/honeyray/trace-summaries?tags=${tags}&${window}&limit=20&sort=slowest`),
      floor: (s) => compileTraceSummaries(summaries, (k) => s.attrColumn(k)),
    },
    {
      name: 'Jaeger search: service + tag, 20 traces', target: '',
      request: (b) => get(`${b}/api/traces?service=backend-flask&tags=${tags}&${window}&limit=20`),
      floor: (s) => compileTraceSearch({ service: 'backend-flask', tags: summaries.tags, startNs: summaries.startNs, endNs: summaries.endNs, limit: 20 }, (k) => s.attrColumn(k)),
    },
    // Honeycomb queries (COUNT + P99 by service.name,name; HEATMAP; BubbleUp) go here once /api/honeyray/query lands.
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up (page cache, catalog)
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'honeyray-bench-query-'));
  const [http, otlp] = [await freePort(), await freePort()];
  const server = await startUntilHealthy(
    ['dist/src/cli.js', 'serve', '--data-dir', dataDir, '--http-port', String(http), '--otlp-port', String(otlp), '--xray-port', '0', '--log-level', 'warn'], http);
  const base = `http://127.0.0.1:${http}`;
  console.log(`bench:query: ${SPANS.toLocaleString('en-US')} spans + one ${BIG.toLocaleString('en-US')}-span trace, ${RUNS} runs per query (median)`);

  const endNs = BigInt(Date.now()) * 1_000_000n;
  const windowNs = 3_600_000_000_000n;
  let typical = '';
  let seen = 0;
  const load = await loadSpans({
    url: `http://127.0.0.1:${otlp}/v1/traces`, spans: SPANS, endNs, windowNs, bigTrace: BIG, seed: 42,
    onTrace: (t) => { if (++seen === 1000) typical = hex(t.traceId); },
    onProgress: (sent, s) => { if (sent % 1_000_000 < 1000) console.log(`  loaded ${sent.toLocaleString('en-US')} spans (${(sent / s).toFixed(0)}/s)`); },
  });
  console.log(`loaded ${load.spans.toLocaleString('en-US')} spans in ${load.seconds.toFixed(0)} s (${(load.spans / load.seconds).toFixed(0)} spans/s through OTLP/HTTP, acknowledged = committed)`);
  const ctx = { typical, big: load.bigTraceId!, startUs: (endNs - windowNs) / 1000n - 1n, endUs: endNs / 1000n + 1n };
  const list = rows(ctx);

  const measured: { row: Row; ms: number; bytes: number; status: number }[] = [];
  for (const row of list) {
    let last = { bytes: 0, status: 0 };
    const ms = await timeIt(RUNS, async () => { last = await row.request(base); });
    measured.push({ row, ms, ...last });
  }

  // Reads while ingesting: the typical trace by id, again and again, while more spans are loaded.
  const extra = Math.max(50_000, Math.floor(SPANS / 10));
  const during: number[] = [];
  let loading = true;
  const extraLoad = loadSpans({ url: `http://127.0.0.1:${otlp}/v1/traces`, spans: extra, endNs, windowNs, seed: 43 }).finally(() => { loading = false; });
  while (loading) {
    const t0 = performance.now();
    await get(`${base}/api/traces/${typical}`);
    during.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  const extraResult = await extraLoad;
  during.sort((a, b) => a - b);
  const duringLine = `trace by id while ingesting ${extra.toLocaleString('en-US')} more spans (${(extraResult.spans / extraResult.seconds).toFixed(0)} spans/s): ` +
    `median ${median(during).toFixed(1)} ms, p99 ${during[Math.floor(during.length * 0.99)]!.toFixed(1)} ms over ${during.length} reads (idle median: ${measured[0]!.ms.toFixed(1)} ms)`;

  server.child.kill('SIGTERM');
  await server.exited;
  const bytes = dirBytes(dataDir);

  // The floor: the same SQL, engine only, on the same file (the server has released it).
  const store = await DuckDBStore.open({ path: join(dataDir, 'honeyray.duckdb') });
  const sqls = list.map((r) => r.floor?.(store));
  await store.close();
  const instance = await DuckDBInstance.create(join(dataDir, 'honeyray.duckdb'));
  const conn = await instance.connect();
  const floors: (number | null)[] = [];
  for (const sql of sqls) floors.push(sql ? await timeIt(RUNS, () => conn.runAndReadAll(sql)) : null);
  conn.closeSync();
  instance.closeSync();
  rmSync(dataDir, { recursive: true, force: true });

  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`\n${pad('query', 46)} ${'median ms'.padStart(10)} ${'floor ms'.padStart(9)} ${'ratio'.padStart(6)} ${'bytes'.padStart(10)}  target`);
  measured.forEach((m, i) => {
    const f = floors[i];
    console.log(`${pad(m.row.name, 46)} ${m.ms.toFixed(1).padStart(10)} ${(f === null ? '-' : f!.toFixed(1)).padStart(9)} ${(f ? (m.ms / f).toFixed(1) : '-').padStart(6)} ${String(m.bytes).padStart(10)}  ${m.row.target}${m.status === 200 ? '' : `  (HTTP ${m.status})`}`);
  });
  console.log(`\n${duringLine}`);
  console.log(`bytes on disk per span: ${(bytes / (load.spans + extraResult.spans)).toFixed(1)} (${(bytes / 2 ** 20).toFixed(1)} MiB for ${(load.spans + extraResult.spans).toLocaleString('en-US')} spans, after the shutdown checkpoint)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
