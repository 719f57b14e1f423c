/** Trace compare's merged tree (src/ui/trace-diff.ts): paths present in one trace only, counts, durations. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffTraces, durationChange } from '../../src/ui/trace-diff.js';
import { buildTraceModel, type JaegerSpan, type JaegerTrace } from '../../src/ui/trace-model.js';

const span = (id: string, op: string, start: number, duration: number, parent?: string, proc = 'p1'): JaegerSpan => ({
  traceID: 't', spanID: id, operationName: op, processID: proc, startTime: start, duration,
  references: parent ? [{ refType: 'CHILD_OF', traceID: 't', spanID: parent }] : [], tags: [], logs: [], warnings: null,
});
const trace = (spans: JaegerSpan[]): JaegerTrace => ({
  traceID: 't', spans, warnings: null,
  processes: { p1: { serviceName: 'web', tags: [] }, p2: { serviceName: 'db', tags: [] } },
});

describe('trace diff', () => {
  const a = buildTraceModel(trace([
    span('1', 'GET /', 0, 100), span('2', 'query', 10, 20, '1', 'p2'), span('3', 'render', 50, 10, '1'), span('4', 'cache', 60, 5, '1'),
  ]));
  const b = buildTraceModel(trace([
    span('1', 'GET /', 0, 300), span('2', 'query', 10, 200, '1', 'p2'), span('5', 'query', 220, 30, '1', 'p2'),
    span('6', 'retry', 20, 50, '2', 'p2'), span('3', 'render', 260, 10, '1'),
  ]));
  const d = diffTraces(a, b);

  it('merges both trees by service and operation path, in depth-first order', () => {
    assert.deepEqual(d.rows.map((r) => [r.depth, r.label, r.countA, r.countB, r.change]), [
      [0, 'web: GET /', 1, 1, 'same'],
      [1, 'db: query', 1, 2, 'more'],
      [2, 'db: retry', 0, 1, 'added'],
      [1, 'web: render', 1, 1, 'same'],
      [1, 'web: cache', 1, 0, 'removed'],
    ]);
    assert.deepEqual([d.added, d.removed, d.changed], [1, 1, 1]);
  });
  it('sums the durations of each path and gives the change in percent', () => {
    const q = d.rows[1]!;
    assert.deepEqual([q.durA, q.durB], [20, 230]);
    assert.equal(durationChange(q), 1050);
    assert.equal(durationChange(d.rows[2]!), null);
  });
  it('a trace against itself has no differences', () => {
    const same = diffTraces(a, a);
    assert.ok(same.rows.every((r) => r.change === 'same' && r.durA === r.durB));
    assert.deepEqual([same.added, same.removed, same.changed], [0, 0, 0]);
  });
});
