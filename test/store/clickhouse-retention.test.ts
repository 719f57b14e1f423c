/** Retention: day partitions older than --retention-days are dropped, on 18.16 (no TTL) and 26.x. */
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
const span = (i: number, startNs: bigint) => ({ traceId: `${i}`.padStart(32, '0'), spanId: `${i}`.padStart(16, '0'), name: 'x', dataset: 'ret', startNs, durationNs: 1n, attrs: {} });

async function check(open: () => Promise<ChClient>): Promise<void> {
  let store = await ClickHouseStore.open(await open(), {});
  await store.append([makeBatch([span(1, now - 10n * DAY), span(2, now - 5n * DAY), span(3, now - DAY / 2n)])]);
  await store.close();
  store = await ClickHouseStore.open(await open(), { retentionDays: 3 });
  assert.equal((await store.getTrace(span(1, 0n).traceId)).length, 0);
  assert.equal((await store.getTrace(span(2, 0n).traceId)).length, 0);
  assert.equal((await store.getTrace(span(3, 0n).traceId)).length, 1);
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
