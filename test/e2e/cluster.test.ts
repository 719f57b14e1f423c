/**
 * Two Honeyray nodes in front of a two-shard ClickHouse 18.16 cluster behave as one: a trace sent half
 * over OTLP to node 1 and half over X-Ray to node 2 reads back whole from either node; an in-progress
 * X-Ray segment stored through one node is completed through the other; groups, sampling rules and
 * calculated fields made on one node are seen by the other; sampling reservoirs are split between the
 * nodes by demand (the real @aws-sdk/client-xray asks).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateGroupCommand, CreateSamplingRuleCommand, GetGroupsCommand, GetSamplingRulesCommand, GetSamplingTargetsCommand } from '@aws-sdk/client-xray';
import { xrayToW3c } from '../../src/model/ids.js';
import { clickhouseAvailable, startClickHouseCluster, type RunningCluster } from '../helpers/clickhouse-server.js';
import { eventually, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { datagram, newSegmentId, newXrayTraceId, sendDatagrams, xrayClient } from '../helpers/xray.js';
import { otlpJson, spansOf } from './cluster-helpers.js';

const run = clickhouseAvailable();

describe('two Honeyray nodes on a two-shard ClickHouse cluster', { skip: run ? false : 'clickhouse-server is not installed' }, () => {
  let ch: RunningCluster;
  let n1: RunningServer;
  let n2: RunningServer;
  before(async () => {
    ch = await startClickHouseCluster(2);
    // Each node enters the cluster through another shard.
    n1 = await startServer({ args: ['--store', ch.storeUrl('nodes', 0)] });
    n2 = await startServer({ args: ['--store', ch.storeUrl('nodes', 1)] });
  });
  after(async () => {
    for (const n of [n1, n2]) {
      await n?.stop();
      removeDir(n?.dataDir);
    }
    await ch?.stop();
  });

  it('reads a trace sent over OTLP to node 1 and over X-Ray to node 2 as one trace from either node', async () => {
    const xrayId = newXrayTraceId();
    const traceId = xrayToW3c(xrayId);
    const now = Date.now();
    const res = await fetch(`${n1.otlp}/v1/traces`, otlpJson('otel-svc', [{ traceId, spanId: 'a1b2c3d4e5f60718', name: 'GET /api/home', startMs: now, durationMs: 40, attrs: { 'cluster.only.on.node1': 'yes' } }]));
    assert.equal(res.status, 200);
    await sendDatagrams(n2.xrayPort, [datagram({ trace_id: xrayId, id: newSegmentId(), parent_id: 'a1b2c3d4e5f60718', name: 'xray-svc', start_time: now / 1000 + 0.01, end_time: now / 1000 + 0.03 })]);
    for (const node of [n1, n2]) {
      // node 2 learns node 1's new column within its 2 s catalog refresh: wait for the value, not only the rows.
      const spans = await eventually(async () => {
        const s = await spansOf(node, traceId);
        return s.length === 2 && s.some((x) => x.tags['cluster.only.on.node1'] !== undefined) ? s : null;
      }, 15_000, 'both halves of the trace, with the attribute node 1 added');
      assert.deepEqual(spans.map((s) => s.service).sort(), ['otel-svc', 'xray-svc']);
      // node 2 never wrote this attribute's column: it reads it all the same (its catalog follows node 1's).
      assert.equal(spans.find((s) => s.service === 'otel-svc')!.tags['cluster.only.on.node1'], 'yes');
    }
  });

  it('completes an in-progress X-Ray segment stored through node 1 with the final one sent to node 2', async () => {
    const xrayId = newXrayTraceId();
    const traceId = xrayToW3c(xrayId);
    const id = newSegmentId();
    const start = Date.now() / 1000;
    await sendDatagrams(n1.xrayPort, [datagram({ trace_id: xrayId, id, name: 'slow-svc', start_time: start, in_progress: true })]);
    await eventually(async () => (await spansOf(n2, traceId)).length === 1, 15_000, 'in-progress segment stored');
    await sendDatagrams(n2.xrayPort, [datagram({ trace_id: xrayId, id, name: 'slow-svc', start_time: start, end_time: start + 0.25 })]);
    for (const node of [n1, n2]) {
      await eventually(async () => {
        const s = await spansOf(node, traceId);
        return s.length === 1 && s[0]!.durationUs === 250_000;
      }, 15_000, 'one span, the complete one');
    }
  });

  it('shares groups, sampling rules and calculated fields', async () => {
    const [x1, x2] = [xrayClient(n1.xrayPort), xrayClient(n2.xrayPort)];
    await x1.send(new CreateGroupCommand({ GroupName: 'slow', FilterExpression: 'responsetime > 1' }));
    await x1.send(new CreateSamplingRuleCommand({ SamplingRule: { RuleName: 'api', Priority: 10, FixedRate: 0.1, ReservoirSize: 10, ServiceName: '*', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '/api/*', ResourceARN: '*', Version: 1 } }));
    const field = await fetch(`${n1.http}/1/calculated_fields/otel-svc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ alias: 'fast', expression: 'LT($duration_ms, 100)' }) });
    assert.equal(field.status, 201);
    assert.ok((await x2.send(new GetGroupsCommand({}))).Groups!.some((g) => g.GroupName === 'slow'));
    await eventually(async () => (await x2.send(new GetSamplingRulesCommand({}))).SamplingRuleRecords!.some((r) => r.SamplingRule!.RuleName === 'api'), 5_000, 'rule seen by node 2');
    const fields = (await (await fetch(`${n2.http}/1/calculated_fields/otel-svc`)).json()) as { alias: string }[];
    assert.deepEqual(fields.map((f) => f.alias), ['fast']);
  });

  it('splits a rule\'s reservoir between the nodes by their clients\' demand', async () => {
    const [x1, x2] = [xrayClient(n1.xrayPort), xrayClient(n2.xrayPort)];
    await eventually(async () => (await x2.send(new GetSamplingRulesCommand({}))).SamplingRuleRecords!.some((r) => r.SamplingRule!.RuleName === 'api'), 5_000, 'rule seen by node 2');
    const report = (client: typeof x1, id: string, requests: number) => client.send(new GetSamplingTargetsCommand({
      SamplingStatisticsDocuments: [{ RuleName: 'api', ClientID: id.repeat(24), Timestamp: new Date(), RequestCount: requests, SampledCount: 0, BorrowCount: 0 }],
    })).then((r) => r.SamplingTargetDocuments![0]!.ReservoirQuota!);
    // Node 1's client asks 3x what node 2's does: 7.5 and 2.5 of the 10 traces/s, in whole quotas.
    assert.equal(await report(x1, 'a', 300), 10, 'alone, node 1 gets the whole reservoir');
    const q2 = await report(x2, 'b', 100);
    assert.ok(q2 === 2 || q2 === 3, `node 2: ${q2}`);
    await new Promise((r) => setTimeout(r, 1_100));
    const q1 = await report(x1, 'a', 300);
    assert.ok(q1 === 7 || q1 === 8, `node 1: ${q1}`);
  });
});
