import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { storeConformance } from './conformance.js';
import { makeBatch } from './make-batch.js';

storeConformance('duckdb', (dir) => DuckDBStore.open({ path: join(dir, 'spans.duckdb'), maxColumns: 20 }));

describe('DuckDB store: the read path cannot reach files', () => {
  it('refuses statements that read or write outside the database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'honeyray-duckdb-'));
    const store = await DuckDBStore.open({ path: join(dir, 'spans.duckdb') });
    try {
      await assert.rejects(store.select("SELECT * FROM read_csv('/etc/hostname')"));
      await assert.rejects(store.select(`COPY (SELECT 1) TO '${join(dir, 'out.csv')}'`), { name: 'QueryRefusedError' });
      await assert.rejects(store.select("SET enable_external_access = true"), { name: 'QueryRefusedError' });
      assert.equal(existsSync(join(dir, 'out.csv')), false);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DuckDB store: retention', () => {
  it('expires exactly the spans that started before the cutoff', async () => {
    const store = await DuckDBStore.open({ path: ':memory:' });
    try {
      const day = 86_400_000_000_000n;
      const now = BigInt(Date.now()) * 1_000_000n;
      const at = (traceId: string, spanId: string, startNs: bigint) => ({ traceId, spanId, name: 'op', dataset: 'svc', startNs, durationNs: 1n, attrs: {} });
      await store.append([makeBatch([
        at('0000000000000000000000000000000a', '000000000000000a', now - 9n * day),
        at('0000000000000000000000000000000a', '000000000000000b', now - 7n * day + 1_000_000_000n),
        at('0000000000000000000000000000000c', '000000000000000c', now - 1n * day),
      ])]);
      assert.equal(await store.expire(now - 7n * day), 1);
      assert.deepEqual((await store.getTrace('0000000000000000000000000000000a')).map((s) => s.spanId), ['000000000000000b']);
      assert.equal((await store.getTrace('0000000000000000000000000000000c')).length, 1);
      assert.equal(await store.expire(now - 7n * day), 0);
    } finally {
      await store.close();
    }
  });
});
