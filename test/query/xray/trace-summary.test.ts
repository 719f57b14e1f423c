/** summarizeTrace: Http.HttpURL and IsPartial on OTel, X-Ray and mixed traces, and the X-Ray twin of an OTel request. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Span } from '../../../src/model/span.js';
import { summarizeTrace } from '../../../src/query/xray/trace-summary.js';

const T = '6b04f61982611d11b09e7b58d0c50d26';
const BASE = 1_795_487_000_000_000_000n;
const ms = (n: number) => BigInt(n) * 1_000_000n;
function span(id: string, parent: string, dataset: string, name: string, over: Partial<Span> = {}): Span {
  return {
    traceId: T, spanId: id.padStart(16, '0'), parentSpanId: parent ? parent.padStart(16, '0') : '', traceState: '', dataset, name, kind: 1,
    startUnixNano: BASE, durationNano: ms(10), statusCode: 0, statusMessage: '', flags: 0, scopeName: '', scopeVersion: '',
    attributes: {}, resource: {}, events: [], links: [], droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0, source: 0, ...over,
  };
}
const otelServer = (id: string, parent: string, over: Partial<Span> = {}) => span(id, parent, 'backend-flask', 'GET /api/activities/home', {
  kind: 2,
  attributes: { 'http.request.method': 'GET', 'url.path': '/api/activities/home', 'url.scheme': 'http', 'server.address': '127.0.0.1', 'server.port': 4567, 'http.response.status_code': 200 },
  ...over,
});
const xraySegment = (id: string, parent: string, over: Partial<Span> = {}) => span(id, parent, 'backend-flask', 'GET /api/activities/home', {
  kind: 2, source: 1,
  attributes: { 'xray.type': 'segment', 'http.request.method': 'GET', 'url.full': 'http://127.0.0.1:4567/api/activities/home', 'http.response.status_code': 500, 'xray.fault': true },
  ...over,
});

test('OTel trace: HttpURL rebuilt from path, host, port and scheme; a root is not partial', () => {
  const s = summarizeTrace([otelServer('1', ''), span('2', '1', 'backend-flask', 'http-home-activities')]);
  assert.equal(s.Http.HttpURL, 'http://127.0.0.1:4567/api/activities/home');
  assert.equal(s.Http.HttpMethod, 'GET');
  assert.equal(s.IsPartial, false);
});

test('X-Ray trace: HttpURL as recorded; partial when a segment is in progress or a subsegment lost its segment', () => {
  assert.equal(summarizeTrace([xraySegment('1', '')]).Http.HttpURL, 'http://127.0.0.1:4567/api/activities/home');
  assert.equal(summarizeTrace([xraySegment('1', '')]).IsPartial, false);
  assert.equal(summarizeTrace([xraySegment('1', '', { attributes: { 'xray.type': 'segment', 'xray.in_progress': true } })]).IsPartial, true);
  const orphan = span('5', '4', 'backend-flask', 'activities_users', { source: 1, attributes: { 'xray.type': 'subsegment' } });
  assert.equal(summarizeTrace([xraySegment('1', ''), orphan]).IsPartial, true, 'segment 4 is missing');
});

test('continued trace: a root whose parent is an upstream caller is not partial', () => {
  assert.equal(summarizeTrace([otelServer('1', 'abc')]).IsPartial, false);
  assert.equal(summarizeTrace([xraySegment('1', 'abc')]).IsPartial, false);
});

test('mixed trace, one request instrumented twice: the X-Ray twin does not count as a second request', () => {
  // The OTel SERVER span (ok) with the X-Ray segment of the same request as its child (here a fault,
  // to show it is not read as a service segment of its own).
  const s = summarizeTrace([otelServer('1', ''), xraySegment('2', '1'), span('3', '1', 'backend-flask', 'http-home-activities')]);
  assert.equal(s.Http.HttpURL, 'http://127.0.0.1:4567/api/activities/home');
  assert.equal(s.HasFault, false);
  assert.deepEqual(s.ServiceIds.map((x) => x.Name), ['backend-flask']);
  assert.equal(s.IsPartial, false);
  // A segment under a span of ANOTHER service is a real call, and counts.
  const call = span('1', '', 'frontend', 'GET /', { kind: 2 });
  const t = summarizeTrace([call, xraySegment('2', '1')]);
  assert.equal(t.HasFault, true);
  assert.deepEqual(t.ServiceIds.map((x) => x.Name).sort(), ['backend-flask', 'frontend']);
});
