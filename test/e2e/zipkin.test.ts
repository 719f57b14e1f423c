/**
 * The real `zipkin` tracer with `zipkin-transport-http` (its default JSON v1, and JSON v2), sending to
 * Honeyray's Zipkin port; read back through the Jaeger API field by field. Proto3 and bad input by hand.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Annotation, BatchRecorder, ExplicitContext, Tracer, jsonEncoder } from 'zipkin';
import { HttpLogger } from 'zipkin-transport-http';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { jaegerTrace, tagOf } from '../helpers/jaeger-read.js';
import { zipkinProto3 } from '../receivers/zipkin/proto3-writer.js';

/** A server span with a local child and a client call, as an instrumented web handler records them. */
async function emit(zipkinBase: string, path: string, encoder: unknown, service: string): Promise<{ traceId: string; rootId: string; childId: string }> {
  const logger = new HttpLogger({ endpoint: `${zipkinBase}${path}`, jsonEncoder: encoder as never, httpInterval: 50 });
  const tracer = new Tracer({ ctxImpl: new ExplicitContext(), recorder: new BatchRecorder({ logger }), localServiceName: service, traceId128Bit: true });
  const root = tracer.createRootId();
  let childId = '';
  tracer.letId(root, () => {
    tracer.recordServiceName(service);
    tracer.recordRpc('get /api/zipkin');
    tracer.recordAnnotation(new Annotation.ServerRecv());
    tracer.recordBinary('http.path', '/api/zipkin');
    tracer.recordMessage('handler started');
    tracer.local('compute', () => {
      childId = tracer.id.spanId;
      tracer.recordBinary('error', 'division by zero');
    });
    const client = tracer.createChildId();
    tracer.letId(client, () => {
      tracer.recordServiceName(service);
      tracer.recordRpc('get');
      tracer.recordAnnotation(new Annotation.ClientSend());
      tracer.recordAnnotation(new Annotation.ServerAddr({ serviceName: 'downstream', port: 9000 }));
      tracer.recordAnnotation(new Annotation.ClientRecv());
    });
    tracer.recordAnnotation(new Annotation.ServerSend());
  });
  await new Promise((r) => setTimeout(r, 300)); // the logger posts every httpInterval
  return { traceId: root.traceId, rootId: root.spanId, childId };
}

