/** The service map's layout and health colours, and the UI's formatting helpers (pure modules of src/ui). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layoutMap } from '../../src/ui/map-layout.js';
import { healthOf, ringSegments } from '../../src/ui/map-health.js';
import { assignColors, esc, formatDuration, formatPercent, formatSpanDuration, PALETTE } from '../../src/ui/format.js';

describe('service map layout (dagre)', () => {
  type Box = { x: number; y: number; w: number; h: number };
  const overlap = (a: Box, b: Box) => Math.abs(a.x - b.x) * 2 < a.w + b.w && Math.abs(a.y - b.y) * 2 < a.h + b.h;

  it('puts callers left of callees and the client first', () => {
    // 0 client, 1 frontend, 2 backend, 3 payment, 4 postgres; backend calls frontend back (a cycle).
    const edges: [number, number][] = [[0, 1], [1, 2], [2, 3], [2, 4], [1, 3], [2, 1]];
    const l = layoutMap([0, 1, 2, 3, 4].map((id) => ({ id, width: 170, height: 90 })),
      edges.map(([from, to]) => ({ from, to, labelWidth: 80, labelHeight: 18 })), [0]);
    const x = (id: number) => l.nodes.get(id)!.x;
    assert.ok(x(0) < x(1) && x(1) < x(2) && x(2) < x(3), [0, 1, 2, 3].map(x).join(' < '));
    assert.equal(l.edges.length, edges.length);
    for (const e of l.edges) assert.ok(e.points.length >= 2);
  });

  it('lays out 22 services with every node and edge label inside the bounds and no label on a node or another label', () => {
    // A seed-like graph: a client, 3 front doors, 10 services, 8 remote resources.
    const ids = Array.from({ length: 22 }, (_, i) => i);
    const edges: [number, number][] = [[0, 1], [0, 2], [0, 3]];
    for (let i = 4; i < 14; i++) edges.push([1 + (i % 3), i]);
    for (let i = 14; i < 22; i++) edges.push([4 + (i % 10), i], [4 + ((i + 3) % 10), i]);
    const l = layoutMap(ids.map((id) => ({ id, width: 176, height: 100 })), edges.map(([from, to]) => ({ from, to, labelWidth: 96, labelHeight: 18 })), [0]);
    const boxes: Box[] = ids.map((id) => ({ ...l.nodes.get(id)!, w: 176, h: 100 }));
    const labels: Box[] = l.edges.map((e) => ({ ...e.label, w: 96, h: 18 }));
    for (const b of [...boxes, ...labels]) {
      assert.ok(b.x - b.w / 2 >= 0 && b.x + b.w / 2 <= l.width && b.y - b.h / 2 >= 0 && b.y + b.h / 2 <= l.height, JSON.stringify(b));
    }
    for (const e of l.edges) for (const p of e.points) assert.ok(p.x >= 0 && p.x <= l.width && p.y >= 0 && p.y <= l.height);
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) assert.ok(!overlap(labels[i]!, labels[j]!), `labels ${i} and ${j} overlap`);
      for (const b of boxes) assert.ok(!overlap(labels[i]!, b), `label ${i} lies on a node`);
    }
    // Not a strip: the drawing is far less wide than 22 nodes in a row (3,360 px before).
    assert.ok(l.width < 22 * 176 / 2, `width ${l.width}`);
  });
});

describe('service map health', () => {
  it('colours by thresholds, not by the first fault', () => {
    assert.equal(healthOf({ ok: 996, error: 0, throttle: 0, fault: 4 }), 'warn', '0.4% faults is not red');
    assert.equal(healthOf({ ok: 95, error: 0, throttle: 0, fault: 5 }), 'fault');
    assert.equal(healthOf({ ok: 90, error: 6, throttle: 4, fault: 0 }), 'err');
    assert.equal(healthOf({ ok: 10, error: 0, throttle: 0, fault: 0 }), 'ok');
    assert.equal(healthOf({ ok: 0, error: 0, throttle: 0, fault: 0 }), 'ok');
  });
  it('splits the ring in proportion, in X-Ray order', () => {
    assert.deepEqual(ringSegments({ ok: 6, error: 2, throttle: 0, fault: 2 }), [
      { kind: 'ok', start: 0, length: 0.6 }, { kind: 'error', start: 0.6, length: 0.2 }, { kind: 'fault', start: 0.8, length: 0.2 },
    ]);
    assert.deepEqual(ringSegments({ ok: 0, error: 0, throttle: 0, fault: 0 }), [{ kind: 'ok', start: 0, length: 1 }]);
  });
});

describe('UI formatting', () => {
  it('formats durations given in microseconds', () => {
    assert.equal(formatDuration(0), '0µs');
    // X-Ray spans with millisecond timestamps and start = end.
    assert.equal(formatSpanDuration(0, true), '< 1 ms');
    assert.equal(formatSpanDuration(0, false), '0µs');
    assert.equal(formatSpanDuration(850, true), '< 1 ms');
    assert.equal(formatSpanDuration(850, false), '850µs');
    assert.equal(formatSpanDuration(1_500, true), '1.5ms');
    assert.equal(formatDuration(850), '850µs');
    assert.equal(formatDuration(1_234), '1.23ms');
    assert.equal(formatDuration(12_345), '12.3ms');
    assert.equal(formatDuration(123_456), '123ms');
    assert.equal(formatDuration(1_250_000), '1.25s');
    assert.equal(formatDuration(125_000_000), '2m 5s');
    assert.equal(formatDuration(NaN), '–');
  });
  it('gives the services of a trace distinct, order-independent colors', () => {
    const names = Array.from({ length: PALETTE.length }, (_, i) => `svc-${i}`);
    const a = assignColors(names);
    assert.equal(new Set(a.values()).size, PALETTE.length);
    assert.deepEqual(assignColors([...names].reverse()), a);
    assert.equal(assignColors(['x']).get('x'), assignColors(['x', 'y']).get('x'), 'a name keeps its own color when it is free');
  });
  it('formats percentages and escapes HTML', () => {
    assert.equal(formatPercent(1, 3), '33.3%');
    assert.equal(formatPercent(0, 0), '0%');
    assert.equal(formatPercent(1, 10_000), '0.01%');
    assert.equal(esc(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
