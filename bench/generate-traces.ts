/**
 * Realistic Cruddur traces, deterministic by seed (the data generator's model; generate.ts sends them).
 *
 * The routes are the seed app's (shared/seed/week-2-distributed-tracing.md, examples/cruddur/app.ts):
 * the React frontend calls backend-flask, whose handlers run their custom spans (`http-home-activities`
 * with app.now/app.result_length, `notifications-activities`, `search-activities` with search.term,
 * `user_activity` with user.handle, `message-groups`) and Postgres queries (`SELECT cruddur`), and
 * `/api/error` raises (500, exception event, status ERROR). Planted for the read-side tests and
 * benchmarks: every request of the handle `SLOW_HANDLE` is ~20x slower (a slow tail BubbleUp should
 * find), ~2% of requests are 5xx, and `http.request_id`, `user.id`, `client.address` and `search.term`
 * are high-cardinality.
 */
import type { GenAttr, GenResourceSpans, GenSpan } from './generate-otlp.js';

export const SLOW_HANDLE = 'lorem_slowtail';
export const HANDLES = ['andrewbrown', 'bayko', 'londo', 'garibaldi', 'mollari', 'vir', 'sheridan', 'delenn', SLOW_HANDLE];

/** splitmix32: small, fast, good enough for test data, and the same sequence on every machine. */
export class Rng {
  constructor(private s: number) {}
  next(): number {
    this.s = (this.s + 0x9e3779b9) | 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  /** Log-normal-ish latency around `median` ms, in ns. */
  latencyNs(medianMs: number): bigint {
    const u = Math.max(1e-9, this.next());
    const factor = Math.exp(0.5 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next()));
    return BigInt(Math.max(1000, Math.round(medianMs * factor * 1e6)));
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = (this.next() * 4294967296) >>> 0;
      for (let k = 0; k < 4 && i + k < n; k++) b[i + k] = (v >>> (8 * k)) & 0xff;
    }
    return b;
  }
}

const SERVICES = {
  frontend: { 'service.name': 'frontend-react-js', 'telemetry.sdk.language': 'webjs', 'deployment.environment': 'dev' },
  backend: { 'service.name': 'backend-flask', 'telemetry.sdk.language': 'python', 'deployment.environment': 'dev', 'host.name': 'gitpod-cruddur' },
} as const;

const SCOPES = {
  frontend: { name: '@opentelemetry/instrumentation-fetch', version: '0.57.0' },
  backend: { name: 'opentelemetry.instrumentation.flask', version: '0.45b0' },
  app: { name: 'backend-flask', version: '' },
  db: { name: 'opentelemetry.instrumentation.psycopg', version: '0.45b0' },
};

const ROUTES = [
  { route: '/api/activities/home', span: 'http-home-activities', weight: 35, db: 2, ms: 40 },
  { route: '/api/activities/notifications', span: 'notifications-activities', weight: 15, db: 1, ms: 25 },
  { route: '/api/activities/@:handle', span: 'user_activity', weight: 20, db: 2, ms: 30 },
  { route: '/api/activities/search', span: 'search-activities', weight: 15, db: 1, ms: 35 },
  { route: '/api/message_groups', span: 'message-groups', weight: 13, db: 1, ms: 20 },
  { route: '/api/error', span: 'error', weight: 2, db: 0, ms: 5 },
] as const;
const ROUTE_TOTAL = ROUTES.reduce((n, r) => n + r.weight, 0);

const WORDS = ['cloud', 'bootcamp', 'honeycomb', 'xray', 'duckdb', 'flask', 'react', 'cognito', 'postgres', 'momento', 'fargate', 'ddb'];

/** Spans grouped the way an SDK batches them: one resource (service) + scope per group. */
export interface GenTrace {
  traceId: Uint8Array;
  groups: GenResourceSpans[];
  spanCount: number;
}

interface Ctx {
  rng: Rng;
  traceId: Uint8Array;
}

