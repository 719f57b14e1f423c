/**
 * Bad input on every X-Ray edge of a running Honeyray:
 * - UDP: malformed datagrams and invalid segment documents are counted (`/api/honeyray/stats`), logged,
 *   never crash the server, and valid datagrams sent after them are stored;
 * - REST API (daemon TCP port and main port): malformed requests get the X-Ray error shape
 *   (status, `X-Amzn-ErrorType`, `{__type, message}`);
 * - an in-progress segment replaced by its complete version gives exactly one span.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { datagram, newSegmentId, newXrayTraceId, sendDatagrams, waitHandled, xrayStats } from '../helpers/xray.js';

const now = () => Date.now() / 1000;

function segment(over: Record<string, unknown> = {}) {
  const t = now();
  return { name: 'bad-input-svc', id: newSegmentId(), trace_id: newXrayTraceId(), start_time: t - 0.05, end_time: t, ...over };
}

async function jaegerTrace(http: string, id: string): Promise<any | null> {
  const r = await fetch(`${http}/api/traces/${id}`);
  if (r.status !== 200) return null;
  return ((await r.json()) as { data: any[] }).data[0] ?? null;
}

const RULE = {
  RuleName: 'Rule', ResourceARN: '*', Priority: 100, FixedRate: 0.1, ReservoirSize: 1, ServiceName: '*', ServiceType: '*', Host: '*',
  HTTPMethod: '*', URLPath: '*', Version: 1,
};

describe('X-Ray bad input', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer(); });
  after(async () => {
    if (srv) {
      await srv.stop();
      removeDir(srv.dataDir);
    }
  });

  it('UDP: bad datagrams are counted and logged, and valid ones after them are stored', async () => {
    const good1 = segment();
    const bad: (string | Buffer)[] = [
      'no newline at all',
      '{"format":"json","version":1}', // header only
      '{"format":"json","version":1}\n', // empty body
      '{"format":"xml","version":1}\n' + JSON.stringify(segment()), // bad header
      '{"format":"json","version":2}\n' + JSON.stringify(segment()),
      'not json\n' + JSON.stringify(segment()),
      Buffer.from([0xff, 0xfe, 0x0a, 0x00, 0x01]),
      '{"format":"json","version":1}\n{"name": "x", "id": ', // body not JSON
      '{"format":"json","version":1}\n[1,2,3]',
      '{"format":"json","version":1}\nnull',
      datagram(segment({ trace_id: '1-xyz-123' })),
      datagram(segment({ trace_id: undefined })),
      datagram(segment({ id: 'not-hex-at-all!!' })),
      datagram(segment({ name: undefined })),
      datagram(segment({ start_time: undefined })),
      datagram(segment({ end_time: undefined })), // neither end_time nor in_progress
      datagram(segment({ start_time: 'yesterday' })),
      datagram(segment({ subsegments: [{ id: 'zz', name: 's', start_time: now() }] })),
      datagram({ ...segment(), type: 'subsegment' }), // independent subsegment without parent_id
    ];
    const badAtHeader = 7; // the first 7 fail in the receiver, the rest in the ingest worker
    const good2 = segment({ name: 'after-the-bad-ones' });
    // The Go SDK's header has spaces: valid.
    const goHeader = Buffer.from('{"format": "json", "version": 1}\n' + JSON.stringify(good2));
    await sendDatagrams(srv.xrayPort, [datagram(good1), ...bad, goHeader]);
    const stats = await waitHandled(srv.http, { stored: 2, invalid: bad.length });
    const { recvBufferBytes: _buffer, ...counts } = stats;
    assert.deepEqual(counts, { received: bad.length + 2, invalid: bad.length, dropped: 0, stored: 2, kernelDropped: 0 });
    assert.ok(badAtHeader < bad.length);

    for (const s of [good1, good2]) {
      const t = await jaegerTrace(srv.http, s.trace_id);
      assert.ok(t, `trace ${s.trace_id} stored`);
      assert.equal(t.spans.length, 1);
      assert.equal(t.processes[t.spans[0].processID].serviceName, s.name);
    }
    // Logged (rate-limited to one line per 5 s, so only the first bad datagram is named), and the server is
    // still alive.
    await eventually(async () => /invalid X-Ray datagram from the daemon port: missing header or segment/.test(srv.logs()), 5_000, 'a warning in the log');
    assert.equal((await fetch(`${srv.http}/healthz`)).status, 200);

    // And still accepts valid input afterwards.
    const good3 = segment();
    await sendDatagrams(srv.xrayPort, [datagram(good3)]);
    await waitHandled(srv.http, { stored: 3 });
    assert.ok(await jaegerTrace(srv.http, good3.trace_id));
  });

  it('UDP: an in-progress segment replaced by the complete one gives exactly one span', async () => {
    const before = await xrayStats(srv.http);
    const t = now();
    const base = { name: 'long-request', id: newSegmentId(), trace_id: newXrayTraceId(), start_time: t - 1 };
    // Separately: in progress first (committed on its own), then complete.
    await sendDatagrams(srv.xrayPort, [datagram({ ...base, in_progress: true })]);
    await waitHandled(srv.http, { stored: before.stored + 1 });
    const partial = await jaegerTrace(srv.http, base.trace_id);
    assert.equal(partial.spans.length, 1);
    await sendDatagrams(srv.xrayPort, [datagram({ ...base, end_time: t, http: { response: { status: 200 } } })]);
    await waitHandled(srv.http, { stored: before.stored + 2 });
    const done = await jaegerTrace(srv.http, base.trace_id);
    assert.equal(done.spans.length, 1);
    assert.equal(done.spans[0].spanID, base.id);
    assert.equal(done.spans[0].duration, 1_000_000);
    // A late in-progress copy of a complete segment changes nothing.
    await sendDatagrams(srv.xrayPort, [datagram({ ...base, in_progress: true })]);
    await waitHandled(srv.http, { stored: before.stored + 3 });
    assert.equal((await jaegerTrace(srv.http, base.trace_id)).spans.length, 1);

    // Both in one burst (one receive batch).
    const b2 = { name: 'long-request', id: newSegmentId(), trace_id: newXrayTraceId(), start_time: t - 1 };
    await sendDatagrams(srv.xrayPort, [datagram({ ...b2, in_progress: true }), datagram({ ...b2, end_time: t })]);
    await waitHandled(srv.http, { stored: before.stored + 5 });
    assert.equal((await jaegerTrace(srv.http, b2.trace_id)).spans.length, 1);

    // The X-Ray API sees the complete document only, and the trace is not partial.
    const r = await xray(srv.xrayPort, '/Traces', { TraceIds: [base.trace_id] });
    const body = (await r.json()) as any;
    assert.equal(body.Traces[0].Segments.length, 1);
    const doc = JSON.parse(body.Traces[0].Segments[0].Document);
    assert.equal(doc.end_time, t);
    assert.equal(doc.in_progress, undefined);
    const s = (await (await xray(srv.xrayPort, '/TraceSummaries', { StartTime: t - 60, EndTime: t + 60, FilterExpression: 'service("long-request")' })).json()) as any;
    assert.deepEqual(s.TraceSummaries.map((x: any) => [x.Id, x.IsPartial]).sort(), [[base.trace_id, false], [b2.trace_id, false]].sort());
  });

  it('across a restart: the complete segment still replaces its in-progress version, streamed subsegments still get their service', async () => {
    const t = now();
    const a = { name: 'restart-a', id: newSegmentId(), trace_id: newXrayTraceId(), start_time: t - 1 };
    const b = { name: 'restart-b', id: newSegmentId(), trace_id: newXrayTraceId(), start_time: t - 1 };
    const sub = { name: 'streamed-before-restart', id: newSegmentId(), trace_id: b.trace_id, parent_id: b.id, type: 'subsegment', start_time: t - 0.5, end_time: t - 0.4 };
    const before = await xrayStats(srv.http);
    await sendDatagrams(srv.xrayPort, [datagram({ ...a, in_progress: true }), datagram(sub)]);
    await waitHandled(srv.http, { stored: before.stored + 2 });

    const dataDir = srv.dataDir;
    assert.equal(await srv.stop(), 0);
    srv = await startServer({ dataDir });

    await sendDatagrams(srv.xrayPort, [datagram({ ...a, end_time: t }), datagram({ ...b, end_time: t })]);
    await waitHandled(srv.http, { stored: 2 });
    const ta = await jaegerTrace(srv.http, a.trace_id);
    assert.deepEqual(ta.spans.map((s: any) => [s.spanID, s.duration]), [[a.id, 1_000_000]]);
    const tb = await jaegerTrace(srv.http, b.trace_id);
    assert.equal(tb.spans.length, 2);
    for (const s of tb.spans) assert.equal(tb.processes[s.processID].serviceName, 'restart-b', s.operationName);
    const services = ((await (await fetch(`${srv.http}/api/services`)).json()) as { data: string[] }).data;
    assert.ok(!services.includes(''), `no empty service in ${JSON.stringify(services)}`);
  });

  it('PutTraceSegments: in-progress then complete through the API, one span', async () => {
    const t = now();
    const base = { name: 'api-long', id: newSegmentId(), trace_id: newXrayTraceId(), start_time: t - 2 };
    for (const doc of [{ ...base, in_progress: true }, { ...base, end_time: t }]) {
      const r = await xray(srv.xrayPort, '/TraceSegments', { TraceSegmentDocuments: [JSON.stringify(doc)] });
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { UnprocessedTraceSegments: [] });
    }
    const tr = await jaegerTrace(srv.http, base.trace_id);
    assert.equal(tr.spans.length, 1);
    assert.equal(tr.spans[0].duration, 2_000_000);
  });

  const cases: { name: string; path: string; body: string | object; status: number; type: string; message?: RegExp }[] = [
    { name: 'non-JSON body', path: '/TraceSummaries', body: 'not json', status: 400, type: 'SerializationException' },
    { name: 'JSON array body', path: '/TraceSummaries', body: '[1]', status: 400, type: 'SerializationException' },
    { name: 'missing StartTime', path: '/TraceSummaries', body: { EndTime: now() }, status: 400, type: 'InvalidRequestException', message: /StartTime/ },
    { name: 'StartTime of the wrong type', path: '/TraceSummaries', body: { StartTime: 'yesterday', EndTime: now() }, status: 400, type: 'InvalidRequestException' },
    { name: 'EndTime before StartTime', path: '/ServiceGraph', body: { StartTime: now(), EndTime: now() - 60 }, status: 400, type: 'InvalidRequestException' },
    { name: 'FilterExpression of the wrong type', path: '/TraceSummaries', body: { StartTime: now() - 60, EndTime: now(), FilterExpression: 5 }, status: 400, type: 'InvalidRequestException' },
    { name: 'bad filter expression', path: '/TraceSummaries', body: { StartTime: now() - 60, EndTime: now(), FilterExpression: 'service("a") AND (' }, status: 400, type: 'InvalidRequestException', message: /position 18/ },
    { name: 'bad TimeRangeType', path: '/TraceSummaries', body: { StartTime: now() - 60, EndTime: now(), TimeRangeType: 'Yesterday' }, status: 400, type: 'InvalidRequestException' },
    { name: 'bad NextToken', path: '/TraceSummaries', body: { StartTime: now() - 60, EndTime: now(), NextToken: '!!' }, status: 400, type: 'InvalidRequestException' },
    { name: 'TraceIds of the wrong type', path: '/Traces', body: { TraceIds: 'abc' }, status: 400, type: 'InvalidRequestException' },
    { name: 'TraceSegmentDocuments of the wrong type', path: '/TraceSegments', body: { TraceSegmentDocuments: [1, 2] }, status: 400, type: 'InvalidRequestException' },
    { name: 'unknown group (GetGroup)', path: '/GetGroup', body: { GroupName: 'Nope' }, status: 400, type: 'InvalidRequestException', message: /Nope/ },
    { name: 'unknown group (GetServiceGraph)', path: '/ServiceGraph', body: { StartTime: now() - 60, EndTime: now(), GroupName: 'Nope' }, status: 400, type: 'InvalidRequestException' },
    { name: 'unknown group (DeleteGroup)', path: '/DeleteGroup', body: { GroupName: 'Nope' }, status: 400, type: 'InvalidRequestException' },
    { name: 'group name of the wrong type', path: '/CreateGroup', body: { GroupName: 7 }, status: 400, type: 'InvalidRequestException' },
    { name: 'group name too long', path: '/CreateGroup', body: { GroupName: 'g'.repeat(33) }, status: 400, type: 'InvalidRequestException' },
    { name: 'group with a bad filter', path: '/CreateGroup', body: { GroupName: 'BadFilter', FilterExpression: 'fault AND' }, status: 400, type: 'InvalidRequestException', message: /position 9/ },
    { name: 'update the Default group', path: '/UpdateGroup', body: { GroupName: 'Default', FilterExpression: 'fault' }, status: 400, type: 'InvalidRequestException' },
    { name: 'rule priority 0', path: '/CreateSamplingRule', body: { SamplingRule: { ...RULE, Priority: 0 } }, status: 400, type: 'InvalidRequestException', message: /samplingRule\.priority/ },
    { name: 'rule FixedRate 2', path: '/CreateSamplingRule', body: { SamplingRule: { ...RULE, FixedRate: 2 } }, status: 400, type: 'InvalidRequestException', message: /samplingRule\.fixedRate/ },
    { name: 'rule name too long', path: '/CreateSamplingRule', body: { SamplingRule: { ...RULE, RuleName: 'r'.repeat(33) } }, status: 400, type: 'InvalidRequestException', message: /samplingRule\.ruleName/ },
    { name: 'rule priority of the wrong type', path: '/CreateSamplingRule', body: { SamplingRule: { ...RULE, Priority: 'high' } }, status: 400, type: 'InvalidRequestException' },
    { name: 'rule without SamplingRule', path: '/CreateSamplingRule', body: {}, status: 400, type: 'InvalidRequestException' },
    { name: 'rule named Default', path: '/CreateSamplingRule', body: { SamplingRule: { ...RULE, RuleName: 'Default' } }, status: 400, type: 'InvalidRequestException' },
    { name: 'delete the Default rule', path: '/DeleteSamplingRule', body: { RuleName: 'Default' }, status: 400, type: 'InvalidRequestException' },
    { name: 'delete the Default rule by ARN', path: '/DeleteSamplingRule', body: { RuleARN: 'arn:aws:xray:us-east-1:000000000000:sampling-rule/Default' }, status: 400, type: 'InvalidRequestException' },
    { name: 'delete an unknown rule', path: '/DeleteSamplingRule', body: { RuleName: 'Nope' }, status: 400, type: 'InvalidRequestException' },
    { name: 'update an unknown rule', path: '/UpdateSamplingRule', body: { SamplingRuleUpdate: { RuleName: 'Nope', FixedRate: 0.5 } }, status: 400, type: 'InvalidRequestException' },
    { name: 'SamplingStatisticsDocuments missing', path: '/SamplingTargets', body: {}, status: 400, type: 'InvalidRequestException' },
    { name: 'unknown operation', path: '/NoSuchOperation', body: {}, status: 404, type: 'UnknownOperationException' },
  ];

  it('REST API: bad requests get status, X-Amzn-ErrorType and {__type, message}', async () => {
    for (const c of cases) {
      const r = await xray(srv.xrayPort, c.path, c.body);
      const text = await r.text();
      assert.equal(r.status, c.status, `${c.name}: status (${text})`);
      assert.equal(r.headers.get('x-amzn-errortype'), c.type, `${c.name}: X-Amzn-ErrorType`);
      const body = JSON.parse(text) as { __type: string; message: string };
      assert.equal(body.__type, c.type, c.name);
      assert.equal(typeof body.message, 'string', c.name);
      assert.ok(body.message.length > 0, c.name);
      if (c.message) assert.match(body.message, c.message, c.name);
    }
    // The same answers on the main HTTP port (except unknown paths, which are the UI's 404).
    for (const c of cases.filter((x) => x.status !== 404)) {
      const r = await fetch(`${srv.http}${c.path}`, { method: 'POST', body: typeof c.body === 'string' ? c.body : JSON.stringify(c.body), headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, c.status, `${c.name} on the main port`);
      assert.equal(r.headers.get('x-amzn-errortype'), c.type, `${c.name} on the main port`);
      await r.arrayBuffer();
    }
  });

  it('REST API: duplicate rule and group', async () => {
    for (const [path, body] of [['/CreateSamplingRule', { SamplingRule: RULE }], ['/CreateGroup', { GroupName: 'Twice', FilterExpression: 'fault' }]] as const) {
      const first = await xray(srv.xrayPort, path, body);
      assert.equal(first.status, 200, await first.text());
      const again = await xray(srv.xrayPort, path, body);
      assert.equal(again.status, 400);
      assert.equal(again.headers.get('x-amzn-errortype'), 'InvalidRequestException');
      assert.match(((await again.json()) as { message: string }).message, /already exists/);
    }
    // The failed attempts changed nothing.
    const rules = (await (await xray(srv.xrayPort, '/GetSamplingRules', {})).json()) as any;
    assert.deepEqual(rules.SamplingRuleRecords.map((r: any) => r.SamplingRule.RuleName), ['Rule', 'Default']);
    const groups = (await (await xray(srv.xrayPort, '/Groups', {})).json()) as any;
    assert.deepEqual(groups.Groups.map((g: any) => g.GroupName), ['Default', 'Twice']);
    assert.equal((await fetch(`${srv.http}/healthz`)).status, 200);
  });
});

function xray(port: number, path: string, body: string | object): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
}
