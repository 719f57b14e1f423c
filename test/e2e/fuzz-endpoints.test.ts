/**
 * Property-based fuzzing of every public endpoint family beside X-Ray's (test/e2e/xray-fuzz.test.ts):
 * OTLP/HTTP, the Honeycomb Events API, Zipkin (write and read), the Jaeger query API (and api_v3, trace
 * summaries) and the Honeycomb /1 API. Whatever the input: never a 5xx, an error in the protocol's own
 * shape, and the server still serving. Each family has a time box; seeded (FUZZ_SEED replays a failure).
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { after, before, describe, it } from 'node:test';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const BUDGET_MS = 5_000;
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

interface Req { method: string; path: string; body?: Uint8Array | string; headers?: Record<string, string> }
interface Res { status: number; type: string; text: string }

const scalar = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.constantFrom(2 ** 63, -1, 0, '9223372036854775807', '', 'NaN', '5f84c7a11234567890abcdef12345678', '\u0000', '"; DROP TABLE spans; --'));
/** JSON shaped like the protocol (its field names) with random values, nested a little. */
const shaped = (fields: string[]) => fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.constantFrom(...fields), tie('node'), { maxKeys: 6 })),
})).node;
const junk = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('', 'null', '[]', '{', '{"a":', '[1,2', '"x"'));
const bytes = fc.uint8Array({ maxLength: 200 }).map((b) => b);
const queryOf = (params: string[]) => fc.dictionary(fc.constantFrom(...params), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('1', '-1', '0', '1h', '10ms', '99999999999999999999', '{"a":"b"}', 'a:b', 'x'.repeat(300))), { maxKeys: 5 })
  .map((o) => new URLSearchParams(o).toString());

