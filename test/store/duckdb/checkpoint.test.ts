/**
 * The span writer's checkpoints (store/duckdb/span-writer.ts): counted and timed in the store's stats, on
 * demand and in the background. Real DuckDB files; no timings asserted, only counts.
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

async function openStore(checkpointEverySpans: number): Promise<{ store: DuckDBStore; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'honeyray-ckpt-'));
  dirs.push(dir);
  const path = join(dir, 'spans.duckdb');
  return { store: await DuckDBStore.open({ path, checkpointEverySpans }), path };
}

function spans(from: number, n: number): TestSpan[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const hex = i.toString(16).padStart(16, '0');
    return { traceId: `${hex}${hex}`, spanId: hex, name: 'op', dataset: 'svc', startNs: 1_700_000_000_000_000_000n + BigInt(i) * 1000n, durationNs: 1000n, attrs: { 'http.route': `/orders/${i % 10}` } };
  });
}

describe('DuckDB checkpoints', () => {
  it('on demand: counted and timed in stats', async () => {
    const { store } = await openStore(0);
    assert.equal((await store.stats()).checkpoints?.count, 0);
    await store.append([makeBatch(spans(0, 3000))], {});
    await store.checkpoint();
    const c = (await store.stats()).checkpoints!;
    assert.equal(c.count, 1);
    assert.equal(c.lastSpans, 3000);
    assert.ok(c.lastMs >= 0 && c.maxMs === c.lastMs && c.totalMs === c.lastMs, JSON.stringify(c));
    await store.close();
  });

  it('in the background every N spans: counted with the spans since the previous one', async () => {
    const { store } = await openStore(5000);
    for (let i = 0; i < 3; i++) await store.append([makeBatch(spans(i * 2000, 2000))], {});
    // The background checkpoint has no public handle: wait for the writer as close() does.
    await (store as unknown as { writer: { idle(): Promise<void> } }).writer.idle();
    const c = (await store.stats()).checkpoints!;
    assert.equal(c.count, 1, 'one checkpoint after 6,000 spans (every 5,000)');
    assert.equal(c.lastSpans, 6000);
    await store.close();
  });
});
