/**
 * The Cruddur example (examples/cruddur: the seed's backend with OpenTelemetry and aws-xray-sdk)
 * against a Honeyray started as the README says: every route is called, then the traces are read
 * back through the Jaeger API (and the X-Ray API for the segment documents).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { BatchGetTracesCommand, XRayClient } from '@aws-sdk/client-xray';
import { startCruddur, type RunningCruddur } from '../../examples/cruddur/app.js';
import { eventually, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

interface JTag { key: string; type: string; value: unknown }
interface JSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  tags: JTag[];
  logs: { timestamp: number; fields: JTag[] }[];
  processID: string;
}
interface JTrace { traceID: string; spans: JSpan[]; processes: Record<string, { serviceName: string; tags: JTag[] }> }

const tags = (s: JSpan) => Object.fromEntries(s.tags.map((t) => [t.key, t.value]));
const isXray = (s: JSpan) => s.tags.some((t) => t.key === 'xray.type');

/** The routes of the seed: `METHOD path` (and a JSON body for the POSTs). */
const ROUTES: [string, object?][] = [
  ['GET /api/activities/home'],
  ['GET /api/activities/notifications'],
  ['GET /api/activities/@andrewbrown'],
  ['GET /api/activities/search?term=cloud'],
  ['GET /api/activities/search'],
  ['GET /api/message_groups'],
  ['GET /api/messages/@worf'],
  ['POST /api/messages', { user_receiver_handle: 'worf', message: 'Qapla!' }],
  ['POST /api/activities', { message: 'Cloud is fun!', ttl: '7-days' }],
  ['POST /api/activities', { message: '', ttl: '7-days' }],
  ['POST /api/activities/68f126b0-1ceb-4a33-88be-d90fa7109eee/reply', { message: 'Agreed.' }],
  ['GET /api/error'],
];

async function traces(srv: RunningServer, query: string): Promise<JTrace[]> {
  const res = await fetch(`${srv.http}/api/traces?${query}`);
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { data: JTrace[] }).data;
}

async function getTrace(srv: RunningServer, id: string): Promise<JTrace | null> {
  const res = await fetch(`${srv.http}/api/traces/${id}`);
  if (res.status === 404) return null;
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: JTrace[] }).data[0]!;
}

/** OTel traces of a service: the ones with a SERVER span that is not X-Ray's. */
function otelSpans(all: JTrace[]): JSpan[] {
  return all.flatMap((t) => t.spans).filter((s) => !isXray(s));
}

