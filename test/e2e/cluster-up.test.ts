/**
 * `honeyray cluster up` as a user runs it: two ClickHouse 18.16 shards and two Honeyray nodes on free
 * ports; a span sent to node 1 reads back from node 2; Ctrl-C (SIGINT) stops it all and exits 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { clickhouseAvailable } from '../helpers/clickhouse-server.js';
import { CLI, eventually, removeDir } from '../helpers/server-process.js';
import { otlpJson } from './cluster-helpers.js';

it('honeyray cluster up --shards 2 runs two shards and two nodes until Ctrl-C', { skip: clickhouseAvailable() ? false : 'clickhouse-server is not installed', timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'honeyray-cluster-up-'));
  const child = spawn(process.execPath, [CLI, 'cluster', 'up', '--shards', '2', '--dir', dir,
    '--clickhouse-port', '0', '--http-port', '0', '--otlp-port', '0', '--xray-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  try {
    await eventually(async () => output.includes('cluster ready') || child.exitCode !== null, 60_000, `cluster ready:\n${output}`);
    assert.match(output, /ClickHouse shard 2: http:\/\/127\.0\.0\.1:\d+/);
    const nodes = [...output.matchAll(/Honeyray node \d: UI and APIs (\S+), OTLP (\S+),/g)].map((m) => ({ http: m[1]!, otlp: m[2]! }));
    assert.equal(nodes.length, 2, output);
    const traceId = '5759e988bd862e3fe1be46a994272793';
    const res = await fetch(`${nodes[0]!.otlp}/v1/traces`, otlpJson('up-svc', [{ traceId, spanId: '53995c3f42cd8ad8', name: 'hello', startMs: Date.now(), durationMs: 3 }]));
    assert.equal(res.status, 200);
    const got = await eventually(async () => {
      const r = await fetch(`${nodes[1]!.http}/api/traces/${traceId}`);
      return r.status === 200 ? ((await r.json()) as { data: { spans: { operationName: string }[] }[] }).data[0] : null;
    }, 10_000, 'the span read from node 2');
    assert.equal(got.spans[0]!.operationName, 'hello');
    child.kill('SIGINT');
    assert.equal(await exited, 0, output);
    assert.match(output, /cluster stopped/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    removeDir(dir);
  }
});
