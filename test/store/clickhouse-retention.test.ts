/**
 * Retention: day partitions older than --retention-days are dropped, on 18.16 (no TTL) and 26.x; per-dataset
 * retentions (shorter and longer than the default) delete exactly their expired rows.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ChdbClient, HttpClient, type ChClient } from '../../src/store/clickhouse/client.js';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.js';
import { clickhouseAvailable, startClickHouse, type RunningClickHouse } from '../helpers/clickhouse-server.js';
import { makeBatch } from './make-batch.js';

const DAY = 86_400_000_000_000n;
const now = BigInt(Date.now()) * 1_000_000n;
const span = (i: number, startNs: bigint, dataset = 'ret') => ({ traceId: `${i}`.padStart(32, '0'), spanId: `${i}`.padStart(16, '0'), name: 'x', dataset, startNs, durationNs: 1n, attrs: {} });

async function check(open: () => Promise<ChClient>): Promise<void> {
  let store = await ClickHouseStore.open(await open(), {});
  await store.append([makeBatch([span(1, now - 10n * DAY), span(2, now - 5n * DAY), span(3, now - DAY / 2n)])]);
  await store.close();
  store = await ClickHouseStore.open(await open(), { retentionDays: 3 });
  assert.equal((await store.getTrace(span(1, 0n).traceId)).length, 0);
  assert.equal((await store.getTrace(span(2, 0n).traceId)).length, 0);
  assert.equal((await store.getTrace(span(3, 0n).traceId)).length, 1);
  await store.close();
  // Default 3 days, `short` 1 day, `long` 30 days: whole days go only past 30, the rest by row deletes.
  store = await ClickHouseStore.open(await open(), {});
  await store.append([makeBatch([
    span(10, now - 2n * DAY, 'short'), span(11, now - DAY / 4n, 'short'),
    span(12, now - 10n * DAY, 'long'), span(13, now - 40n * DAY, 'long'),
    span(14, now - 5n * DAY, 'other'), span(15, now - 2n * DAY, 'other'),
  ])]);
  await store.close();
  store = await ClickHouseStore.open(await open(), { retentionDays: 3, datasetRetentionDays: { short: 1, long: 30 } });
  const kept = async (i: number) => (await store.getTrace(span(i, 0n).traceId)).length;
  assert.deepEqual([await kept(10), await kept(11), await kept(12), await kept(13), await kept(14), await kept(15)], [0, 1, 1, 0, 0, 1]);
  await store.close();
}

describe('ClickHouse retention', () => {
  let ch: RunningClickHouse | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'honeyray-ret-'));
  after(async () => { await ch?.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('drops old days on 18.16', { skip: clickhouseAvailable() ? false : 'clickhouse-server is not installed' }, async () => {
    ch = await startClickHouse();
    await check(async () => new HttpClient({ url: ch!.url, database: 'default' }));
  });

  it('drops old days on 26.x (chdb)', async () => {
    await check(() => ChdbClient.open(join(dir, 'chdb')));
  });
});
