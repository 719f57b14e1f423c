import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseBytes, parseDurationSeconds } from '../../src/app/config.js';
import { parseRetention } from '../../src/auth/auth-config.js';
import { requiredPermission } from '../../src/auth/access.js';
import { Authenticator, credentialOf, isDenial } from '../../src/auth/authenticator.js';

function withFile<T>(content: unknown, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'honeyray-authcfg-'));
  try {
    const p = join(dir, 'auth.json');
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return fn(p);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('auth configuration', () => {
  it('no keys: one open environment; --api-keys: keys with every permission in "default"', () => {
    const open = loadConfig([], {}).config.auth;
    assert.equal(open.enabled, false);
    assert.deepEqual(open.environments.map((e) => e.name), ['default']);
    const keyed = loadConfig(['--api-keys', 'a,b'], {}).config.auth;
    assert.equal(keyed.enabled, true);
    assert.deepEqual(keyed.environments[0]!.keys.map((k) => [k.key, [...k.permissions].sort()]), [['a', ['ingest', 'manage', 'read']], ['b', ['ingest', 'manage', 'read']]]);
  });

  it('an auth file: environments, permissions, AWS keys, retention, the UDP environment', () => {
    const auth = withFile({ environments: { prod: { keys: [{ key: 'p', permissions: ['ingest'] }, 'p2'], aws: [{ accessKeyId: 'AK', secretAccessKey: 'S' }], retention: '30d' }, dev: { keys: ['d'] } }, udpEnvironment: 'dev' },
      (p) => loadConfig(['--auth-file', p], {}).config.auth);
    assert.deepEqual(auth.environments.map((e) => [e.name, e.retentionSeconds]), [['prod', 30 * 86_400], ['dev', 0]]);
    const perDataset = withFile({ environments: { prod: { keys: ['k'], retention: '30d,cruddur=1d' } } }, (p) => loadConfig(['--auth-file', p], {}).config.auth);
    assert.deepEqual(perDataset.environments[0]!.datasetRetentionSeconds, { cruddur: 86_400 });
    assert.equal(auth.udpEnvironment, 'dev');
    const a = new Authenticator(auth);
    assert.deepEqual([...a.byKey('p')!.permissions], ['ingest']);
    assert.equal(a.byKey('d')!.environment, 'dev');
    assert.equal(a.byKey('nope'), undefined);
  });

  it('refuses bad files with the place of the mistake', () => {
    const bad = (content: unknown, re: RegExp) => withFile(content, (p) => assert.throws(() => loadConfig(['--auth-file', p], {}), (e: Error) => e instanceof ConfigError && re.test(e.message), String(re)));
    bad('{', /--auth-file .*JSON/);
    bad({ environments: { 'a/b': {} } }, /environment name "a\/b"/);
    bad({ environments: { a: { keys: [{ key: 'k', permissions: ['root'] }] } } }, /environments\.a\.keys\[0\]\.permissions/);
    bad({ environments: { a: { keys: ['k'] }, b: { keys: ['k'] } } }, /appears more than once/);
    bad({ environments: { a: { keys: ['k'] } }, udpEnvironment: 'z' }, /udpEnvironment "z"/);
    bad({ environments: { a: { retention: 'soon' } } }, /environments\.a\.retention/);
  });

  it('--retention, --retention-days, --min-free-disk and the timeouts', () => {
    assert.equal(loadConfig(['--retention', '7d'], {}).config.retentionSeconds, 7 * 86_400);
    assert.equal(loadConfig(['--retention', '36h'], {}).config.retentionSeconds, 36 * 3600);
    assert.equal(loadConfig(['--retention-days', '3'], {}).config.retentionSeconds, 3 * 86_400);
    assert.equal(loadConfig([], {}).config.retentionSeconds, 0);
    assert.throws(() => loadConfig(['--retention', 'a week'], {}), ConfigError);
    assert.equal(parseDurationSeconds('90m', 'x'), 5400);
    assert.deepEqual(loadConfig(['--retention', '7d,cruddur=1d, frontend = 36h'], {}).config.datasetRetentionSeconds, { cruddur: 86_400, frontend: 36 * 3600 });
    assert.equal(loadConfig(['--retention', 'cruddur=1d'], {}).config.retentionSeconds, 0);
    assert.equal(loadConfig(['--retention', 'cruddur=1d', '--retention-days', '3'], {}).config.retentionSeconds, 3 * 86_400);
    assert.deepEqual(parseRetention('1h,keep=0', 'x', parseDurationSeconds), { seconds: 3600, datasets: { keep: 0 } });
    for (const bad of ['7d,1d', '=1d', 'a=1d,a=2d', 'a=soon']) assert.throws(() => loadConfig(['--retention', bad], {}), ConfigError, bad);
    assert.deepEqual(loadConfig(['--retention', '7d,a=1d', '--store', 'clickhouse://127.0.0.1:9000/x'], {}).config.datasetRetentionSeconds, { a: 86_400 });
    assert.equal(parseDurationSeconds('10', 'x', 's'), 10);
    assert.equal(parseBytes('1GB', 'x'), 1e9);
    assert.equal(parseBytes('512MiB', 'x'), 512 * 2 ** 20);
    assert.throws(() => parseBytes('lots', 'x'), ConfigError);
    assert.equal(loadConfig(['--headers-timeout', '2s'], {}).config.headersTimeoutSeconds, 2);
    assert.throws(() => loadConfig(['--request-timeout', '0'], {}), ConfigError);
  });
});

describe('credentials and permissions', () => {
  it('reads X-Honeycomb-Team, Bearer, Basic (password or user) and SigV4', () => {
    assert.deepEqual(credentialOf({ 'x-honeycomb-team': 'k' }), { kind: 'key', key: 'k' });
    assert.deepEqual(credentialOf({ authorization: 'Bearer k' }), { kind: 'key', key: 'k' });
    assert.deepEqual(credentialOf({ authorization: `Basic ${Buffer.from('user:k').toString('base64')}` }), { kind: 'key', key: 'k' });
    assert.deepEqual(credentialOf({ authorization: `Basic ${Buffer.from('k:').toString('base64')}` }), { kind: 'key', key: 'k' });
    assert.equal(credentialOf({ authorization: 'AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/xray/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + 'a'.repeat(64) }).kind, 'sigv4');
    assert.equal(credentialOf({ authorization: 'AWS4-HMAC-SHA256 garbage' }).kind, 'malformed');
    assert.equal(credentialOf({ authorization: 'Digest x' }).kind, 'malformed');
    assert.deepEqual(credentialOf({}), { kind: 'none' });
  });

  it('refuses a SigV4 request whose signature is not the secret\'s, before reading anything else', async () => {
    const a = new Authenticator(loadConfig(['--api-keys', 'k'], {}).config.auth);
    const who = await a.identify({ method: 'POST', url: '/x', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKNOPE/20260101/us-east-1/xray/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + 'a'.repeat(64) } }, async () => new Uint8Array());
    assert.ok(isDenial(who));
    assert.equal(who.awsType, 'UnrecognizedClientException');
  });

  it('classifies requests: reads, ingest, and settings changes', () => {
    assert.equal(requiredPermission('GET', '/api/traces'), 'read');
    assert.equal(requiredPermission('POST', '/v1/traces'), 'ingest');
    assert.equal(requiredPermission('POST', '/1/batch/ds'), 'ingest');
    assert.equal(requiredPermission('POST', '/TraceSegments'), 'ingest');
    assert.equal(requiredPermission('POST', '/TraceSummaries'), 'read');
    assert.equal(requiredPermission('POST', '/1/queries/ds'), 'read');
    assert.equal(requiredPermission('POST', '/UpdateSamplingRule'), 'manage');
    assert.equal(requiredPermission('POST', '/CreateGroup'), 'manage');
    assert.equal(requiredPermission('PUT', '/1/markers/ds/1'), 'manage');
    assert.equal(requiredPermission('POST', '/1/calculated_fields/ds'), 'manage');
  });
});
