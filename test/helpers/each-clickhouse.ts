import { join } from 'node:path';
import { after, it } from 'node:test';
import { ChdbClient, HttpClient } from '../../src/store/clickhouse/client.js';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.js';
import { clickhouseAvailable, startClickHouse, type RunningClickHouse } from './clickhouse-server.js';

/**
 * One test per ClickHouse release the store supports: 26.x in-process (chdb, under `dir`) and 18.16 (a
 * server, when clickhouse-server is installed; CI installs it). Each gets a fresh store, closed after `check`.
 */
export function itOnEachClickHouse(dir: string, check: (store: ClickHouseStore, release: '26.x' | '18.16') => Promise<void>): void {
  let ch: RunningClickHouse | undefined;
  after(async () => { await ch?.stop(); });
  const run = async (store: ClickHouseStore, release: '26.x' | '18.16') => {
    try {
      await check(store, release);
    } finally {
      await store.close();
    }
  };
  it('on 26.x (chdb)', async () => {
    await run(await ClickHouseStore.open(await ChdbClient.open(join(dir, 'chdb'))), '26.x');
  });
  it('on 18.16', { skip: clickhouseAvailable() ? false : 'clickhouse-server is not installed' }, async () => {
    ch = await startClickHouse();
    await run(await ClickHouseStore.open(new HttpClient({ url: ch.url, database: 'default' })), '18.16');
  });
}
