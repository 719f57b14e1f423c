/**
 * Cluster mode on Debian's ClickHouse 18.16: two servers forming a two-shard cluster (Distributed tables
 * over each shard's local tables, sharded by trace id), the Store conformance suite and the Honeycomb
 * query fixture unchanged, and a trace's rows all on one shard.
 */
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { after, describe, it, test } from 'node:test';
import { runQuery, type QueryStore } from '../../src/query/honeycomb/run.js';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.js';
import { openClickHouse } from '../../src/store/clickhouse/open-client.js';
import { clickhouseAvailable, startClickHouseCluster, type RunningCluster } from '../helpers/clickhouse-server.js';
import { fixtureSpans, HOUR } from '../query/honeycomb/fixture.js';
import { storeConformance } from './conformance.js';
import { makeBatch } from './make-batch.js';

async function openCluster(url: string, maxColumns?: number): Promise<ClickHouseStore> {
  const { client, cluster } = await openClickHouse(url);
  return ClickHouseStore.open(client, { ...(maxColumns ? { maxColumns } : {}), cluster: cluster! });
}

if (clickhouseAvailable()) {
  let started: Promise<RunningCluster> | null = null;
  const cluster = () => (started ??= startClickHouseCluster(2));
  after(async () => { if (started) await (await started).stop(); });

  storeConformance('clickhouse 18.16, two shards', async (dir) => {
    const c = await cluster();
    return openCluster(c.storeUrl('db_' + basename(dir).replace(/[^A-Za-z0-9]/g, '_')), 20);
  });

  describe('two-shard cluster', () => {
    it('spreads traces over both shards and keeps each trace on one', async () => {
      const c = await cluster();
      const store = await openCluster(c.storeUrl('spread'));
      const spans = [];
      for (let t = 1; t <= 40; t++) {
        const traceId = t.toString(16).padStart(32, '0');
        for (let s = 1; s <= 3; s++) spans.push({ traceId, spanId: (t * 16 + s).toString(16).padStart(16, '0'), name: 'op', dataset: 'svc', startNs: 1_795_487_000_000_000_000n + BigInt(s), durationNs: 5n, attrs: { 'k': `v${t}` } });
      }
      await store.append([makeBatch(spans)]);
      const perShard = await Promise.all(c.shards.map(async (s) => {
        const r = await fetch(`${s.url}/?database=spread`, { method: 'POST', body: 'SELECT trace_lo, count() AS n FROM spans_data_local GROUP BY trace_lo FORMAT JSONEachRow' });
        return (await r.text()).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { trace_lo: string; n: string });
      }));
      assert.ok(perShard.every((rows) => rows.length > 5), 'both shards hold traces');
      const all = perShard.flat();
      assert.equal(all.length, 40, 'each trace on exactly one shard');
      assert.ok(all.every((r) => Number(r.n) === 3));
      assert.equal((await store.getTrace((7).toString(16).padStart(32, '0'))).length, 3);
      assert.equal((await store.stats()).spans, 120);
      await store.close();
    });

    it("answers Honeycomb queries as one server does", async () => {
      const c = await cluster();
      const one = await openClickHouse(c.storeUrl('single_ref').replace(/,[^/]*/, '').replace('?cluster=honeyray', ''));
      const single = await ClickHouseStore.open(one.client);
      const sharded = await openCluster(c.storeUrl('sharded_q', 1));
      const specs = [
        { breakdowns: ['name', 'user.handle'], calculations: [{ op: 'COUNT' }, { op: 'MAX', column: 'duration_ms' }, { op: 'P50', column: 'duration_ms' }], orders: [{ op: 'COUNT', order: 'descending' }] },
        { filters: [{ column: 'user.handle', op: 'in', value: ['andrew', 'cat'] }, { column: 'error', op: '=', value: true }], breakdowns: ['user.handle'], calculations: [{ op: 'COUNT' }] },
        { calculations: [{ op: 'COUNT' }, { op: 'COUNT_DISTINCT', column: 'user.handle' }], granularity: 60 },
      ];
      for (const store of [single, sharded]) await store.append([makeBatch(fixtureSpans())]);
      for (const spec of specs) {
        const [a, b] = await Promise.all([single, sharded].map(async (s) => ({ ...(await runQuery(s as QueryStore, 'backend-flask', { ...HOUR, ...spec }, {})), meta: undefined })));
        assert.deepEqual(b, a);
      }
      await single.close();
      await sharded.close();
    });

    it('gives a shard that lacks attribute columns (a new shard) the columns the others have, at open', async () => {
      const c = await cluster();
      const span = (t: number, attrs: Record<string, string>) => ({ traceId: t.toString(16).padStart(32, '0'), spanId: (t + 1).toString(16).padStart(16, '0'), name: 'op', dataset: 'svc', startNs: 1_795_487_000_000_000_000n, durationNs: 5n, attrs });
      let store = await openCluster(c.storeUrl('grow'));
      await store.append([makeBatch([span(1, { 'app.tier': 'gold' })])]);
      await store.close();
      // The second shard loses the column, as a shard created after it would not have it.
      for (const sql of ['ALTER TABLE spans_data DROP COLUMN `a:app.tier`', 'ALTER TABLE spans_data_local DROP COLUMN `a:app.tier`']) {
        const r = await fetch(`${c.shards[1]!.url}/?database=grow`, { method: 'POST', body: sql });
        assert.equal(r.status, 200, await r.text());
      }
      store = await openCluster(c.storeUrl('grow'));
      // Many traces: some are sharded to the second shard, whose insert needs the column.
      await store.append([makeBatch(Array.from({ length: 20 }, (_, i) => span(100 + i * 2, { 'app.tier': `t${i}` })))]);
      assert.equal((await store.getTrace((110).toString(16).padStart(32, '0')))[0]!.attributes['app.tier'], 't5');
      await store.close();
    });

    it('refuses a one-server database in cluster mode, and the reverse', async () => {
      const c = await cluster();
      await assert.rejects(openCluster(c.storeUrl('single_ref')), /made for one server/);
      const one = await openClickHouse(c.storeUrl('spread').replace(/,[^/]*/, '').replace('?cluster=honeyray', ''));
      await assert.rejects(ClickHouseStore.open(one.client), /made for a cluster/);
    });
  });
} else {
  test('clickhouse 18.16 cluster conformance', { skip: 'clickhouse-server is not installed' }, () => undefined);
}
