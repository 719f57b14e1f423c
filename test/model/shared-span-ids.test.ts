import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dedupeSharedSpanIds } from '../../src/model/shared-span-ids.js';
import { SpanKind } from '../../src/model/span.js';

describe('dedupeSharedSpanIds (Jaeger SpanIDDeduper rule)', () => {
  it('gives a SERVER span sharing a CLIENT span id a new id under the client, and moves its children', () => {
    const ids = ['000000000000000a', '000000000000000b', '000000000000000b', '000000000000000c'];
    const parents = ['', '000000000000000a', '000000000000000a', '000000000000000b'];
    const kinds = [SpanKind.SERVER, SpanKind.CLIENT, SpanKind.SERVER, SpanKind.INTERNAL];
    const moved = dedupeSharedSpanIds(ids, parents, kinds);
    const fresh = moved.get('000000000000000b')!;
    assert.match(fresh, /^[0-9a-f]{16}$/);
    assert.equal(new Set(ids).size, 4);
    assert.deepEqual(ids, ['000000000000000a', '000000000000000b', fresh, '000000000000000c']);
    assert.deepEqual(parents, ['', '000000000000000a', '000000000000000b', fresh]);
    // Stable: the same input gives the same id.
    const ids2 = ['000000000000000b', '000000000000000b'];
    dedupeSharedSpanIds(ids2, ['', ''], [SpanKind.CLIENT, SpanKind.SERVER]);
    assert.equal(ids2[1], fresh);
  });

  it('leaves traces without a shared pair alone (two SERVER spans with one id are not a pair)', () => {
    const ids = ['000000000000000a', '000000000000000a', '000000000000000b'];
    const parents = ['', '', '000000000000000a'];
    assert.equal(dedupeSharedSpanIds(ids, parents, [SpanKind.SERVER, SpanKind.SERVER, SpanKind.CLIENT]).size, 0);
    assert.deepEqual([ids, parents], [['000000000000000a', '000000000000000a', '000000000000000b'], ['', '', '000000000000000a']]);
  });
});
