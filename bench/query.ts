/**
 * npm run bench:query — the read side at scale.
 *
 * Starts Honeyray as the README does (child process, fresh data dir), loads QUERY_SPANS (default
 * 10,000,000; `--spans N` too) generated Cruddur spans plus one 100,000-span trace through the real
 * ingest path (bench/generate.ts: OTLP protobuf over HTTP), then runs each query QUERY_RUNS times (default
 * 5) over HTTP as a client would (Accept-Encoding: br, gzip; the whole body read) and prints the median.
 * Then it reads again while bench:ingest's load generator saturates ingest (query-under-load.ts), stops
 * the server and, in this process, runs the same SQL the server compiles for each query on the same file
 * with DuckDB directly: the engine-only time (the floor), printed beside it with the ratio. Last, bytes on
 * disk per span (after the shutdown checkpoint).
 *
 *   npm run bench:query                                 # 10M spans, every row, reads under load
 *   npm run bench:query -- --spans 1000000 --runs 3
 *   npm run bench:query -- --spans 200000 --under-load  # only the reads-under-full-ingest section
 *   npm run bench:query -- --store clickhouse --skip-under-load   # the same on a local ClickHouse 18.16
 *   npm run bench:query -- --keep /tmp/q10m             # load as usual, keep the data dir
 *   npm run bench:query -- --reuse /tmp/q10m --skip-under-load   # read it again, no loading
 *   npm run bench:query -- --reuse /tmp/q10m --skip-under-load --only 'trace by id'   # some rows only
 *
 * Adding a row: push a `Row` to `rows()` — an HTTP request and (optionally) the SQL of its floor.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startClickHouse, type RunningClickHouse } from '../test/helpers/clickhouse-server.js';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { bubbleUp } from '../src/query/bubbleup/bubbleup.js';
import { selectionExpr } from '../src/query/bubbleup/selection.js';
import { ColumnResolver } from '../src/query/honeycomb/columns.js';
import { runSpec } from '../src/query/honeycomb/run.js';
import type { QuerySpec } from '../src/query/honeycomb/spec.js';
import { SpecPlanner } from '../src/query/honeycomb/to-ir.js';
import { validateSpec } from '../src/query/honeycomb/validate.js';
import { DuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import type { ReadConnections } from '../src/store/duckdb/read-connections.js';
import { compileTraceSearch, compileTraceSummaryTop } from '../src/store/duckdb/trace-search.js';
import type { TraceSummaryQuery } from '../src/store/store.js';
import { freePort } from '../test/helpers/server-process.js';
import { startUntilHealthy } from './bench-process.js';
import { loadSpans } from './generate.js';
import { SLOW_HANDLE, hex } from './generate-traces.js';
import { printUnderLoad, underLoad, type Probe } from './query-under-load.js';

const { values: flags } = parseArgs({
  options: {
    spans: { type: 'string' }, runs: { type: 'string' }, 'under-load': { type: 'boolean' }, 'load-seconds': { type: 'string' },
    keep: { type: 'string' }, reuse: { type: 'string' }, 'skip-under-load': { type: 'boolean' }, only: { type: 'string' },
    store: { type: 'string' },
  },
});
const SPANS = Number(flags.spans ?? process.env.QUERY_SPANS ?? 10_000_000);
const RUNS = Number(flags.runs ?? process.env.QUERY_RUNS ?? 5);
const BIG = Number(process.env.QUERY_BIG_TRACE ?? 100_000);
const ONLY_UNDER_LOAD = flags['under-load'] === true;
const LOAD_SECONDS = Number(flags['load-seconds'] ?? 20);
/** `--keep DIR`: load into DIR and leave it there; `--reuse DIR`: skip loading, read what a `--keep` run loaded. */
const KEEP = flags.keep;
const REUSE = flags.reuse;
const SKIP_UNDER_LOAD = flags['skip-under-load'] === true;
/** `--only TEXT`: run only the queries whose name contains TEXT (e.g. `--only 'trace by id'`). */
/**
 * `--store clickhouse`: the same load and reads against Honeyray on a local ClickHouse (Debian's 18.16,
 * started here under BENCH_DIR, default ./data/bench, as bench:clickhouse does). No floor column (the
 * floors are DuckDB statements); with --keep / --reuse the ClickHouse server's directory is kept in the
 * data dir (DIR/clickhouse) and started again on it; bytes per span from the server's stats (active parts).
 */
const STORE = flags.store ?? 'duckdb';
const ONLY = flags.only;

