import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import {
  applyUpdate,
  assertDeletable,
  defaultRule,
  formatValidationErrors,
  InvalidSamplingRequest,
  matchRule,
  normalizeRule,
  sortRules,
  toRuleRecord,
  validateSamplingRule,
  validateSamplingRuleUpdate,
  wildcardMatch,
  type SamplingRule,
} from '../../src/sampling/rules.js';

const require = createRequire(import.meta.url);

/** The rule the AWS CLI created in the captured session (test/fixtures/wire/awscli_xray_requests.jsonl). */
const CRUDDUR: SamplingRule = {
  RuleName: 'Cruddur',
  ResourceARN: '*',
  Priority: 9000,
  FixedRate: 0.1,
  ReservoirSize: 5,
  ServiceName: 'backend-flask',
  ServiceType: '*',
  Host: '*',
  HTTPMethod: '*',
  URLPath: '*',
  Version: 1,
};
const rule = (over: Partial<SamplingRule>): SamplingRule => ({ ...CRUDDUR, ...over });

test('wildcardMatch: * and ? , case-insensitive, same answers as aws-xray-sdk-core', () => {
  const sdkUtils = require('aws-xray-sdk-core/dist/lib/utils.js') as { wildcardMatch(p: string, t: string): boolean };
  const table: Array<[string, string, boolean]> = [
    ['*', '', true],
    ['*', 'anything', true],
    ['', '', true],
    ['', 'a', false],
    ['a', 'A', true],
    ['GET', 'get', true],
    ['?', '', false],
    ['?', 'x', true],
    ['??', 'x', false],
    ['a*b', 'aXYZb', true],
    ['a*b', 'ab', true],
    ['a*b', 'aXYZ', false],
    ['b*c', 'abc', false],
    ['*.example.com', 'api.EXAMPLE.com', true],
    ['*.example.com', 'example.com', false],
    ['/api/*', '/api/users/1', true],
    ['/api/?', '/api/12', false],
    ['/api/??', '/api/12', true],
    ['*a*b*', 'xxaYYbZZ', true],
    ['*a*b*', 'xxbYYaZZ', false],
    ['a**b', 'ab', true],
    ['*?', '', false],
    ['*?', 'z', true],
    ['backend-*', 'Backend-Flask', true],
    ['a*a*a', 'aaaa', true],
    ['a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaaac', false],
  ];
  for (const [p, s, want] of table) {
    assert.equal(wildcardMatch(p, s), want, `${p} ~ ${s}`);
    assert.equal(sdkUtils.wildcardMatch(p, s), want, `sdk: ${p} ~ ${s}`);
  }
});

test('rules are ordered by priority, then name', () => {
  const rules = [rule({ RuleName: 'b' }), defaultRule('us-east-1'), rule({ RuleName: 'z', Priority: 100 }), rule({ RuleName: 'a' })];
  assert.deepEqual(
    sortRules(rules).map((r) => r.RuleName),
    ['z', 'a', 'b', 'Default'],
  );
});

test('matching: first rule in order whose patterns match; empty request fields match anything; Default catches all', () => {
  const rules = [
    defaultRule('us-east-1'),
    CRUDDUR,
    rule({ RuleName: 'posts', Priority: 10, HTTPMethod: 'POST', URLPath: '/api/*', ServiceName: '*' }),
    rule({ RuleName: 'ec2', Priority: 20, ServiceType: 'AWS::EC2::*', ServiceName: '*', Host: '*.example.com' }),
  ];
  const m = (req: Parameters<typeof matchRule>[1]) => matchRule(rules, req)?.RuleName;
  assert.equal(m({ serviceName: 'backend-flask', serviceType: 'AWS::ECS::Container', host: 'localhost', httpMethod: 'GET', urlPath: '/api/x' }), 'Cruddur');
  assert.equal(m({ serviceName: 'backend-flask', httpMethod: 'GET', urlPath: '/api/x' }), 'ec2'); // missing host/type match any pattern
  assert.equal(m({ serviceName: 'Backend-Flask', httpMethod: 'post', urlPath: '/API/activities' }), 'posts');
  assert.equal(m({ serviceName: 'other', serviceType: 'AWS::EC2::Instance', host: 'api.example.com', httpMethod: 'GET', urlPath: '/' }), 'ec2');
  assert.equal(m({ serviceName: 'other', serviceType: 'AWS::ECS::Container', host: 'api.example.com', httpMethod: 'GET', urlPath: '/' }), 'Default');
  assert.equal(m({}), 'posts');
  assert.equal(matchRule([CRUDDUR], { serviceName: 'x' }), undefined);
});

