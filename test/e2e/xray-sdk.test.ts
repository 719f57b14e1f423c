/**
 * The seed's X-Ray side with the real Node SDK (aws-xray-sdk-core + aws-xray-sdk-express 3.12) sending to
 * Honeyray's daemon port, read back with the real AWS SDK v3 X-Ray client and through the Jaeger API.
 *
 * The app is the seed's shape: an express app named `backend-flask`, the route
 * `/api/activities/@:handle` with the seed's subsegments (`activities_users` around
 * `user_activity_<handle>`), an outgoing HTTP call captured as a remote subsegment, annotations and
 * metadata, and a route that throws (fault + cause). Every request is sampled (local rules, centralized
 * sampling off: with centralized sampling the SDK would ask Honeyray and get the Default rule, 1/s + 5%).
 *
 * aws-xray-sdk-core is a per-process singleton: the streaming variant (subsegments sent on their own) is
 * in xray-sdk-streaming.test.ts.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import AWSXRay from 'aws-xray-sdk-core';
import {
  BatchGetTracesCommand, GetServiceGraphCommand, GetTraceGraphCommand, GetTraceSummariesCommand, type TraceSummary, type XRayClient,
} from '@aws-sdk/client-xray';
import { eventually, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { seedApp } from '../helpers/xray-seed-app.js';
import { inMinutes, listen, minutesAgo, pointXraySdkAt, quietXrayLogger, traceIdOf, xrayClient } from '../helpers/xray.js';

type Doc = Record<string, any>;

describe('aws-xray-sdk-core + express -> Honeyray daemon port -> X-Ray API / Jaeger API', () => {
  let srv: RunningServer;
  let xray: XRayClient;
  let closeApp: () => Promise<void>;
  let closeDownstream: () => Promise<void>;
  const ids = { activities: '', remote: '', boom: '', all: [] as string[] };

  before(async () => {
    srv = await startServer();
    xray = xrayClient(srv.xrayPort);
    AWSXRay.setLogger(quietXrayLogger);
    pointXraySdkAt(AWSXRay, srv.xrayPort);
    AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
    AWSXRay.middleware.disableCentralizedSampling();
    AWSXRay.middleware.setSamplingRules({ version: 2, default: { fixed_target: 0, rate: 1 } });

    const downstream = await listen((_req, res) => res.end('ok'));
    closeDownstream = downstream.close;
    const app = await listen(seedApp(downstream.url) as unknown as http.RequestListener);
    closeApp = app.close;

    const get = async (path: string) => {
      const r = await fetch(`${app.url}${path}`);
      await r.arrayBuffer();
      const t = traceIdOf(r);
      assert.ok(t.sampled, `${path} sampled`);
      ids.all.push(t.root);
      return { status: r.status, id: t.root };
    };
    const a = await get('/api/activities/@andrewbrown');
    assert.equal(a.status, 200);
    ids.activities = a.id;
    const r = await get('/api/remote');
    assert.equal(r.status, 200);
    ids.remote = r.id;
    const b = await get('/api/boom');
    assert.equal(b.status, 500);
    ids.boom = b.id;
    // The SDK sends each segment over UDP when the response ends: wait until all three are stored.
    await eventually(async () => {
      const out = await xray.send(new BatchGetTracesCommand({ TraceIds: ids.all }));
      return out.Traces?.length === 3 ? out : null;
    }, 10_000, 'the three traces');
  });

  after(async () => {
    await closeApp?.();
    await closeDownstream?.();
    xray?.destroy();
    if (srv) {
      await srv.stop();
      removeDir(srv.dataDir);
    }
  });

  const summaries = async (FilterExpression?: string): Promise<TraceSummary[]> => {
    const out = await xray.send(new GetTraceSummariesCommand({ StartTime: minutesAgo(5), EndTime: inMinutes(1), FilterExpression }));
    return out.TraceSummaries ?? [];
  };
  const idsOf = (s: TraceSummary[]) => s.map((x) => x.Id).sort();

  it('GetTraceSummaries: service("backend-flask") and other filter expressions', async () => {
    const all = await summaries('service("backend-flask")');
    assert.deepEqual(idsOf(all), [...ids.all].sort());
    assert.deepEqual(idsOf(await summaries()), [...ids.all].sort());
    assert.deepEqual(idsOf(await summaries('fault')), [ids.boom]);
    assert.deepEqual(idsOf(await summaries('annotation.user_id = "u-123"')), [ids.activities]);
    assert.deepEqual(idsOf(await summaries('http.status = 500')), [ids.boom]);
    assert.deepEqual(idsOf(await summaries('responsetime > 0')), [...ids.all].sort());
    assert.deepEqual(idsOf(await summaries('service("nope")')), []);
    assert.deepEqual(idsOf(await summaries('http.url CONTAINS "/api/activities/"')), [ids.activities]);

    const act = all.find((s) => s.Id === ids.activities)!;
    assert.equal(act.HasFault, false);
    assert.equal(act.Http?.HttpStatus, 200);
    assert.equal(act.Http?.HttpMethod, 'GET');
    assert.match(act.Http?.HttpURL ?? '', /\/api\/activities\/@andrewbrown$/);
    assert.deepEqual(act.Annotations?.user_id?.[0]?.AnnotationValue, { StringValue: 'u-123' });
    assert.deepEqual(act.Annotations?.result_length?.[0]?.AnnotationValue, { NumberValue: 3 });
    assert.deepEqual(act.ServiceIds?.map((s) => s.Name), ['backend-flask']);
    assert.equal(act.EntryPoint?.Name, 'backend-flask');
    assert.ok(act.StartTime instanceof Date && act.StartTime.getTime() > Date.now() - 300_000);
    assert.ok((act.ResponseTime ?? 0) > 0 && (act.Duration ?? 0) >= (act.ResponseTime ?? 0));
    const boom = all.find((s) => s.Id === ids.boom)!;
    assert.equal(boom.HasFault, true);
    assert.equal(boom.Http?.HttpStatus, 500);
  });

  it('BatchGetTraces: the SDK documents as JSON, with the seed subsegment and the fault cause', async () => {
    const out = await xray.send(new BatchGetTracesCommand({ TraceIds: [ids.activities, ids.boom, '1-00000000-000000000000000000000000'] }));
    assert.deepEqual(out.UnprocessedTraceIds, ['1-00000000-000000000000000000000000']);
    const byId = new Map(out.Traces!.map((t) => [t.Id!, t]));

    const act = byId.get(ids.activities)!;
    assert.equal(act.Segments!.length, 1);
    const seg = JSON.parse(act.Segments![0]!.Document!) as Doc;
    assert.equal(act.Segments![0]!.Id, seg.id);
    assert.equal(seg.name, 'backend-flask');
    assert.equal(seg.trace_id, ids.activities);
    assert.deepEqual(seg.annotations, { user_id: 'u-123' });
    assert.deepEqual(seg.metadata.default.request, { handle: 'andrewbrown', page: 1 });
    const outer = seg.subsegments.find((s: Doc) => s.name === 'activities_users');
    assert.ok(outer, 'activities_users subsegment');
    const inner = outer.subsegments.find((s: Doc) => s.name === 'user_activity_andrewbrown');
    assert.ok(inner, 'user_activity_andrewbrown subsegment');
    assert.deepEqual(inner.annotations, { result_length: 3 });
    assert.ok(inner.end_time >= inner.start_time);
    assert.ok((act.Duration ?? 0) > 0);

    const boom = JSON.parse(byId.get(ids.boom)!.Segments![0]!.Document!) as Doc;
    assert.equal(boom.fault, true);
    assert.equal(boom.http.response.status, 500);
    const ex = boom.cause.exceptions[0];
    assert.equal(ex.message, 'boom: the database is on fire');
    assert.equal(ex.type, 'Error');
    assert.match(ex.id, /^[0-9a-f]{16}$/);
    assert.ok(ex.stack.length > 0);
  });

  it('GetServiceGraph: backend-flask, the client edge and the remote node', async () => {
    const out = await xray.send(new GetServiceGraphCommand({ StartTime: minutesAgo(5), EndTime: inMinutes(1) }));
    const services = out.Services!;
    const byName = new Map(services.map((s) => [s.Name!, s]));
    const backend = byName.get('backend-flask');
    assert.ok(backend, `backend-flask node in ${JSON.stringify(services.map((s) => s.Name))}`);
    assert.equal(backend.SummaryStatistics?.TotalCount, 3);
    assert.equal(backend.SummaryStatistics?.FaultStatistics?.TotalCount, 1);
    assert.equal(backend.SummaryStatistics?.OkCount, 2);
    const client = services.find((s) => s.Type === 'client');
    assert.ok(client, 'client node');
    assert.ok(client.Edges!.some((e) => e.ReferenceId === backend.ReferenceId), 'client -> backend-flask edge');
    const remote = byName.get('127.0.0.1');
    assert.ok(remote, 'remote node for the downstream host');
    assert.equal(remote.Type, 'remote');
    const edge = backend.Edges!.find((e) => e.ReferenceId === remote.ReferenceId);
    assert.ok(edge, 'backend-flask -> 127.0.0.1 edge');
    assert.equal(edge.SummaryStatistics?.TotalCount, 1);
    assert.ok(out.StartTime instanceof Date && out.EndTime instanceof Date);

    const grouped = await xray.send(new GetServiceGraphCommand({ StartTime: minutesAgo(5), EndTime: inMinutes(1), GroupName: 'Default' }));
    assert.ok(grouped.Services!.some((s) => s.Name === 'backend-flask'));
  });

  it('GetTraceGraph: the remote call of one trace', async () => {
    const out = await xray.send(new GetTraceGraphCommand({ TraceIds: [ids.remote] }));
    const names = out.Services!.map((s) => s.Name).sort();
    assert.deepEqual(names, ['127.0.0.1', 'backend-flask', 'client']);
    const backend = out.Services!.find((s) => s.Name === 'backend-flask')!;
    assert.equal(backend.SummaryStatistics?.TotalCount, 1);
    assert.equal(backend.Edges!.length, 1);
  });

  it('Jaeger API: the X-Ray trace by its X-Ray id, subsegments as child spans', async () => {
    const r = await fetch(`${srv.http}/api/traces/${ids.activities}`);
    assert.equal(r.status, 200);
    const t = ((await r.json()) as { data: any[] }).data[0];
    assert.equal(t.traceID, ids.activities.slice(2).replace('-', ''));
    assert.equal(t.spans.length, 3);
    const byName = new Map(t.spans.map((s: any) => [s.operationName, s]));
    const root = byName.get('GET /api/activities/@andrewbrown') as any;
    const outer = byName.get('activities_users') as any;
    const inner = byName.get('user_activity_andrewbrown') as any;
    assert.ok(root && outer && inner, `spans ${[...byName.keys()]}`);
    assert.deepEqual(root.references, []);
    assert.deepEqual(outer.references, [{ refType: 'CHILD_OF', traceID: t.traceID, spanID: root.spanID }]);
    assert.deepEqual(inner.references, [{ refType: 'CHILD_OF', traceID: t.traceID, spanID: outer.spanID }]);
    for (const s of [root, outer, inner]) assert.equal(t.processes[s.processID].serviceName, 'backend-flask');
    const tags = Object.fromEntries(inner.tags.map((x: any) => [x.key, x.value]));
    assert.equal(tags.result_length, 3);

    const remote = ((await (await fetch(`${srv.http}/api/traces/${ids.remote}`)).json()) as { data: any[] }).data[0];
    const wrapper = remote.spans.find((s: any) => s.operationName === 'call_downstream');
    const call = remote.spans.find((s: any) => s.operationName === '127.0.0.1');
    assert.ok(call && wrapper, 'remote subsegment span');
    assert.equal(call.references[0].spanID, wrapper.spanID);
    const ctags = Object.fromEntries(call.tags.map((x: any) => [x.key, x.value]));
    assert.equal(ctags['span.kind'], 'client');

    const services = ((await (await fetch(`${srv.http}/api/services`)).json()) as { data: string[] }).data;
    assert.ok(services.includes('backend-flask'));
  });
});