function span(c: Ctx, parent: GenSpan | null, name: string, kind: number, startNs: bigint, durNs: bigint, attrs: [string, GenAttr][]): GenSpan {
  return { traceId: c.traceId, spanId: c.rng.bytes(8), parentSpanId: parent?.spanId ?? null, name, kind, startNs, endNs: startNs + durNs, attrs, status: 0 };
}

function pickRoute(rng: Rng): (typeof ROUTES)[number] {
  let x = rng.int(ROUTE_TOTAL);
  for (const r of ROUTES) if ((x -= r.weight) < 0) return r;
  return ROUTES[0];
}

/** One request through frontend -> backend -> db, starting at `startNs`. */
export function generateTrace(rng: Rng, startNs: bigint): GenTrace {
  const c: Ctx = { rng, traceId: rng.bytes(16) };
  const r = pickRoute(rng);
  const handle = rng.pick(HANDLES);
  const slow = handle === SLOW_HANDLE ? 20 : 1;
  const path = r.route.replace(':handle', handle);
  const isError = r.route === '/api/error' || rng.next() < 0.01;
  const status = r.route === '/api/activities/search' && rng.next() < 0.1 ? 422 : isError ? 500 : 200;

  const work = rng.latencyNs(r.ms * slow);
  const dbSpans: GenSpan[] = [];
  const appStart = startNs + 2_000_000n + 300_000n;
  const app = span(c, null, r.span, 1, appStart, work, []);
  let t = appStart + 100_000n;
  for (let i = 0; i < r.db; i++) {
    const d = rng.latencyNs(4 * slow);
    const table = r.route.includes('message') ? 'message_groups' : 'activities';
    dbSpans.push(span(c, app, 'SELECT cruddur', 3, t, d, [
      ['db.system', 'postgresql'], ['db.name', 'cruddur'], ['db.operation', 'SELECT'],
      ['db.statement', `SELECT * FROM ${table} WHERE user_uuid = $1 LIMIT ${10 + rng.int(40)}`],
      ['net.peer.name', 'db'], ['net.peer.port', 5432],
    ]));
    t += d + 50_000n;
  }
  app.endNs = app.endNs > t ? app.endNs : t + 100_000n;
  const serverDur = app.endNs - startNs + 1_500_000n;
  const server = span(c, null, `GET ${r.route}`, 2, startNs + 1_000_000n, serverDur, [
    ['http.method', 'GET'], ['http.route', r.route], ['http.target', path], ['http.scheme', 'http'],
    ['http.status_code', status], ['http.request_id', hex(rng.bytes(8))], ['user.id', 1 + rng.int(100_000)],
    ['user.handle', handle], ['client.address', `10.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}`],
    ['http.user_agent', rng.pick(['Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0', 'Mozilla/5.0 (Macintosh) Safari/17.1', 'curl/8.4.0'])],
  ]);
  app.parentSpanId = server.spanId;
  if (r.span === 'http-home-activities') app.attrs.push(['app.now', new Date(Number(startNs / 1_000_000n)).toISOString()], ['app.result_length', rng.int(8)]);
  if (r.span === 'notifications-activities') app.attrs.push(['app.result_length', rng.int(5)]);
  if (r.span === 'user_activity') app.attrs.push(['user.handle', handle]);
  if (r.span === 'search-activities' && status !== 422) app.attrs.push(['search.term', `${rng.pick(WORDS)} ${rng.pick(WORDS)} ${rng.int(1000)}`]);
  if (status >= 500) {
    server.status = 2;
    server.statusMessage = 'Internal Server Error';
    app.status = 2;
    app.statusMessage = 'RuntimeError: simulated failure';
    app.events = [{ timeNs: app.endNs - 10_000n, name: 'exception', attrs: [
      ['exception.type', 'RuntimeError'], ['exception.message', 'simulated failure'],
      ['exception.stacktrace', 'Traceback (most recent call last):\n  File "app.py", line 214, in data_error\n    raise RuntimeError("simulated failure")'],
    ] }];
  }
  const client = span(c, null, `HTTP GET`, 3, startNs, serverDur + 2_000_000n, [
    ['http.method', 'GET'], ['http.url', `http://localhost:4567${path}`], ['http.status_code', status], ['component', 'fetch'],
  ]);
  if (status >= 500) client.status = 2;
  server.parentSpanId = client.spanId;
  return {
    traceId: c.traceId,
    spanCount: 3 + dbSpans.length,
    groups: [
      { resource: attrsOf(SERVICES.frontend), scope: SCOPES.frontend, spans: [client] },
      { resource: attrsOf(SERVICES.backend), scope: SCOPES.backend, spans: [server] },
      { resource: attrsOf(SERVICES.backend), scope: SCOPES.app, spans: [app] },
      ...(dbSpans.length ? [{ resource: attrsOf(SERVICES.backend), scope: SCOPES.db, spans: dbSpans }] : []),
    ],
  };
}

