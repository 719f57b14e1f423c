/** GetTimeSeriesServiceStatistics through @aws-sdk/client-xray: per-period statistics, group and entity selection. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateGroupCommand, GetTimeSeriesServiceStatisticsCommand, PutTraceSegmentsCommand } from '@aws-sdk/client-xray';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { inMinutes, minutesAgo, newSegmentId, newXrayTraceId, xrayClient } from '../helpers/xray.js';

describe('X-Ray GetTimeSeriesServiceStatistics', () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer();
    const now = Date.now() / 1000;
    const seg = (name: string, status: number, extra: object = {}) => JSON.stringify({
      trace_id: newXrayTraceId(), id: newSegmentId(), name, start_time: now - 1, end_time: now - 0.5,
      http: { request: { method: 'GET', url: 'http://x/' }, response: { status } }, ...extra,
    });
    const x = xrayClient(srv.xrayPort);
    const r = await x.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [
      seg('api', 200), seg('api', 200), seg('api', 500, { fault: true }), seg('api', 429, { error: true, throttle: true }), seg('worker', 404, { error: true }),
    ] }));
    assert.deepEqual(r.UnprocessedTraceSegments, []);

    // Half an hour earlier (its own time range): a web request (0.5 s) calling billing through a remote
    // subsegment (0.3 s, the edge, a 404) that billing answers in 0.2 s, and a second web request (0.25 s).
    const then = now - 1800;
    const web = (seconds: number, extra: object = {}) => ({
      trace_id: newXrayTraceId(), id: newSegmentId(), name: 'web', start_time: then, end_time: then + seconds,
      http: { request: { method: 'GET', url: 'http://x/' }, response: { status: 200 } }, ...extra,
    });
    const call = { id: newSegmentId(), name: 'billing', namespace: 'remote', start_time: then + 0.1, end_time: then + 0.4, http: { response: { status: 404 } }, error: true };
    const first = web(0.5, { subsegments: [call] });
    const billing = {
      trace_id: first.trace_id, id: newSegmentId(), parent_id: call.id, name: 'billing', start_time: then + 0.15, end_time: then + 0.35,
      http: { request: { method: 'GET', url: 'http://billing/' }, response: { status: 404 } }, error: true,
    };
    const r2 = await x.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [first, web(0.25), billing].map((d) => JSON.stringify(d)) }));
    assert.deepEqual(r2.UnprocessedTraceSegments, []);
    await x.send(new CreateGroupCommand({ GroupName: 'workers', FilterExpression: 'service("worker")' }));
  });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  const stats = async (extra: object = {}) => {
    const r = await xrayClient(srv.xrayPort).send(new GetTimeSeriesServiceStatisticsCommand({ StartTime: minutesAgo(10), EndTime: inMinutes(1), Period: 60, ...extra }));
    const total = { ok: 0, n: 0, faults: 0, errors: 0, throttles: 0 };
    for (const p of r.TimeSeriesServiceStatistics ?? []) {
      const s = p.ServiceSummaryStatistics!;
      total.ok += s.OkCount!;
      total.n += s.TotalCount!;
      total.faults += s.FaultStatistics!.TotalCount!;
      total.errors += s.ErrorStatistics!.TotalCount!;
      total.throttles += s.ErrorStatistics!.ThrottleCount!;
      assert.ok(p.Timestamp instanceof Date && (p.Timestamp.getTime() / 1000) % 60 === 0);
    }
    return total;
  };

  it('counts ok, fault, error and throttle per period', async () => {
    assert.deepEqual(await stats(), { ok: 2, n: 5, faults: 1, errors: 2, throttles: 1 });
  });
  it('fills ResponseTimeHistogram and EdgeSummaryStatistics as X-Ray does', async () => {
    const series = async () => (await xrayClient(srv.xrayPort).send(new GetTimeSeriesServiceStatisticsCommand({
      StartTime: minutesAgo(40), EndTime: minutesAgo(20), Period: 3600,
    }))).TimeSeriesServiceStatistics ?? [];
    const points = await series();
    assert.equal(points.length, 1, 'one period of an hour');
    const [p] = points;
    // The three segments' response times, to the millisecond.
    assert.deepEqual(p!.ResponseTimeHistogram, [{ Value: 0.2, Count: 1 }, { Value: 0.25, Count: 1 }, { Value: 0.5, Count: 1 }]);
    assert.equal(p!.ServiceSummaryStatistics?.TotalCount, 3);
    // Edges: client -> web twice (the roots' own view: 0.5 + 0.25 s, ok) and web -> billing once as the
    // caller saw it (the 0.3 s subsegment, an error): 3 requests, 1.05 s, 2 ok, 1 error.
    const e = p!.EdgeSummaryStatistics!;
    assert.equal(e.TotalCount, 3);
    assert.equal(e.OkCount, 2);
    assert.equal(e.ErrorStatistics?.TotalCount, 1);
    assert.ok(Math.abs(e.TotalResponseTime! - 1.05) < 1e-6, String(e.TotalResponseTime));
  });
  it('narrows to a group and to an entity selector', async () => {
    assert.deepEqual(await stats({ GroupName: 'workers' }), { ok: 0, n: 1, faults: 0, errors: 1, throttles: 0 });
    assert.deepEqual(await stats({ EntitySelectorExpression: 'service("api")' }), { ok: 2, n: 4, faults: 1, errors: 1, throttles: 1 });
  });
  it('answers 400, not 500, to times that are not epoch seconds', async () => {
    for (const path of ['/ServiceGraph', '/TraceSummaries', '/TimeSeriesServiceStatistics']) {
      const r = await fetch(`${srv.http}${path}`, { method: 'POST', body: JSON.stringify({ StartTime: 1, EndTime: 1e308 }) });
      assert.equal(r.status, 400, path);
      assert.equal(r.headers.get('x-amzn-errortype'), 'InvalidRequestException');
    }
  });
  it('refuses a period that is not a multiple of 60', async () => {
    await assert.rejects(xrayClient(srv.xrayPort).send(new GetTimeSeriesServiceStatisticsCommand({ StartTime: minutesAgo(10), EndTime: inMinutes(1), Period: 61 })), /InvalidRequestException|multiple of 60/);
  });
});