describe('Cruddur example -> Honeyray', () => {
  let srv: RunningServer;
  const statuses: Record<string, number> = {};
  /** An X-Ray trace header sent by a "caller": both sides must continue this trace. */
  const callerRoot = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  const callerParent = randomBytes(8).toString('hex');
  const savedEnv = { ...process.env };

  before(async () => {
    srv = await startServer();
    // OTel is configured by its env only, as in the seed's docker-compose.
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = srv.otlp;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-honeycomb-team=test-key';
    delete process.env.OTEL_SERVICE_NAME;
    delete process.env.AWS_XRAY_DAEMON_ADDRESS;
    const app = await startCruddur({ port: 0, samplingRules: 'local-all', xrayDaemonAddress: `127.0.0.1:${srv.xrayPort}` });
    try {
      for (const [i, [r, body]] of ROUTES.entries()) {
        const [method, path] = r.split(' ') as [string, string];
        const res = await fetch(app.url + path, body ? { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : { method });
        await res.arrayBuffer();
        statuses[`${i} ${r}`] = res.status;
      }
      const res = await fetch(`${app.url}/api/activities/@worf`, {
        headers: { 'X-Amzn-Trace-Id': `Root=${callerRoot};Parent=${callerParent};Sampled=1` },
      });
      await res.arrayBuffer();
      statuses['@worf'] = res.status;
    } finally {
      await app.stop(); // flushes the OTel batch processor
    }
  });

  after(async () => {
    process.env = savedEnv;
    await srv?.stop();
    if (srv) removeDir(srv.dataDir);
  });

  it('answers every route like the seed', () => {
    assert.deepEqual(Object.values(statuses), [200, 200, 200, 200, 422, 200, 200, 200, 200, 422, 200, 500, 200], JSON.stringify(statuses));
  });

  it('OpenTelemetry: every request is a trace with its SERVER span and the custom spans and attributes', async () => {
    const spans = await eventually(async () => {
      const s = otelSpans(await traces(srv, 'service=backend-flask&limit=50'));
      return s.filter((x) => tags(x)['span.kind'] === 'server').length >= ROUTES.length + 1 ? s : null;
    }, 15_000, 'OTel spans of backend-flask');
    const byName = (n: string) => spans.filter((s) => s.operationName === n);
    const parentOf = (s: JSpan) => spans.find((p) => p.spanID === s.references[0]?.spanID && p.traceID === s.traceID);

    // Trace ids from the AWS X-Ray id generator: the first 8 hex digits are the epoch seconds.
    const now = Date.now() / 1000;
    for (const s of spans) {
      const epoch = parseInt(s.traceID.slice(0, 8), 16);
      assert.ok(Math.abs(epoch - now) < 3600, `trace id ${s.traceID} is not X-Ray compatible`);
    }

    const [home] = byName('http-home-activities');
    assert.ok(home, 'http-home-activities span');
    const ht = tags(home);
    assert.equal(ht['app.result_length'], 3);
    assert.equal(typeof ht['app.now'], 'string');
    assert.ok(Math.abs(Date.parse(ht['app.now'] as string) - Date.now()) < 600_000, `app.now ${ht['app.now']}`);
    const homeServer = parentOf(home);
    assert.ok(homeServer, 'http-home-activities is a child of the request span');
    const hs = tags(homeServer);
    assert.equal(homeServer.operationName, 'GET /api/activities/home');
    assert.equal(hs['span.kind'], 'server');
    assert.equal(hs['http.request.method'], 'GET');
    assert.equal(hs['http.route'], '/api/activities/home');
    assert.equal(hs['url.path'], '/api/activities/home');
    assert.equal(hs['http.response.status_code'], 200);

    const [notif] = byName('notifications-activities');
    assert.equal(tags(notif!)['app.result_length'], 1);
    assert.equal(parentOf(notif!)?.operationName, 'GET /api/activities/notifications');

    const users = byName('user-activities').map(tags);
    assert.deepEqual(users.map((t) => t['user.handle']).sort(), ['andrewbrown', 'worf']);

    const searches = byName('search-activities').map(tags);
    assert.equal(searches.length, 2);
    assert.ok(searches.some((t) => t['search.term'] === 'cloud' && t['app.result_length'] === 1));
    const blank = byName('GET /api/activities/search').map(tags).find((t) => t['http.response.status_code'] === 422);
    assert.ok(blank, 'the 422 search request');
    assert.notEqual(blank['otel.status_code'], 'ERROR', 'a 4xx is not a server error');

    assert.equal(tags(byName('message-groups')[0]!)['app.result_length'], 2);

    // The sibling routes, one service module each.
    const msgs = tags(byName('messages')[0]!);
    assert.equal(msgs['message.receiver_handle'], 'worf');
    assert.equal(msgs['app.result_length'], 4);
    assert.equal(tags(byName('create-message')[0]!)['message.receiver_handle'], 'worf');
    const posts = byName('create-activity').map(tags);
    assert.ok(posts.some((t) => t['activity.ttl'] === '7-days' && t['message.length'] === 13));
    assert.ok(posts.some((t) => t['app.errors'] === 'message_blank'));
    const replySpan = byName('create-reply')[0]!;
    assert.equal(tags(replySpan)['activity.uuid'], '68f126b0-1ceb-4a33-88be-d90fa7109eee');
    assert.equal(parentOf(replySpan)?.operationName, 'POST /api/activities/:uuid/reply');

    const [err] = byName('GET /api/error');
    assert.ok(err, 'the error request span');
    const et = tags(err);
    assert.equal(et['otel.status_code'], 'ERROR');
    assert.equal(et['http.response.status_code'], 500);
    const ev = err.logs.map((l) => Object.fromEntries(l.fields.map((f) => [f.key, f.value])));
    const exc = ev.find((e) => e.event === 'exception');
    assert.ok(exc, 'exception event');
    assert.equal(exc['exception.type'], 'Error');
    assert.equal(exc['exception.message'], 'boom');
    assert.match(String(exc['exception.stacktrace']), /Error: boom/);
  });

  it('OpenTelemetry: an incoming X-Amzn-Trace-Id continues the caller\'s trace', async () => {
    const t = await eventually(async () => {
      const tr = await getTrace(srv, callerRoot);
      return tr && tr.spans.some((s) => !isXray(s)) ? tr : null;
    }, 15_000, 'the caller trace');
    assert.equal(t.traceID, callerRoot.slice(2).replace('-', ''));
    const server = t.spans.find((s) => !isXray(s) && s.operationName === 'GET /api/activities/@:handle');
    assert.ok(server, 'OTel SERVER span in the caller trace');
    assert.equal(server.references[0]?.spanID, callerParent);
    assert.ok(t.spans.some((s) => s.operationName === 'user-activities' && s.references[0]?.spanID === server.spanID));
  });

  it('X-Ray: segments arrive through the daemon port and read back as spans and as segment documents', async () => {
    const all = await eventually(async () => {
      const ts = await traces(srv, 'service=backend-flask&limit=50');
      const segs = ts.flatMap((t) => t.spans).filter((s) => tags(s)['xray.type'] === 'segment');
      return segs.length >= ROUTES.length + 1 ? ts : null;
    }, 15_000, 'X-Ray segments of backend-flask');
    const xspans = all.flatMap((t) => t.spans).filter(isXray);
    const segments = xspans.filter((s) => tags(s)['xray.type'] === 'segment');
    assert.equal(segments.length, ROUTES.length + 1, 'local-all: every request is sampled');
    for (const s of segments) {
      // The operation says what was served (X-Ray has no route template: the path), the service stays.
      assert.match(s.operationName, /^(GET|POST) \/api\//);
      const tr = all.find((t) => t.traceID === s.traceID)!;
      assert.equal(tr.processes[s.processID]!.serviceName, 'backend-flask');
      // One request, one trace: the X-Ray segment is the child of the request's OTel SERVER span.
      const parent = tr.spans.find((p) => p.spanID === s.references[0]?.spanID);
      assert.ok(parent && !isXray(parent) && tags(parent)['span.kind'] === 'server', `segment ${s.operationName} under its OTel SERVER span`);
      assert.equal(parent.operationName.split(' ')[0], s.operationName.split(' ')[0]);
    }
    assert.ok(segments.some((s) => s.operationName === 'GET /api/activities/@andrewbrown'));

    // The seed's subsegments: activities_users > user_activity_<handle>.
    for (const handle of ['andrewbrown', 'worf']) {
      const sub = xspans.find((s) => s.operationName === `user_activity_${handle}`);
      assert.ok(sub, `user_activity_${handle} subsegment`);
      assert.equal(tags(sub)['xray.type'], 'subsegment');
      assert.equal(tags(sub)['user_handle'], handle);
      const outer = xspans.find((s) => s.spanID === sub.references[0]?.spanID);
      assert.equal(outer?.operationName, 'activities_users');
      const seg = xspans.find((s) => s.spanID === outer!.references[0]?.spanID);
      assert.equal(tags(seg!)['xray.type'], 'segment');
    }

    // The caller's trace holds both worlds: the OTel SERVER span, child of the caller, and the X-Ray
    // segment, child of that SERVER span.
    const caller = (await getTrace(srv, callerRoot))!;
    const seg = caller.spans.find((s) => tags(s)['xray.type'] === 'segment');
    assert.ok(seg, 'X-Ray segment in the caller trace');
    const server = caller.spans.find((s) => s.spanID === seg.references[0]?.spanID);
    assert.equal(server?.references[0]?.spanID, callerParent);

    // The error: a fault with a cause, as X-Ray stores it.
    const errSeg = segments.find((s) => tags(s)['http.response.status_code'] === 500);
    assert.ok(errSeg, 'segment of /api/error');
    assert.equal(tags(errSeg)['xray.fault'], true);
    assert.equal(tags(errSeg)['otel.status_code'], 'ERROR');
    const xray = new XRayClient({
      endpoint: `http://127.0.0.1:${srv.xrayPort}`, region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    try {
      const xrayId = `1-${errSeg.traceID.slice(0, 8)}-${errSeg.traceID.slice(8)}`;
      const out = await xray.send(new BatchGetTracesCommand({ TraceIds: [xrayId] }));
      const docs = (out.Traces?.[0]?.Segments ?? []).map((s) => JSON.parse(s.Document!) as Record<string, any>);
      const doc = docs.find((d) => d.name === 'backend-flask' && d.http?.response?.status === 500);
      assert.ok(doc, `segment document of the error in ${JSON.stringify(docs).slice(0, 500)}`);
      assert.equal(doc.fault, true);
      assert.equal(doc.cause.exceptions[0].message, 'boom');
      assert.ok(doc.cause.exceptions[0].stack.length > 0);
    } finally {
      xray.destroy();
    }

    const stats = (await (await fetch(`${srv.http}/api/honeyray/stats`)).json()) as { xray: { received: number; stored: number; invalid: number; dropped: number } };
    assert.ok(stats.xray.received >= ROUTES.length + 1, JSON.stringify(stats));
    assert.equal(stats.xray.invalid, 0);
    assert.equal(stats.xray.dropped, 0);
  });

  it('runs two apps in one process, refuses conflicting X-Ray settings, and restarts after stop', async () => {
    const started: RunningCruddur[] = [];
    try {
      const daemon = `127.0.0.1:${srv.xrayPort}`;
      const a = await startCruddur({ port: 0, samplingRules: 'local-all', xrayDaemonAddress: daemon });
      started.push(a);
      const b = await startCruddur({ port: 0, serviceName: 'cruddur-b', xray: false });
      started.push(b);
      await assert.rejects(startCruddur({ port: 0, samplingRules: 'local-all', streamingThreshold: 0, xrayDaemonAddress: daemon }), /configured once per process/);
      await assert.rejects(startCruddur({ port: 0, samplingRules: 'centralized', xrayDaemonAddress: daemon }), /configured once per process|centralized/);
      assert.equal((await fetch(`${a.url}/api/message_groups`)).status, 200);
      assert.equal((await fetch(`${b.url}/api/activities/home`)).status, 200);
      await a.stop();
      await b.stop();
      // Every app stopped: the X-Ray configuration may change (here: stream every subsegment).
      const c = await startCruddur({ port: 0, serviceName: 'cruddur-c', samplingRules: 'local-all', streamingThreshold: 0, xrayDaemonAddress: daemon, otel: false });
      started.push(c);
      assert.equal((await fetch(`${c.url}/api/activities/@stream`)).status, 200);
      await c.stop();
      await assert.rejects(startCruddur({ port: 0, samplingRules: 'centralized', xrayDaemonAddress: daemon }), /centralized/);
      // The SDK was loaded in manual mode (the cheap one, see tracing.ts): no cls-hooked namespace was
      // ever created, so no async hook runs, and automatic mode cannot be asked for any more.
      const namespaces = (process as unknown as { namespaces?: Record<string, unknown> }).namespaces ?? {};
      assert.equal(namespaces.AWSXRay, undefined);
      assert.equal(process.env.AWS_XRAY_MANUAL_MODE, undefined, 'the switch is not left in the environment');
      await assert.rejects(startCruddur({ port: 0, samplingRules: 'local-all', xrayDaemonAddress: daemon, xrayContext: 'automatic' }), /manual mode/);
    } finally {
      for (const s of started) await s.stop();
    }
    const b = await eventually(async () => {
      const ts = await traces(srv, 'service=cruddur-b&limit=10');
      return ts.length > 0 ? ts : null;
    }, 15_000, 'traces of the second app');
    assert.ok(b[0]!.spans.some((s) => s.operationName === 'http-home-activities'));
    const streamed = await eventually(async () => {
      const ts = await traces(srv, 'service=cruddur-c&limit=10');
      const spans = ts.flatMap((t) => t.spans);
      return spans.some((s) => s.operationName === 'user_activity_stream') && spans.some((s) => s.operationName === 'GET /api/activities/@stream' && tags(s)['xray.type'] === 'segment') ? spans : null;
    }, 15_000, 'streamed subsegments of the third app');
    assert.ok(streamed.every(isXray));
  });
});
