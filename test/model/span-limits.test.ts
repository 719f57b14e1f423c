import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SpanBatch } from '../../src/model/span-batch.js';
import { applySpanLimits, DEFAULT_SPAN_LIMITS } from '../../src/model/span-limits.js';

function batch(rows: number, keys: string[], resource: string[] = []): SpanBatch {
  const b = new SpanBatch();
  for (let r = 0; r < rows; r++) {
    b.addRow();
    for (const k of resource) b.setAttr(r, k, 'string', `${k}-${r}`);
    for (const k of keys) b.setAttr(r, k, 'int', r);
  }
  for (const k of resource) b.resourceKeys.add(k);
  return b;
}

describe('applySpanLimits', () => {
  it('leaves a batch within the limits untouched', () => {
    const b = batch(3, ['a', 'b']);
    const r = applySpanLimits(b, DEFAULT_SPAN_LIMITS);
    assert.deepEqual(r, { droppedAttributes: 0, truncatedValues: 0 });
    assert.deepEqual([...b.attrs.keys()], ['a', 'b']);
  });

  it('keeps resource attributes first, counts drops per row, and removes a key left without values', () => {
    const b = batch(2, ['s1', 's2', 's3'], ['service.name']);
    b.droppedAttrs[0] = 4; // what the SDK had dropped already
    const r = applySpanLimits(b, { ...DEFAULT_SPAN_LIMITS, maxAttributesPerSpan: 2 });
    assert.equal(r.droppedAttributes, 4);
    assert.deepEqual([...b.attrs.keys()].sort(), ['s1', 'service.name']);
    assert.deepEqual([...b.droppedAttrs.slice(0, 2)], [6, 2]);
  });

  it('counts each row on its own: a sparse wide batch loses nothing', () => {
    const b = new SpanBatch();
    for (let r = 0; r < 4; r++) { b.addRow(); b.setAttr(r, `k${r}`, 'bool', true); }
    assert.equal(applySpanLimits(b, { ...DEFAULT_SPAN_LIMITS, maxAttributesPerSpan: 1 }).droppedAttributes, 0);
    assert.equal(b.attrs.size, 4);
  });

  it('cuts strings (not other types) in columns, events and nested event values', () => {
    const b = batch(1, ['n']);
    b.setAttr(0, 's', 'string', 'abcdef');
    b.events[0] = [{ timeUnixNano: '1', name: 'e', attributes: { a: 'abcdef', arr: ['abcdef', 1], kv: { x: 'abcdef' } } }];
    const r = applySpanLimits(b, { ...DEFAULT_SPAN_LIMITS, maxAttributeValueLength: 3 });
    assert.equal(b.getAttr(0, 's'), 'abc');
    assert.equal(b.getAttr(0, 'n'), 0);
    assert.deepEqual(b.events[0]![0]!.attributes, { a: 'abc', arr: ['abc', 1], kv: { x: 'abc' } });
    assert.equal(r.truncatedValues, 4);
  });

  it('refuses a batch over the span count and leaves it as it was', () => {
    const b = batch(5, ['a', 'b', 'c']);
    const r = applySpanLimits(b, { maxSpansPerRequest: 4, maxAttributesPerSpan: 1, maxAttributeValueLength: 1 });
    assert.match(r.refused!, /^too many spans in one request: 5, at most 4/);
    assert.equal(b.attrs.size, 3);
    assert.equal(applySpanLimits(batch(4, []), { ...DEFAULT_SPAN_LIMITS, maxSpansPerRequest: 4 }).refused, undefined);
  });
});
