/**
 * Honeyray's reservoir split (SamplingTargets) fed to aws-xray-sdk-core 3.12's OWN sampling code, with an
 * injected clock: the SDK's `Reservoir` takes `now` as an argument, and its `ServiceConnector` parses the
 * SamplingTargets answer (here from a fake HTTP client instead of the network).
 *
 * - The Node SDK parses `ReservoirQuotaTTL` with `new Date(x).getTime() / 1000`, i.e. it reads epoch
 *   SECONDS as milliseconds: the quota it loads has a TTL in 1970 and is never used; the SDK borrows
 *   1/s instead (see test/e2e/xray-sampling.test.ts for the same thing end to end).
 * - With the TTL read as seconds (what the Go SDK and the OTel X-Ray samplers do), two clients sharing the
 *   seed's rule take at most the reservoir (5/s) between them, split by their request counts.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { SamplingTargets, type SamplingTargetsResult } from '../../src/sampling/reservoir.js';
import { defaultRule, type SamplingRule } from '../../src/sampling/rules.js';

const require = createRequire(import.meta.url);
type SdkReservoir = { borrowOrTake(now: number, canBorrow: boolean): 'take' | 'borrow' | false | undefined; loadNewQuota(q: number, ttl: number, interval: number): void };
const Reservoir = require('aws-xray-sdk-core/dist/lib/middleware/sampling/reservoir') as new () => SdkReservoir;
const ServiceConnector = require('aws-xray-sdk-core/dist/lib/middleware/sampling/service_connector') as {
  httpClient: unknown;
  fetchTargets(rules: unknown[], cb: (err: Error | null, targets?: Record<string, { rate: number; quota: number; TTL: number; interval: number }>, freshness?: number) => void): void;
};

const T0 = 1_795_487_225_000;
const RULE: SamplingRule = {
  RuleName: 'Cruddur', RuleARN: 'arn:aws:xray:us-east-1::sampling-rule/Cruddur', ResourceARN: '*', Priority: 9000, FixedRate: 0.1,
  ReservoirSize: 5, ServiceName: 'backend-flask', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1, Attributes: {},
};

/** Runs the SDK's own SamplingTargets response parsing on `answer`. */
function sdkParse(answer: SamplingTargetsResult): Promise<{ targets: Record<string, { rate: number; quota: number; TTL: number; interval: number }>; freshness: number }> {
  const saved = ServiceConnector.httpClient;
  ServiceConnector.httpClient = {
    request(_opts: unknown, onResponse: (res: EventEmitter) => void) {
      const req = new EventEmitter() as EventEmitter & { write(): void; end(): void };
      req.write = () => {};
      req.end = () => {
        const res = new EventEmitter();
        onResponse(res);
        res.emit('data', JSON.stringify(answer));
        res.emit('end');
      };
      return req;
    },
  };
  const rule = { getName: () => 'Cruddur', snapshotStatistics: () => ({ requestCount: 1, borrowCount: 0, sampledCount: 0 }) };
  return new Promise((resolve, reject) => {
    ServiceConnector.fetchTargets([rule], (err, targets, freshness) => {
      ServiceConnector.httpClient = saved;
      if (err) reject(err);
      else resolve({ targets: targets!, freshness: freshness! });
    });
  });
}

test('the Node SDK reads our epoch-second TTL as milliseconds and never uses the quota: it borrows 1/s', async () => {
  let now = T0;
  const server = new SamplingTargets({ now: () => now });
  const answer = server.report([{ RuleName: 'Cruddur', ClientID: '216bb965ea1041ecdc4c6eab', Timestamp: T0 / 1000, RequestCount: 20, SampledCount: 2, BorrowCount: 1 }], [RULE, defaultRule('us-east-1')], T0 / 1000 - 60);
  assert.equal(answer.SamplingTargetDocuments[0]!.ReservoirQuotaTTL, T0 / 1000 + 300);
  const { targets, freshness } = await sdkParse(answer);
  const t = targets.Cruddur!;
  assert.deepEqual([t.quota, t.rate, t.interval], [5, 0.1, 10]);
  assert.equal(t.TTL, (T0 / 1000 + 300) / 1000); // 1.7954875e6: January 1970
  assert.equal(freshness, (T0 / 1000 - 60) / 1000); // LastRuleModification: same parse, so never "newer" than the rules

  const r = new Reservoir();
  r.loadNewQuota(t.quota, t.TTL, t.interval);
  const sec = Math.floor(now / 1000);
  const decisions = Array.from({ length: 8 }, () => r.borrowOrTake(sec, true));
  assert.deepEqual(decisions, ['borrow', false, false, false, false, false, false, false]);
  now += 1000;
  assert.equal(r.borrowOrTake(sec + 1, true), 'borrow');
});

test('with the TTL read as seconds, two SDK reservoirs sharing the rule take at most 5/s between them', () => {
  let now = T0;
  const server = new SamplingTargets({ now: () => now });
  const rules = [RULE, defaultRule('us-east-1')];
  const clients = [
    { id: 'aaaaaaaaaaaaaaaaaaaaaaaa', perSecond: 15, reservoir: new Reservoir(), requests: 0 },
    { id: 'bbbbbbbbbbbbbbbbbbbbbbbb', perSecond: 5, reservoir: new Reservoir(), requests: 0 },
  ];
  const takenBy = [0, 0];
  let seconds = 0;
  for (let s = 0; s < 120; s++, now += 1000) {
    const sec = Math.floor(now / 1000);
    // Each client reports every 10 s (B 5 s after A) and loads its target.
    clients.forEach((c, i) => {
      if (s % 10 === i * 5 && c.requests > 0) {
        const doc = { RuleName: 'Cruddur', ClientID: c.id, Timestamp: sec, RequestCount: c.requests, SampledCount: 0, BorrowCount: 0 };
        const t = server.report([doc], rules, 0).SamplingTargetDocuments[0]!;
        c.reservoir.loadNewQuota(t.ReservoirQuota, t.ReservoirQuotaTTL, t.Interval);
        c.requests = 0;
      }
    });
    let takes = 0;
    clients.forEach((c, i) => {
      for (let k = 0; k < c.perSecond; k++) {
        c.requests++;
        if (c.reservoir.borrowOrTake(sec, true) === 'take') {
          takes++;
          if (s >= 30) takenBy[i]!++;
        }
      }
    });
    assert.ok(takes <= 5, `second ${s}: ${takes} takes`);
    if (s >= 30) seconds++;
  }
  // After warm-up the reservoir is used in full and split ~3:1, as the request rates.
  const total = takenBy[0]! + takenBy[1]!;
  assert.ok(total / seconds > 4.5, `${total / seconds} takes/s`);
  assert.ok(Math.abs(takenBy[0]! / total - 0.75) < 0.1, `client A took ${takenBy[0]} of ${total}`);
});
