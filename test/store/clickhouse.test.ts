import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { after, test } from 'node:test';
import { HttpClient } from '../../src/store/clickhouse/client.js';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.js';
import { clickhouseAvailable, startClickHouse, type RunningClickHouse } from '../helpers/clickhouse-server.js';
import { storeConformance } from './conformance.js';
import { makeBatch } from './make-batch.js';

// The conformance suite on Debian's ClickHouse 18.16: one real server for the file, one database per
// store directory (reopening the same directory reopens the same database).
if (clickhouseAvailable()) {
  let server: Promise<RunningClickHouse> | null = null;
  after(async () => { if (server) await (await server).stop(); });
  storeConformance('clickhouse 18.16', async (dir) => {
    const ch = await (server ??= startClickHouse());
    const database = 'db_' + basename(dir).replace(/[^A-Za-z0-9]/g, '_');
    await new HttpClient({ url: ch.url, database }).withoutDatabase().command(`CREATE DATABASE IF NOT EXISTS ${database}`);
    return ClickHouseStore.open(new HttpClient({ url: ch.url, database }), { maxColumns: 20 });
  });
} else {
  test('clickhouse 18.16 conformance', { skip: 'clickhouse-server is not installed' }, () => undefined);
}

// Two Honeyray nodes on one database: a node whose catalog has not seen a column another node added
// still appends (18.16 has no ADD COLUMN IF NOT EXISTS: the store re-plans with the reloaded catalog).
if (clickhouseAvailable()) {
  test('two stores on one ClickHouse database add the same new column', async () => {
    const ch = await startClickHouse();
    try {
      const open = () => ClickHouseStore.open(new HttpClient({ url: ch.url, database: 'default' }));
      const [a, b] = [await open(), await open()];
      const span = (spanId: string) => ({ traceId: 'abababababababababababababababab', spanId, name: 'n', dataset: 'two-nodes', startNs: 1_795_487_000_000_000_000n, durationNs: 1n, attrs: { 'new.key': spanId } });
      await a.append([makeBatch([span('0000000000000001')])]);
      await b.append([makeBatch([span('0000000000000002')])]);
      const got = (await a.getTrace('abababababababababababababababab')).map((s) => s.attributes['new.key']).sort();
      assert.deepEqual(got, ['0000000000000001', '0000000000000002']);
      await a.close();
      await b.close();
    } finally {
      await ch.stop();
    }
  });
}
