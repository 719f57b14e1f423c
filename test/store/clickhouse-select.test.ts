/** select() on ClickHouse cannot reach files, the network or other tables' writes, on 18.16 and 26.x. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ChdbClient, HttpClient, type ChClient } from '../../src/store/clickhouse/client.js';
import { ClickHouseStore } from '../../src/store/clickhouse/clickhouse-store.js';
import { clickhouseAvailable, startClickHouse, type RunningClickHouse } from '../helpers/clickhouse-server.js';

async function check(client: ChClient, listener: string): Promise<void> {
  const store = await ClickHouseStore.open(client, {});
  try {
    for (const sql of [
      "SELECT * FROM file('/etc/hostname', 'TSV', 'line String')",
      `SELECT * FROM url('${listener}', 'TSV', 'line String')`,
      'SELECT 1); DROP TABLE meta; SELECT (1',
      "INSERT INTO meta SELECT 'a', 'b', 'c', 0, 1",
      'SELECT 1 SETTINGS readonly = 0',
      "SELECT * FROM file('/etc/hostname', 'TSV', 'line String') SETTINGS readonly = 2",
    ]) {
      const err = await store.select(sql).then(() => null, (e: Error) => e);
      assert.ok(err, `${sql} must fail`);
      assert.doesNotMatch(err.message, /file|url|meta|hostname/, sql);
    }
    assert.equal(await store.getMeta('a', 'b'), undefined);
    assert.deepEqual(await store.select("SELECT 1 AS one, 'x' AS s"), [{ one: 1, s: 'x' }]);
  } finally {
    await store.close();
  }
}

describe('ClickHouse select() is read-only', () => {
  let ch: RunningClickHouse | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'honeyray-chsel-'));
  after(async () => { await ch?.stop(); rmSync(dir, { recursive: true, force: true }); });

  it('on 18.16', { skip: clickhouseAvailable() ? false : 'clickhouse-server is not installed' }, async () => {
    ch = await startClickHouse();
    await check(new HttpClient({ url: ch.url, database: 'default' }), `${ch.url}/?query=SELECT%201`);
  });

  it('on 26.x (chdb)', async () => {
    await check(await ChdbClient.open(join(dir, 'chdb')), 'http://127.0.0.1:9/');
  });
});
