/**
 * The real AWS CLI (Debian's `/usr/bin/aws`, v2.9) against Honeyray's X-Ray daemon TCP port: the seed's exact
 * commands (`create-group` of the Cruddur group, `create-sampling-rule --cli-input-json file://...xray.json`),
 * then the read and write commands a user of the seed runs, error cases (exit code 254 with the X-Ray error
 * type), and groups/rules surviving a restart on the same data dir.
 *
 * Without `/usr/bin/aws` the test is skipped with a console message, except on CI (`CI=true`) where a
 * missing binary fails it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { sendDatagrams, waitHandled } from '../helpers/xray.js';

/** Debian's AWS CLI v2 (another, older `aws` may come first on PATH). Overridable to test the skip path. */
const AWS = process.env.HONEYRAY_TEST_AWS_CLI ?? '/usr/bin/aws';
const HAVE_AWS = existsSync(AWS);
if (!HAVE_AWS) {
  if (process.env.CI === 'true') throw new Error(`${AWS} is missing: install the Debian package awscli (required on CI)`);
  console.log(`\n*** SKIPPING the AWS CLI X-Ray tests: ${AWS} not found (apt-get install awscli) ***\n`);
}

/** The seed's aws/JSON/xray.json, byte for byte. */
const SEED_XRAY_JSON = `{
    "SamplingRule": {
        "RuleName": "Cruddur",
        "ResourceARN": "*",
        "Priority": 9000,
        "FixedRate": 0.1,
        "ReservoirSize": 5,
        "ServiceName": "backend-flask",
        "ServiceType": "*",
        "Host": "*",
        "HTTPMethod": "*",
        "URLPath": "*",
        "Version": 1
    }
}
`;

const FIXTURES = 'test/fixtures/wire/xray_run1';

interface CliResult { code: number; stdout: string; stderr: string; json: any }

