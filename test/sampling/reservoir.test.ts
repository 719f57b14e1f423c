import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SamplingTargets, type SamplingStatisticsDocument } from '../../src/sampling/reservoir.js';
import { defaultRule, type SamplingRule } from '../../src/sampling/rules.js';
import { SimulatedSdkRule } from '../../src/sampling/sampler.js';

const T0 = 1_795_487_225_000; // ms; the captured SamplingTargets call (xray_run1/tcp_requests.jsonl)
const LAST_MOD = 1_795_487_150;
const A = '216bb965ea1041ecdc4c6eab';
const B = '0123456789abcdef01234567';
const C = 'fedcba9876543210fedcba98';

function setup(reservoir = 5, fixedRate = 0.1) {
  let now = T0;
  const clock = { now: () => now };
  const rule: SamplingRule = {
    RuleName: 'Cruddur', RuleARN: 'arn:aws:xray:us-east-1::sampling-rule/Cruddur', ResourceARN: '*', Priority: 9000, FixedRate: fixedRate,
    ReservoirSize: reservoir, ServiceName: 'backend-flask', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1, Attributes: {},
  };
  const rules = [rule, defaultRule('us-east-1')];
  const server = new SamplingTargets(clock);
  const doc = (client: string, requests: number, ruleName = 'Cruddur'): SamplingStatisticsDocument => ({
    RuleName: ruleName, ClientID: client, RequestCount: requests, BorrowCount: 1, SampledCount: 1, Timestamp: Math.floor(now / 1000),
  });
  const quota = (client: string, requests: number) => {
    const r = server.report([doc(client, requests)], rules, LAST_MOD);
    assert.equal(r.UnprocessedStatistics.length, 0);
    return r.SamplingTargetDocuments[0].ReservoirQuota;
  };
  return { clock, server, rules, rule, doc, quota, advance: (ms: number) => (now += ms) };
}

test('a lone client gets the whole reservoir; TTL, Interval, FixedRate, LastRuleModification', () => {
  const { server, rules, doc, advance } = setup();
  const body = server.report([doc(A, 7)], rules, LAST_MOD);
  assert.deepEqual(body, {
    SamplingTargetDocuments: [{ RuleName: 'Cruddur', FixedRate: 0.1, ReservoirQuota: 5, ReservoirQuotaTTL: 1_795_487_225 + 300, Interval: 10 }],
    LastRuleModification: LAST_MOD,
    UnprocessedStatistics: [],
  });
  advance(10_400);
  const next = server.report([doc(A, 3)], rules, LAST_MOD).SamplingTargetDocuments[0];
  assert.equal(next.ReservoirQuotaTTL, 1_795_487_235 + 300);
  assert.equal(typeof next.ReservoirQuotaTTL, 'number');
});

test('two clients 3:1 share the reservoir 3:1 and never exceed it', () => {
  const { quota, advance } = setup(4);
  assert.equal(quota(A, 30), 4); // alone for now
  assert.equal(quota(B, 10), 0); // A still holds all 4
  advance(10_000);
  assert.equal(quota(A, 30), 3);
  assert.equal(quota(B, 10), 1);
  advance(10_000);
  assert.equal(quota(B, 10), 1);
  assert.equal(quota(A, 30), 3);
});

test('fractional shares: quotas average the share over time, outstanding total stays within the reservoir', () => {
  const { quota, advance } = setup(5);
  const got = { a: [] as number[], b: [] as number[] };
  quota(A, 30);
  quota(B, 10);
  for (let round = 0; round < 40; round++) {
    advance(5_000);
    got.a.push(quota(A, 30));
    assert.ok(got.a[got.a.length - 1] + (got.b[got.b.length - 1] ?? 0) <= 5);
    advance(5_000);
    got.b.push(quota(B, 10));
    assert.ok(got.a[got.a.length - 1] + got.b[got.b.length - 1] <= 5);
  }
  const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(avg(got.a) - 3.75) < 0.15, `A averages ${avg(got.a)}`);
  assert.ok(Math.abs(avg(got.b) - 1.25) < 0.15, `B averages ${avg(got.b)}`);

  // Reservoir 1 among three equal clients: each holds it a third of the time, never two at once.
  const s = setup(1);
  const held: number[][] = [];
  for (let round = 0; round < 30; round++) {
    const q = [A, B, C].map((c) => {
      s.advance(3_000);
      return s.quota(c, 10);
    });
    s.advance(1_000);
    held.push(q);
  }
  for (const q of held) assert.ok(q.reduce((x, y) => x + y, 0) <= 1);
  for (let i = 0; i < 3; i++) {
    const n = held.filter((q) => q[i] === 1).length;
    assert.ok(n >= 8 && n <= 12, `client ${i} held the unit in ${n}/30 rounds (${held.map((q) => q.join('')).join(' ')})`);
  }
  // Someone holds it at the end of most rounds (it is idle only between one release and the next claim).
  assert.ok(held.filter((q) => q.includes(1)).length >= 25);
});

test('a client going quiet: its share returns to the other after the window', () => {
  const { quota, advance } = setup(4);
  quota(A, 10);
  quota(B, 10);
  advance(10_000);
  assert.equal(quota(A, 10), 2);
  assert.equal(quota(B, 10), 2);
  advance(10_000); // B has no more traffic and stops reporting
  assert.equal(quota(A, 10), 2);
  advance(10_000);
  assert.equal(quota(A, 10), 2); // B reported 20 s ago: still counted
  advance(1);
  assert.equal(quota(A, 10), 4);
});