test('validation: a valid rule passes, each constraint is reported', () => {
  assert.deepEqual(validateSamplingRule(CRUDDUR), []);
  assert.deepEqual(validateSamplingRule({ ...CRUDDUR, Attributes: { a: 'b' }, SamplingRateBoost: { MaxRate: 0.5, CooldownWindowMinutes: 5 } }), []);
  const one = (r: unknown, re: RegExp) => {
    const errs = validateSamplingRule(r);
    assert.equal(errs.length, 1, `${JSON.stringify(r)} -> ${JSON.stringify(errs)}`);
    assert.match(errs[0], re);
  };
  one(rule({ Priority: 10000 }), /Value '10000' at 'samplingRule.priority' failed to satisfy constraint: Member must have value less than or equal to 9999/);
  one(rule({ Priority: 0 }), /priority.*greater than or equal to 1/);
  one(rule({ Priority: 1.5 }), /priority.*integer/);
  one(rule({ FixedRate: 1.5 }), /fixedRate.*less than or equal to 1/);
  one(rule({ FixedRate: -0.1 }), /fixedRate.*greater than or equal to 0/);
  one(rule({ ReservoirSize: -1 }), /reservoirSize.*greater than or equal to 0/);
  one(rule({ RuleName: '' }), /ruleName.*length greater than or equal to 1/);
  one(rule({ RuleName: 'x'.repeat(33) }), /ruleName.*length less than or equal to 32/);
  one(rule({ ServiceName: 's'.repeat(65) }), /serviceName.*less than or equal to 64/);
  one(rule({ HTTPMethod: 'M'.repeat(11) }), /'samplingRule.hTTPMethod'.*less than or equal to 10/);
  one(rule({ URLPath: '/'.repeat(129) }), /uRLPath.*128/);
  one(rule({ Version: 2 }), /Version 2 is not supported/);
  one(rule({ Version: 0 }), /version.*greater than or equal to 1/);
  one(rule({ RuleName: 'Default' }), /reserved/);
  one(rule({ Attributes: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' } }), /at most 5 entries/);
  one(rule({ Attributes: { k: '' } }), /Map values/);
  one(rule({ Attributes: { ['k'.repeat(33)]: 'v' } }), /Map keys/);
  one({ ...CRUDDUR, Host: undefined }, /Value null at 'samplingRule.host'/);
  one({ ...CRUDDUR, FixedRate: '0.1' }, /fixedRate.*must be a number/);
  one({ ...CRUDDUR, RuleName: undefined }, /RuleName is required/);
  assert.equal(validateSamplingRule(null).length, 1);
  assert.equal(
    formatValidationErrors(validateSamplingRule(rule({ Priority: 0, FixedRate: 2 }))),
    "2 validation errors detected: Value '0' at 'samplingRule.priority' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
      "Value '2' at 'samplingRule.fixedRate' failed to satisfy constraint: Member must have value less than or equal to 1",
  );
});

test('updates: validated, applied; the Default rule only takes FixedRate and ReservoirSize', () => {
  const def = defaultRule('us-east-1');
  assert.deepEqual(validateSamplingRuleUpdate({ RuleName: 'Default', FixedRate: 0.2, ReservoirSize: 3 }, def), []);
  assert.deepEqual(validateSamplingRuleUpdate({ RuleName: 'Default', FixedRate: 0.2, Host: '*' }, def), []); // unchanged value
  assert.match(validateSamplingRuleUpdate({ RuleName: 'Default', Host: 'x' }, def)[0], /Only FixedRate and ReservoirSize/);
  assert.match(validateSamplingRuleUpdate({ FixedRate: 0.2 })[0], /RuleName or RuleARN/);
  assert.match(validateSamplingRuleUpdate({ RuleName: 'Cruddur', Priority: 0 })[0], /'samplingRuleUpdate.priority'/);
  assert.deepEqual(validateSamplingRuleUpdate({ RuleARN: 'arn:aws:xray:us-east-1::sampling-rule/Cruddur', URLPath: '/api/*' }, CRUDDUR), []);

  const stored = normalizeRule(CRUDDUR, 'us-east-1', '123456789012');
  const updated = applyUpdate(stored, { RuleName: 'Cruddur', FixedRate: 0.5, URLPath: '/api/*', Attributes: { k: 'v' }, SamplingRateBoost: { MaxRate: 1 } });
  assert.deepEqual(updated, { ...stored, FixedRate: 0.5, URLPath: '/api/*', Attributes: { k: 'v' } });
  assert.deepEqual(applyUpdate(stored, { RuleName: 'Other' } as never), stored); // name is not changed by an update
});

test('Default rule: shape, ARN, reserved', () => {
  assert.deepEqual(defaultRule('eu-west-1', '123456789012'), {
    RuleName: 'Default',
    RuleARN: 'arn:aws:xray:eu-west-1:123456789012:sampling-rule/Default',
    ResourceARN: '*',
    Priority: 10000,
    FixedRate: 0.05,
    ReservoirSize: 1,
    ServiceName: '*',
    ServiceType: '*',
    Host: '*',
    HTTPMethod: '*',
    URLPath: '*',
    Version: 1,
    Attributes: {},
  });
  assert.equal(defaultRule('us-east-1').RuleARN, 'arn:aws:xray:us-east-1::sampling-rule/Default');
  assert.throws(() => assertDeletable('Default'), InvalidSamplingRequest);
  assert.throws(() => assertDeletable('arn:aws:xray:us-east-1:1:sampling-rule/Default'), /cannot be deleted/);
  assert.doesNotThrow(() => assertDeletable('Cruddur'));
});

test('toRuleRecord: epoch-second numbers, and aws-xray-sdk-core keeps every rule', async () => {
  const created = new Date('2026-11-24T02:25:50.963Z');
  const stored = [normalizeRule(CRUDDUR, 'us-east-1', '123456789012'), defaultRule('us-east-1')];
  const records = stored.map((r) => toRuleRecord(r, created, 1795487225));
  assert.equal(records[0].CreatedAt, created.getTime() / 1000);
  assert.equal(records[0].ModifiedAt, 1795487225);
  assert.deepEqual(records[0].SamplingRule.Attributes, {});
  assert.equal(records[0].SamplingRule.RuleARN, 'arn:aws:xray:us-east-1:123456789012:sampling-rule/Cruddur');
  assert.deepEqual(Object.keys(records[0].SamplingRule), [
    'RuleName', 'RuleARN', 'ResourceARN', 'Priority', 'FixedRate', 'ReservoirSize', 'ServiceName', 'ServiceType', 'Host', 'HTTPMethod', 'URLPath', 'Version', 'Attributes',
  ]);

  // Feed the GetSamplingRules body to the SDK's own parser through a fake HTTP client.
  const connector = require('aws-xray-sdk-core/dist/lib/middleware/sampling/service_connector.js');
  const body = JSON.stringify({ SamplingRuleRecords: records });
  const saved = connector.httpClient;
  connector.httpClient = {
    request(_opts: unknown, cb: (res: EventEmitter) => void) {
      const res = new EventEmitter();
      return { on() {}, write() {}, end() { cb(res); res.emit('data', body); res.emit('end'); } };
    },
  };
  try {
    const rules = await new Promise<Array<{ name: string; rate: number }>>((resolve, reject) =>
      connector.fetchSamplingRules((err: Error | null, r: Array<{ name: string; rate: number }>) => (err ? reject(err) : resolve(r))),
    );
    assert.deepEqual(rules.map((r) => [r.name, r.rate]), [['Cruddur', 0.1], ['Default', 0.05]]);
  } finally {
    connector.httpClient = saved;
  }
});