describe('AWS CLI (aws xray ...) -> Honeyray', { skip: HAVE_AWS ? false : `${AWS} not found` }, () => {
  let srv: RunningServer;
  let dataDir: string;
  let tmp: string;
  /** The captured SDK datagrams: 4 traces (one with a fault, one continuing an upstream trace). */
  let docs: any[];
  let range: string[];

  const aws = (...args: string[]): Promise<CliResult> => new Promise((resolve) => {
    execFile(AWS, ['xray', ...args, '--endpoint-url', `http://127.0.0.1:${srv.xrayPort}`, '--region', 'us-east-1', '--output', 'json'], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmp, LANG: 'C.UTF-8',
        AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '',
      },
      timeout: 60_000,
    }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      let json: unknown;
      try { json = stdout.trim() ? JSON.parse(stdout) : undefined; } catch { json = undefined; }
      resolve({ code, stdout, stderr, json });
    });
  });
  const ok = async (...args: string[]) => {
    const r = await aws(...args);
    assert.equal(r.code, 0, `aws xray ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.json;
  };

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'honeyray-awscli-'));
    srv = await startServer();
    dataDir = srv.dataDir;
    const files = readdirSync(FIXTURES).filter((f) => /^udp_00[1-4]\.raw$/.test(f)).sort();
    assert.equal(files.length, 4);
    const raw = files.map((f) => readFileSync(join(FIXTURES, f)));
    docs = raw.map((b) => JSON.parse(b.toString('utf8').slice(b.indexOf(0x0a) + 1)));
    const times = docs.map((d) => d.start_time as number);
    range = ['--start-time', String(Math.floor(Math.min(...times)) - 60), '--end-time', String(Math.ceil(Math.max(...times)) + 60)];
    await sendDatagrams(srv.xrayPort, raw);
    await waitHandled(srv.http, { stored: 4 });
  });

  after(async () => {
    if (srv) await srv.stop();
    if (dataDir) removeDir(dataDir);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the seed commands: create-group Cruddur and create-sampling-rule from xray.json', async () => {
    const g = await ok('create-group', '--group-name', 'Cruddur', '--filter-expression', 'service("backend-flask")');
    assert.equal(g.Group.GroupName, 'Cruddur');
    assert.equal(g.Group.FilterExpression, 'service("backend-flask")');
    assert.match(g.Group.GroupARN, /^arn:aws:xray:us-east-1:\d{12}:group\/Cruddur\/\S+$/);

    const file = join(tmp, 'xray.json');
    writeFileSync(file, SEED_XRAY_JSON);
    const r = await ok('create-sampling-rule', '--cli-input-json', `file://${file}`);
    const rule = r.SamplingRuleRecord.SamplingRule;
    assert.deepEqual(rule, {
      RuleName: 'Cruddur', RuleARN: 'arn:aws:xray:us-east-1:000000000000:sampling-rule/Cruddur', ResourceARN: '*', Priority: 9000,
      FixedRate: 0.1, ReservoirSize: 5, ServiceName: 'backend-flask', ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*',
      Version: 1, Attributes: {},
    });
    // The CLI turned the epoch-second numbers into dates.
    assert.match(r.SamplingRuleRecord.CreatedAt, /^\d{4}-\d\d-\d\dT/);

    const dup = await aws('create-group', '--group-name', 'Cruddur', '--filter-expression', 'service("backend-flask")');
    assert.equal(dup.code, 254);
    assert.match(dup.stderr, /InvalidRequestException.*CreateGroup/);
  });

  it('get-groups, get-group, update-group', async () => {
    const [groups, one] = await Promise.all([ok('get-groups'), ok('get-group', '--group-name', 'Cruddur')]);
    assert.deepEqual(groups.Groups.map((g: any) => g.GroupName), ['Default', 'Cruddur']);
    assert.equal(one.Group.FilterExpression, 'service("backend-flask")');
    const u = await ok('update-group', '--group-name', 'Cruddur', '--filter-expression', 'service("backend-flask") AND fault');
    assert.equal(u.Group.FilterExpression, 'service("backend-flask") AND fault');
    assert.equal(u.Group.GroupARN, one.Group.GroupARN);
    const missing = await aws('get-group', '--group-name', 'Nope');
    assert.equal(missing.code, 254);
  });

  it('get-sampling-rules (Default + Cruddur, numbers as numbers), update-sampling-rule', async () => {
    const r = await ok('get-sampling-rules');
    const rules = r.SamplingRuleRecords.map((x: any) => x.SamplingRule);
    assert.deepEqual(rules.map((x: any) => x.RuleName), ['Cruddur', 'Default']);
    for (const x of rules) {
      for (const k of ['Priority', 'FixedRate', 'ReservoirSize', 'Version']) assert.equal(typeof x[k], 'number', `${x.RuleName}.${k}`);
      assert.deepEqual(x.Attributes, {});
      assert.equal(x.ResourceARN, '*');
    }
    assert.deepEqual([rules[1].Priority, rules[1].FixedRate, rules[1].ReservoirSize], [10000, 0.05, 1]);

    const u = await ok('update-sampling-rule', '--sampling-rule-update', JSON.stringify({ RuleName: 'Cruddur', FixedRate: 0.2, ReservoirSize: 3 }));
    assert.equal(u.SamplingRuleRecord.SamplingRule.FixedRate, 0.2);
    assert.equal(u.SamplingRuleRecord.SamplingRule.ReservoirSize, 3);
    assert.equal(u.SamplingRuleRecord.SamplingRule.Priority, 9000);
    assert.ok(u.SamplingRuleRecord.ModifiedAt >= u.SamplingRuleRecord.CreatedAt);
  });

  it('get-trace-summaries, batch-get-traces, get-service-graph on the captured SDK datagrams', async () => {
    const fault = docs.find((d) => d.fault === true);
    const [all, faults, svc] = await Promise.all([
      ok('get-trace-summaries', ...range),
      ok('get-trace-summaries', ...range, '--filter-expression', 'fault'),
      ok('get-trace-summaries', ...range, '--filter-expression', 'service("backend-flask") { annotation.user_id = "u-123" }'),
    ]);
    assert.deepEqual(all.TraceSummaries.map((s: any) => s.Id).sort(), docs.map((d) => d.trace_id).sort());
    assert.deepEqual(faults.TraceSummaries.map((s: any) => s.Id), [fault.trace_id]);
    assert.equal(faults.TraceSummaries[0].HasFault, true);
    assert.equal(faults.TraceSummaries[0].Http.HttpStatus, 500);
    assert.deepEqual(svc.TraceSummaries.map((s: any) => s.Id).sort(), docs.filter((d) => d.annotations?.user_id === 'u-123').map((d) => d.trace_id).sort());

    const ids = [docs[0].trace_id, fault.trace_id];
    const [traces, graph] = await Promise.all([ok('batch-get-traces', '--trace-ids', ...ids), ok('get-service-graph', ...range)]);
    assert.deepEqual(traces.Traces.map((t: any) => t.Id).sort(), [...ids].sort());
    for (const t of traces.Traces) {
      const sent = docs.find((d) => d.trace_id === t.Id);
      assert.equal(t.Segments.length, 1);
      assert.equal(t.Segments[0].Id, sent.id);
      // The stored document is the SDK's own, unchanged.
      assert.deepEqual(JSON.parse(t.Segments[0].Document), sent);
    }
    const names = graph.Services.map((s: any) => s.Name).sort();
    assert.deepEqual(names, ['127.0.0.1', 'backend-flask', 'client']);
    const backend = graph.Services.find((s: any) => s.Name === 'backend-flask');
    assert.equal(backend.SummaryStatistics.TotalCount, 4);
    assert.equal(backend.SummaryStatistics.FaultStatistics.TotalCount, 1);

    const grouped = await ok('get-service-graph', ...range, '--group-name', 'Cruddur'); // now "service(backend-flask) AND fault"
    assert.equal(grouped.Services.find((s: any) => s.Name === 'backend-flask').SummaryStatistics.TotalCount, 1);
  });

  it('put-trace-segments: valid documents stored, invalid ones in UnprocessedTraceSegments', async () => {
    const now = Date.now() / 1000;
    const traceId = `1-${Math.floor(now).toString(16)}-0123456789abcdef01234567`;
    const good = JSON.stringify({ name: 'cli-service', id: '0123456789abcdef', trace_id: traceId, start_time: now - 0.2, end_time: now - 0.1, http: { response: { status: 200 } } });
    const bad = JSON.stringify({ name: 'cli-service', id: '1123456789abcdef', trace_id: '1-xyz', start_time: now, end_time: now });
    const r = await ok('put-trace-segments', '--trace-segment-documents', good, bad);
    assert.equal(r.UnprocessedTraceSegments.length, 1);
    assert.equal(r.UnprocessedTraceSegments[0].Id, '1123456789abcdef');
    assert.equal(r.UnprocessedTraceSegments[0].ErrorCode, 'InvalidTraceId');
    const t = await ok('batch-get-traces', '--trace-ids', traceId);
    assert.equal(JSON.parse(t.Traces[0].Segments[0].Document).name, 'cli-service');
  });

  it('errors: delete the Default rule, invalid filter expression', async () => {
    const del = await aws('delete-sampling-rule', '--rule-name', 'Default');
    assert.equal(del.code, 254);
    assert.match(del.stderr, /An error occurred \(InvalidRequestException\) when calling the DeleteSamplingRule operation/);

    const expr = 'service("backend-flask") AND (fault';
    const bad = await aws('create-group', '--group-name', 'Broken', '--filter-expression', expr);
    assert.equal(bad.code, 254);
    assert.match(bad.stderr, /An error occurred \(InvalidRequestException\) when calling the CreateGroup operation: Invalid filter expression/);
    assert.match(bad.stderr, new RegExp(`position ${expr.length}`));
    assert.ok(bad.stderr.includes(`${expr}\n${' '.repeat(expr.length)}^`), bad.stderr);
  });

  it('get-sampling-targets with a 24-char ClientID', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const r = await ok('get-sampling-targets', '--sampling-statistics-documents',
      `RuleName=Cruddur,ClientID=216bb965ea1041ecdc4c6eab,Timestamp=${ts},RequestCount=10,SampledCount=2,BorrowCount=1`);
    assert.equal(r.SamplingTargetDocuments.length, 1);
    const t = r.SamplingTargetDocuments[0];
    assert.equal(t.RuleName, 'Cruddur');
    assert.equal(t.FixedRate, 0.2);
    assert.equal(t.ReservoirQuota, 3);
    assert.equal(t.Interval, 10);
    assert.match(t.ReservoirQuotaTTL, /^\d{4}-\d\d-\d\dT/);
    assert.match(r.LastRuleModification, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(r.UnprocessedStatistics, []);
  });

  it('groups and sampling rules survive a restart on the same data dir', async () => {
    assert.equal(await srv.stop(), 0);
    srv = await startServer({ dataDir });
    const [groups, rules] = await Promise.all([ok('get-groups'), ok('get-sampling-rules')]);
    assert.deepEqual(groups.Groups.map((g: any) => [g.GroupName, g.FilterExpression]), [['Default', undefined], ['Cruddur', 'service("backend-flask") AND fault']]);
    const cruddur = rules.SamplingRuleRecords.find((x: any) => x.SamplingRule.RuleName === 'Cruddur').SamplingRule;
    assert.deepEqual([cruddur.FixedRate, cruddur.ReservoirSize, cruddur.Priority], [0.2, 3, 9000]);
    assert.equal(rules.SamplingRuleRecords.length, 2);

    const del = await ok('delete-sampling-rule', '--rule-name', 'Cruddur');
    assert.equal(del.SamplingRuleRecord.SamplingRule.RuleName, 'Cruddur');
    const traces = await ok('get-trace-summaries', ...range);
    assert.equal(traces.TraceSummaries.length, 4);
  });
});
