/**
 * The span writer's checkpoints (store/duckdb/span-writer.ts): timed and reported in stats, and FSST left out
 * of them until the table holds X-Ray documents. Real DuckDB files; only what is stored is asserted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DuckDBStore } from '../../../src/store/duckdb/duckdb-store.js';
import { makeBatch, type TestSpan } from '../make-batch.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

async function openStore(): Promise<{ store: DuckDBStore; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'honeyray-ckpt-'));
  dirs.push(dir);
  const path = join(dir, 'spans.duckdb');
  return { store: await DuckDBStore.open({ path, checkpointEverySpans: 0 }), path };
}

/** Long, all-distinct strings: what FSST wins on (dictionary encoding cannot). */
function text(i: number): string {
  return `{"name":"checkout","http":{"request":{"method":"POST","url":"https://shop.example.com/api/orders/${i}?lang=en"},"response":{"status":200}},"annotations":{"order":${i * 7919}}}`;
}

function spans(from: number, n: number, xray: boolean): TestSpan[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const hex = i.toString(16).padStart(16, '0');
    return {
      traceId: `${hex}${hex}`, spanId: hex, name: 'op', dataset: 'svc', startNs: 1_700_000_000_000_000_000n + BigInt(i) * 1000n, durationNs: 1000n,
      ...(xray ? { xrayDoc: text(i), xrayDocId: hex, source: 2 } : { attrs: { 'http.url': text(i) } }),
    };
  });
}

async function compressions(store: DuckDBStore): Promise<Set<string>> {
  const rows = await store.select("SELECT DISTINCT compression FROM pragma_storage_info('spans') WHERE segment_type = 'VARCHAR'");
  return new Set(rows.map((r) => String(r.compression)));
}

describe('DuckDB checkpoints', () => {
  it('are counted and timed in stats', async () => {
    const { store } = await openStore();
    assert.equal((await store.stats()).checkpoints?.count, 0);
    await store.append([makeBatch(spans(0, 3000, false))], {});
    await store.checkpoint();
    const c = (await store.stats()).checkpoints!;
    assert.equal(c.count, 1);
    assert.ok(c.lastMs >= 0 && c.maxMs === c.lastMs && c.totalMs === c.lastMs, JSON.stringify(c));
    await store.close();
  });

  it('leave FSST out while the table holds no X-Ray documents', async () => {
    const { store } = await openStore();
    await store.append([makeBatch(spans(0, 20_000, false))], {});
    await store.checkpoint();
    assert.equal((await compressions(store)).has('FSST'), false);
    await store.close();
  });

  it('use FSST once X-Ray documents are stored, also after a restart', async () => {
    const { store, path } = await openStore();
    await store.append([makeBatch(spans(0, 20_000, true))], {});
    await store.checkpoint();
    assert.equal((await compressions(store)).has('FSST'), true, 'raw X-Ray documents are compressed with FSST');
    await store.close();
    // Reopened: the table's documents are seen at open, so the new rows' checkpoint keeps FSST too.
    const again = await DuckDBStore.open({ path, checkpointEverySpans: 0 });
    await again.append([makeBatch(spans(20_000, 130_000, false))], {});
    await again.checkpoint();
    const rows = await again.select("SELECT count(*) AS n FROM pragma_storage_info('spans') WHERE compression = 'FSST' AND row_group_id > 0");
    assert.ok(Number(rows[0]!.n) > 0, 'segments written after the restart use FSST');
    await again.close();
  });
});