/** What a `--keep` run records beside the data so a `--reuse` run can ask the same questions. */
interface Loaded {
  /** Spans asked for (`--spans`), besides the big trace. */
  asked: number;
  spans: number;
  big: number;
  bigTraceId: string;
  typical: string;
  endNs: string;
  windowNs: string;
  loadSeconds: number;
}
const LOADED_FILE = 'bench-query.json';

/** One benchmark row: `request` is timed end to end; `floor` returns the SQL statements of the engine-only time. */
export interface Row {
  name: string;
  target: string;
  request: (base: string) => Promise<{ bytes: number; status: number }>;
  floor?: (store: DuckDBStore) => string[] | Promise<string[]>;
  /** The URL (from the server's base) whose answer `clientAlone` replays: what decompressing it costs a client. */
  replay?: string;
}

/**
 * What a client adds by decompressing a row's answer: the same compressed answer (bytes and
 * Content-Encoding as the server sent them) served by a static in-process server, fetched and decompressed
 * by `get`. For the 100,000-span trace, fetch's decompression and assembly of 74 MB takes ~1 s by itself.
 */
async function clientAlone(url: string, runs: number): Promise<number> {
  const { request } = await import('node:http');
  const sent = await new Promise<{ body: Buffer; encoding: string | undefined }>((resolve, reject) => {
    request(url, { headers: { 'accept-encoding': 'br, gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ body: Buffer.concat(chunks), encoding: res.headers['content-encoding'] }));
    }).on('error', reject).end();
  });
  const { createServer } = await import('node:http');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': sent.body.length, ...(sent.encoding ? { 'content-encoding': sent.encoding } : {}) });
    res.end(sent.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    return await timeIt(runs, () => get(`http://127.0.0.1:${port}/`));
  } finally {
    server.close();
  }
}

/**
 * The complete compressed answer as it arrives (time to its last byte, bytes on the wire), not decompressed:
 * what the 100,000-span row's target is about ("complete compressed response"). What a client then spends
 * decompressing it is printed apart (`clientAlone`).
 */
async function wire(url: string): Promise<{ bytes: number; status: number }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    request(url, { headers: { 'accept-encoding': 'br, gzip' } }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    }).on('error', reject).end();
  });
}

async function get(url: string): Promise<{ bytes: number; status: number }> {
  return sized(await fetch(url, { headers: { 'accept-encoding': 'br, gzip' } }));
}