describe('Zipkin: zipkin + zipkin-transport-http -> Honeyray', () => {
  let srv: RunningServer;
  let zipkin: string;
  before(async () => { srv = await startServer(); zipkin = `http://127.0.0.1:${srv.zipkinPort}`; });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  for (const [path, encoder, name] of [['/api/v1/spans', jsonEncoder.JSON_V1, 'JSON v1 (the default)'], ['/api/v2/spans', jsonEncoder.JSON_V2, 'JSON v2']] as const) {
    it(`${name}: server, local and client spans with tags, annotations, error and remote endpoint`, async () => {
      const svc = `zipkin-${path.includes('v1') ? 'v1' : 'v2'}`;
      const ids = await emit(zipkin, path, encoder, svc);
      const t = await jaegerTrace(srv.http, ids.traceId, 3, (x) => x.spans.some((s) => tagOf(s, 'http.path') !== undefined) && x.spans.some((s) => tagOf(s, 'peer.service') !== undefined));
      assert.equal(t.spans.length, 3);
      const root = t.spans.find((s) => s.spanID === ids.rootId)!;
      assert.equal(root.operationName, 'get /api/zipkin');
      assert.deepEqual(root.references, []);
      assert.equal(tagOf(root, 'span.kind'), 'server');
      assert.equal(tagOf(root, 'http.path'), '/api/zipkin', JSON.stringify(t.spans.map((s) => [s.spanID, s.operationName, s.tags])));
      assert.ok(root.duration >= 0);
      assert.deepEqual(root.logs.map((l) => l.fields.find((f) => f.key === 'event')?.value), ['handler started']);
      assert.equal(t.processes[root.processID]!.serviceName, svc);
      const child = t.spans.find((s) => s.spanID === ids.childId)!;
      assert.equal(child.operationName, 'compute');
      assert.deepEqual(child.references.map((r) => r.spanID), [ids.rootId]);
      assert.equal(tagOf(child, 'otel.status_code'), 'ERROR');
      assert.equal(tagOf(child, 'otel.status_description'), 'division by zero');
      const client = t.spans.find((s) => tagOf(s, 'span.kind') === 'client')!;
      assert.equal(tagOf(client, 'peer.service'), 'downstream');
      assert.equal(tagOf(client, 'network.peer.port'), 9000);
      assert.deepEqual(client.references.map((r) => r.spanID), [ids.rootId]);
    });
  }

  it('proto3 (application/x-protobuf) on /api/v2/spans', async () => {
    const body = zipkinProto3([{ traceId: '4f84c7a11234567890abcdef12345678', id: '00000000000000a1', name: 'proto-op', kind: 2, timestamp: Date.now() * 1000, duration: 1500, service: 'zipkin-proto', tags: { 'http.method': 'GET' }, annotation: 'hello' }]);
    const r = await fetch(`${zipkin}/api/v2/spans`, { method: 'POST', body: Buffer.from(body), headers: { 'content-type': 'application/x-protobuf' } });
    assert.equal(r.status, 202);
    const t = await jaegerTrace(srv.http, '4f84c7a11234567890abcdef12345678');
    const s = t.spans[0]!;
    assert.deepEqual([s.operationName, s.duration, tagOf(s, 'span.kind'), tagOf(s, 'http.method'), t.processes[s.processID]!.serviceName], ['proto-op', 1500, 'server', 'GET', 'zipkin-proto']);
    assert.equal(s.logs[0]!.fields.find((f) => f.key === 'event')?.value, 'hello');
  });

  it('the Zipkin read API returns what was sent (services, span names, search, trace by id)', async () => {
    const get = async (path: string) => { const r = await fetch(`${zipkin}${path}`); return [r.status, r.status === 200 ? await r.json() : await r.text()] as const; };
    const id = '4f84c7a11234567890abcdef12345678';
    await jaegerTrace(srv.http, id);
    const [, services] = await get('/api/v2/services');
    assert.ok((services as string[]).includes('zipkin-proto'));
    assert.deepEqual(await get('/api/v2/spans?serviceName=zipkin-proto'), [200, ['proto-op']]);
    const [, trace] = await get(`/api/v2/trace/${id}`);
    const [s] = trace as Record<string, unknown>[];
    assert.deepEqual({ ...s, timestamp: 0, annotations: (s!.annotations as { value: string }[]).map((a) => a.value) }, {
      traceId: id, id: '00000000000000a1', name: 'proto-op', kind: 'SERVER', timestamp: 0, duration: 1500,
      localEndpoint: { serviceName: 'zipkin-proto' }, tags: { 'host.ip': '127.0.0.1', 'http.method': 'GET' }, annotations: ['hello'],
    });
    const [, found] = await get('/api/v2/traces?serviceName=zipkin-proto&annotationQuery=http.method%3DGET&minDuration=1000&limit=5');
    assert.deepEqual((found as { traceId: string }[][]).map((t) => t[0]!.traceId), [id]);
    const [, none] = await get('/api/v2/traces?serviceName=zipkin-proto&minDuration=2000');
    assert.deepEqual(none, []);
    assert.equal((await get('/api/v2/trace/00000000000000000000000000000abc'))[0], 404);
    assert.equal((await get('/api/v2/trace/nothex'))[0], 400);
    assert.equal((await get('/api/v2/traces?limit=-1'))[0], 400);
  });

  it('bad input gets 400/415 text answers and the server keeps serving', async () => {
    const post = (path: string, body: string | Buffer, type = 'application/json') => fetch(`${zipkin}${path}`, { method: 'POST', body: body as BodyInit, headers: { 'content-type': type } });
    let r = await post('/api/v2/spans', '[{"traceId":');
    assert.equal(r.status, 400);
    assert.match(await r.text(), /^Expected a JSON_V2 encoded list/);
    r = await post('/api/v2/spans', '[{"traceId":"xyz","id":"1"}]');
    assert.equal(r.status, 400);
    assert.match(await r.text(), /traceId should be/);
    r = await post('/api/v1/spans', '{}');
    assert.equal(r.status, 400);
    r = await post('/api/v2/spans', Buffer.from([0x0a, 0xff, 0xff]), 'application/x-protobuf');
    assert.equal(r.status, 400);
    r = await post('/api/v1/spans', 'x', 'application/x-thrift');
    assert.equal(r.status, 400);
    r = await post('/api/v1/spans', 'x', 'text/plain');
    assert.equal(r.status, 415);
    r = await post('/api/v2/spans', '[]');
    assert.equal(r.status, 202);
  });
});
