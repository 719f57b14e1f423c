/** Helpers shared by the X-Ray end-to-end tests (test/e2e/xray-*.test.ts). */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XRayClient } from '@aws-sdk/client-xray';
import { eventually } from './server-process.js';

export interface XrayStats {
  received: number; invalid: number; dropped: number; stored: number;
  /** Datagrams the kernel dropped (socket buffer full; null off Linux), and the buffer it granted. */
  kernelDropped: number | null; recvBufferBytes: number;
}

/** The AWS SDK v3 X-Ray client pointed at a Honeyray port, with dummy credentials and no retries. */
export function xrayClient(port: number): XRayClient {
  return new XRayClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
}

/** Sends datagrams to the X-Ray daemon UDP port, one by one. */
export async function sendDatagrams(port: number, datagrams: (Buffer | string)[]): Promise<void> {
  const sock = createSocket('udp4');
  try {
    for (const d of datagrams) {
      await new Promise<void>((res, rej) => sock.send(typeof d === 'string' ? Buffer.from(d) : d, port, '127.0.0.1', (err) => (err ? rej(err) : res())));
    }
  } finally {
    await new Promise<void>((r) => sock.close(() => r()));
  }
}

/** `{"format":"json","version":1}\n<doc>` as the Node SDK sends it. */
export function datagram(doc: unknown): Buffer {
  return Buffer.from('{"format":"json","version":1}\n' + (typeof doc === 'string' ? doc : JSON.stringify(doc)));
}

export async function xrayStats(http: string): Promise<XrayStats> {
  const r = await fetch(`${http}/api/honeyray/stats`);
  if (r.status !== 200) throw new Error(`stats: ${r.status}`);
  const body = (await r.json()) as { xray: XrayStats | null };
  if (!body.xray) throw new Error('stats: no xray receiver');
  return body.xray;
}

/** Waits until the UDP receiver has handled (stored + invalid + dropped) at least `n` documents/datagrams. */
export async function waitHandled(http: string, n: { stored?: number; invalid?: number }, ms = 10_000): Promise<XrayStats> {
  return eventually(async () => {
    const s = await xrayStats(http);
    return (n.stored === undefined || s.stored >= n.stored) && (n.invalid === undefined || s.invalid >= n.invalid) ? s : null;
  }, ms, `X-Ray UDP stats to reach ${JSON.stringify(n)}`);
}

/** A new X-Ray trace id for the current time. */
export function newXrayTraceId(): string {
  return `1-${Math.floor(Date.now() / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`;
}

export function newSegmentId(): string {
  return randomBytes(8).toString('hex');
}

/** Listens on a free loopback port. */
export async function listen(handler: RequestListener): Promise<{ server: Server; port: number; url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    server, port, url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/**
 * Points aws-xray-sdk-core (UDP and TCP) at a Honeyray X-Ray port. The SDK ignores `setDaemonAddress` when
 * AWS_XRAY_DAEMON_ADDRESS is set, so that is cleared first.
 */
export function pointXraySdkAt(sdk: { setDaemonAddress(a: string): void }, port: number): void {
  delete process.env.AWS_XRAY_DAEMON_ADDRESS;
  sdk.setDaemonAddress(`127.0.0.1:${port}`);
}

/** A logger for aws-xray-sdk-core that keeps warnings and errors (printed) and drops the rest. */
export const quietXrayLogger = {
  debug: () => {},
  info: () => {},
  warn: (...a: unknown[]) => console.warn('[xray-sdk]', ...a),
  error: (...a: unknown[]) => console.error('[xray-sdk]', ...a),
};

/**
 * Express middleware (after `openSegment`) that exposes the request's X-Ray trace id and sampling decision
 * in the `x-test-trace` header (the SDK only answers `X-Amzn-Trace-Id` when the caller sent `Sampled=?`).
 */
export function exposeTraceId(getSegment: () => unknown) {
  return (_req: unknown, res: { setHeader(k: string, v: string): void }, next: () => void) => {
    const seg = getSegment() as { trace_id: string; notTraced?: boolean } | undefined;
    if (seg) res.setHeader('x-test-trace', `Root=${seg.trace_id};Sampled=${seg.notTraced ? 0 : 1}`);
    next();
  };
}

/** The trace id and sampling decision set by `exposeTraceId`. */
export function traceIdOf(res: Response): { root: string; sampled: boolean } {
  const h = res.headers.get('x-test-trace') ?? '';
  const root = /Root=([^;]+)/.exec(h)?.[1];
  if (!root) throw new Error(`no trace id in x-test-trace ${JSON.stringify(h)}`);
  return { root, sampled: /Sampled=1/.test(h) };
}

export const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
export const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);
