/** The service map's layered layout and the UI's formatting helpers (pure modules of src/ui). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { edgeKey, layeredLayout } from '../../src/ui/map-layout.js';
import { assignColors, esc, formatDuration, formatPercent, PALETTE } from '../../src/ui/format.js';

describe('service map layout', () => {
  it('puts callers left of callees (longest path), the client first, and ignores cycle back edges', () => {
    // 0 client, 1 frontend, 2 backend, 3 payment, 4 postgres; backend calls frontend back (a cycle).
    const edges: [number, number][] = [[0, 1], [1, 2], [2, 3], [2, 4], [1, 3], [2, 1]];
    const l = layeredLayout([1, 2, 3, 4, 0], edges, [0]);
    assert.deepEqual(l.layers, [[0], [1], [2], [3, 4]]);
    assert.deepEqual([...l.backEdges], [edgeKey(2, 1)]);
    assert.equal(l.layerOf.get(3), 3, 'payment sits right of its furthest caller');
  });
  it('lays out disconnected nodes and self loops', () => {
    const l = layeredLayout([5, 6, 7], [[6, 6], [5, 7]]);
    assert.deepEqual(l.layers, [[5, 6], [7]]);
    assert.deepEqual(layeredLayout([], []).layers, []);
  });
  it('orders a layer by the mean position of its callers', () => {
    const l = layeredLayout([1, 2, 3, 4], [[1, 4], [2, 3]], [1, 2]);
    assert.deepEqual(l.layers, [[1, 2], [4, 3]]);
  });
});

describe('UI formatting', () => {
  it('formats durations given in microseconds', () => {
    assert.equal(formatDuration(0), '0µs');
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
