/** The UI's pure trace model (src/ui/trace-model.ts) on a Jaeger-API trace fixture. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ancestorIds, buildTraceModel, criticalTime, findSpans, isErrorSpan, skeletonToJaeger, visibleRows, xrayTraceId,
  type JaegerKeyValue, type JaegerSpan, type JaegerTrace,
} from '../../src/ui/trace-model.js';
import { assignColors } from '../../src/ui/format.js';

const T0 = 1_700_000_000_000_000; // µs
const TRACE = '5f84c7a11234567890abcdef12345678';
const ms = (n: number) => n * 1000;

function span(id: string, op: string, proc: string, startMs: number, endMs: number, parent?: string, extra: Partial<JaegerSpan> = {}): JaegerSpan {
  return {
    traceID: TRACE, spanID: id, operationName: op, processID: proc,
    references: parent ? [{ refType: 'CHILD_OF', traceID: TRACE, spanID: parent }] : [],
    startTime: T0 + ms(startMs), duration: ms(endMs - startMs), tags: [], logs: [], warnings: null, ...extra,
  };
}
const tag = (key: string, value: string | number | boolean): JaegerKeyValue => ({ key, type: typeof value === 'boolean' ? 'bool' : typeof value === 'number' ? 'int64' : 'string', value });

/**
 * A  frontend GET /checkout      0..100
 *   B  frontend POST /api/orders   5..80
 *     C  backend POST /api/orders   10..75
 *       D  backend SELECT            15..30
 *       E  payment charge (error)    35..70   (an event with fields)
 *   F  frontend render            82..95
 *   G  frontend async            90..120   (outlives its parent)
 * H  backend orphan (parent not in the trace) 50..60
 * Spans are listed out of order on purpose.
 */
const FIXTURE: JaegerTrace = {
  traceID: TRACE,
  processes: {
    p1: { serviceName: 'frontend', tags: [tag('host.name', 'web-1')] },
    p2: { serviceName: 'backend', tags: [] },
    p3: { serviceName: 'payment', tags: [tag('xray.origin', 'AWS::EC2::Instance')] },
  },
  warnings: null,
  spans: [
    span('000000000000000e', 'charge', 'p3', 35, 70, '000000000000000c', {
      tags: [tag('error', true), tag('payment.provider', 'stripe')],
      logs: [{ timestamp: T0 + ms(60), fields: [tag('event', 'exception'), tag('exception.message', 'card_declined')] }],
    }),
    span('0000000000000007', 'async', 'p1', 90, 120, '000000000000000a'),
    span('000000000000000c', 'POST /api/orders', 'p2', 10, 75, '000000000000000b'),
    span('000000000000000a', 'GET /checkout', 'p1', 0, 100, undefined, { tags: [tag('span.kind', 'server')] }),
    span('000000000000000d', 'SELECT orders', 'p2', 15, 30, '000000000000000c'),
    span('000000000000000f', 'render', 'p1', 82, 95, '000000000000000a'),
    span('000000000000000b', 'POST /api/orders', 'p1', 5, 80, '000000000000000a'),
    span('0000000000000001', 'orphan', 'p2', 50, 60, 'ffffffffffffffff'),
  ],
};

const ids = (nodes: { span: JaegerSpan }[]) => nodes.map((n) => n.span.spanID.slice(-1));
const iv = (n: { critical: { start: number; end: number }[] }) => n.critical.map((c) => [(c.start - T0) / 1000, (c.end - T0) / 1000]);

