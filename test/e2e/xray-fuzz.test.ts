/**
 * Property-based fuzzing of the X-Ray REST API (issue 11, item 5): whatever the body, every operation
 * answers below 500, in X-Ray's error shape, and the server keeps serving. Random filter expressions
 * (deep nesting included) reach the filter parser through TraceSummaries, ServiceGraph and CreateGroup.
 * Time-boxed, seeded (set FUZZ_SEED to replay a failure).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { after, before, describe, it } from 'node:test';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

const OPS = ['/CreateGroup', '/CreateSamplingRule', '/DeleteGroup', '/DeleteSamplingRule', '/EncryptionConfig', '/GetGroup',
  '/GetSamplingRules', '/Groups', '/PutEncryptionConfig', '/SamplingStatisticSummaries', '/SamplingTargets', '/ServiceGraph',
  '/TelemetryRecords', '/TimeSeriesServiceStatistics', '/TraceGraph', '/TraceSegments', '/TraceSummaries', '/Traces',
  '/UpdateGroup', '/UpdateSamplingRule'];
const FIELDS = ['StartTime', 'EndTime', 'FilterExpression', 'GroupName', 'GroupARN', 'TraceIds', 'NextToken', 'SamplingRule',
  'SamplingRuleUpdate', 'RuleName', 'RuleARN', 'SamplingStatisticsDocuments', 'TraceSegmentDocuments', 'Period',
  'EntitySelectorExpression', 'TimeRangeType', 'Sampling', 'InsightsConfiguration', 'ForecastStatistics', 'Type', 'KeyId'];

const fragment = fc.constantFrom('service("a")', 'ok', 'error', 'fault', 'duration > 1', 'annotation.k = "v"', '(', ')', '!', 'AND', 'OR',
  '{', '}', '"', 'edge("a", "b")', 'rootcause.fault.service { name = "x" }', 'http.url CONTAINS "/"', 'group.name = "x"', 'id(name: "a")', '1e400');
const expression = fc.oneof(
  fc.array(fragment, { maxLength: 12 }).map((a) => a.join(' ')),
  fc.nat({ max: 20_000 }).map((n) => '('.repeat(n) + 'ok' + ')'.repeat(n)),
  fc.nat({ max: 20_000 }).map((n) => '!'.repeat(n) + 'ok'),
  fc.string({ maxLength: 200 }),
);
const scalar = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
  fc.constantFrom(1e308, -1e308, 2 ** 63, -1, 0, 'NaN', '1-5f84c7a1-1234567890abcdef12345678', '2026-12-02T00:00:00Z'));
const value = fc.oneof(scalar, expression, fc.array(scalar, { maxLength: 5 }), fc.dictionary(fc.constantFrom(...FIELDS, 'x'), scalar, { maxKeys: 5 }));
const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc.string({ maxLength: 100 }),
  fc.constantFrom('', 'null', '[]', '"x"', '1', '{"StartTime":', '{"__proto__":{"x":1}}'),
);

describe('X-Ray REST API fuzzing', () => {
  let srv: RunningServer;
  before(async () => { srv = await startServer(); });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  it('never answers 5xx, always in X-Ray\'s error shape, within the time box', async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const deadline = Date.now() + 20_000;
    let runs = 0;
    await fc.assert(fc.asyncProperty(fc.constantFrom(...OPS), body, async (op, b) => {
      if (Date.now() > deadline) return;
      runs++;
      const r = await fetch(`${srv.http}${op}`, { method: 'POST', body: b, headers: { 'content-type': 'application/json' } });
      const text = await r.text();
      assert.ok(r.status < 500, `${op} ${b.slice(0, 300)} -> ${r.status} ${text.slice(0, 300)}`);
      if (r.status >= 400) {
        assert.ok(r.headers.get('x-amzn-errortype'), `${op} -> ${r.status} without X-Amzn-ErrorType`);
        const e = JSON.parse(text) as { __type?: string; message?: string };
        assert.ok(e.__type && typeof e.message === 'string', `${op} -> ${text.slice(0, 200)}`);
      }
    }), { seed, numRuns: 2000, endOnFailure: true });
    console.log(`X-Ray API fuzz: ${runs} requests, seed ${seed}`);
    assert.ok(runs > 50);
    assert.equal((await fetch(`${srv.http}/api/services`)).status, 200);
  });
});
