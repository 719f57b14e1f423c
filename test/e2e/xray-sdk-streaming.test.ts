/**
 * The seed app (test/helpers/xray-seed-app.ts) with `AWSXRay.setStreamingThreshold(0)`. What the Node SDK
 * 3.12 then does (segments/attributes/subsegment.js `close`): a subsegment that closes while its segment
 * still has other open subsegments is sent at once as its own UDP document (`"type":"subsegment"`,
 * `parent_id`, `trace_id`, no service name); the others stay inline in the segment, which goes out when
 * the response ends. So here:
 * - activities: `user_activity_andrewbrown` is independent, its parent `activities_users` is inline in the
 *   segment, which arrives 300 ms later (the route waits before answering): the subsegment is committed
 *   long before anything says which service it belongs to;
 * - remote: the `127.0.0.1` call subsegment is independent, its parent `call_downstream` inline; the
 *   segment follows within a few ms (usually the same receive batch).
 * Honeyray must put the independent subsegments in the `backend-flask` dataset, under the right parents.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, before, describe, it } from 'node:test';
import AWSXRay from 'aws-xray-sdk-core';
import { BatchGetTracesCommand, GetServiceGraphCommand, GetTraceSummariesCommand, type XRayClient } from '@aws-sdk/client-xray';
import { eventually, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { seedApp } from '../helpers/xray-seed-app.js';
import { inMinutes, listen, minutesAgo, pointXraySdkAt, quietXrayLogger, traceIdOf, xrayClient, xrayStats } from '../helpers/xray.js';

type Doc = Record<string, any>;

describe('aws-xray-sdk-core with streaming threshold 0 (independent subsegments)', () => {
  let srv: RunningServer;
  let xray: XRayClient;
  let closeApp: () => Promise<void>;
  let closeDownstream: () => Promise<void>;
  const ids = { activities: '', remote: '' };

  before(async () => {
    srv = await startServer();
    xray = xrayClient(srv.xrayPort);
    AWSXRay.setLogger(quietXrayLogger);
    pointXraySdkAt(AWSXRay, srv.xrayPort);
    AWSXRay.setContextMissingStrategy('IGNORE_ERROR');
    AWSXRay.setStreamingThreshold(0);
    AWSXRay.middleware.disableCentralizedSampling();
    AWSXRay.middleware.setSamplingRules({ version: 2, default: { fixed_target: 0, rate: 1 } });

    const downstream = await listen((_req, res) => res.end('ok'));
    closeDownstream = downstream.close;
    const app = await listen(seedApp(downstream.url, { respondDelayMs: 300 }) as unknown as http.RequestListener);
    closeApp = app.close;

    const a = await fetch(`${app.url}/api/activities/@andrewbrown`);
    await a.arrayBuffer();
    ids.activities = traceIdOf(a).root;
    const r = await fetch(`${app.url}/api/remote`);
    await r.arrayBuffer();
    ids.remote = traceIdOf(r).root;
    // 2 independent subsegments + 2 segments.
    await eventually(async () => ((await xrayStats(srv.http)).stored >= 4 ? true : null), 10_000, '4 stored documents');
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

  it('the subsegments really arrived as independent documents', async () => {
    const stats = await xrayStats(srv.http);
    const { recvBufferBytes: _buffer, ...counts } = stats;
    assert.deepEqual(counts, { received: 4, invalid: 0, dropped: 0, stored: 4, kernelDropped: 0 });
    const out = await xray.send(new BatchGetTracesCommand({ TraceIds: [ids.activities, ids.remote] }));
    const act = out.Traces!.find((t) => t.Id === ids.activities)!;
    const docs = act.Segments!.map((s) => JSON.parse(s.Document!) as Doc);
    assert.equal(docs.length, 2);
    const seg = docs.find((d) => d.name === 'backend-flask')!;
    const inner = docs.find((d) => d.name === 'user_activity_andrewbrown')!;
    assert.ok(seg && inner);
    const outer = seg.subsegments.find((d: Doc) => d.name === 'activities_users');
    assert.ok(outer, 'activities_users inline in the segment');
    assert.equal(outer.subsegments, undefined);
    assert.equal(inner.type, 'subsegment');
    assert.equal(inner.parent_id, outer.id);
    assert.equal(inner.trace_id, ids.activities);

    const remote = out.Traces!.find((t) => t.Id === ids.remote)!;
    const rdocs = remote.Segments!.map((s) => JSON.parse(s.Document!) as Doc);
    assert.equal(rdocs.length, 2);
    const call = rdocs.find((d) => d.type === 'subsegment')!;
    const rseg = rdocs.find((d) => d.name === 'backend-flask')!;
    assert.equal(call.namespace, 'remote');
    assert.equal(call.parent_id, rseg.subsegments.find((d: Doc) => d.name === 'call_downstream').id);
  });

  it('Jaeger API: every subsegment span is in backend-flask, under its parent', async () => {
    for (const id of [ids.activities, ids.remote]) {
      const t = ((await (await fetch(`${srv.http}/api/traces/${id}`)).json()) as { data: any[] }).data[0];
      const byName = new Map<string, any>(t.spans.map((s: any) => [s.operationName, s]));
      const root = byName.get(id === ids.activities ? 'GET /api/activities/@andrewbrown' : 'GET /api/remote');
      assert.ok(root, `root of ${[...byName.keys()]}`);
      assert.deepEqual(root.references, []);
      for (const s of t.spans) assert.equal(t.processes[s.processID].serviceName, 'backend-flask', `${s.operationName} service`);
      if (id === ids.activities) {
        assert.equal(t.spans.length, 3);
        assert.equal(byName.get('activities_users').references[0].spanID, root.spanID);
        assert.equal(byName.get('user_activity_andrewbrown').references[0].spanID, byName.get('activities_users').spanID);
      } else {
        assert.equal(t.spans.length, 3);
        assert.equal(byName.get('call_downstream').references[0].spanID, root.spanID);
        assert.equal(byName.get('127.0.0.1').references[0].spanID, byName.get('call_downstream').spanID);
      }
    }
    // X-Ray roots are told apart by method and path (the segment name, the service, is the dataset).
    const ops = ((await (await fetch(`${srv.http}/api/services/backend-flask/operations`)).json()) as { data: string[] }).data;
    assert.deepEqual(ops.sort(), ['127.0.0.1', 'GET /api/activities/@andrewbrown', 'GET /api/remote', 'activities_users', 'call_downstream', 'user_activity_andrewbrown']);
    const services = ((await (await fetch(`${srv.http}/api/services`)).json()) as { data: string[] }).data;
    assert.deepEqual(services, ['backend-flask']);
  });

  it('X-Ray API: filters see the subsegment annotations, the graph sees the streamed remote call', async () => {
    const sum = async (FilterExpression: string) =>
      ((await xray.send(new GetTraceSummariesCommand({ StartTime: minutesAgo(5), EndTime: inMinutes(1), FilterExpression }))).TraceSummaries ?? []).map((s) => s.Id).sort();
    assert.deepEqual(await sum('service("backend-flask")'), [ids.activities, ids.remote].sort());
    assert.deepEqual(await sum('annotation.result_length = 3'), [ids.activities]);
    assert.deepEqual(await sum('service("backend-flask") { annotation.result_length = 3 }'), [ids.activities]);
    assert.deepEqual(await sum('edge("backend-flask", "127.0.0.1")'), [ids.remote]);

    const graph = await xray.send(new GetServiceGraphCommand({ StartTime: minutesAgo(5), EndTime: inMinutes(1) }));
    const names = graph.Services!.map((s) => s.Name).sort();
    assert.deepEqual(names, ['127.0.0.1', 'backend-flask', 'client']);
    const backend = graph.Services!.find((s) => s.Name === 'backend-flask')!;
    const remote = graph.Services!.find((s) => s.Name === '127.0.0.1')!;
    assert.equal(backend.SummaryStatistics?.TotalCount, 2);
    assert.ok(backend.Edges!.some((e) => e.ReferenceId === remote.ReferenceId));
  });
});
