import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { storeConformance } from './conformance.js';

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
