/**
 * The Honeycomb API end to end: the fixture's spans sent by the real OTel JS SDK (OTLP/protobuf, with an
 * X-Honeycomb-Team key) to a Honeyray started as the README says; then queried through /1/queries +
 * /1/query_results, the /api/honeyray extensions and the `honeyray query` CLI, which must agree with each
 * other and with the values worked out by hand in test/query/honeycomb/fixture.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { SpanKind, SpanStatusCode, context, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CLI, eventually, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { ROWS, T0 } from '../query/honeycomb/fixture.js';

const KEY = 'test-team-key';
const HOUR = { start_time: T0, end_time: T0 + 3600 };

async function sendFixture(otlp: string): Promise<void> {
  for (const service of [...new Set(ROWS.map((r) => r.service))]) {
    const provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${otlp}/v1/traces`, headers: { 'x-honeycomb-team': KEY } }))],
    });
    const tracer = provider.getTracer('fixture');
    const made = new Map<number, Span>();
    ROWS.forEach((r, i) => {
      if (r.service !== service) return;
      const attributes: Record<string, string | number> = {};
      if (r.user) attributes['user.handle'] = r.user;
      if (r.len !== undefined) attributes['app.result_length'] = r.len;
      const parent = r.parent ? made.get(r.parent) : undefined;
      const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
      const start = (T0 + r.at) * 1000;
      const span = tracer.startSpan(r.name, { kind: r.parent ? SpanKind.CLIENT : SpanKind.SERVER, startTime: start, attributes }, ctx);
      if (r.error) span.setStatus({ code: SpanStatusCode.ERROR });
      made.set(i + 1, span);
    });
    // End children before parents (as real code does), each at its start + duration.
    for (const [i, span] of [...made].reverse()) span.end((T0 + ROWS[i - 1]!.at) * 1000 + ROWS[i - 1]!.ms);
    await provider.forceFlush();
    await provider.shutdown();
  }
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1', HONEYRAY_API_KEY: KEY }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('Honeycomb API', () => {
  let srv: RunningServer;
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = { 'x-honeycomb-team': KEY }) => {
    const res = await fetch(srv.http + path, { method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', json: text ? JSON.parse(text) : null };
  };

  before(async () => {
    srv = await startServer({ args: ['--api-keys', KEY] });
    await sendFixture(srv.otlp);
    await eventually(async () => (await api('GET', '/1/datasets')).json?.length === 2, 10_000, 'both datasets');
  });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  it('GET /1/auth answers as Honeycomb; the key is required when configured', async () => {
    const r = await api('GET', '/1/auth');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.environment, { name: 'local', slug: 'local' });
    assert.equal(r.json.team.slug, 'honeyray');
    const none = await api('GET', '/1/auth', undefined, {});
    assert.equal(none.status, 401);
    assert.equal(none.type, 'application/problem+json');
    assert.equal((await api('GET', '/1/datasets', undefined, { 'x-honeycomb-team': 'wrong' })).status, 401);
  });

  it('datasets and columns', async () => {
    const ds = (await api('GET', '/1/datasets')).json as { slug: string; last_written_at: string }[];
    assert.deepEqual(ds.map((d) => d.slug), ['backend-flask', 'frontend']);
    assert.equal(ds[0]!.last_written_at, new Date((T0 + 250) * 1000).toISOString());
    assert.equal((await api('GET', '/1/datasets/frontend')).json.name, 'frontend');
    const missing = await api('GET', '/1/datasets/nope');
    assert.equal(missing.status, 404);
    assert.match(missing.json.error, /nope/);
    const cols = (await api('GET', '/1/columns/backend-flask')).json as { key_name: string; type: string; hidden: boolean }[];
    const byName = new Map(cols.map((c) => [c.key_name, c.type]));
    for (const [k, t] of [['duration_ms', 'float'], ['name', 'string'], ['error', 'boolean'], ['user.handle', 'string'], ['app.result_length', 'integer'], ['is_root', 'boolean']]) assert.equal(byName.get(k!), t, k);
    // frontend spans have no app.result_length
    assert.ok(!(await api('GET', '/1/columns/frontend')).json.some((c: { key_name: string }) => c.key_name === 'app.result_length'));
  });

  it('the seed questions through /1/queries + /1/query_results, the extension and the CLI agree', async () => {
    const spec = { ...HOUR, calculations: [{ op: 'P99', column: 'duration_ms' }, { op: 'COUNT' }], filters: [{ column: 'app.result_length', op: '>', value: 3 }], breakdowns: ['user.handle'], granularity: 60 };
    const created = await api('POST', '/1/queries/backend-flask', spec);
    assert.equal(created.status, 200);
    assert.equal(typeof created.json.id, 'string');
    assert.deepEqual((await api('GET', `/1/queries/backend-flask/${created.json.id}`)).json, created.json);
    const run = await api('POST', '/1/query_results/backend-flask', { query_id: created.json.id, disable_series: false, limit: 10000 });
    assert.equal(run.status, 201);
    assert.equal(run.json.complete, true);
    assert.match(run.json.links.query_url, /^http:\/\/127\.0\.0\.1:\d+\/query\?/);
    const got = await api('GET', `/1/query_results/backend-flask/${run.json.id}`);
    assert.equal(got.json.complete, true);
    // app.result_length > 3: andrew 5 (300 ms), cat 4 and 6 (900, 1000 ms)
    assert.deepEqual(got.json.data.results.map((r: { data: object }) => r.data), [
      { 'user.handle': 'cat', 'P99(duration_ms)': 999, COUNT: 2 },
      { 'user.handle': 'andrew', 'P99(duration_ms)': 300, COUNT: 1 },
    ]);
    // 61 one-minute buckets x 2 groups: buckets sit on whole minutes, and T0 is 40 s past one.
    assert.equal(got.json.data.series.length, 61 * 2);
    const catAt190 = got.json.data.series.find((s: { time: string; data: Record<string, unknown> }) => s.time === new Date((T0 + 140) * 1000).toISOString().replace('.000Z', 'Z') && s.data['user.handle'] === 'cat');
    assert.equal(catAt190.data.COUNT, 1);

    const ext = await api('POST', '/api/honeyray/query/backend-flask', spec);
    assert.equal(ext.status, 200);
    assert.deepEqual(ext.json.results, got.json.data.results);
    assert.deepEqual(ext.json.series, got.json.data.series);
    assert.equal(typeof ext.json.meta.sql_ms, 'number');

    const c = await cli(['query', 'backend-flask', '--url', srv.http, '--calc', 'P99(duration_ms)', '--calc', 'COUNT', '--where', 'app.result_length > 3', '--group-by', 'user.handle',
      '--start', String(T0), '--end', String(T0 + 3600), '--granularity', '60s', '--json']);
    assert.equal(c.code, 0, c.stderr);
    const viaCli = JSON.parse(c.stdout);
    assert.deepEqual(viaCli.results, got.json.data.results);
    assert.deepEqual(viaCli.series, got.json.data.series);

    const table = await cli(['query', 'backend-flask', '--url', srv.http, '--calc', 'COUNT', '--calc', 'HEATMAP(duration_ms)', '--start', String(T0), '--time-range', '1h']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /COUNT\s+HEATMAP\(duration_ms\)\s+COUNT over time/);
    assert.match(table.stdout, /\b7\s+20 [▁▂▃▄▅▆▇█]{30} 1000 /);
  });

  it('bad specs: 400 in Honeycomb\'s shape naming the field; CLI exits 2 (usage) with the message', async () => {
    const bad = await api('POST', '/api/honeyray/query/backend-flask', { calculations: [{ op: 'P42', column: 'duration_ms' }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.type, 'application/problem+json');
    assert.equal(bad.json.type, 'https://api.honeycomb.io/problems/validation-failed');
    assert.equal(bad.json.title, 'The provided input is invalid.');
    assert.equal(bad.json.type_detail[0].field, 'calculations[0].op');
    const c = await cli(['query', 'backend-flask', '--url', srv.http, '--calc', 'AVG(name)']);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /calculations\[0\]\.column: AVG needs a numeric column/);
  });

  it('BubbleUp finds the planted cause: the slow band is user cat', async () => {
    const r = await api('POST', '/api/honeyray/bubbleup/__all__', { query: { ...HOUR, calculations: [{ op: 'HEATMAP', column: 'duration_ms' }] }, selection: { column: 'duration_ms', lower: 800, upper: 2000 } });
    assert.equal(r.status, 200);
    assert.equal(r.json.selection_count, 3); // 900, 1000, 1100 ms
    assert.equal(r.json.baseline_count, 7);
    const user = r.json.columns.find((c: { column: string }) => c.column === 'user.handle');
    assert.deepEqual(user.selection, [{ value: 'cat', count: 3, fraction: 1 }]);
    // baseline: andrew 3, brown 2, none 2 -> TVD = 1
    assert.equal(user.score, 1);
    assert.equal(r.json.columns[0].score, 1);
    const c = await cli(['bubbleup', '__all__', '--url', srv.http, '--start', String(T0), '--time-range', '1h', '--select', 'duration_ms 800..2000']);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /selection: 3 events · baseline: 7 events/);
    assert.match(c.stdout, /user\.handle\s+score 1\.00\n\s+cat\s+100% of selection/);
  });

  it('calculated fields: CRUD, then usable in queries', async () => {
    const created = await api('POST', '/1/calculated_fields/backend-flask', { alias: 'speed', expression: 'IF(GTE($duration_ms, 500), "slow", "fast")', description: 'band' });
    assert.equal(created.status, 201);
    const id = created.json.id;
    assert.equal((await api('GET', '/1/calculated_fields/backend-flask')).json.length, 1);
    const q = await api('POST', '/api/honeyray/query/backend-flask', { ...HOUR, breakdowns: ['speed'] });
    assert.deepEqual(q.json.results.map((r: { data: object }) => r.data), [{ speed: 'fast', COUNT: 5 }, { speed: 'slow', COUNT: 2 }]);
    const upd = await api('PUT', `/1/calculated_fields/backend-flask/${id}`, { expression: 'IF(GTE($duration_ms, 250), "slow", "fast")' });
    assert.equal(upd.status, 200);
    const q2 = await api('POST', '/api/honeyray/query/backend-flask', { ...HOUR, breakdowns: ['speed'] });
    assert.deepEqual(q2.json.results.map((r: { data: object }) => r.data), [{ speed: 'fast', COUNT: 4 }, { speed: 'slow', COUNT: 3 }]);
    assert.equal((await api('POST', '/1/calculated_fields/backend-flask', { alias: 'x', expression: 'IF(' })).status, 400);
    assert.equal((await api('POST', '/1/calculated_fields/backend-flask', { alias: 'name', expression: '1' })).status, 400);
    assert.equal((await api('DELETE', `/1/calculated_fields/backend-flask/${id}`)).status, 204);
    assert.equal((await api('GET', `/1/calculated_fields/backend-flask/${id}`)).status, 404);
  });

  it('markers: CRUD', async () => {
    const m = await api('POST', '/1/markers/backend-flask', { start_time: T0 + 60, message: 'deploy 42', type: 'deploy' });
    assert.equal(m.status, 201);
    assert.equal(m.json.message, 'deploy 42');
    const u = await api('PUT', `/1/markers/backend-flask/${m.json.id}`, { end_time: T0 + 120 });
    assert.equal(u.json.end_time, T0 + 120);
    assert.deepEqual((await api('GET', '/1/markers/backend-flask')).json.map((x: { id: string }) => x.id), [m.json.id]);
    assert.equal((await api('POST', '/1/markers/backend-flask', { start_time: 'soon' })).status, 400);
    assert.equal((await api('DELETE', `/1/markers/backend-flask/${m.json.id}`)).status, 200);
    assert.deepEqual((await api('GET', '/1/markers/backend-flask')).json, []);
  });

  it('injection through column names, values, formulas and dataset names fails safely with a 4xx', async () => {
    const attempts: [string, unknown][] = [
      ['/api/honeyray/query/backend-flask', { ...HOUR, breakdowns: ['name"; DROP TABLE spans; --'] }],
      ['/api/honeyray/query/backend-flask', { ...HOUR, calculations: [{ op: 'MAX', column: 'duration_ns) FROM spans; --' }] }],
      ['/api/honeyray/query/backend-flask', { ...HOUR, calculated_fields: [{ name: 'x', expression: '$"name\\" OR 1=1 --"' }] }],
      ['/api/honeyray/query/backend-flask', { ...HOUR, calculated_fields: [{ name: 'x', expression: 'REG_MATCH($name, "(?<=a)b")' }] }],
      ['/api/honeyray/query/backend-flask\' OR \'1\'=\'1', { ...HOUR }],
      ['/api/honeyray/query/backend-flask', { ...HOUR, filters: [{ column: 'app.result_length', op: '=', value: "3'; DROP TABLE spans; --" }] }],
      ['/api/honeyray/query/backend-flask', { ...HOUR, orders: [{ column: 'name; DROP TABLE spans' }] }],
      ['/api/honeyray/query/backend-flask', '{"calculations": [{"op": "COUNT"}'],
    ];
    for (const [path, body] of attempts) {
      const r = await api('POST', encodeURI(path), body);
      assert.ok(r.status >= 400 && r.status < 500, `${path} ${JSON.stringify(body)} -> ${r.status}`);
      assert.doesNotMatch(JSON.stringify(r.json), /SELECT|duckdb|Parser Error|Binder Error/i);
    }
    // A value with quotes is just a value: no match, no error.
    const v = await api('POST', '/api/honeyray/query/backend-flask', { ...HOUR, filters: [{ column: 'name', op: '=', value: "x' OR '1'='1" }] });
    assert.deepEqual(v.json.results[0].data, { COUNT: 0 });
    // ... and everything is still there.
    const all = await api('POST', '/api/honeyray/query/__all__', HOUR);
    assert.deepEqual(all.json.results[0].data, { COUNT: 10 });
  });
});