async function post(url: string, body: unknown): Promise<{ bytes: number; status: number }> {
  return sized(await fetch(url, { method: 'POST', headers: { 'accept-encoding': 'br, gzip', 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

async function sized(r: Response): Promise<{ bytes: number; status: number }> {
  // fetch decompresses; the wire size is Content-Length when the server sent one.
  const body = new Uint8Array(await r.arrayBuffer());
  return { status: r.status, bytes: Number(r.headers.get('content-length') ?? body.length) };
}

/**
 * The statements of a trace read, recorded by reading it once through the store (its start range from the
 * trace index's lookup copy, then its spans within that range, the columns the store reads).
 */
async function byIdSql(store: DuckDBStore, id: string): Promise<string[]> {
  const sqls: string[] = [];
  // The read goes through the store's own read connections (private): wrap them to see each statement.
  const reads = (store as unknown as { reads: ReadConnections }).reads;
  const use = reads.use.bind(reads);
  reads.use = <T>(fn: (c: DuckDBConnection) => Promise<T>) => use((c) => fn(recording(c, sqls)));
  try {
    await store.getTraceColumns(id);
  } finally {
    reads.use = use;
  }
  return sqls;
}

function recording(conn: DuckDBConnection, sqls: string[]): DuckDBConnection {
  const r = Object.create(conn) as DuckDBConnection;
  r.runAndReadAll = ((sql: string, ...rest: unknown[]) => { sqls.push(sql); return (conn.runAndReadAll as (...a: unknown[]) => unknown)(sql, ...rest); }) as never;
  r.run = ((sql: string, ...rest: unknown[]) => { sqls.push(sql); return (conn.run as (...a: unknown[]) => unknown)(sql, ...rest); }) as never;
  // A prepared statement (the trace lookup) is recorded with its BIGINT parameters written in, so the floor
  // runs it unprepared: a little more than the store pays.
  r.prepare = async (sql: string) => {
    const s = await conn.prepare(sql);
    const values: bigint[] = [];
    const w = Object.create(s) as typeof s;
    const record = () => sqls.push(sql.replace(/\$(\d+)/g, (_, i: string) => String(values[Number(i)])));
    w.bindBigInt = (i: number, v: bigint) => { values[i] = v; s.bindBigInt(i, v); };
    w.runAndReadAll = () => { record(); return s.runAndReadAll(); };
    w.run = () => { record(); return s.run(); };
    return w;
  };
  return r;
}

/** The statements a Honeycomb query (or BubbleUp) runs, recorded by running it once on the store itself. */
async function recorded(store: DuckDBStore, fn: (s: DuckDBStore) => Promise<unknown>): Promise<string[]> {
  const sqls: string[] = [];
  const recorder = Object.create(store) as DuckDBStore;
  recorder.select = (sql: string) => { sqls.push(sql); return store.select(sql); };
  await fn(recorder);
  return sqls;
}

async function planner(store: DuckDBStore, dataset: string, spec: QuerySpec): Promise<{ p: SpecPlanner; columns: ColumnResolver }> {
  const columns = new ColumnResolver(await store.columns());
  return { p: new SpecPlanner(validateSpec(spec, columns, Date.now() / 1000), columns, dataset), columns };
}

function rows(ctx: { typical: string; big: string; startUs: bigint; endUs: bigint }): Row[] {
  const summaries: TraceSummaryQuery = { tags: { 'user.handle': SLOW_HANDLE }, startNs: ctx.startUs * 1000n, endNs: ctx.endUs * 1000n, limit: 20, sort: 'slowest' };
  const tags = encodeURIComponent(JSON.stringify(summaries.tags));
  const window = `start=${ctx.startUs}&end=${ctx.endUs}`;
  // The last full hour of the data, in 60 one-minute buckets.
  const end = Math.floor(Number(ctx.endUs) / 1e6);
  const hour = { start_time: end - 3600, end_time: end, granularity: 60 };
  const p99By: QuerySpec = { ...hour, breakdowns: ['service.name', 'name'], calculations: [{ op: 'COUNT' }, { op: 'P99', column: 'duration_ms' }] };
  const heatmap: QuerySpec = { ...hour, calculations: [{ op: 'HEATMAP', column: 'duration_ms' }] };
  const selection = { column: 'duration_ms', lower: 300, upper: 1e9 };
  return [
    { name: 'trace by id (typical trace)', target: '<= 10 ms', request: (b) => get(`${b}/api/traces/${ctx.typical}`), floor: (s) => byIdSql(s, ctx.typical) },
    { name: `trace by id, ${BIG.toLocaleString('en-US')} spans, compressed`, target: '<= 1 s', request: (b) => wire(`${b}/api/traces/${ctx.big}`), floor: (s) => byIdSql(s, ctx.big), replay: `/api/traces/${ctx.big}` },
    {
      name: 'any-span attribute search, top 20 summaries', target: '<= 100 ms',
      request: (b) => get(`${b}/api/honeyray/trace-summaries?tags=${tags}&${window}&limit=20&sort=slowest`),
      floor: (s) => [compileTraceSummaryTop(summaries, (k) => s.attrColumn(k))],
    },
    {
      name: 'Jaeger search: service + tag, 20 traces', target: '',
      request: (b) => get(`${b}/api/traces?service=backend-flask&tags=${tags}&${window}&limit=20`),
      floor: (s) => [compileTraceSearch({ service: 'backend-flask', tags: summaries.tags, startNs: summaries.startNs, endNs: summaries.endNs, limit: 20 }, (k) => s.attrColumn(k))],
    },
    {
      name: 'COUNT + P99(duration_ms) by service, name', target: '<= 300 ms',
      request: (b) => post(`${b}/api/honeyray/query/__all__`, p99By),
      // The statements the server runs, recorded: the series, then each group's tail (tail-percentiles.ts).
      // The floor leaves out the JS share (sums, sorting the ~147k listed values: ~15 ms of CPU).
      floor: (s) => recorded(s, async (r) => { const { p } = await planner(r, '__all__', p99By); await runSpec(r, p, false); }),
    },
    {
      name: 'HEATMAP(duration_ms), 1 h', target: '<= 500 ms',
      request: (b) => post(`${b}/api/honeyray/query/backend-flask`, heatmap),
      floor: (s) => recorded(s, async (r) => { const { p } = await planner(r, 'backend-flask', heatmap); await runSpec(r, p, false); }),
    },
    {
      name: 'BubbleUp on a heatmap selection', target: '<= 2 s',
      request: (b) => post(`${b}/api/honeyray/bubbleup/backend-flask`, { query: heatmap, selection }),
      floor: (s) => recorded(s, async (r) => {
        const { p, columns } = await planner(r, 'backend-flask', heatmap);
        const sel = selectionExpr(selection, columns);
        await bubbleUp(r, p, columns, sel.expr, sel.column);
      }),
    },
  ];
}

/** What `--under-load` reads while ingest runs flat out: the calls a user or dashboard makes meanwhile. */
function probes(base: string, typical: string): Probe[] {
  const status = async (r: Promise<{ status: number }>) => (await r).status;
  const end = Math.floor(Date.now() / 1000);
  return [
    { name: 'GET /healthz', run: () => status(get(`${base}/healthz`)) },
    { name: 'GET /api/honeyray/stats', run: () => status(get(`${base}/api/honeyray/stats`)) },
    { name: 'GET /api/services', run: () => status(get(`${base}/api/services`)) },
    { name: 'trace by id (typical trace)', run: () => status(get(`${base}/api/traces/${typical}`)) },
    { name: 'COUNT + P99 by name, backend-flask, 10 min', run: () => status(post(`${base}/api/honeyray/query/backend-flask`, { start_time: end - 600, end_time: end, breakdowns: ['name'], calculations: [{ op: 'COUNT' }, { op: 'P99', column: 'duration_ms' }] })) },
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
  if (KEEP && REUSE) throw new Error('--keep and --reuse are exclusive');
  const dataDir = REUSE ?? (KEEP ? (mkdirSync(KEEP, { recursive: true }), KEEP) : mkdtempSync(join(tmpdir(), 'honeyray-bench-query-')));
  if (KEEP && readdirSync(KEEP).length > 0) throw new Error(`--keep ${KEEP}: the directory is not empty (use --reuse to read it again)`);
  const previous = REUSE ? (JSON.parse(readFileSync(join(REUSE, LOADED_FILE), 'utf8')) as Loaded) : null;
  if (STORE !== 'duckdb' && STORE !== 'clickhouse') throw new Error(`--store ${STORE}: duckdb or clickhouse`);
  let ch: RunningClickHouse | null = null;
  if (STORE === 'clickhouse') {
    const dir = resolve(process.env.BENCH_DIR ?? 'data/bench');
    mkdirSync(dir, { recursive: true });
    // --keep / --reuse: the ClickHouse server's own directory lives in the kept data dir.
    const kept = KEEP || REUSE ? join(dataDir, 'clickhouse') : undefined;
    if (kept) mkdirSync(kept, { recursive: true });
    ch = await startClickHouse(undefined, undefined, dir, kept);
  }
  const storeArgs = ch ? ['--store', `clickhouse://127.0.0.1:${ch.httpPort}/bench`] : [];
  const [http, otlp] = [await freePort(), await freePort()];
  const server = await startUntilHealthy(
    ['dist/src/cli.js', 'serve', ...storeArgs, '--data-dir', dataDir, '--http-port', String(http), '--otlp-port', String(otlp), '--xray-port', '0',
      '--grpc-port', '0', '--zipkin-port', '0', '--jaeger-port', '0', '--jaeger-compact-port', '0', '--jaeger-binary-port', '0', '--log-level', 'warn'], http);
  const base = `http://127.0.0.1:${http}`;
  const spansAsked = previous?.asked ?? SPANS;
  const big = previous?.big ?? BIG;
  console.log(`bench:query: ${spansAsked.toLocaleString('en-US')} spans + one ${big.toLocaleString('en-US')}-span trace, ${RUNS} runs per query (median)${previous ? `, reusing ${REUSE}` : ''}`);

  let loaded: Loaded;
  if (previous) {
    loaded = previous;
    console.log(`reused ${dataDir}: loaded through OTLP/HTTP by a --keep run (${previous.loadSeconds.toFixed(0)} s then)`);
  } else {
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
    loaded = { asked: SPANS, spans: load.spans, big: BIG, bigTraceId: load.bigTraceId!, typical, endNs: String(endNs), windowNs: String(windowNs), loadSeconds: load.seconds };
    if (KEEP) writeFileSync(join(dataDir, LOADED_FILE), JSON.stringify(loaded, null, 2));
  }
  const endNs = BigInt(loaded.endNs);
  const windowNs = BigInt(loaded.windowNs);
  const typical = loaded.typical;
  const ctx = { typical, big: loaded.bigTraceId, startUs: (endNs - windowNs) / 1000n - 1n, endUs: endNs / 1000n + 1n };
  const list = rows(ctx).filter((r) => ONLY === undefined || r.name.includes(ONLY));

  if (ONLY_UNDER_LOAD) {
    printUnderLoad(await underLoad(`http://127.0.0.1:${otlp}/v1/traces`, probes(base, typical), LOAD_SECONDS));
    server.child.kill('SIGTERM');
    await server.exited;
    await ch?.stop({ keepDir: Boolean(KEEP || REUSE) });
    if (!KEEP && !REUSE) rmSync(dataDir, { recursive: true, force: true });
    return;
  }

  const measured: { row: Row; ms: number; bytes: number; status: number; client?: number }[] = [];
  for (const row of list) {
    let last = { bytes: 0, status: 0 };
    // A request that fails (e.g. fetch's 300 s header timeout on a slow machine) is printed, not fatal.
    const ms = await timeIt(RUNS, async () => { last = await row.request(base); }).catch((err) => { console.log(`  ${row.name}: ${(err as Error).message}`); return NaN; });
    const client = row.replay ? await clientAlone(base + row.replay, RUNS) : undefined;
    measured.push({ row, ms, ...last, client });
  }
  const underLoadResult = SKIP_UNDER_LOAD ? null : await underLoad(`http://127.0.0.1:${otlp}/v1/traces`, probes(base, typical), LOAD_SECONDS);

  if (ch) {
    const stats = (await (await fetch(`${base}/api/honeyray/stats`)).json()) as { spans: number; bytesOnDisk: number };
    server.child.kill('SIGTERM');
    await server.exited;
    await ch.stop({ keepDir: Boolean(KEEP || REUSE) });
    if (!KEEP && !REUSE) rmSync(dataDir, { recursive: true, force: true });
    printResults(measured, measured.map(() => null), underLoadResult);
    console.log(`\nbytes on disk per span (ClickHouse ${stats.spans.toLocaleString('en-US')} spans, active parts): ${(stats.bytesOnDisk / stats.spans).toFixed(1)}`);
    return;
  }
  server.child.kill('SIGTERM');
  await server.exited;
  const bytes = dirBytes(dataDir);

  // The floor: the same SQL, engine only, on the same file (the server has released it).
  const store = await DuckDBStore.open({ path: join(dataDir, 'honeyray.duckdb') });
  const sqls: (string[] | undefined)[] = [];
  for (const r of list) sqls.push(await r.floor?.(store));
  await store.close();
  const instance = await DuckDBInstance.create(join(dataDir, 'honeyray.duckdb'));
  const conn = await instance.connect();
  const stored = Number((await conn.runAndReadAll('SELECT count(*) FROM spans')).getRowsJS()[0]![0]);
  const floors: (number | null)[] = [];
  for (const list of sqls) floors.push(list ? await timeIt(RUNS, async () => { for (const sql of list) await conn.runAndReadAll(sql); }) : null);
  conn.closeSync();
  instance.closeSync();
  if (!KEEP && !REUSE) rmSync(dataDir, { recursive: true, force: true });

  printResults(measured, floors, underLoadResult);
  console.log(`\nbytes on disk per span: ${(bytes / stored).toFixed(1)} (${(bytes / 2 ** 20).toFixed(1)} MiB for ${stored.toLocaleString('en-US')} spans, after the shutdown checkpoint)`);
}

function printResults(measured: { row: Row; ms: number; bytes: number; status: number; client?: number }[], floors: (number | null)[], underLoadResult: Awaited<ReturnType<typeof underLoad>> | null): void {
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`\n${pad('query', 46)} ${'median ms'.padStart(10)} ${'floor ms'.padStart(9)} ${'ratio'.padStart(6)} ${'bytes'.padStart(10)}  target`);
  measured.forEach((m, i) => {
    const f = floors[i];
    console.log(`${pad(m.row.name, 46)} ${m.ms.toFixed(1).padStart(10)} ${(f === null ? '-' : f!.toFixed(1)).padStart(9)} ${(f ? (m.ms / f).toFixed(1) : '-').padStart(6)} ${String(m.bytes).padStart(10)}  ${m.row.target}${m.status === 200 ? '' : `  (HTTP ${m.status})`}`);
  });
  for (const m of measured.filter((x) => x.client !== undefined)) {
    console.log(`${m.row.name}: the median is the complete compressed answer on the wire; a client that also decompresses it with fetch (the same ${m.bytes}-byte answer replayed by a static server) spends ${m.client!.toFixed(1)} ms on that alone`);
  }
  if (underLoadResult) printUnderLoad(underLoadResult);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
