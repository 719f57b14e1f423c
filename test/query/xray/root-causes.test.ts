import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Span } from '../../../src/model/span.js';
import { rootCauses } from '../../../src/query/xray/root-causes.js';
import { summarizeTrace } from '../../../src/query/xray/trace-summary.js';

const T = '6b04f61982611d11b09e7b58d0c50d26';
const BASE = 1_795_487_000_000_000_000n;
const ms = (n: number) => BigInt(n) * 1_000_000n;
function span(id: string, parent: string, dataset: string, name: string, startMs: number, durMs: number, over: Partial<Span> = {}): Span {
  return {
    traceId: T, spanId: id.padStart(16, '0'), parentSpanId: parent ? parent.padStart(16, '0') : '', traceState: '', dataset, name, kind: 1,
    startUnixNano: BASE + ms(startMs), durationNano: ms(durMs), statusCode: 0, statusMessage: '', flags: 0, scopeName: '', scopeVersion: '',
    attributes: {}, resource: {}, events: [], links: [], droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0, source: 0, ...over,
  };
}

// frontend GET /checkout (500) -> backend POST /orders (500) -> backend SELECT (fault, exception) ; frontend render (slow, own time)
const spans = [
  span('1', '', 'frontend', 'GET /checkout', 0, 100, { kind: 2, statusCode: 2, attributes: { 'http.response.status_code': 500 } }),
  span('2', '1', 'frontend', 'POST', 5, 30, { kind: 3, statusCode: 2, attributes: { 'http.response.status_code': 500 } }),
  span('3', '2', 'backend', 'POST /orders', 6, 28, { kind: 2, statusCode: 2, attributes: { 'http.response.status_code': 500 } }),
  span('4', '3', 'backend', 'SELECT orders', 7, 20, { kind: 3, statusCode: 2, statusMessage: 'deadlock', events: [
    { timeUnixNano: String(BASE + ms(27)), name: 'exception', attributes: { 'exception.type': 'SQLException', 'exception.message': 'deadlock detected' } },
  ] }),
  span('5', '1', 'frontend', 'render', 40, 55),
  span('6', '5', 'frontend', 'GET /missing', 41, 2, { kind: 3, attributes: { 'http.response.status_code': 404 } }),
];

test('fault root cause: the deepest faulting span, with its service entity path and exception', () => {
  const r = rootCauses(spans);
  assert.equal(r.FaultRootCauses.length, 1);
  const svc = r.FaultRootCauses[0]!.Services[0]!;
  assert.equal(svc.Name, 'backend');
  assert.deepEqual(svc.EntityPath.map((e) => e.Name), ['POST /orders', 'SELECT orders']);
  assert.deepEqual(svc.EntityPath[1]!.Exceptions, [{ Name: 'SQLException', Message: 'deadlock detected' }]);
  assert.equal(svc.EntityPath[1]!.Remote, true);
  assert.equal(svc.Inferred, true);
});

test('error root cause: a 4xx without errors below it', () => {
  const r = rootCauses(spans);
  assert.deepEqual(r.ErrorRootCauses.map((c) => c.Services[0]!.EntityPath.map((e) => e.Name)), [['GET /checkout', 'render', 'GET /missing']]);
});

test('response-time root cause: the span with the most self time, with its coverage of the trace', () => {
  const r = rootCauses(spans);
  const svc = r.ResponseTimeRootCauses[0]!.Services[0]!;
  assert.deepEqual(svc.EntityPath.map((e) => e.Name), ['GET /checkout', 'render']);
  assert.equal(svc.EntityPath.at(-1)!.Coverage, 53 / 100);
});

test('trace summaries carry the root causes', () => {
  const s = summarizeTrace(spans);
  assert.equal(s.FaultRootCauses[0]!.Services[0]!.Name, 'backend');
  assert.equal(s.HasFault, true);
});