/**
 * One huge trace (a batch job fanning out `spans` - 1 children, in chunks of `perGroup`): what the
 * "100,000-span trace by id" benchmark reads back. Groups are returned in send-size pieces.
 */
export function generateBigTrace(rng: Rng, startNs: bigint, spans: number, perGroup = 2000): GenTrace {
  const c: Ctx = { rng, traceId: rng.bytes(16) };
  const root = span(c, null, 'POST /api/activities/reindex', 2, startNs, 60_000_000_000n, [['http.method', 'POST'], ['http.route', '/api/activities/reindex'], ['http.status_code', 200]]);
  const groups: GenResourceSpans[] = [];
  let cur: GenSpan[] = [root];
  for (let i = 1; i < spans; i++) {
    const st = startNs + BigInt(i) * 500_000n;
    cur.push(span(c, root, 'SELECT cruddur', 3, st, rng.latencyNs(2), [['db.system', 'postgresql'], ['db.statement', `SELECT * FROM activities WHERE uuid = '${hex(rng.bytes(8))}'`], ['batch.index', i]]));
    if (cur.length === perGroup) {
      groups.push({ resource: attrsOf(SERVICES.backend), scope: SCOPES.db, spans: cur });
      cur = [];
    }
  }
  if (cur.length) groups.push({ resource: attrsOf(SERVICES.backend), scope: SCOPES.db, spans: cur });
  return { traceId: c.traceId, groups, spanCount: spans };
}

function attrsOf(o: Record<string, GenAttr>): [string, GenAttr][] {
  return Object.entries(o);
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/**
 * Requests of about `spansPerRequest` spans: traces whose starts are spread evenly over
 * [endNs - windowNs, endNs], in time order. Yields the traces too, so callers can keep expectations.
 */
export function* generateRequests(opts: { seed: number; spans: number; endNs: bigint; windowNs: bigint; spansPerRequest?: number }): Generator<{ traces: GenTrace[]; spans: number }> {
  const rng = new Rng(opts.seed);
  const perRequest = opts.spansPerRequest ?? 2000;
  // ~5.5 spans per trace on average: spread the estimated trace count over the window.
  const estTraces = Math.max(1, Math.ceil(opts.spans / 5.5));
  const step = opts.windowNs / BigInt(estTraces);
  let t = opts.endNs - opts.windowNs;
  let sent = 0;
  while (sent < opts.spans) {
    const traces: GenTrace[] = [];
    let n = 0;
    while (n < perRequest && sent + n < opts.spans) {
      const tr = generateTrace(rng, t);
      t += step;
      traces.push(tr);
      n += tr.spanCount;
    }
    sent += n;
    yield { traces, spans: n };
  }
}

/** Merges traces' groups into one resource_spans list per (resource, scope), as an SDK batch would. */
export function toResourceSpans(traces: readonly GenTrace[]): GenResourceSpans[] {
  const byKey = new Map<string, GenResourceSpans>();
  for (const tr of traces) {
    for (const g of tr.groups) {
      const key = `${g.resource[0]![1]}\u0000${g.scope.name}`;
      const have = byKey.get(key);
      if (have) have.spans.push(...g.spans);
      else byKey.set(key, { resource: g.resource, scope: g.scope, spans: [...g.spans] });
    }
  }
  return [...byKey.values()];
}
