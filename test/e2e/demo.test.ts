/**
 * `honeyray demo --duration 20`, started as the README says (the built CLI), exits 0 and leaves data
 * that a Honeyray started on the same data dir serves through its public APIs: every route's spans
 * with the seed's names, one trace per request (the OTel spans and the X-Ray segment together), the
 * seed's group and rule, summaries with Http.HttpURL, and request counts that are not doubled.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetGroupsCommand, GetSamplingRulesCommand, GetServiceGraphCommand, GetTraceSummariesCommand } from '@aws-sdk/client-xray';
import { CLI, freePort, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { xrayClient } from '../helpers/xray.js';

interface JSpan { traceID: string; spanID: string; operationName: string; references: { spanID: string }[]; tags: { key: string; value: unknown }[] }
const tag = (s: JSpan, k: string) => s.tags.find((t) => t.key === k)?.value;

describe('honeyray demo --duration 20', () => {
  const root = mkdtempSync(join(tmpdir(), 'honeyray-demo-'));
  const dataDir = join(root, 'data');
  let stdout = '';
  let stderr = '';
  let code: number | null = null;
  let srv: RunningServer | undefined;
  const startedAt = Date.now();

  before(async () => {
    const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
    const child = spawn(process.execPath, [CLI, 'demo', '--duration', '20', '--data-dir', dataDir,
      '--http-port', String(ports[0]), '--otlp-port', String(ports[1]), '--xray-port', String(ports[2]), '--app-port', String(ports[3])],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    clearTimeout(killer);
    srv = await startServer({ dataDir });
  });
  after(async () => {
    await srv?.stop();
    removeDir(root);
  });

  const sent = () => Number(/Sent (\d+) requests/.exec(stdout)?.[1]);
  const continued = () => /continued a caller's trace[^:]*: (1-[0-9a-f]{8}-[0-9a-f]{24})/.exec(stdout)?.[1];

  it('exits 0 after printing where to look and what to try', () => {
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    assert.match(stdout, /group "Cruddur" created \(service\("backend-flask"\)\), sampling rule "Cruddur" created \(5\/s \+ 10%\)/);
    assert.match(stdout, /Open http:\/\/127\.0\.0\.1:\d+ while it runs/);
    assert.match(stdout, /\/api\/honeyray\/query\/backend-flask/);
    assert.match(stdout, /--filter-expression 'service\("backend-flask"\) AND http\.url CONTAINS "\/api\/activities\/home"'/);
    assert.ok(sent() > 150, `about 15 requests/s for 20 s: ${stdout}`);
    assert.ok(continued(), 'a continued trace id is printed');
  });

  it('every route shows up with the seed\'s span names', async () => {
    const ops = ((await (await fetch(`${srv!.http}/api/services/backend-flask/operations`)).json()) as { data: string[] }).data;
    for (const op of [
      'GET /api/activities/home', 'GET /api/activities/notifications', 'GET /api/activities/@:handle', 'GET /api/activities/search',
      'GET /api/message_groups', 'GET /api/messages/@:handle', 'POST /api/messages', 'POST /api/activities',
      'POST /api/activities/:uuid/reply', 'GET /api/error',
      'http-home-activities', 'notifications-activities', 'user-activities', 'search-activities', 'message-groups',
      'messages', 'create-message', 'create-activity', 'create-reply', 'activities_users',
    ]) assert.ok(ops.includes(op), `${op} in ${ops.join(', ')}`);
    assert.ok(ops.some((o) => o.startsWith('user_activity_')), 'the seed\'s user_activity_<handle> subsegment');
    // X-Ray roots carry method and path.
    assert.ok(ops.some((o) => /^GET \/api\/activities\/@[a-z]+$/.test(o)), ops.join(', '));
  });

  it('a continued request is one trace: the OTel SERVER span under the caller, the X-Ray segment under it', async () => {
    const id = continued()!;
    const t = ((await (await fetch(`${srv!.http}/api/traces/${id}`)).json()) as { data: { spans: JSpan[] }[] }).data[0]!;
    const seg = t.spans.find((s) => tag(s, 'xray.type') === 'segment');
    assert.ok(seg, 'the X-Ray segment (Sampled=1 from the caller)');
    const server = t.spans.find((s) => s.spanID === seg.references[0]?.spanID);
    assert.ok(server && tag(server, 'span.kind') === 'server' && tag(server, 'xray.type') === undefined, 'its parent is the OTel SERVER span');
    assert.equal(server.references.length, 1, 'the OTel span continues the caller');
  });

  it('the group and the rule, the summaries and a service map that counts each request once', async () => {
    const x = xrayClient(srv!.xrayPort);
    try {
      const groups = (await x.send(new GetGroupsCommand({}))).Groups ?? [];
      assert.equal(groups.find((g) => g.GroupName === 'Cruddur')?.FilterExpression, 'service("backend-flask")');
      const rules = (await x.send(new GetSamplingRulesCommand({}))).SamplingRuleRecords ?? [];
      const rule = rules.find((r) => r.SamplingRule?.RuleName === 'Cruddur')?.SamplingRule;
      assert.deepEqual([rule?.FixedRate, rule?.ReservoirSize, rule?.Priority], [0.1, 5, 9000]);

      const StartTime = new Date(startedAt - 60_000);
      const EndTime = new Date(Date.now() + 60_000);
      const home = await x.send(new GetTraceSummariesCommand({ StartTime, EndTime, FilterExpression: 'service("backend-flask") AND http.url CONTAINS "/api/activities/home"' }));
      const sums = home.TraceSummaries ?? [];
      assert.ok(sums.length > 10, `home refreshes: ${sums.length}`);
      for (const s of sums) {
        assert.match(s.Http?.HttpURL ?? '', /^http:\/\/127\.0\.0\.1:\d+\/api\/activities\/home$/);
        assert.equal(s.Http?.HttpMethod, 'GET');
        assert.equal(s.IsPartial, false);
      }
      const all = [];
      let NextToken: string | undefined;
      do {
        const page = await x.send(new GetTraceSummariesCommand({ StartTime, EndTime, NextToken }));
        all.push(...(page.TraceSummaries ?? []));
        NextToken = page.NextToken;
      } while (NextToken);
      const cont = all.find((s) => s.Id === continued());
      assert.ok(cont, 'the continued trace is summarized');
      assert.equal(cont.IsPartial, false, 'a caller upstream is not a missing segment');
      assert.match(cont.Http?.HttpURL ?? '', /^http:\/\/127\.0\.0\.1:\d+\/api\//);
      // One trace per request: as many traces as requests sent.
      assert.equal(all.length, sent(), 'traces = requests');

      // Every request made one OTel SERVER span; sampled ones also an X-Ray segment, which is not counted again.
      const graph = await x.send(new GetServiceGraphCommand({ StartTime, EndTime }));
      const node = graph.Services?.find((s) => s.Name === 'backend-flask');
      assert.equal(node?.SummaryStatistics?.TotalCount, sent(), 'backend-flask requests = requests sent');
      // The client edge: the requests that started their trace here (not those continuing a caller's).
      const client = graph.Services?.find((s) => s.Type === 'client');
      const continuedCount = Number(/(\d+) continued a caller's trace/.exec(stdout)?.[1]);
      assert.equal(client?.Edges?.[0]?.SummaryStatistics?.TotalCount, sent() - continuedCount);
    } finally {
      x.destroy();
    }
  });
});