describe('endpoint fuzzing: no 5xx, errors in each protocol\'s shape, still serving', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  const send = async (base: string, r: Req): Promise<Res> => {
    const res = await fetch(base + r.path, { method: r.method, body: r.method === 'GET' ? undefined : (r.body as BodyInit | undefined), headers: r.headers });
    return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0]!, text: await res.text() };
  };

  /** Runs `check` on random requests until the time box ends; then the server must still answer. */
  const fuzz = async (name: string, base: () => string, arb: fc.Arbitrary<Req>, check: (r: Req, res: Res) => void) => {
    const deadline = Date.now() + BUDGET_MS;
    let runs = 0;
    await fc.assert(fc.asyncProperty(arb, async (r) => {
      if (Date.now() > deadline) return;
      runs++;
      const res = await send(base(), r);
      const what = `${r.method} ${r.path} ${typeof r.body === 'string' ? r.body.slice(0, 200) : `<${r.body?.length ?? 0} bytes>`} -> ${res.status} ${res.text.slice(0, 200)}`;
      assert.ok(res.status < 500, what);
      check(r, res);
    }), { seed, numRuns: 5000, endOnFailure: true });
    console.log(`${name} fuzz: ${runs} requests, seed ${seed}`);
    assert.ok(runs > 20, `${name}: only ${runs} requests in the time box`);
    assert.equal((await fetch(`${srv.http}/healthz`)).status, 200);
  };
  const json = (res: Res) => JSON.parse(res.text) as Record<string, any>;

  it('OTLP/HTTP POST /v1/traces', async () => {
    const OTLP = ['resourceSpans', 'resource', 'attributes', 'scopeSpans', 'scope', 'spans', 'traceId', 'spanId', 'parentSpanId', 'name', 'kind',
      'startTimeUnixNano', 'endTimeUnixNano', 'key', 'value', 'stringValue', 'intValue', 'doubleValue', 'boolValue', 'arrayValue', 'kvlistValue', 'values', 'events', 'links', 'status', 'code'];
    const arb = fc.record({
      type: fc.constantFrom('application/json', 'application/x-protobuf', 'application/protobuf', 'text/plain'),
      body: fc.oneof(shaped(OTLP).map((v) => JSON.stringify(v)), junk, bytes),
      gzip: fc.boolean(),
    }).map(({ type, body, gzip }) => ({
      method: 'POST', path: '/v1/traces',
      body: gzip ? gzipSync(typeof body === 'string' ? Buffer.from(body) : body) : body,
      headers: { 'content-type': type, ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    }));
    await fuzz('OTLP/HTTP', () => srv.otlp, arb, (r, res) => {
      if (res.status === 415) return assert.equal(res.type, 'text/plain');
      const t = r.headers!['content-type'];
      if (t === 'application/json') {
        assert.equal(res.type, 'application/json');
        if (res.status >= 400) assert.equal(typeof json(res).message, 'string');
      } else {
        assert.equal(res.type, 'application/x-protobuf');
      }
    });
  });

  it('Honeycomb Events API /1/events and /1/batch', async () => {
    const EVENTS = ['data', 'time', 'samplerate', 'trace.trace_id', 'trace.span_id', 'trace.parent_id', 'name', 'service_name', 'duration_ms'];
    const arb = fc.record({
      batch: fc.boolean(),
      dataset: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('ds', '__all__', 'a b', '%00')),
      body: fc.oneof(shaped(EVENTS).map((v) => JSON.stringify(v)), junk),
      rate: fc.option(fc.constantFrom('0', '-1', 'x', '1e9', '3')),
    }).map(({ batch, dataset, body, rate }) => ({
      method: 'POST', path: `/1/${batch ? 'batch' : 'events'}/${encodeURIComponent(dataset) || 'ds'}`, body,
      headers: { 'content-type': 'application/json', ...(rate ? { 'x-honeycomb-samplerate': rate } : {}) },
    }));
    await fuzz('Events API', () => srv.http, arb, (r, res) => {
      if (res.status === 404) return;
      assert.equal(res.type, 'application/json', res.text);
      const b = JSON.parse(res.text) as unknown;
      if (res.status >= 400) assert.equal(typeof (b as { error?: unknown }).error, 'string');
      else if (r.path.startsWith('/1/batch/')) assert.ok(Array.isArray(b));
    });
  });

  it('Zipkin: POST spans and the read API', async () => {
    const ZIPKIN = ['traceId', 'id', 'parentId', 'name', 'kind', 'timestamp', 'duration', 'localEndpoint', 'remoteEndpoint', 'serviceName', 'ipv4', 'port', 'tags', 'annotations', 'value', 'binaryAnnotations', 'endpoint', 'shared', 'debug'];
    const write = fc.record({
      v: fc.constantFrom('v1', 'v2'), proto: fc.boolean(),
      body: fc.oneof(fc.array(shaped(ZIPKIN), { maxLength: 3 }).map((v) => JSON.stringify(v)), shaped(ZIPKIN).map((v) => JSON.stringify(v)), junk, bytes),
    }).map(({ v, proto, body }) => ({ method: 'POST', path: `/api/${v}/spans`, body, headers: { 'content-type': proto ? 'application/x-protobuf' : 'application/json' } }));
    const read = fc.oneof(
      queryOf(['serviceName', 'spanName', 'annotationQuery', 'minDuration', 'maxDuration', 'endTs', 'lookback', 'limit']).map((q) => ({ method: 'GET', path: `/api/v2/traces?${q}` })),
      queryOf(['serviceName']).map((q) => ({ method: 'GET', path: `/api/v2/spans?${q}` })),
      fc.string({ maxLength: 40 }).map((id) => ({ method: 'GET', path: `/api/v2/trace/${encodeURIComponent(id) || 'x'}` })),
    );
    await fuzz('Zipkin', () => `http://127.0.0.1:${srv.zipkinPort}`, fc.oneof(write, read), (_r, res) => {
      if (res.status >= 400) {
        assert.equal(res.type, 'text/plain', res.text);
        assert.ok(res.text.length > 0);
      }
    });
  });

  it('Jaeger query API, api_v3 and trace summaries', async () => {
    const params = ['service', 'operation', 'tags', 'tag', 'minDuration', 'maxDuration', 'start', 'end', 'lookback', 'limit', 'traceID', 'prettyPrint'];
    const arb = fc.oneof(
      queryOf(params).map((q) => ({ method: 'GET', path: `/api/traces?${q}` })),
      fc.string({ maxLength: 40 }).map((id) => ({ method: 'GET', path: `/api/traces/${encodeURIComponent(id) || 'x'}` })),
      queryOf(['query.service_name', 'query.operation_name', 'query.start_time_min', 'query.start_time_max', 'query.duration_min', 'query.num_traces', 'query.attributes'])
        .map((q) => ({ method: 'GET', path: `/api/v3/traces?${q}` })),
      queryOf(['endTs', 'lookback']).map((q) => ({ method: 'GET', path: `/api/dependencies?${q}` })),
      fc.record({ q: queryOf(params), where: fc.oneof(shaped(['and', 'or', 'key', 'op', 'value']).map((v) => JSON.stringify(v)), junk), sort: fc.constantFrom('slowest', 'x', '') })
        .map(({ q, where, sort }) => ({ method: 'GET', path: `/api/honeyray/trace-summaries?${q}&${new URLSearchParams({ where, sort })}` })),
    );
    await fuzz('Jaeger query', () => srv.http, arb, (r, res) => {
      assert.equal(res.type, 'application/json', res.text);
      if (res.status < 400) return;
      const b = json(res);
      if (r.path.startsWith('/api/honeyray/')) assert.equal(typeof b.error, 'string');
      else if (r.path.startsWith('/api/v3/')) assert.ok(typeof b.error?.message === 'string' || Array.isArray(b.errors), res.text);
      else assert.equal(typeof b.errors?.[0]?.msg, 'string', res.text);
    });
  });

  it('Honeycomb /1 API and the query extension', async () => {
    const SPEC = ['calculations', 'op', 'column', 'filters', 'value', 'breakdowns', 'orders', 'order', 'limit', 'time_range', 'start_time', 'end_time',
      'granularity', 'having', 'calculated_fields', 'name', 'expression', 'filter_combination', 'query_id', 'alias', 'message', 'type'];
    const path = fc.record({
      route: fc.constantFrom('/1/queries/', '/1/query_results/', '/1/markers/', '/1/calculated_fields/', '/api/honeyray/query/', '/api/honeyray/bubbleup/', '/1/columns/'),
      dataset: fc.oneof(fc.constantFrom('__all__', 'backend-flask', 'nope'), fc.string({ maxLength: 12 })),
    }).map(({ route, dataset }) => route + (encodeURIComponent(dataset) || 'x'));
    const arb = fc.record({ path, method: fc.constantFrom('POST', 'POST', 'GET', 'PUT', 'DELETE'), body: fc.oneof(shaped(SPEC).map((v) => JSON.stringify(v)), junk) })
      .map(({ path: p, method, body }) => ({ method, path: p, body, headers: { 'content-type': 'application/json' } }));
    await fuzz('Honeycomb /1', () => srv.http, arb, (_r, res) => {
      if (res.status < 400 || res.status === 404 && res.type === 'application/json') return;
      assert.equal(res.type, 'application/problem+json', `${res.status} ${res.text}`);
      assert.equal(typeof json(res).error, 'string');
    });
  });
});
