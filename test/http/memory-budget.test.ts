import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBudget } from '../../src/http/memory-budget.js';

describe('MemoryBudget', () => {
  it('admits until the budget is used, refuses past it, and admits again once released', () => {
    const b = new MemoryBudget(1000, 1000);
    const a = b.reserve(600)!;
    assert.ok(a);
    assert.equal(b.reserve(500), null);
    assert.equal(b.refused, 1);
    const c = b.reserve(400)!;
    assert.equal(b.used, 1000);
    a.release();
    a.release(); // twice is once
    assert.equal(b.used, 400);
    assert.ok(b.reserve(600));
    c.release();
    assert.equal(b.peak, 1000);
  });

  it('always admits a first request on an idle process, however large (it can never be refused forever)', () => {
    const b = new MemoryBudget(1000, 100);
    const big = b.reserve(5000, 'conn')!;
    assert.ok(big);
    assert.equal(b.reserve(1), null);
    big.release();
    assert.equal(b.used, 0);
  });

  it('caps what one connection holds, not others', () => {
    const b = new MemoryBudget(10_000, 1000);
    const one = {};
    assert.ok(b.reserve(800, one));
    assert.equal(b.reserve(300, one), null);
    assert.ok(b.reserve(300, {}));
    assert.ok(b.reserve(300, 'peer:1'));
  });

  it('grows a reservation as a body arrives and refuses the growth past the budget', () => {
    const b = new MemoryBudget(1000, 1000);
    const other = b.reserve(100)!;
    const r = b.reserve(0)!;
    assert.ok(r.grow(500));
    assert.equal(r.grow(500), false);
    assert.equal(b.used, 600);
    r.release();
    other.release();
    assert.equal(b.used, 0);
  });
});
