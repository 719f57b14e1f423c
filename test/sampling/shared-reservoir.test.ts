/** Reservoirs shared by Honeyray nodes: each node's share by demand, adding up to the rule's reservoir. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SamplingTargets } from '../../src/sampling/reservoir.js';
import { defaultRule } from '../../src/sampling/rules.js';
import { nodeReservoirs, type NodeDemand } from '../../src/sampling/shared-reservoir.js';

const NOW = 1_800_000_000_000;
const node = (name: string, demand: Record<string, number>, at = NOW): NodeDemand => ({ node: name, at, demand });
const rules = (size: number) => new Map([['r', size]]);

/** Every node's quota as each node computes it from everyone's publications. */
function all(nodes: NodeDemand[], size: number, now = NOW): number[] {
  return nodes.map((me) => nodeReservoirs(me, nodes, rules(size), now).get('r')!);
}

describe('nodeReservoirs', () => {
  it('gives a lone node the whole reservoir', () => {
    assert.equal(nodeReservoirs(node('a', { r: 50 }), [], rules(7), NOW).get('r'), 7);
    assert.equal(nodeReservoirs(node('a', { r: 0 }), [], rules(7), NOW).get('r'), 7);
  });

  it('splits by demand, whole quotas adding up to the reservoir', () => {
    assert.deepEqual(all([node('a', { r: 30 }), node('b', { r: 10 })], 8), [6, 2]);
    assert.deepEqual(all([node('a', { r: 1 }), node('b', { r: 1 }), node('c', { r: 1 })], 10).sort(), [3, 3, 4]);
    assert.equal(all([node('a', { r: 1 }), node('b', { r: 1 }), node('c', { r: 1 })], 10).reduce((x, y) => x + y), 10);
    assert.deepEqual(all([node('a', { r: 999 }), node('b', { r: 1 })], 10), [10, 0]);
  });

  it('leaves out nodes without demand or that stopped publishing', () => {
    assert.deepEqual(all([node('a', { r: 5 }), node('b', { r: 0 })], 4), [4, 0]);
    const stale = node('b', { r: 100 }, NOW - 60_000);
    assert.equal(nodeReservoirs(node('a', { r: 5 }), [stale], rules(4), NOW).get('r'), 4);
  });

  it('takes turns with a unit reservoir and equal demand', () => {
    const held = [0, 0];
    for (let p = 0; p < 10; p++) {
      const at = NOW + p * 10_000;
      const q = all([node('a', { r: 10 }, at), node('b', { r: 10 }, at)], 1, at);
      assert.equal(q[0]! + q[1]!, 1);
      held[0] += q[0]!;
      held[1] += q[1]!;
    }
    assert.deepEqual(held, [5, 5]);
  });

  it('caps what a node gives its own clients at its share', () => {
    let now = NOW;
    const targets = new SamplingTargets({ now: () => now });
    const rule = { ...defaultRule('us-east-1'), ReservoirSize: 10 };
    const doc = (id: string) => ({ RuleName: 'Default', ClientID: id.repeat(24), Timestamp: now / 1000, RequestCount: 100, SampledCount: 0 });
    const recorded = targets.record([doc('a'), doc('b')], [rule]);
    const share = nodeReservoirs(node('me', Object.fromEntries(targets.demand())), [node('other', { Default: 200 })], new Map([['Default', 10]]), now);
    assert.equal(share.get('Default'), 5);
    const r = targets.answer(recorded, 0, share);
    assert.ok(r.SamplingTargetDocuments[0]!.ReservoirQuota <= 5);
    now += 1000;
    // Without shares the same server gives its clients up to the whole reservoir, as before.
    const alone = new SamplingTargets({ now: () => now });
    assert.equal(alone.report([doc('c')], [rule]).SamplingTargetDocuments[0]!.ReservoirQuota, 10);
  });
});
