/**
 * `examples/cruddur/bin/xray-setup.sh`, the seed's two AWS CLI commands (create-group, then
 * create-sampling-rule from aws/JSON/xray.json) aimed at Honeyray, run as the README says with the real
 * AWS CLI (Debian's /usr/bin/aws). Afterwards the X-Ray API holds the seed's group and rule; a second
 * run fails as AWS does (the group exists), with the CLI's exit code.
 *
 * Without /usr/bin/aws the test is skipped loudly, except on CI (CI=true) where that is a failure.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetGroupsCommand, GetSamplingRulesCommand } from '@aws-sdk/client-xray';
import { removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { xrayClient } from '../helpers/xray.js';

const AWS = '/usr/bin/aws';
const HAVE_AWS = existsSync(AWS);
if (!HAVE_AWS) {
  if (process.env.CI === 'true') throw new Error(`${AWS} is missing: install the Debian package awscli (required on CI)`);
  console.log(`\n*** SKIPPING the xray-setup.sh test: ${AWS} not found (apt-get install awscli) ***\n`);
}
const SCRIPT = resolve('examples/cruddur/bin/xray-setup.sh');

describe('examples/cruddur/bin/xray-setup.sh -> Honeyray', { skip: HAVE_AWS ? false : `${AWS} not found` }, () => {
  let srv: RunningServer;
  const home = mkdtempSync(join(tmpdir(), 'honeyray-xray-setup-'));

  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.stop();
    removeDir(srv.dataDir);
    removeDir(home);
  });

  // Run from another directory: the script finds aws/JSON/xray.json itself. Debian's aws first on PATH;
  // no credentials in the environment (the script supplies dummy ones).
  const run = () => new Promise<{ code: number; stderr: string }>((done) => {
    execFile('bash', [SCRIPT], {
      cwd: home,
      env: { PATH: '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', XRAY_ENDPOINT: `http://127.0.0.1:${srv.xrayPort}` },
    }, (err, _stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }));
  });

  it('creates the seed\'s group and sampling rule', async () => {
    const r = await run();
    assert.equal(r.code, 0, r.stderr);
    const x = xrayClient(srv.xrayPort);
    try {
      const groups = (await x.send(new GetGroupsCommand({}))).Groups ?? [];
      assert.equal(groups.find((g) => g.GroupName === 'Cruddur')?.FilterExpression, 'service("backend-flask")');
      const rules = (await x.send(new GetSamplingRulesCommand({}))).SamplingRuleRecords ?? [];
      const rule = rules.find((rec) => rec.SamplingRule?.RuleName === 'Cruddur')?.SamplingRule;
      // The seed's aws/JSON/xray.json: priority 9000, 5/s then 10%, backend-flask, every host, method and path.
      assert.deepEqual(
        [rule?.Priority, rule?.ReservoirSize, rule?.FixedRate, rule?.ServiceName, rule?.Host, rule?.HTTPMethod, rule?.URLPath],
        [9000, 5, 0.1, 'backend-flask', '*', '*', '*'],
      );
    } finally {
      x.destroy();
    }
  });

  it('fails like AWS on a second run: the group already exists', async () => {
    const r = await run();
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /CreateGroup/);
  });
});