test('unknown rule and bad documents go to UnprocessedStatistics with a 4xx code', () => {
  const { server, rules, doc } = setup();
  const r = server.report(
    [doc(A, 1, 'Nope'), { ...doc(A, 1), ClientID: 'short' }, { ...doc(A, 1), RequestCount: -1 }, { ...doc(A, 1), RuleName: '' }, doc(A, 2)],
    rules,
    LAST_MOD,
  );
  assert.deepEqual(r.UnprocessedStatistics, [
    { RuleName: 'Nope', ErrorCode: '400', Message: 'Sampling rule Nope does not exist' },
    { RuleName: 'Cruddur', ErrorCode: '400', Message: 'ClientID must be 24 characters long' },
    { RuleName: 'Cruddur', ErrorCode: '400', Message: 'RequestCount, SampledCount and BorrowCount must be non-negative integers' },
    { RuleName: '', ErrorCode: '400', Message: 'RuleName is required' },
  ]);
  for (const u of r.UnprocessedStatistics) assert.ok(u.ErrorCode.startsWith('4'));
  assert.deepEqual(r.SamplingTargetDocuments.map((t) => [t.RuleName, t.ReservoirQuota]), [['Cruddur', 5]]);
});

test('the Default rule is handled like any other; reservoir 0 gives quota 0', () => {
  const { server, rules, doc } = setup(0);
  const r = server.report([doc(A, 4, 'Default'), doc(A, 4)], rules, LAST_MOD);
  assert.deepEqual(
    r.SamplingTargetDocuments.map((t) => [t.RuleName, t.ReservoirQuota, t.FixedRate]),
    [['Default', 1, 0.05], ['Cruddur', 0, 0.1]],
  );
});

test('summaries: counts reported in the last minute, per rule', () => {
  const { server, rules, doc, advance } = setup();
  server.report([{ ...doc(A, 7), BorrowCount: 1, SampledCount: 2 }], rules, LAST_MOD);
  advance(30_000);
  server.report([{ ...doc(B, 5), BorrowCount: 0, SampledCount: 3 }, { ...doc(B, 2, 'Default'), BorrowCount: 1, SampledCount: 1 }], rules, LAST_MOD);
  assert.deepEqual(server.summaries(), [
    { RuleName: 'Cruddur', Timestamp: Math.floor((T0 + 30_000 - 60_000) / 1000), RequestCount: 12, BorrowCount: 1, SampledCount: 5 },
    { RuleName: 'Default', Timestamp: Math.floor((T0 + 30_000 - 60_000) / 1000), RequestCount: 2, BorrowCount: 1, SampledCount: 1 },
  ]);
  advance(31_000); // the first report leaves the window
  assert.deepEqual(
    server.summaries(rules).map((s) => [s.RuleName, s.RequestCount, s.SampledCount]),
    [['Cruddur', 5, 3], ['Default', 2, 1]],
  );
  advance(60_000);
  assert.deepEqual(server.summaries(), []);
  assert.deepEqual(server.summaries(rules).map((s) => s.RequestCount), [0, 0]);
});

test('simulated SDKs: two clients on one rule of reservoir 5 sample ~5/s plus FixedRate of the rest', () => {
  for (const [perTickA, perTickB] of [[1, 1], [3, 1]]) {
    const { clock, server, rules, advance } = setup(5, 0.1);
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const clients = [new SimulatedSdkRule(A, 'Cruddur', 0.1, 5, clock, rnd), new SimulatedSdkRule(B, 'Cruddur', 0.1, 5, clock, rnd)];
    const perTick = [perTickA, perTickB];
    const tickMs = 100;
    const seconds = 300;
    let takes = 0;
    let sampled = 0;
    let requests = 0;
    const takesPerSecond = new Map<number, number>();
    for (let tick = 0; tick < (seconds * 1000) / tickMs; tick++) {
      const elapsed = tick * tickMs;
      clients.forEach((c, i) => {
        // Client i reports every 10 s, B 5 s after A.
        if (elapsed % 10_000 === i * 5_000) {
          const snap = c.snapshot();
          if (snap) c.load(server.report([snap], rules, LAST_MOD).SamplingTargetDocuments[0]);
        }
        for (let k = 0; k < perTick[i]; k++) {
          const d = c.sample();
          if (elapsed < 60_000) continue; // warm-up
          requests++;
          if (d !== 'no') sampled++;
          if (d === 'take') {
            takes++;
            const sec = Math.floor(clock.now() / 1000);
            takesPerSecond.set(sec, (takesPerSecond.get(sec) ?? 0) + 1);
          }
        }
      });
      advance(tickMs);
    }
    const secs = seconds - 60;
    for (const n of takesPerSecond.values()) assert.ok(n <= 5, `${n} reservoir takes in one second`);
    assert.ok(takes / secs > 4.5, `reservoir takes ${takes / secs}/s`);
    const expected = 5 + 0.1 * (requests / secs - 5);
    assert.ok(Math.abs(sampled / secs - expected) < 0.6, `sampled ${sampled / secs}/s, expected ~${expected}/s (${perTickA}:${perTickB})`);
  }
});
