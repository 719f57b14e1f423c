/**
 * New-column admission by time (store/catalog.ts): an ALTER costs time proportional to the rows stored, and
 * every request waits for it, so a transaction and a minute may spend only a bounded time on new columns;
 * keys past it go to the overflow column at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ColumnCatalog } from '../../src/store/catalog.js';
import { makeBatch } from './make-batch.js';

const DDL = { add: (c: string) => `ADD ${c}`, widen: (c: string) => `WIDEN ${c}` };

function batchWithKeys(prefix: string, n: number) {
  const attrs: Record<string, string> = {};
  for (let i = 0; i < n; i++) attrs[`${prefix}${i}`] = 'v';
  return makeBatch([{ traceId: '1'.repeat(32), spanId: '1'.repeat(16), name: 'op', dataset: 'svc', startNs: 1n, durationNs: 1n, attrs }]);
}

describe('column admission by DDL time', () => {
  it('a transaction creates only as many columns as fit its budget at the measured ALTER cost', () => {
    const c = new ColumnCatalog(2000, { perBatch: 64, perMinute: 1000 }, DDL);
    c.recordDdl(40);
    const plan = c.plan(batchWithKeys('k', 500), 0, { ms: 0 });
    // 400 ms budget at 40 ms each: the first is always allowed, then while the sum stays <= 400 ms.
    assert.equal(plan.ddl.length, 10);
    assert.equal(plan.overflowKeys.length, 490);
  });

  it('the first new column of a transaction is admitted even when one ALTER costs more than the budget', () => {
    const c = new ColumnCatalog(2000, { perBatch: 64, perMinute: 1000 }, DDL);
    c.recordDdl(500);
    assert.equal(c.plan(batchWithKeys('a', 10), 0, { ms: 0 }).ddl.length, 1);
    assert.equal(c.plan(batchWithKeys('b', 10), 1, { ms: 0 }).ddl.length, 1);
  });

  it('all transactions of a minute together stay within the minute budget, then the next minute starts afresh', () => {
    const c = new ColumnCatalog(2000, { perBatch: 64, perMinute: 1000 }, DDL);
    c.recordDdl(1000);
    let created = 0;
    for (let t = 0; t < 20; t++) created += c.plan(batchWithKeys(`m${t}.`, 5), 1000 + t, { ms: 0 }).ddl.length;
    assert.equal(created, 6); // 6,000 ms a minute at 1,000 ms each
    assert.equal(c.plan(batchWithKeys('later.', 5), 61_000 + 1000, { ms: 0 }).ddl.length, 1);
  });

  it('cheap ALTERs (an empty table) keep the count caps as before', () => {
    const c = new ColumnCatalog(2000, { perBatch: 64, perMinute: 1000 }, DDL);
    c.recordDdl(1);
    assert.equal(c.plan(batchWithKeys('k', 500), 0, { ms: 0 }).ddl.length, 64);
  });
});
