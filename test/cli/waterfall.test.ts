/** The terminal waterfall: pure rendering of a Jaeger-shaped trace (fixture-trace.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JaegerTrace } from '../../src/api/jaeger/to-jaeger.js';
import { formatMicros, parseDurationMicros, width } from '../../src/cli/format.js';
import { bar, renderWaterfall, ruler, spanDuration, spanTree, traceInfo } from '../../src/cli/waterfall.js';
import { T0, TRACE_ID, fixtureTrace } from './fixture-trace.js';

const ESC = '\u001b';
/** The tree lines: after the ruler, up to the blank line before the tags. */
const treeLines = (lines: string[]) => {
  const from = lines.findIndex((l) => l.trimStart().startsWith('0 ')) + 1;
  const to = lines.indexOf('', from);
  return lines.slice(from, to === -1 ? undefined : to);
};

describe('waterfall', () => {
  it('orders the tree: children under parents by start, orphans at the top level after the roots', () => {
    const rows = spanTree(fixtureTrace);
    assert.deepEqual(rows.map((r) => [r.prefix, r.service, r.span.operationName, r.depth]), [
      ['', 'frontend', 'GET /home', 0],
      ['├─ ', 'frontend', 'auth', 1],
      ['└─ ', 'backend', 'GET /api/activities', 1],
      ['   └─ ', 'backend', 'SELECT activities', 2],
      ['', 'backend', 'late-callback', 0],
    ]);
    assert.equal(rows[4]!.missingParent, 'ffffffffffffffff');
    assert.equal(rows.filter((r) => r.missingParent).length, 1);
    assert.deepEqual(rows.map((r) => r.error), [false, false, false, true, false]);
  });

  it('summarizes a trace for the traces list', () => {
    assert.deepEqual(traceInfo(fixtureTrace), {
      traceID: TRACE_ID, start: T0, duration: 1_000_000, spanCount: 5, services: ['frontend', 'backend'],
      rootService: 'frontend', rootOperation: 'GET /home', errors: 1, orphans: 1,
    });
  });

  it('draws one line per span with service, operation, error mark, duration and a bar scaled to the width', () => {
    const lines = renderWaterfall(fixtureTrace, { width: 80, color: false, tags: 'none' });
    assert.equal(lines[0], `Trace ${TRACE_ID}  (X-Ray 1-6b04f5ef-55ec6914726f1314e7e519c9)`);
    assert.match(lines[1]!, /^frontend: GET \/home {2}· {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.000 {2}· {2}1s {2}· {2}5 spans {2}· {2}2 services {2}· {2}1 error$/);
    assert.match(lines[2]!, /1 span whose parent is not in the trace/);
    // Label column = the longest label (31), then mark, duration (6), bar: 80 - 41 = 39 cells.
    assert.deepEqual(treeLines(lines), [
      'frontend GET /home                    1s ' + '█'.repeat(39),
      '├─ frontend auth                   100ms ███▉',
      // 200..700ms of 1s on 39 cells: from cell 7 (7.8 rounded down) to 27.3.
      '└─ backend GET /api/activities     500ms ' + ' '.repeat(7) + '█'.repeat(20) + '▎',
      '   └─ backend SELECT activities ✗  100ms ' + ' '.repeat(11) + '████▋',
      '⋯ backend late-callback            100ms ' + ' '.repeat(35) + '████',
    ]);
    for (const l of lines.slice(3)) assert.ok(width(l) <= 80, `too wide: ${l}`);
    assert.ok(!lines.some((l) => l.includes(ESC)), 'no color codes when color is off');
    assert.ok(!lines.includes('Tags'));
  });

  it('puts a time ruler over the bars', () => {
    const lines = renderWaterfall(fixtureTrace, { width: 80, color: false, tags: 'none' });
    const r = lines.find((l) => l.trimStart().startsWith('0 '))!;
    assert.equal(r.indexOf('0'), 41, 'ruler starts where the bars start');
    assert.ok(r.endsWith('1s') && width(r) === 80, 'ruler ends with the trace duration at the last column');
    assert.match(r, / 500ms /);
  });

  it('lists each span\'s tags and events below the tree by default, multi-line values indented', () => {
    const lines = renderWaterfall(fixtureTrace, { width: 80, color: false });
    const at = lines.indexOf('Tags');
    assert.ok(at > 0);
    const below = lines.slice(at);
    const i = below.findIndex((l) => l.startsWith('backend SELECT activities  (span c000000000000003, at +300ms, 100ms) ✗'));
    assert.ok(i > 0, below.join('\n'));
    assert.deepEqual(below.slice(i + 1, i + 5), [
      '    db.statement = SELECT *',
      '                   FROM activities',
      '    error        = true',
      '    event at +350ms: exception  exception.message=timeout',
    ]);
    assert.ok(below.some((l) => l.startsWith('backend late-callback') && l.includes('parent ffffffffffffffff not in the trace')));
  });

  it('with inline tags, puts them under each span, keeping the tree lines', () => {
    const tree = treeLines(renderWaterfall(fixtureTrace, { width: 80, color: false, tags: 'inline' }));
    assert.equal(tree[0], 'frontend GET /home                    1s ' + '█'.repeat(39));
    assert.equal(tree[1], '│    http.method = GET');
    assert.equal(tree[3]!.slice(0, 30), '└─ backend GET /api/activities');
    assert.equal(tree[4], '   │    http.status_code = 200');
    assert.equal(tree[6], '           db.statement = SELECT *');
  });

  it('colors only when asked: error spans red, tree glyphs dim', () => {
    const lines = renderWaterfall(fixtureTrace, { width: 80, color: true, tags: 'none' });
    const err = lines.find((l) => l.includes('SELECT activities'))!;
    assert.ok(err.includes(`${ESC}[31m✗`), err);
    assert.ok(err.includes(`${ESC}[2m   └─ ${ESC}[22m`), err);
    // Without the codes it is the plain line.
    const plain = renderWaterfall(fixtureTrace, { width: 80, color: false, tags: 'none' });
    assert.deepEqual(lines.map((l) => l.replace(/\u001b\[\d+m/g, '')), plain);
  });

  it('truncates long labels to leave room for the bars on a narrow terminal', () => {
    const tree = treeLines(renderWaterfall(fixtureTrace, { width: 50, color: false, tags: 'none' }));
    assert.equal(tree[3]!.slice(0, 24), '   └─ backend SELECT ac…');
    for (const l of tree) assert.ok(width(l) <= 50, l);
  });

  it('shows spans caught in a parent cycle, and traces with one instant span', () => {
    const s = fixtureTrace.spans[0]!;
    const cyc: JaegerTrace = { ...fixtureTrace, spans: [
      { ...s, spanID: '1', references: [{ refType: 'CHILD_OF', traceID: TRACE_ID, spanID: '2' }] },
      { ...s, spanID: '2', references: [{ refType: 'CHILD_OF', traceID: TRACE_ID, spanID: '1' }] },
    ] };
    assert.deepEqual(spanTree(cyc).map((r) => r.span.spanID).sort(), ['1', '2']);
    const one: JaegerTrace = { ...fixtureTrace, spans: [{ ...s, duration: 0, references: [], tags: [] }] };
    const tree = treeLines(renderWaterfall(one, { width: 60, color: false, tags: 'none' }));
    assert.equal(tree.length, 1);
    assert.match(tree[0]!, /backend SELECT activities +0µs █+$/);
  });

  it('bars: offset and length at eighth-cell precision, at least a sliver', () => {
    assert.equal(bar(0, 100, 100, 10), '█'.repeat(10));
    assert.equal(bar(25, 12.5, 100, 8), '  █');
    assert.equal(bar(50, 0, 100, 10), '     ▏');
    // X-Ray spans with millisecond timestamps and start = end: "< 1ms", still a visible bar.
    const xray = { duration: 0, tags: [{ key: 'xray.type', type: 'string', value: 'subsegment' }] } as unknown as Parameters<typeof spanDuration>[0];
    assert.equal(spanDuration(xray), '< 1ms');
    assert.equal(spanDuration({ ...xray, tags: [] }), '0µs');
    assert.equal(bar(0, 15, 100, 10), '█▌');
    assert.equal(bar(100, 0, 100, 10), '         █', 'a span at the very end stays inside');
    assert.equal(ruler(1_000_000, 20), '0                 1s');
  });

  it('formats durations like Jaeger and parses the Jaeger API\'s', () => {
    assert.deepEqual([850, 1000, 12_345, 312_400, 1_500_000, 61_500_000, 7_200_000_000].map(formatMicros),
      ['850µs', '1ms', '12.35ms', '312.4ms', '1.5s', '1m1.5s', '2h0m']);
    assert.equal(parseDurationMicros('1h30m'), 5_400_000_000);
    assert.equal(parseDurationMicros('100ms'), 100_000);
    assert.equal(parseDurationMicros('1.5s'), 1_500_000);
    assert.equal(parseDurationMicros('abc'), null);
    assert.equal(parseDurationMicros(''), null);
  });
});
