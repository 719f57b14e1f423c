/**
 * Zipkin v1 Thrift and shared spans: zipkin-js's real `Tracer` records a caller (server span, local child,
 * client call) and a callee that joins the client's span (zipkin-js's default: the server half reuses the
 * client's span id, `shared`); both post their spans as v1 Thrift (`zipkin-encoder-thrift`, see
 * helpers/zipkin-thrift.ts) to `/api/v1/spans`. Read back through the Jaeger API (the server half gets its
 * own id under the client, as Jaeger shows it) and Zipkin's (both halves with the one id, `shared: true`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Annotation, BatchRecorder, ExplicitContext, TraceId, Tracer, option } from 'zipkin';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { jaegerTrace, tagOf } from '../helpers/jaeger-read.js';
import { ThriftLogger } from '../helpers/zipkin-thrift.js';

function tracer(logger: ThriftLogger, service: string): Tracer {
  return new Tracer({ ctxImpl: new ExplicitContext(), recorder: new BatchRecorder({ logger: logger as never, timeout: 60_000_000 }), localServiceName: service, traceId128Bit: true });
}

/** Caller: server span -> client call; callee: joins the client's ids (as read from B3 headers) -> local child. */
function emit(front: ThriftLogger, back: ThriftLogger): { traceId: string; rootId: string; clientId: string; calleeChildId: string } {
  const caller = tracer(front, 'thrift-front');
  const callee = tracer(back, 'thrift-back');
  const root = caller.createRootId();
  let clientId = '';
  let calleeChildId = '';
  caller.letId(root, () => {
    caller.recordServiceName('thrift-front');
    caller.recordRpc('get /checkout');
    caller.recordAnnotation(new Annotation.ServerRecv());
    caller.recordBinary('http.path', '/checkout');
    const client = caller.createChildId();
    clientId = client.spanId;
    caller.letId(client, () => {
      caller.recordServiceName('thrift-front');
      caller.recordRpc('get /price');
      caller.recordAnnotation(new Annotation.ClientSend());
      caller.recordAnnotation(new Annotation.ServerAddr({ serviceName: 'thrift-back', port: 9000 }));
      // The callee, given the B3 headers of this call.
      const incoming = new TraceId({ traceId: client.traceId, parentId: client.parentSpanId, spanId: client.spanId, sampled: new option.Some(true) });
      const joined = (callee as unknown as { join(id: TraceId): TraceId }).join(incoming); // in zipkin-js, not in its .d.ts
      callee.letId(joined, () => {
        callee.recordServiceName('thrift-back');
        callee.recordRpc('get /price');
        callee.recordAnnotation(new Annotation.ServerRecv());
        callee.recordMessage('price looked up');
        callee.local('lookup', () => {
          calleeChildId = callee.id.spanId;
          callee.recordBinary('db.rows', '3');
        });
        callee.recordAnnotation(new Annotation.ServerSend());
      });
      caller.recordAnnotation(new Annotation.ClientRecv());
    });
    caller.recordAnnotation(new Annotation.ServerSend());
  });
  return { traceId: root.traceId, rootId: root.spanId, clientId, calleeChildId };
}

describe('Zipkin v1 Thrift and shared spans: zipkin-js Tracer + zipkin-encoder-thrift -> Honeyray', () => {
  let srv: RunningServer;
  let zipkin: string;
  before(async () => { srv = await startServer(); zipkin = `http://127.0.0.1:${srv.zipkinPort}`; });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  it('stores the spans; Jaeger reads give the shared server half its own id under the client', async () => {
    const front = new ThriftLogger(`${zipkin}/api/v1/spans`);
    const back = new ThriftLogger(`${zipkin}/api/v1/spans`);
    const ids = emit(front, back);
    assert.equal((await back.flush()).status, 202);
    assert.equal((await front.flush()).status, 202);
    const t = await jaegerTrace(srv.http, ids.traceId, 4, (x) => x.spans.some((s) => tagOf(s, 'db.rows') !== undefined));
    assert.equal(t.spans.length, 4, JSON.stringify(t.spans.map((s) => [s.spanID, s.operationName])));
    const service = (s: { processID: string }) => t.processes[s.processID]!.serviceName;
    const byKind = (kind: string, svc: string) => t.spans.find((s) => tagOf(s, 'span.kind') === kind && service(s) === svc)!;

    const root = byKind('server', 'thrift-front');
    assert.equal(root.spanID, ids.rootId);
    assert.deepEqual(root.references, []);
    assert.equal(tagOf(root, 'http.path'), '/checkout');

    const client = byKind('client', 'thrift-front');
    assert.equal(client.spanID, ids.clientId);
    assert.deepEqual(client.references.map((r) => r.spanID), [ids.rootId]);
    assert.equal(tagOf(client, 'peer.service'), 'thrift-back');
    assert.equal(tagOf(client, 'network.peer.port'), 9000);

    const server = byKind('server', 'thrift-back');
    assert.notEqual(server.spanID, ids.clientId, 'the shared server half gets an id of its own');
    assert.match(server.spanID, /^[0-9a-f]{16}$/);
    assert.deepEqual(server.references.map((r) => r.spanID), [ids.clientId], 'and hangs under the client half');
    assert.equal(server.operationName, 'get /price');
    assert.equal(tagOf(server, 'zipkin.shared'), true);
    assert.deepEqual(server.logs.map((l) => l.fields.find((f) => f.key === 'event')?.value), ['price looked up']);

    const child = t.spans.find((s) => s.operationName === 'lookup')!;
    assert.equal(child.spanID, ids.calleeChildId);
    assert.deepEqual(child.references.map((r) => r.spanID), [server.spanID], "the callee's child moves under the server half");
    assert.equal(tagOf(child, 'db.rows'), '3');

    // The new id is the same on every read (links to it keep working).
    const again = await jaegerTrace(srv.http, ids.traceId, 4);
    assert.equal(again.spans.find((s) => tagOf(s, 'span.kind') === 'server' && again.processes[s.processID]!.serviceName === 'thrift-back')!.spanID, server.spanID);

    // Zipkin's read API keeps Zipkin's model: both halves with the one id, the server's marked shared.
    const z = (await (await fetch(`${zipkin}/api/v2/trace/${ids.traceId}`)).json()) as { id: string; kind?: string; shared?: boolean; parentId?: string; tags: Record<string, string> }[];
    const halves = z.filter((s) => s.id === ids.clientId).map((s) => [s.kind, s.shared ?? false, s.parentId]);
    assert.deepEqual(halves.sort(), [['CLIENT', false, ids.rootId], ['SERVER', true, ids.rootId]]);
    assert.ok(z.every((s) => !('zipkin.shared' in s.tags)));
  });

  it('bad Thrift gets a 400 text answer and the server keeps serving', async () => {
    const post = (body: Uint8Array, type: string) => fetch(`${zipkin}/api/v1/spans`, { method: 'POST', body: body as BodyInit, headers: { 'content-type': type } });
    let r = await post(Buffer.from('[{"traceId":"1"}]'), 'application/x-thrift');
    assert.equal(r.status, 400);
    assert.match(await r.text(), /^Expected a THRIFT encoded list/);
    r = await post(Buffer.from([12, 0, 0, 0, 1, 10, 0, 1]), 'application/x-thrift');
    assert.equal(r.status, 400);
    r = await post(Buffer.from('x'), 'text/plain');
    assert.equal(r.status, 415);
    assert.match(await r.text(), /application\/x-thrift/);
    r = await post(Buffer.from([12, 0, 0, 0, 0]), 'application/x-thrift');
    assert.equal(r.status, 202);
  });
});
