/**
 * Environments and keys, end to end (docs/security.md): an auth file with two environments, keys with
 * different permissions and AWS access keys; every read API sees only its environment's data; missing,
 * unknown and under-privileged keys are refused in each protocol's own shape; X-Ray SigV4 is verified with
 * the real AWS CLI and @aws-sdk/client-xray, right and wrong secrets.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateGroupCommand, GetTraceSummariesCommand, XRayClient } from '@aws-sdk/client-xray';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { eventually, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { datagram, newSegmentId, newXrayTraceId, sendDatagrams } from '../helpers/xray.js';

const AWS = process.env.HONEYRAY_TEST_AWS_CLI ?? '/usr/bin/aws';
const HAVE_AWS = existsSync(AWS);
if (!HAVE_AWS && process.env.CI === 'true') throw new Error(`${AWS} is missing: install the Debian package awscli (required on CI)`);
if (!HAVE_AWS) console.log(`\n*** SKIPPING the AWS CLI SigV4 test: ${AWS} not found ***\n`);

const AUTH = {
  environments: {
    prod: {
      keys: [{ key: 'prod-ingest', permissions: ['ingest'] }, { key: 'prod-read', permissions: ['read'] }, 'prod-all'],
      aws: [{ accessKeyId: 'AKIDPROD', secretAccessKey: 'prod-secret' }],
    },
    staging: {
      keys: ['staging-all'],
      aws: [{ accessKeyId: 'AKIDSTAGE', secretAccessKey: 'stage-secret', permissions: ['read'] }],
    },
  },
  udpEnvironment: 'staging',
};

const hex = (n: number) => randomBytes(n).toString('hex');
const nowNs = () => BigInt(Date.now()) * 1_000_000n;

function otlpJson(service: string, traceId: string): string {
  const t = nowNs();
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans: [{ traceId, spanId: hex(8), name: 'op', kind: 2, startTimeUnixNano: String(t - 5_000_000n), endTimeUnixNano: String(t) }] }] }] });
}

describe('auth: environments, keys and permissions', () => {
  let srv: RunningServer;
  let tmp: string;
  const prodTrace = hex(16);
  const stagingTrace = hex(16);
  const zipkinTrace = hex(16);
  const udpTrace = newXrayTraceId();
  let otelTrace = '';
  const key = (k: string) => ({ 'x-honeycomb-team': k });
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const r = await fetch(srv.http + path, { headers });
    const text = await r.text();
    let json: any;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: r.status, json, text, headers: r.headers };
  };
  const post = async (base: string, path: string, body: string, headers: Record<string, string>) => {
    const r = await fetch(base + path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const text = await r.text();
    let json: any;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: r.status, json, text, headers: r.headers };
  };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'honeyray-auth-'));
    const file = join(tmp, 'auth.json');
    writeFileSync(file, JSON.stringify(AUTH));
    srv = await startServer({ args: ['--auth-file', file] });
    // prod: raw OTLP/JSON with an ingest-only key, the OTel SDK's exporter, Zipkin with a Bearer key.
    assert.equal((await post(srv.otlp, '/v1/traces', otlpJson('prod-svc', prodTrace), key('prod-ingest'))).status, 200);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'prod-otel' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${srv.otlp}/v1/traces`, headers: key('prod-all') }))],
    });
    const span = provider.getTracer('t').startSpan('otel-op');
    otelTrace = span.spanContext().traceId;
    span.end();
    await provider.forceFlush();
    await provider.shutdown();
    const zipkin = JSON.stringify([{ traceId: zipkinTrace, id: hex(8), name: 'zop', timestamp: Date.now() * 1000, duration: 1000, localEndpoint: { serviceName: 'prod-zipkin' } }]);
    assert.equal((await post(`http://127.0.0.1:${srv.zipkinPort}`, '/api/v2/spans', zipkin, { authorization: 'Bearer prod-all' })).status, 202);
    // staging: OTLP on the API port, and X-Ray UDP (no credentials on the wire: the UDP environment).
    assert.equal((await post(srv.http, '/v1/traces', otlpJson('staging-svc', stagingTrace), key('staging-all'))).status, 200);
    const t = Date.now() / 1000;
    await sendDatagrams(srv.xrayPort, [datagram({ trace_id: udpTrace, id: newSegmentId(), name: 'staging-xray', start_time: t - 0.01, end_time: t })]);
    await eventually(async () => (await get(`/api/traces/${udpTrace}`, key('staging-all'))).status === 200, 10_000, 'the UDP segment in staging');
  });

  after(async () => {
    if (srv) await srv.stop();
    if (srv) removeDir(srv.dataDir);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('no key: 401 in each protocol\'s shape; health stays open', async () => {
    assert.equal((await get('/healthz')).status, 200);
    const otlp = await post(srv.otlp, '/v1/traces', otlpJson('x', hex(16)), {});
    assert.equal(otlp.status, 401);
    assert.deepEqual(otlp.json, { code: 16, message: "missing 'x-honeycomb-team' header" });
    const jaeger = await get('/api/services');
    assert.equal(jaeger.status, 401);
    assert.equal(jaeger.json.errors[0].code, 401);
    assert.match(jaeger.headers.get('www-authenticate') ?? '', /^Basic /);
    const hny = await get('/1/datasets', key('nope'));
    assert.equal(hny.status, 401);
    assert.equal(hny.json.error, 'unknown API key - check your credentials');
    const xray = await post(srv.http, '/TraceSummaries', '{}', {});
    assert.equal(xray.status, 403);
    assert.equal(xray.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    const zipkin = await fetch(`http://127.0.0.1:${srv.zipkinPort}/api/v2/services`);
    assert.equal(zipkin.status, 401);
    assert.match(await zipkin.text(), /missing 'x-honeycomb-team' header/);
    const ui = await get('/');
    assert.equal(ui.status, 401);
    assert.match(ui.headers.get('www-authenticate') ?? '', /^Basic realm="Honeyray"/);
    const events = await post(srv.http, '/1/batch/ds', '[{"data":{"a":1}}]', {});
    assert.equal(events.status, 401);
    assert.ok(typeof events.json.error === 'string');
  });

  it('permissions: ingest-only keys cannot read, read-only keys cannot ingest or change settings', async () => {
    assert.equal((await get('/api/services', key('prod-ingest'))).status, 403);
    assert.equal((await post(srv.otlp, '/v1/traces', otlpJson('x', hex(16)), key('prod-read'))).status, 403);
    const rule = JSON.stringify({ SamplingRuleUpdate: { RuleName: 'Default', FixedRate: 0 } });
    const refused = await post(srv.http, '/UpdateSamplingRule', rule, key('prod-read'));
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('x-amzn-errortype'), 'AccessDeniedException');
    const ingestOnly = await post(srv.http, '/UpdateSamplingRule', rule, key('prod-ingest'));
    assert.equal(ingestOnly.status, 403);
    // A read-only key may still run reads that are POSTs.
    assert.equal((await post(srv.http, '/TraceSummaries', JSON.stringify({ StartTime: Date.now() / 1000 - 600, EndTime: Date.now() / 1000 + 60 }), key('prod-read'))).status, 200);
    const changed = await post(srv.http, '/UpdateSamplingRule', JSON.stringify({ SamplingRuleUpdate: { RuleName: 'Default', FixedRate: 0.5 } }), key('prod-all'));
    assert.equal(changed.status, 200, changed.text);
    // Per environment: staging's Default rule is untouched.
    const stagingRules = await post(srv.http, '/GetSamplingRules', '{}', key('staging-all'));
    assert.equal(stagingRules.json.SamplingRuleRecords.find((r: any) => r.SamplingRule.RuleName === 'Default').SamplingRule.FixedRate, 0.05);
  });

  it('isolation: every read API sees only its own environment', async () => {
    const prod = key('prod-read');
    const basic = { authorization: `Basic ${Buffer.from(':prod-read').toString('base64')}` };
    await eventually(async () => (await get(`/api/traces/${otelTrace}`, prod)).status === 200, 10_000, 'the OTel trace in prod');
    // Jaeger /api
    assert.equal((await get(`/api/traces/${prodTrace}`, prod)).status, 200);
    assert.equal((await get(`/api/traces/${stagingTrace}`, prod)).status, 404);
    assert.equal((await get(`/api/traces/${prodTrace}`, key('staging-all'))).status, 404);
    assert.equal((await get(`/api/traces/${udpTrace}`, prod)).status, 404);
    const services = (await get('/api/services', basic)).json.data.sort();
    assert.deepEqual(services, ['prod-otel', 'prod-svc', 'prod-zipkin']);
    assert.deepEqual((await get('/api/services', { authorization: 'Bearer staging-all' })).json.data.sort(), ['staging-svc', 'staging-xray']);
    const search = (await get('/api/traces?service=staging-svc&lookback=1h', prod)).json.data;
    assert.deepEqual(search, []);
    // api_v3
    assert.equal((await get(`/api/v3/traces/${stagingTrace}`, prod)).status, 404);
    assert.equal((await get(`/api/v3/traces/${prodTrace}`, prod)).status, 200);
    // trace summaries
    const sums = (await get('/api/honeyray/trace-summaries?lookback=1h&limit=100', prod)).json.data.map((s: any) => s.traceId);
    assert.ok(sums.includes(prodTrace) && !sums.includes(stagingTrace), JSON.stringify(sums));
    // Honeycomb /1 and the query extension
    const datasets = (await get('/1/datasets', prod)).json.map((d: any) => d.slug).sort();
    assert.ok(!datasets.some((d: string) => d.startsWith('staging')), JSON.stringify(datasets));
    const q = await post(srv.http, '/api/honeyray/query/__all__', JSON.stringify({ time_range: 3600, calculations: [{ op: 'COUNT' }], breakdowns: ['service.name'] }), prod);
    assert.equal(q.status, 200, q.text);
    const byService = q.json.results.map((r: any) => r.data['service.name']).sort();
    assert.deepEqual(byService, ['prod-otel', 'prod-svc', 'prod-zipkin'], q.text);
    // X-Ray REST
    const xt = await post(srv.http, '/Traces', JSON.stringify({ TraceIds: [udpTrace] }), prod);
    assert.deepEqual(xt.json.Traces, []);
    const xs = await post(srv.http, '/Traces', JSON.stringify({ TraceIds: [udpTrace] }), key('staging-all'));
    assert.equal(xs.json.Traces.length, 1);
    // Zipkin read API on the Zipkin port
    const zget = (path: string, k: string) => fetch(`http://127.0.0.1:${srv.zipkinPort}${path}`, { headers: key(k) });
    assert.equal((await zget(`/api/v2/trace/${zipkinTrace}`, 'prod-read')).status, 200);
    assert.equal((await zget(`/api/v2/trace/${zipkinTrace}`, 'staging-all')).status, 404);
    assert.deepEqual(((await (await zget('/api/v2/services', 'staging-all')).json()) as string[]).sort(), ['staging-svc', 'staging-xray']);
    // stats
    const stats = (await get('/api/honeyray/stats', prod)).json;
    assert.equal(stats.environment, 'prod');
    assert.equal(stats.spans, 3);
    // The UI shell with the browser's Basic credentials
    const ui = await get('/', basic);
    assert.equal(ui.status, 200);
    assert.match(ui.text, /<html/i);
  });

  it('X-Ray SigV4 with @aws-sdk/client-xray: right secret reads its environment, wrong secret and permissions refused', async () => {
    const client = (id: string, secret: string) => new XRayClient({ endpoint: srv.http, region: 'us-east-1', credentials: { accessKeyId: id, secretAccessKey: secret }, maxAttempts: 1 });
    const range = { StartTime: new Date(Date.now() - 600_000), EndTime: new Date(Date.now() + 60_000) };
    const stage = await client('AKIDSTAGE', 'stage-secret').send(new GetTraceSummariesCommand(range));
    assert.deepEqual(stage.TraceSummaries!.map((s) => s.Id).sort(), [udpTrace, `1-${stagingTrace.slice(0, 8)}-${stagingTrace.slice(8)}`].sort());
    const prod = await client('AKIDPROD', 'prod-secret').send(new GetTraceSummariesCommand(range));
    assert.ok(!prod.TraceSummaries!.some((s) => s.Id === udpTrace));
    assert.ok(prod.TraceSummaries!.length >= 2);
    await assert.rejects(client('AKIDSTAGE', 'wrong').send(new GetTraceSummariesCommand(range)), (e: Error) => e.name === 'InvalidSignatureException');
    await assert.rejects(client('AKIDNOPE', 'x').send(new GetTraceSummariesCommand(range)), (e: Error) => e.name === 'UnrecognizedClientException');
    await assert.rejects(client('AKIDSTAGE', 'stage-secret').send(new CreateGroupCommand({ GroupName: 'g', FilterExpression: 'fault' })), (e: Error) => e.name === 'AccessDeniedException');
  });

  it('X-Ray sampling with SigV4 on: unsigned calls are refused in X-Ray\'s shape, except the SDK\'s two on the daemon port', async () => {
    const unsigned = (port: number, path: string, body: object) => fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const targets = { SamplingStatisticsDocuments: [{ RuleName: 'Default', ClientID: 'a'.repeat(24), RequestCount: 1, SampledCount: 1, BorrowCount: 0, Timestamp: Date.now() / 1000 }] };
    for (const [port, path, body] of [
      [srv.httpPort, '/GetSamplingRules', {}], [srv.httpPort, '/SamplingTargets', targets],
      [srv.xrayPort, '/UpdateSamplingRule', { SamplingRuleUpdate: { RuleName: 'Default', FixedRate: 0 } }], [srv.xrayPort, '/GetSamplingStatisticSummaries', {}],
    ] as const) {
      const r = await unsigned(port, path, body);
      assert.equal(r.status, 403, `${port}${path}`);
      assert.equal(r.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException', `${port}${path}`);
      assert.equal(((await r.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
    }
    // What aws-xray-sdk-core sends the daemon: answered from the UDP environment's rules, as the daemon proxies them.
    assert.equal((await unsigned(srv.xrayPort, '/GetSamplingRules', {})).status, 200);
    assert.equal((await unsigned(srv.xrayPort, '/SamplingTargets', targets)).status, 200);
    // A signature on those calls is checked all the same.
    const wrong = await fetch(`http://127.0.0.1:${srv.xrayPort}/GetSamplingRules`, { method: 'POST', body: '{}', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDPROD/20260101/us-east-1/xray/aws4_request, SignedHeaders=host, Signature=00' } });
    assert.equal(wrong.status, 403);
  });

  it('X-Ray SigV4 with the AWS CLI on the daemon port', { skip: HAVE_AWS ? false : `${AWS} not found` }, async () => {
    const aws = (id: string, secret: string, ...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(AWS, ['xray', ...args, '--endpoint-url', `http://127.0.0.1:${srv.xrayPort}`, '--region', 'us-east-1', '--output', 'json'], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, LANG: 'C.UTF-8', AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' },
        timeout: 60_000,
      }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: unknown }).code ?? -1) : 0, stdout, stderr }));
    });
    const range = ['--start-time', String(Math.floor(Date.now() / 1000) - 600), '--end-time', String(Math.floor(Date.now() / 1000) + 60)];
    const ok = await aws('AKIDPROD', 'prod-secret', 'get-trace-summaries', ...range);
    assert.equal(ok.code, 0, ok.stderr);
    const ids = JSON.parse(ok.stdout).TraceSummaries.map((s: any) => s.Id);
    assert.ok(!ids.includes(udpTrace) && ids.length >= 2, JSON.stringify(ids));
    const created = await aws('AKIDPROD', 'prod-secret', 'create-group', '--group-name', 'Prod', '--filter-expression', 'fault');
    assert.equal(created.code, 0, created.stderr);
    const wrong = await aws('AKIDPROD', 'not-the-secret', 'get-trace-summaries', ...range);
    assert.equal(wrong.code, 254);
    assert.match(wrong.stderr, /InvalidSignatureException/);
    // The X-Ray SDK's unsigned sampling calls to the daemon port still work (the UDP environment's rules).
    const r = await fetch(`http://127.0.0.1:${srv.xrayPort}/GetSamplingRules`, { method: 'POST', body: '{}' });
    assert.equal(r.status, 200);
  });
});
