/**
 * The X-Ray daemon port under a burst larger than the socket buffer the kernel granted: datagrams as the
 * Node SDK sends them (the captured `udp_001.raw` segment, 2 inline subsegments, fresh ids), sent without
 * pacing. The socket is read by a reader of its own (udp-socket-worker.ts), so the burst is drained while
 * the server's main thread hands batches to the pipeline; every datagram is accounted for (received, or
 * counted as dropped by the kernel in `kernelDropped`), and none is lost.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { eventually, removeDir, startServer, type RunningServer } from '../helpers/server-process.js';
import { datagram, newXrayTraceId, xrayStats } from '../helpers/xray.js';

const capture = readFileSync('test/fixtures/wire/xray_run1/udp_001.raw', 'utf8');
const template = JSON.parse(capture.slice(capture.indexOf('\n') + 1)) as { subsegments: { id: string }[] } & Record<string, unknown>;

function sdkDatagram(): Buffer {
  const t = Date.now() / 1000;
  const doc = {
    ...template, trace_id: newXrayTraceId(), id: randomBytes(8).toString('hex'), start_time: t - 0.01, end_time: t,
    subsegments: template.subsegments.map((s) => ({ ...s, id: randomBytes(8).toString('hex'), start_time: t - 0.008, end_time: t - 0.002 })),
  };
  return datagram(doc);
}

describe('X-Ray UDP burst', () => {
  it('a burst of twice the socket buffer is received and stored in full, and kernel drops are reported', async () => {
    const srv = await startServer();
    try {
      await burst(srv);
    } finally {
      await srv.stop();
      removeDir(srv.dataDir);
    }
  });
});

async function burst(srv: RunningServer): Promise<void> {
  const start = (await xrayStats(srv.http));
  assert.equal(start.kernelDropped, 0, 'kernelDropped is reported (Linux /proc/net/udp)');
  assert.ok(start.recvBufferBytes >= 200_000, `granted receive buffer: ${start.recvBufferBytes}`);
  const one = sdkDatagram().length;
  // Twice what the granted buffer holds in payload alone (the kernel also charges per-datagram overhead).
  const n = Math.ceil((2 * start.recvBufferBytes) / one);
  const sock = createSocket('udp4');
  try {
    // As the SDK's segment emitter does: send() per segment without waiting; yield every 256 so the sender
    // does not build its own queue of the whole burst.
    for (let i = 0; i < n; i += 256) {
      const last = Math.min(n, i + 256);
      await Promise.all(Array.from({ length: last - i }, () => new Promise<void>((res, rej) => sock.send(sdkDatagram(), srv.xrayPort, '127.0.0.1', (e) => (e ? rej(e) : res())))));
    }
  } finally {
    await new Promise<void>((r) => sock.close(() => r()));
  }
  const end = await eventually(async () => {
    const s = (await xrayStats(srv.http));
    const handled = s.stored + s.invalid + s.dropped;
    return s.received + (s.kernelDropped ?? 0) >= n && handled >= s.received ? s : null;
  }, 120_000, `all ${n} datagrams accounted for`);
  assert.equal(end.received + end.kernelDropped!, n, 'every datagram sent is received or counted as a kernel drop');
  assert.deepEqual({ kernelDropped: end.kernelDropped, dropped: end.dropped, invalid: end.invalid, stored: end.stored }, { kernelDropped: 0, dropped: 0, invalid: 0, stored: n });
}
