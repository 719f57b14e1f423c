/**
 * Starts Honeyray the way the README does (`node dist/src/cli.js serve ...`) as a child process on
 * free loopback ports, and stops it by PID with SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface RunningServer {
  pid: number;
  httpPort: number;
  otlpPort: number;
  xrayPort: number;
  /** The receivers' own ports (each a free port): gRPC, Zipkin, Jaeger collector and agent. */
  grpcPort: number;
  zipkinPort: number;
  jaegerPort: number;
  jaegerCompactPort: number;
  jaegerBinaryPort: number;
  dataDir: string;
  http: string;
  otlp: string;
  /** stderr so far (logs). */
  logs(): string;
  /** SIGTERM, wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash), wait for exit. */
  kill(): Promise<void>;
}

export const CLI = resolve('dist/src/cli.js');

export async function freePort(): Promise<number> {
  // A port free for both TCP and UDP (the X-Ray daemon port is both).
  for (;;) {
    const port = await new Promise<number>((res, rej) => {
      const s = createServer();
      s.once('error', rej);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    const udpFree = await new Promise<boolean>((res) => {
      const u = createSocket('udp4');
      u.once('error', () => res(false));
      u.bind(port, '127.0.0.1', () => u.close(() => res(true)));
    });
    if (udpFree) return port;
  }
}

type StartOptions = { dataDir?: string; args?: string[]; env?: Record<string, string> };

/**
 * Starts the server on free ports. A port found free can be taken by another process before the server
 * binds it (freePort closes its probe; the machine runs other suites and clients): a start that fails
 * with EADDRINUSE is tried again on fresh ports, up to three times.
 */
export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'honeyray-test-'));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, dataDir);
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(opts: StartOptions, dataDir: string): Promise<RunningServer> {
  const [httpPort, otlpPort, xrayPort] = [await freePort(), await freePort(), await freePort()];
  const [grpcPort, zipkinPort, jaegerPort, jaegerCompactPort, jaegerBinaryPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const child: ChildProcess = spawn(process.execPath, [
    CLI, 'serve', '--data-dir', dataDir, '--http-port', String(httpPort), '--otlp-port', String(otlpPort),
    '--xray-port', String(xrayPort), '--grpc-port', String(grpcPort), '--zipkin-port', String(zipkinPort),
    '--jaeger-port', String(jaegerPort), '--jaeger-compact-port', String(jaegerCompactPort),
    '--jaeger-binary-port', String(jaegerBinaryPort), ...(opts.args ?? []),
  ], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout!.on('data', (d) => (logs += d));
  child.stderr!.on('data', (d) => (logs += d));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`server did not start in 30 s:\n${logs}`)), 30_000);
    const check = () => {
      if (logs.includes('listening on')) { clearTimeout(t); res(); }
    };
    child.stderr!.on('data', check);
    void exited.then((code) => { clearTimeout(t); rej(new Error(`server exited with ${code}:\n${logs}`)); });
  });
  return {
    pid: child.pid!,
    httpPort, otlpPort, xrayPort, grpcPort, zipkinPort, jaegerPort, jaegerCompactPort, jaegerBinaryPort, dataDir,
    http: `http://127.0.0.1:${httpPort}`,
    otlp: `http://127.0.0.1:${otlpPort}`,
    logs: () => logs,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      process.kill(child.pid!, 'SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null) return;
      process.kill(child.pid!, 'SIGKILL');
      await exited;
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Polls `fn` until it returns a truthy value or `ms` pass. */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, ms = 10_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