describe('trace model', () => {
  const m = buildTraceModel(FIXTURE);
  const node = (last: string) => m.nodes.find((n) => n.span.spanID.endsWith(last))!;

  it('builds the tree depth-first, children by start time, orphans as later roots', () => {
    assert.deepEqual(ids(m.nodes), ['a', 'b', 'c', 'd', 'e', 'f', '7', '1']);
    assert.deepEqual(m.nodes.map((n) => n.depth), [0, 1, 2, 3, 3, 1, 1, 0]);
    assert.deepEqual(ids(m.roots), ['a', '1']);
    assert.equal(m.root.span.operationName, 'GET /checkout');
    assert.equal(node('c').parent, node('b'));
    assert.deepEqual(ids(node('a').children), ['b', 'f', '7']);
    assert.equal(node('a').descendants, 6);
    assert.equal(node('c').descendants, 2);
    assert.ok(m.nodes.every((n, i) => n.index === i));
  });

  it('computes trace start, duration (to the latest end), depth, errors and services', () => {
    assert.equal(m.start, T0);
    assert.equal(m.duration, ms(120));
    assert.equal(m.depth, 4);
    assert.equal(m.errors, 1);
    assert.deepEqual(m.services.map((s) => [s.name, s.spans, s.errors]), [['frontend', 4, 0], ['backend', 3, 0], ['payment', 1, 1]]);
    assert.equal(new Set(m.services.map((s) => s.color)).size, 3, 'distinct colors');
    assert.deepEqual(m.services.map((s) => s.color), m.services.map((s) => assignColors(['payment', 'backend', 'frontend']).get(s.name)), 'the same colors as on other pages');
    assert.equal(node('e').offset, ms(35));
    assert.equal(node('e').error, true);
    assert.equal(node('d').error, false);
  });

  it('flags spans with xray.* tags (span or process) as X-Ray documents', () => {
    assert.equal(node('e').xray, true);
    assert.equal(node('a').xray, false);
  });

  it('computes self time: duration minus the union of children, clipped to the span', () => {
    assert.equal(node('a').selfTime, ms(7)); // 100 - (5..80 + 82..100)
    assert.equal(node('c').selfTime, ms(65 - 15 - 35));
    assert.equal(node('d').selfTime, ms(15));
  });

  it('computes the critical path (last-finishing child first, children clipped to their parent)', () => {
    assert.deepEqual(iv(node('a')), [[0, 5], [80, 90]]);
    assert.deepEqual(iv(node('7')), [[90, 100]]); // clipped to its parent's end
    assert.deepEqual(iv(node('b')), [[5, 10], [75, 80]]);
    assert.deepEqual(iv(node('c')), [[10, 15], [30, 35], [70, 75]]);
    assert.deepEqual(iv(node('d')), [[15, 30]]);
    assert.deepEqual(iv(node('e')), [[35, 70]]);
    assert.deepEqual(iv(node('f')), []); // render overlaps async, which finishes later
    assert.deepEqual(iv(node('1')), [[50, 60]]);
    const total = m.nodes.filter((n) => n !== node('1')).reduce((s, n) => s + criticalTime(n), 0);
    assert.equal(total, ms(100), 'the path covers the whole root span exactly once');
  });

  it('hides collapsed subtrees and lists the ancestors to expand', () => {
    assert.deepEqual(ids(visibleRows(m, new Set())), ['a', 'b', 'c', 'd', 'e', 'f', '7', '1']);
    assert.deepEqual(ids(visibleRows(m, new Set(['000000000000000c']))), ['a', 'b', 'c', 'f', '7', '1']);
    assert.deepEqual(ids(visibleRows(m, new Set(['000000000000000a', '000000000000000c']))), ['a', '1']);
    assert.deepEqual(ids(visibleRows(m, new Set(['000000000000000d']))), ['a', 'b', 'c', 'd', 'e', 'f', '7', '1'], 'a leaf has nothing to hide');
    assert.deepEqual(ancestorIds(node('e')).map((x) => x.slice(-1)), ['c', 'b', 'a']);
  });

  it('finds spans by service, operation, tag and event field values', () => {
    assert.deepEqual(ids(findSpans(m, 'payment')), ['e']);
    assert.deepEqual(ids(findSpans(m, 'CARD_DECLINED')), ['e']);
    assert.deepEqual(ids(findSpans(m, 'post /api')), ['b', 'c']);
    assert.deepEqual(findSpans(m, '  '), []);
  });

  it('recognizes OTel error status, and survives parent cycles and duplicate span ids', () => {
    assert.equal(isErrorSpan(span('1', 'x', 'p1', 0, 1, undefined, { tags: [tag('otel.status_code', 'ERROR')] })), true);
    assert.equal(isErrorSpan(span('1', 'x', 'p1', 0, 1, undefined, { tags: [tag('error', false)] })), false);
    const cyc = buildTraceModel({
      traceID: TRACE, processes: { p1: { serviceName: 's', tags: [] } }, warnings: null,
      spans: [span('0000000000000001', 'x', 'p1', 0, 10, '0000000000000002'), span('0000000000000002', 'y', 'p1', 1, 5, '0000000000000001'), span('0000000000000002', 'dup', 'p1', 2, 3)],
    });
    assert.equal(cyc.nodes.length, 3);
    assert.ok(cyc.roots.length >= 1);
    assert.ok(cyc.nodes.every((n) => n.index >= 0));
    assert.equal(new Set(cyc.nodes).size, 3);
  });

  it('handles a deep chain of 5,000 spans without recursion', () => {
    const spans = Array.from({ length: 5000 }, (_, i) => span(i.toString(16).padStart(16, '0'), `op${i}`, 'p1', i, 10_000 - i, i ? (i - 1).toString(16).padStart(16, '0') : undefined));
    const deep = buildTraceModel({ traceID: TRACE, processes: { p1: { serviceName: 's', tags: [] } }, warnings: null, spans });
    assert.equal(deep.depth, 5000);
    assert.equal(deep.root.descendants, 4999);
    assert.equal(visibleRows(deep, new Set([spans[0]!.spanID])).length, 1);
  });

  it('prints X-Ray trace ids for 32- and 16-hex ids', () => {
    assert.equal(xrayTraceId(TRACE), '1-5f84c7a1-1234567890abcdef12345678');
    assert.equal(xrayTraceId('1234567890abcdef'), '1-00000000-000000001234567890abcdef');
    assert.equal(xrayTraceId('nope'), null);
  });
});

