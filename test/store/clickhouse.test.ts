import { basename } from 'node:path';
import { after, test } from 'node:test';
import { HttpClient } from '../../src/store/clickhouse/client.js';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.js';
import { clickhouseAvailable, startClickHouse, type RunningClickHouse } from '../helpers/clickhouse-server.js';
import { storeConformance } from './conformance.js';

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
