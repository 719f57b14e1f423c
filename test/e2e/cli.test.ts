/**
 * The terminal commands (`honeyray services|traces|trace|xray-summaries`) as a user runs them: the built
 * bin as a child process against a real server, output on a pipe (so: no color codes), exit codes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CLI, freePort, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';

interface Run { code: number; stdout: string; stderr: string }

function run(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const k of ['FORCE_COLOR', 'NO_COLOR', ...(env.HONEYRAY_URL ? [] : ['HONEYRAY_URL'])]) if (!(k in env)) delete childEnv[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: childEnv, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const NOW = BigInt(Date.now()) * 1_000_000n;
const ms = (n: number) => BigInt(Math.round(n * 1e6));
/** An X-Ray-shaped W3C id: the first 8 hex chars are the epoch seconds. */
const XRAY_HEX = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0') + '55ec6914726f1314e7e519c9';
const XRAY_ID = `1-${XRAY_HEX.slice(0, 8)}-${XRAY_HEX.slice(8)}`;
const T64 = '00000000000000001234567890abcdef';

type Attr = { key: string; value: Record<string, unknown> };
const s = (key: string, v: string): Attr => ({ key, value: { stringValue: v } });
const i = (key: string, v: number): Attr => ({ key, value: { intValue: v } });
const span = (traceId: string, spanId: string, name: string, offMs: number, durMs: number, o: { parent?: string; kind?: number; attrs?: Attr[]; error?: string } = {}) => ({
  traceId, spanId, ...(o.parent ? { parentSpanId: o.parent } : {}), name, kind: o.kind ?? 1,
  startTimeUnixNano: String(NOW + ms(offMs)), endTimeUnixNano: String(NOW + ms(offMs + durMs)), attributes: o.attrs ?? [],
  ...(o.error ? { status: { code: 2, message: o.error } } : {}),
});
const resource = (service: string, spans: unknown[]) => ({ resource: { attributes: [s('service.name', service)] }, scopeSpans: [{ scope: { name: 'cli-test' }, spans }] });