describe('trace model from a skeleton', () => {
  it('gives the same tree, order, times, critical path and errors as the full trace', () => {
    // The fixture as the skeleton endpoint sends it: start order, strings in a dictionary, status 2 for the error.
    const spans = [...FIXTURE.spans].sort((a, b) => a.startTime - b.startTime || (a.spanID < b.spanID ? -1 : 1));
    const strings = [...new Set([...spans.map((s) => FIXTURE.processes[s.processID]!.serviceName), ...spans.map((s) => s.operationName)])];
    const skeleton = {
      traceId: TRACE, length: spans.length, strings,
      spanId: spans.map((s) => s.spanID), parentSpanId: spans.map((s) => s.references[0]?.spanID ?? ''),
      service: spans.map((s) => strings.indexOf(FIXTURE.processes[s.processID]!.serviceName)),
      name: spans.map((s) => strings.indexOf(s.operationName)),
      kind: spans.map(() => 0), statusCode: spans.map((s) => (isErrorSpan(s) ? 2 : 0)),
      startUs: spans.map((s) => s.startTime), durationUs: spans.map((s) => s.duration),
    };
    const full = buildTraceModel(FIXTURE);
    const lean = buildTraceModel(skeletonToJaeger(skeleton));
    const shape = (m: typeof full) => m.nodes.map((n) => [n.span.spanID, n.service, n.span.operationName, n.depth, n.descendants, n.offset, n.selfTime, n.error, iv(n)]);
    assert.deepEqual(shape(lean), shape(full));
    assert.deepEqual([lean.errors, lean.depth, lean.duration, lean.services], [full.errors, full.depth, full.duration, full.services]);
    assert.deepEqual(lean.nodes.find((n) => n.error)!.span.tags, [{ key: 'error', type: 'bool', value: true }], 'no tags but the error flag');
  });
});
