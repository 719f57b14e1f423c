/**
 * Schema version 1 -> 2 on a real ClickHouse 18.16 (spans_data reordered by start minute, trace_lookup
 * filled), and the Jaeger search that reads newest minutes first, on 18.16 and 26.x.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HttpClient } from '../../src/store/clickhouse/client.js';
import { ClickHouseStore, searchWindows } from '../../src/store/clickhouse/clickhouse-store.js';
import { traceRanges } from '../../src/store/clickhouse/migrate.js';
import { FIXED_COLUMNS, PARTITION_EXPR, SCHEMA_VERSION } from '../../src/store/clickhouse/schema.js';
import { itOnEachClickHouse } from '../helpers/each-clickhouse.js';
import { clickhouseAvailable, startClickHouse, type RunningClickHouse } from '../helpers/clickhouse-server.js';
import { makeBatch, type TestSpan } from './make-batch.js';

const MIN = 60_000_000_000n;
const T0 = 1_790_000_000_000_000_000n;
const hex32 = (n: number) => n.toString(16).padStart(32, '0');
const hex16 = (n: number) => n.toString(16).padStart(16, '0');

describe('schema version 1 -> 2', { skip: clickhouseAvailable() ? false : 'clickhouse-server is not installed' }, () => {
  let ch: RunningClickHouse;
  before(async () => { ch = await startClickHouse(); });
  after(async () => { await ch?.stop(); });

  it('reorders a version 1 spans_data, fills trace_lookup, keeps every row, and does it once', async () => {
    const client = new HttpClient({ url: ch.url, database: 'default' });
    // The version 1 tables as that version created them (ordered by trace id), with rows in them.
    await client.command(`CREATE TABLE spans_data (${FIXED_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ')}) ENGINE = MergeTree PARTITION BY ${PARTITION_EXPR} ORDER BY (trace_hi, trace_lo, start_ns)`);
    await client.command('CREATE TABLE schema_version (version UInt32, applied_ms Int64) ENGINE = MergeTree ORDER BY version');
    await client.command('INSERT INTO schema_version VALUES (1, 0)');
    const rows = Array.from({ length: 30 }, (_, i) => `(${1 + (i % 3)}, 7, ${i + 1}, ${T0 + BigInt(i) * MIN}, 1000, 'svc${i % 2}', 'op', ${i + 1})`);
    await client.command(`INSERT INTO spans_data (trace_hi, trace_lo, span_id, start_ns, duration_ns, dataset, name, ver) VALUES ${rows.join(', ')}`);

    const store = await ClickHouseStore.open(client, {});
    try {
      const [key] = await client.query("SELECT sorting_key AS k FROM system.tables WHERE database = currentDatabase() AND name = 'spans_data'");
      assert.equal(key?.k, 'intDiv(start_ns, 60000000000), dataset, trace_hi, trace_lo, start_ns');
      const tables = (await client.query("SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'spans_data%'")).map((r) => r.name);
      assert.deepEqual(tables, ['spans_data']);
      const trace1 = await store.getTrace(`${hex16(1)}${hex16(7)}`);
      assert.deepEqual(trace1.map((s) => Number(BigInt(`0x${s.spanId}`))), [1, 4, 7, 10, 13, 16, 19, 22, 25, 28]);
      assert.equal((await store.stats()).spans, 30);
      const [lookup] = await client.query('SELECT count() AS n FROM (SELECT DISTINCT * FROM trace_lookup)');
      assert.equal(Number(lookup?.n), 30); // each span its own minute
      assert.deepEqual(await store.searchTraces({ service: 'svc1', startNs: T0, endNs: T0 + 40n * MIN, limit: 10 }),
        [`${hex16(3)}${hex16(7)}`, `${hex16(2)}${hex16(7)}`, `${hex16(1)}${hex16(7)}`]); // newest span first: 29, 28, 27
      // New spans of an old trace are found with it (the view fills trace_lookup in the same insert).
      await store.append([makeBatch([{ traceId: `${hex16(1)}${hex16(7)}`, spanId: hex16(99), name: 'late', dataset: 'svc9', startNs: T0 + 100n * MIN, durationNs: 5n }])]);
      assert.equal((await store.getTrace(`${hex16(1)}${hex16(7)}`)).length, 11);
    } finally {
      await store.close();
    }
    const again = new HttpClient({ url: ch.url, database: 'default' });
    const reopened = await ClickHouseStore.open(again, {});
    try {
      assert.equal((await reopened.stats()).spans, 31);
      const versions = (await again.query('SELECT version FROM schema_version ORDER BY version')).map((r) => Number(r.version));
      assert.deepEqual(versions, [1, SCHEMA_VERSION]);
    } finally {
      await reopened.close();
    }
  });
});

describe('the copy in trace id ranges', () => {
  it('covers every trace id once', () => {
    assert.deepEqual(traceRanges([]), ['']);
    assert.deepEqual(traceRanges(['-5', '7']), [' WHERE trace_hi < -5', ' WHERE trace_hi >= -5 AND trace_hi < 7', ' WHERE trace_hi >= 7']);
  });
});

describe('Jaeger search, newest minutes first', () => {
  it('windows: the last minute, then 4x as far back, then the whole range', () => {
    assert.deepEqual(searchWindows(0n, 20n * MIN), [19n * MIN, 16n * MIN, 4n * MIN, 0n]);
    assert.deepEqual(searchWindows(10n * MIN, 10n * MIN + 30_000_000_000n), [10n * MIN]);
    assert.deepEqual(searchWindows(5n, undefined), [5n]);
  });

  // 30 traces, one a minute, each with a tagged span 3 minutes before its service span: found only
  // once the window reaches back far enough; the newest `limit` come back, newest first.
  const spans: TestSpan[] = [];
  for (let i = 0; i < 30; i++) {
    const traceId = hex32(1000 + i);
    const at = T0 + BigInt(i) * MIN;
    spans.push({ traceId, spanId: hex16(2 * i + 1), name: 'GET', dataset: 'api', startNs: at + 3n * MIN, durationNs: 10n });
    spans.push({ traceId, spanId: hex16(2 * i + 2), name: 'db', dataset: 'db', startNs: at, durationNs: 10n, attrs: { 'user.handle': i % 2 ? 'odd' : 'even' } });
  }
  const expectNewest = (n: number, handle: string) =>
    Array.from({ length: 30 }, (_, i) => 29 - i).filter((i) => (i % 2 ? 'odd' : 'even') === handle).slice(0, n).map((i) => hex32(1000 + i));
  itOnEachClickHouse(mkdtempSync(join(tmpdir(), 'honeyray-chsearch-')), async (store) => {
    await store.append([makeBatch(spans)]);
    const end = T0 + 40n * MIN;
    assert.deepEqual(await store.searchTraces({ service: 'api', tags: { 'user.handle': 'odd' }, startNs: T0, endNs: end, limit: 3 }), expectNewest(3, 'odd'));
    assert.deepEqual(await store.searchTraces({ service: 'api', tags: { 'user.handle': 'even' }, startNs: T0, endNs: end, limit: 20 }), expectNewest(20, 'even'));
    assert.deepEqual(await store.searchTraces({ service: 'api', startNs: end - 2n * MIN, endNs: end, limit: 20 }), []);
    assert.equal((await store.searchTraces({ service: 'db', startNs: T0, endNs: end })).length, 20);
  });
});
