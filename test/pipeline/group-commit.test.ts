/**
 * Group commit with the real decoder and a real DuckDB store: several requests share a transaction, yet
 * an X-Ray segment sent in progress and then complete is stored once, whatever the grouping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodePayload } from '../../src/app/decode-payload.js';
import { GroupCommitter } from '../../src/pipeline/group-commit.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';

const T = '1-5f84c7a1-1234567890abcdef12345678';
const HEX = '5f84c7a11234567890abcdef12345678';
const start = Date.now() / 1000 - 10;
const seg = (id: string, complete: boolean) => JSON.stringify({
  trace_id: T, id, name: 'backend-flask', start_time: start,
  ...(complete ? { end_time: start + 0.25 } : { in_progress: true }),
});

describe('GroupCommitter', () => {
  it('stores a segment once when its in-progress and complete versions arrive in the same group', async () => {
    const store = await DuckDBStore.open({ path: ':memory:' });
    try {
      const committer = new GroupCommitter(store, await decodePayload(store, () => undefined), 50_000, () => undefined);
      // Submitted back to back, they are decoded into one group; the complete one must commit after.
      const results = await Promise.all([
        committer.submit({ kind: 'xray', documents: [seg('aaaaaaaaaaaaaaa1', false)] }),
        committer.submit({ kind: 'xray', documents: [seg('aaaaaaaaaaaaaaa2', false)] }),
        committer.submit({ kind: 'xray', documents: [seg('aaaaaaaaaaaaaaa1', true)] }),
        committer.submit({ kind: 'xray', documents: [seg('aaaaaaaaaaaaaaa2', true), seg('aaaaaaaaaaaaaaa3', true)] }),
      ]);
      assert.ok(results.every((r) => r.ok));
      const spans = await store.getTrace(HEX);
      assert.deepEqual(spans.map((s) => s.spanId).sort(), ['aaaaaaaaaaaaaaa1', 'aaaaaaaaaaaaaaa2', 'aaaaaaaaaaaaaaa3']);
      assert.ok(spans.every((s) => s.durationNano === 250_000_000n));
      assert.ok(committer.commits >= 2);
    } finally {
      await store.close();
    }
  });
});
