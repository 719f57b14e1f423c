/** `honeyray migrate` against a real ClickHouse 18.16: creates, then finds nothing to do; clear errors. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { clickhouseAvailable, startClickHouse, type RunningClickHouse } from '../helpers/clickhouse-server.js';
import { CLI, freePort } from '../helpers/server-process.js';

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, HONEYRAY_STORE: '' } });

describe('honeyray migrate', { skip: clickhouseAvailable() ? false : 'clickhouse-server is not installed' }, () => {
  let ch: RunningClickHouse;
  before(async () => { ch = await startClickHouse(); });
  after(async () => { await ch?.stop(); });

  it('creates the database and schema once, then reports it is up to date', async () => {
    const store = `clickhouse://127.0.0.1:${ch.httpPort}/migrated`;
    const first = cli('migrate', '--store', store);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /ClickHouse 18\.16[.\d]* .*database migrated: schema version 0 -> 2/);
    const again = cli('migrate', '--store', store);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /schema already at version 2/);
    const r = await fetch(`${ch.url}/?query=${encodeURIComponent("SELECT name FROM system.tables WHERE database = 'migrated' ORDER BY name FORMAT TSV")}`);
    assert.deepEqual((await r.text()).trim().split('\n'), ['columns', 'dead', 'meta', 'schema_version', 'spans', 'spans_data', 'trace_lookup', 'trace_lookup_mv']);
  });

  it('says so when ClickHouse is unreachable, and rejects a bad URL as usage', async () => {
    const down = cli('migrate', '--store', `clickhouse://127.0.0.1:${await freePort()}/x`);
    assert.equal(down.status, 1);
    assert.match(down.stderr, /honeyray migrate: ClickHouse at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
    const bad = cli('migrate', '--store', 'postgres://x/y');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /invalid ClickHouse URL/);
    assert.equal(cli('migrate').status, 2);
  });
});
