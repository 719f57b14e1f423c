import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpClient, type ChClient } from '../../src/store/clickhouse/client.js';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.js';
import { clickhouseAvailable, startClickHouse } from '../helpers/clickhouse-server.js';
import { makeBatch, type TestSpan } from './make-batch.js';

// The store inserts spans as Native blocks (encode-native.ts) over HTTP, and as TabSeparated where the
// client cannot send binary (chdb). The same spans through both, into two databases of one real 18.16
// server, must give the same rows: values chosen where a binary encoder goes wrong (string lengths
// of 1, 2 and 3 LEB128 bytes, multi-byte UTF-8 and surrogate pairs, TSV's escaped characters, negative
// and 64-bit integers, non-finite doubles, NULLs, a widened column holding values of the old type).

const T = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const long = (n: number) => 'é'.repeat(n);
const spans: TestSpan[] = [
  {
    traceId: T, spanId: '0000000000000001', name: 'tab\there\nnewline \\ back', dataset: 'svc ü 😀', startNs: 1_795_487_000_000_000_000n, durationNs: 5n,
    statusMessage: long(42), attrs: { s: long(43), i: -1, big: 2 ** 60, d: 1.5, b: true, w: 7 },
    events: [{ timeUnixNano: '1795487000000000001', name: 'ev', attributes: { k: 'v\tw' } }],
  },
  {
    traceId: T, spanId: '8000000000000002', parentSpanId: '0000000000000001', name: '', dataset: 'svc', startNs: -1n, durationNs: 0n,
    statusMessage: long(9000), attrs: { s: '', i: -(2 ** 53) + 1, d: Number.NaN, w: 'now a string' },
  },
  {
    traceId: T, spanId: '7fffffffffffffff', name: 'x'.repeat(200), dataset: 'svc', startNs: 1n, durationNs: 9_223_372_036_854_775_807n,
    attrs: { d: Number.POSITIVE_INFINITY, b: false, i: 0 },
  },
  { traceId: T, spanId: '0000000000000004', name: 'nulls', dataset: 'svc', startNs: 2n, durationNs: 1n, attrs: { d: Number.NEGATIVE_INFINITY } },
];

/** The HTTP client without Native inserts: the store falls back to TabSeparated, as on chdb. */
function tsvOnly(c: HttpClient): ChClient {
  return {
    query: (sql) => c.query(sql), queryReadOnly: (sql) => c.queryReadOnly(sql), command: (sql) => c.command(sql),
    insertTsv: (t, cols, tsv) => c.insertTsv(t, cols, tsv), close: () => c.close(),
  };
}

if (clickhouseAvailable()) {
  test('Native and TabSeparated inserts store the same rows', async () => {
    const ch = await startClickHouse();
    try {
      const rows: Record<string, unknown>[][] = [];
      for (const [database, wrap] of [['native', (c: HttpClient) => c], ['tsv', tsvOnly]] as const) {
        await new HttpClient({ url: ch.url, database }).withoutDatabase().command(`CREATE DATABASE ${database}`);
        const client = new HttpClient({ url: ch.url, database });
        const store = await ClickHouseStore.open(wrap(client));
        // Two appends: `w` is an int column first, then widened to string with the int value kept.
        await store.append([makeBatch(spans.slice(0, 1))]);
        await store.append([makeBatch(spans.slice(1, 2)), makeBatch(spans.slice(2))]);
        rows.push((await client.query('SELECT * FROM spans_data ORDER BY span_id')).map(({ ver, ...r }) => r));
        const types = await client.query("SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'spans_data' AND name LIKE 'a:%' ORDER BY name");
        assert.deepEqual(types.map((t) => `${String(t.name)} ${String(t.type)}`),
          ['a:b Nullable(UInt8)', 'a:big Nullable(Int64)', 'a:d Nullable(Float64)', 'a:i Nullable(Int64)', 'a:s Nullable(String)', 'a:w Nullable(String)']);
        await store.close();
      }
      const [native, tsv] = rows;
      assert.equal(native!.length, 4);
      assert.deepEqual(native, tsv);
      const first = native!.find((r) => r.span_id === '1')!;
      assert.equal(first.name, 'tab\there\nnewline \\ back');
      assert.equal(first.dataset, 'svc ü 😀');
      assert.equal(first['a:big'], (2n ** 60n).toString());
      assert.equal(first['a:w'], '7');
      assert.equal(native!.find((r) => r.name === '')!.status_message, long(9000));
      assert.equal(native!.find((r) => r.span_id === '4')!['a:s'], null);
    } finally {
      await ch.stop();
    }
  });
} else {
  test('Native and TabSeparated inserts', { skip: 'clickhouse-server is not installed' }, () => undefined);
}
