/**
 * The chunk writer's string structs and int words (store/duckdb/chunk-writer.ts): strings of 12 bytes or less
 * are encoded in JS, longer ones given to DuckDB once per chunk and shared by later rows, ints written as two
 * 32-bit words. Round-trips through a real DuckDB every shape that could go wrong: the 12/13-byte edge, short
 * strings whose UTF-8 is longer than 12 bytes, repeats across batches of one chunk, NULLs, a chunk boundary.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDBStore } from '../../../src/store/duckdb/duckdb-store.js';
import { makeBatch, type TestSpan } from '../make-batch.js';

const VALUES = [
  '', 'a', 'twelve bytes', 'thirteen byte', 'éééééé', 'ééééééé', '日本語のテキスト', '🙂🙂🙂', '🙂🙂🙂x',
  'a long value repeated on many rows of the chunk', 'another long value, also repeated',
];
/** Values with a NUL, short (encoded in JS) and long (by the bindings): both kept whole. */
const NUL_VALUES = ['ab\0cd', 'a longer value\0 with a NUL'];
const INTS = [0, 1, -1, 4294967295, 4294967296, -4294967297, 2 ** 53 - 1, -(2 ** 53 - 1), 123456789012];

function span(i: number): TestSpan {
  const attrs: Record<string, string | number> = { 'v.str': VALUES[i % VALUES.length]!, 'v.int': INTS[i % INTS.length]! };
  if (i % 3 === 0) attrs['v.sometimes'] = VALUES[(i * 7) % VALUES.length]!;
  return {
    traceId: (i + 1).toString(16).padStart(32, '0'),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: VALUES[(i * 5) % VALUES.length]! || 'op',
    dataset: i % 2 ? 'svc-a' : 'svc-b',
    startNs: 1_700_000_000_000_000_000n + BigInt(i),
    durationNs: 1000n,
    statusMessage: i % 4 === 0 ? '' : VALUES[i % VALUES.length]!,
    attrs,
  };
}

describe('DuckDB chunk writer', () => {
  let store: DuckDBStore;
  before(async () => { store = await DuckDBStore.open({ path: ':memory:' }); });
  after(async () => { await store.close(); });

  it('stores every string and int as given, across batches and a chunk boundary', async () => {
    // 3 batches of 1000 rows: the second chunk (2048 rows) starts inside the third batch.
    const spans = Array.from({ length: 3000 }, (_, i) => span(i));
    await store.append([makeBatch(spans.slice(0, 1000)), makeBatch(spans.slice(1000, 2000)), makeBatch(spans.slice(2000))]);
    const str = store.attrColumn('v.str')!;
    const int = store.attrColumn('v.int')!;
    const some = store.attrColumn('v.sometimes')!;
    const rows = await store.select(`SELECT start_ns, name, dataset, status_message, ${str} AS s, ${int} AS n, ${some} AS m FROM spans ORDER BY start_ns`);
    assert.equal(rows.length, spans.length);
    rows.forEach((r, i) => {
      const want = spans[i]!;
      assert.equal(r.name, want.name, `name of row ${i}`);
      assert.equal(r.dataset, want.dataset);
      assert.equal(r.status_message ?? '', want.statusMessage);
      assert.equal(r.s, want.attrs!['v.str'], `string of row ${i}`);
      assert.equal(Number(r.n), want.attrs!['v.int'], `int of row ${i}`);
      assert.equal(r.m ?? undefined, want.attrs!['v.sometimes'], `sparse string of row ${i}`);
    });
    const nulAt = spans.length;
    await store.append([makeBatch(NUL_VALUES.map((v, i) => ({ ...span(nulAt + i), attrs: { 'v.str': v } })))]);
    const nulRows = await store.select(`SELECT ${str} AS s FROM spans WHERE start_ns >= ${span(nulAt).startNs} ORDER BY start_ns`);
    assert.deepEqual(nulRows.map((r) => r.s), NUL_VALUES);
    // The engine sees the values as equal strings (inline bytes zero-padded), so grouping and filters work.
    const groups = await store.select(`SELECT ${str} AS s, count(*) AS c FROM spans WHERE start_ns < ${span(nulAt).startNs} GROUP BY 1`);
    assert.equal(groups.length, VALUES.length);
    const eq = await store.select(`SELECT count(*) AS c FROM spans WHERE ${str} = 'twelve bytes'`);
    assert.equal(Number(eq[0]!.c), spans.filter((s) => s.attrs!['v.str'] === 'twelve bytes').length);
  });
});
