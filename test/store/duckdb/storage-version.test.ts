/**
 * The DuckDB storage version (duckdb-store.ts, docs/storage.md "Storage version"): a NEW data dir is
 * created in DuckDB 1.5's own format (`storage_compatibility_version = 'latest'`), where a mostly-NULL
 * low-cardinality string attribute column is stored as DICT_FSST (equality filters run on the
 * dictionary). A data dir created before (DuckDB's default, v1.0.0 storage) keeps its version: it opens,
 * reads, searches and takes appends as before, and is not rewritten.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDBStore } from '../../../src/store/duckdb/duckdb-store.js';
import { makeBatch, type TestSpan } from '../make-batch.js';

const T0 = 1_780_000_000n * 1_000_000_000n;
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'honeyray-storage-version-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** 20,000 spans of 10,000 traces; one span in 7 has `user.handle` (one of 9 values), as in bench:query's set. */
function spans(from: number): TestSpan[] {
  const out: TestSpan[] = [];
  for (let i = from; i < from + 20_000; i++) {
    const trace = 1 + Math.floor(i / 2);
    out.push({
      traceId: trace.toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0'),
      parentSpanId: i % 2 ? (i).toString(16).padStart(16, '0') : undefined,
      name: i % 2 ? 'child' : 'root', dataset: 'svc', startNs: T0 + BigInt(i) * 1_000_000n, durationNs: BigInt(1000 + (i % 997)),
      attrs: i % 7 === 0 ? { 'user.handle': `user_${i % 9}` } : {},
    });
  }
  return out;
}

async function storageVersion(store: DuckDBStore): Promise<string> {
  const rows = await store.select(`SELECT tags['storage_version'] AS v FROM duckdb_databases() WHERE NOT internal AND database_name = current_database()`);
  return String(rows[0]!.v);
}

async function compressions(store: DuckDBStore, column: string): Promise<string[]> {
  const rows = await store.select(`SELECT DISTINCT compression AS c FROM pragma_storage_info('spans') WHERE column_name = '${column}' AND segment_type = 'VARCHAR' ORDER BY 1`);
  return rows.map((r) => String(r.c));
}

/** The traces `user.handle = user_3` finds: spans i with i % 7 == 0 and i % 9 == 3, trace 1 + i / 2. */
function expectedTraces(upTo: number): number {
  let n = 0;
  for (let i = 0; i < upTo; i++) if (i % 7 === 0 && i % 9 === 3) n++;
  return n;
}

async function check(store: DuckDBStore, spanCount: number): Promise<void> {
  const s = await store.traceSummaries({ tags: { 'user.handle': 'user_3' }, limit: 5, sort: 'slowest' });
  assert.equal(s.total, expectedTraces(spanCount), 'every matching trace counted');
  const ids = await store.searchTraces({ service: 'svc', tags: { 'user.handle': 'user_3' }, limit: 3 });
  assert.equal(ids.length, 3);
  // Newest first: the last matching span's trace.
  let last = 0;
  for (let i = 0; i < spanCount; i++) if (i % 7 === 0 && i % 9 === 3) last = i;
  assert.equal(ids[0], (1 + Math.floor(last / 2)).toString(16).padStart(32, '0'));
}

test('a new data dir is created in the latest storage version; its sparse attribute column is DICT_FSST', async () => {
  const path = join(dir, 'new.duckdb');
  const store = await DuckDBStore.open({ path });
  try {
    await store.append([makeBatch(spans(0))]);
    await store.checkpoint();
    assert.match(await storageVersion(store), /^v1\.5\./);
    assert.ok((await compressions(store, 'a:user.handle')).includes('DICT_FSST'), 'dictionary-filtered strings');
    await check(store, 20_000);
  } finally {
    await store.close();
  }
});

test('a data dir created in the old storage version keeps it: opens, reads, searches and appends', async () => {
  const path = join(dir, 'old.duckdb');
  // An empty file as an earlier Honeyray created it (DuckDB's default storage version), then spans.
  const instance = await DuckDBInstance.create(path);
  instance.closeSync();
  let store = await DuckDBStore.open({ path });
  try {
    assert.match(await storageVersion(store), /^v1\.0\./);
    await store.append([makeBatch(spans(0))]);
    await store.checkpoint();
  } finally {
    await store.close();
  }
  store = await DuckDBStore.open({ path });
  try {
    assert.match(await storageVersion(store), /^v1\.0\./, 'not upgraded: older readers still open it');
    assert.ok(!(await compressions(store, 'a:user.handle')).includes('DICT_FSST'));
    await check(store, 20_000);
    await store.append([makeBatch(spans(20_000))]);
    await store.checkpoint();
    await check(store, 40_000);
    assert.equal(Number((await store.select('SELECT count(*) AS n FROM spans'))[0]!.n), 40_000);
  } finally {
    await store.close();
  }
});
