/**
 * examples/cruddur/xray-emitter.ts sends what aws-xray-sdk-core itself would: two real Cruddur
 * processes (X-Ray on, OTel off), one with the lean emitter and one with the SDK's own, get the same
 * requests (a plain one, the user route with its subsegments, a fault, a 422), each with the same
 * incoming X-Amzn-Trace-Id; the datagrams a UDP socket receives are then compared, byte for byte once
 * the random ids, times and ports are masked. With streaming threshold 0 too (every subsegment its
 * own datagram, the Subsegment path). And BigInt metadata still serialises as the SDK does it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import AWSXRay from 'aws-xray-sdk-core';
import { installLeanEmitter } from '../../examples/cruddur/xray-emitter.js';

const PATHS = ['/api/activities/home', '/api/activities/@worf', '/api/error', '/api/activities/search'];
const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

/** The datagrams one Cruddur process sends for PATHS, masked, sorted (arrival order may differ). */
async function datagrams(lean: boolean, streamingThreshold: number): Promise<string[]> {
  const udp = createSocket('udp4');
  const got: string[] = [];
  udp.on('message', (m) => got.push(String(m)));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  const child = spawn(process.execPath, ['dist/examples/cruddur/main.js'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env, PORT: '0', CRUDDUR_OTEL: '0', CRUDDUR_XRAY_SAMPLING: 'local-all',
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${udp.address().port}`,
      CRUDDUR_XRAY_LEAN_EMITTER: lean ? '1' : '0', CRUDDUR_XRAY_STREAMING_THRESHOLD: String(streamingThreshold),
    },
  });
  const exited = new Promise((r) => child.once('exit', r));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`cruddur exited ${code}: ${out}`)));
    });
    for (const p of PATHS) await (await fetch(url + p, { headers: { 'x-amzn-trace-id': HEADER } })).arrayBuffer();
    const want = PATHS.length + (streamingThreshold === 0 ? 1 : 0);
    for (let i = 0; got.length < want && i < 100; i++) await new Promise((r) => setTimeout(r, 50));
  } finally {
    child.kill('SIGTERM');
    await exited;
    udp.close();
  }
  return got.map((g) => g
    .replace(/"id":"[0-9a-f]{16}"/g, '"id":"<id>"')
    .replace(/"parent_id":"(?!53995c3f42cd8ad8)[0-9a-f]{16}"/g, '"parent_id":"<id>"')
    .replace(/"(start_time|end_time)":[\d.]+/g, '"$1":<t>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')).sort();
}

describe('Cruddur lean X-Ray emitter', () => {
  for (const threshold of [100, 0]) {
    it(`sends the datagrams the SDK's own emitter sends (streaming threshold ${threshold})`, async () => {
      const [lean, sdk] = [await datagrams(true, threshold), await datagrams(false, threshold)];
      // One segment per request; with threshold 0 the user route's user_activity_<handle> subsegment (inside
      // activities_users) is streamed as its own datagram.
      assert.equal(sdk.length, PATHS.length + (threshold === 0 ? 1 : 0), sdk.join('\n'));
      if (threshold === 0) assert.ok(sdk.some((d) => d.includes('"type":"subsegment"') && d.includes('"name":"user_activity_worf"')), sdk.join('\n'));
      assert.ok(sdk.every((d) => d.startsWith('{"format":"json","version":1}\n{"')), sdk[0]);
      assert.ok(sdk.some((d) => d.includes('"fault":true') && d.includes('"cause"')), 'the /api/error segment has its fault and cause');
      assert.deepEqual(lean, sdk);
    });
  }

  it('serialises BigInt metadata as the SDK does (a string), and plain documents unchanged', () => {
    const segment = new AWSXRay.Segment('bigint', '1-5759e988-bd862e3fe1be46a994272793');
    segment.addMetadata('plain', { n: 1 });
    const before = segment.format();
    assert.ok(installLeanEmitter(AWSXRay));
    assert.equal(segment.format(), before);
    segment.addMetadata('big', 12345678901234567890n);
    assert.match(segment.format(), /"big":"12345678901234567890"/);
    const sub = segment.addNewSubsegment('sub');
    sub.addMetadata('big', 1n);
    assert.match(sub.format(), /"big":"1"/);
  });
});