describe('honeyray CLI (terminal commands)', () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer();
    const body = { resourceSpans: [
      resource('backend-flask', [
        span(XRAY_HEX, 'a000000000000001', 'GET /api/activities/home', 0, 312, { kind: 2, attrs: [s('http.method', 'GET'), i('http.status_code', 500), s('http.url', 'http://localhost:4567/api/activities/home')] }),
        span(XRAY_HEX, 'a000000000000002', 'HomeActivities.run', 10, 150, { parent: 'a000000000000001', attrs: [i('app.result_length', 3)] }),
        span(XRAY_HEX, 'a000000000000003', 'SELECT activities', 20, 100, { parent: 'a000000000000002', kind: 3, attrs: [s('db.system', 'postgresql')], error: 'connection reset' }),
        span(XRAY_HEX, 'a000000000000004', 'late callback', 300, 5, { parent: 'ffffffffffffffff' }),
      ]),
      resource('cli-other', [span(T64, 'b000000000000001', 'fast', 0, 2, { kind: 2 })]),
      // 105 one-span traces: more than one page (100) of X-Ray trace summaries.
      resource('cli-many', Array.from({ length: 105 }, (_, n) => span(n.toString(16).padStart(8, '0') + 'c'.repeat(24), 'c000000000000001', 'tick', -n, 1))),
    ] };
    const r = await fetch(`${srv.otlp}/v1/traces`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 200);
  });
  after(async () => { await srv.stop(); removeDir(srv.dataDir); });

  const url = () => ['--url', srv.http];

  it('services lists services, and with --operations their operations and span kinds', async () => {
    const r = await run(['services', ...url()]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['backend-flask', 'cli-many', 'cli-other']);
    const ops = await run(['services', '--operations', ...url()]);
    assert.equal(ops.code, 0, ops.stderr);
    const lines = ops.stdout.split('\n');
    assert.equal(lines[0], 'backend-flask');
    assert.match(ops.stdout, /^ {2}GET \/api\/activities\/home +\(server\)$/m);
    assert.match(ops.stdout, /^ {2}SELECT activities +\(client\)$/m);
    assert.match(ops.stdout, /^cli-other\n {2}fast +\(server\)$/m);
    const json = await run(['services', '--operations', '--json', ...url()]);
    assert.deepEqual(JSON.parse(json.stdout)['cli-other'], [{ name: 'fast', spanKind: 'server' }]);
  });

  it('services reads HONEYRAY_URL when there is no --url', async () => {
    const r = await run(['services'], { HONEYRAY_URL: srv.http + '/' });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^cli-other$/m);
  });

  it('traces prints one line per trace: start, id, root, duration, spans, errors', async () => {
    const r = await run(['traces', '--service', 'backend-flask', ...url()]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[0]!, /^START +TRACE ID +ROOT +DURATION +SPANS +ERRORS$/);
    assert.match(lines[1]!, new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}  ${XRAY_HEX}  backend-flask: GET /api/activities/home +312ms +4  ✗ 1$`));
    assert.ok(!r.stdout.includes('\u001b'), 'no color codes on a pipe');
  });

  it('traces filters by operation, tag, durations and limit, and prints JSON', async () => {
    const ids = async (...args: string[]) => {
      const r = await run(['traces', ...args, ...url()]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/ {2,}/)[1]).filter(Boolean);
    };
    assert.deepEqual(await ids('--tag', 'db.system=postgresql'), [XRAY_HEX]);
    assert.deepEqual(await ids('--tag', 'db.system=postgresql', '--tag', 'app.result_length=4'), []);
    assert.deepEqual(await ids('--service', 'cli-other', '--operation', 'fast'), ['1234567890abcdef']);
    assert.deepEqual(await ids('--min-duration', '200ms', '--lookback', '2h'), [XRAY_HEX]);
    assert.deepEqual(await ids('--service', 'cli-other', '--max-duration', '5ms'), ['1234567890abcdef']);
    assert.equal((await ids('--service', 'cli-many', '--limit', '3')).length, 3);
    const json = await run(['traces', '--service', 'cli-other', '--json', ...url()]);
    const data = JSON.parse(json.stdout);
    assert.equal(data.length, 1);
    assert.equal(data[0].traceID, '1234567890abcdef');
  });

  it('trace <X-Ray id> prints the waterfall: tree, durations, bars, error mark, orphan note, tags', async () => {
    const r = await run(['trace', XRAY_ID, '--width', '100', ...url()]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.stdout;
    assert.ok(!out.includes('\u001b'), 'no color codes on a pipe');
    const lines = out.split('\n');
    assert.equal(lines[0], `Trace ${XRAY_HEX}  (X-Ray ${XRAY_ID})`);
    assert.match(lines[1]!, /^backend-flask: GET \/api\/activities\/home {2}·.*·  312ms  ·  4 spans  ·  1 service  ·  1 error$/);
    assert.match(out, /1 span whose parent is not in the trace/);
    const tree = lines.filter((l) => / [█▏▎▍▌▋▊▉]/.test(l));
    assert.equal(tree.length, 4, out);
    assert.match(tree[0]!, /^backend-flask GET \/api\/activities\/home +312ms █{20,}$/);
    assert.match(tree[1]!, /^└─ backend-flask HomeActivities\.run +150ms +█+/);
    assert.match(tree[2]!, /^ {3}└─ backend-flask SELECT activities +✗ +100ms +█+/);
    assert.match(tree[3]!, /^⋯ backend-flask late callback +5ms +[█▏▎▍▌▋▊▉]+$/);
    for (const l of tree) assert.ok([...l].length <= 100, `wider than 100: ${l}`);
    // Tags below the tree.
    assert.match(out, /^Tags$/m);
    assert.match(out, /^backend-flask SELECT activities {2}\(span a000000000000003, at \+20ms, 100ms\) ✗$/m);
    assert.match(out, /^ {4}db\.system +\= postgresql$/m);
    assert.match(out, /^ {4}otel\.status_description = connection reset$/m);
    assert.match(out, /parent ffffffffffffffff not in the trace/);
  });

  it('trace accepts 32-hex and 16-hex ids, --tags inline, --no-tags, --json', async () => {
    for (const id of [XRAY_HEX, XRAY_HEX.toUpperCase()]) {
      const r = await run(['trace', id, ...url()]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /HomeActivities\.run/);
    }
    const short = await run(['trace', '1234567890abcdef', '--no-tags', ...url()]);
    assert.equal(short.code, 0, short.stderr);
    assert.match(short.stdout, /^Trace 1234567890abcdef$/m);
    assert.match(short.stdout, /^cli-other fast +2ms █+$/m);
    assert.ok(!short.stdout.includes('Tags'));
    const inline = await run(['trace', XRAY_ID, '--tags', ...url()]);
    assert.match(inline.stdout, /^ {3}└─ backend-flask SELECT activities.*\n {11}db\.system +\= postgresql$/m);
    const json = await run(['trace', XRAY_ID, '--json', ...url()]);
    assert.equal(JSON.parse(json.stdout).spans.length, 4);
  });

  it('xray-summaries runs GetTraceSummaries with a filter: id, durations, marks, HTTP', async () => {
    const r = await run(['xray-summaries', '--filter', 'service("backend-flask")', ...url()]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID +START +DURATION +RESPONSE +MARKS +HTTP$/);
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[1]!, new RegExp(`^${XRAY_ID}  \\d{4}-.* +312ms +312ms  F---   GET 500 http://localhost:4567/api/activities/home$`));
    const json = await run(['xray-summaries', '--filter', 'service("backend-flask")', '--json', ...url()]);
    const sums = JSON.parse(json.stdout);
    assert.equal(sums[0].Id, XRAY_ID);
    assert.equal(sums[0].HasFault, true);
  });

  it('xray-summaries follows NextToken past the first page', async () => {
    const r = await run(['xray-summaries', '--filter', 'service("cli-many")', '--lookback', '10m', ...url()]);
    assert.equal(r.code, 0, r.stderr);
    const ids = r.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(' ')[0]);
    assert.equal(ids.length, 105);
    assert.equal(new Set(ids).size, 105);
    const limited = await run(['xray-summaries', '--filter', 'service("cli-many")', '--limit', '7', ...url()]);
    assert.equal(limited.stdout.trimEnd().split('\n').length, 8);
  });

  it('exit 1 for an unknown trace, with the reason on stderr', async () => {
    const r = await run(['trace', 'ffffffffffffffffffffffffffffffff', ...url()]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^honeyray trace: trace ffffffffffffffffffffffffffffffff not found at http:\/\/127\.0\.0\.1:\d+/);
  });

  it('exit 1 when Honeyray is not running, saying so', async () => {
    const port = await freePort();
    for (const cmd of [['services'], ['traces'], ['trace', XRAY_ID], ['xray-summaries']]) {
      const r = await run([...cmd, '--url', `http://127.0.0.1:${port}`]);
      assert.equal(r.code, 1, cmd.join(' '));
      assert.equal(r.stderr, `honeyray ${cmd[0]}: cannot reach Honeyray at http://127.0.0.1:${port}: connection refused — is it running? (npm start)\n`);
    }
  });

  it('exit 2 for usage errors: unknown flag, bad id, bad duration, bad tag, bad filter, unknown command', async () => {
    const cases: [string[], RegExp][] = [
      [['traces', '--bogus'], /Unknown option '--bogus'/],
      [['trace'], /missing trace id/],
      [['trace', 'not-an-id'], /not a trace id: "not-an-id"/],
      [['trace', XRAY_ID, 'extra'], /unexpected argument "extra"/],
      [['traces', '--min-duration', 'fast'], /--min-duration: malformed duration "fast"/],
      [['traces', '--limit', '0'], /--limit: want an integer >= 1/],
      [['traces', '--tag', 'novalue'], /--tag: want key=value/],
      [['xray-summaries', '--filter', 'responsetime > AND ok'], /bad request: InvalidRequestException: Invalid filter expression/],
      [['services', '--url', 'localhost:16686'], /--url: want an http:\/\/ or https:\/\/ URL/],
      [['nosuchcommand'], /unknown command "nosuchcommand"/],
    ];
    for (const [args, re] of cases) {
      const r = await run([...args, ...(args[0] === 'nosuchcommand' || args.includes('--url') ? [] : url())]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
    }
  });

  it('--help lists the commands; each command has its own --help', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['serve', 'services', 'traces', 'trace', 'xray-summaries']) assert.match(r.stdout, new RegExp(`^ {2}${c} `, 'm'));
    assert.match(r.stdout, /--data-dir/);
    for (const c of ['services', 'traces', 'trace', 'xray-summaries']) {
      const h = await run([c, '--help']);
      assert.equal(h.code, 0);
      assert.match(h.stdout, new RegExp(`^Usage: honeyray ${c}`));
      assert.match(h.stdout, /--url <url>/);
      assert.deepEqual((await run(['help', c])).stdout, h.stdout);
    }
  });
});
