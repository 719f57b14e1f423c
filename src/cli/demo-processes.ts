/**
 * The two processes `honeyray demo` runs, each started as its README says: Honeyray
 * (`node dist/src/cli.js serve ...`) and the Cruddur backend (`node dist/examples/cruddur/main.js`
 * with the seed's environment pointed at Honeyray). Both are children of the demo, stopped by PID
 * with SIGTERM (they flush what they hold), and never outlive it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CliError } from './http.js';

/** dist/src/cli.js and dist/examples/cruddur/main.js, next to this compiled module. */
const HONEYRAY_BIN = fileURLToPath(new URL('../cli.js', import.meta.url));
const CRUDDUR_MAIN = fileURLToPath(new URL('../../examples/cruddur/main.js', import.meta.url));
/** The seed's sampling rule file, read from the source tree (`aws/JSON` as the seed spells it). */
export const SEED_RULE_FILE = fileURLToPath(new URL('../../../examples/cruddur/aws/JSON/xray.json', import.meta.url));

const START_TIMEOUT_MS = 30_000;

export interface Child {
  pid: number;
  /** What it printed so far (stdout and stderr), for error messages. */
  output(): string;
  /** SIGTERM and wait for the exit; the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (a second Ctrl-C). */
  kill(): void;
}

export interface Ports {
  http: number;
  otlp: number;
  xray: number;
  app: number;
}

/** Starts a child and resolves once its output contains `ready`; rejects if it exits first. */
function startChild(what: string, args: string[], env: NodeJS.ProcessEnv, ready: string): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const collect = (d: Buffer) => {
    out += d;
    if (out.length > 100_000) out = out.slice(-50_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const handle: Child = {
    pid: child.pid!,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  return new Promise<Child>((resolve, reject) => {
    const timer = setTimeout(() => {
      handle.kill();
      reject(new CliError(`${what} did not start in ${START_TIMEOUT_MS / 1000} s:\n${out}`));
    }, START_TIMEOUT_MS);
    const check = () => {
      if (!out.includes(ready)) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.stderr!.off('data', check);
      resolve(handle);
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new CliError(`${what} exited with code ${code} while starting:\n${out.trim()}`));
    });
  });
}

/** The receivers the demo does not use, turned off so that they cannot collide with another Honeyray. */
export const UNUSED_RECEIVERS = ['--grpc-port', '--zipkin-port', '--jaeger-port', '--jaeger-compact-port', '--jaeger-binary-port'];

/** `extra`: more `serve` flags (`honeyray cluster up` adds `--store clickhouse://...`). */
export function startHoneyray(dataDir: string, p: Omit<Ports, 'app'>, listen: string, extra: string[] = []): Promise<Child> {
  return startChild('Honeyray', [
    HONEYRAY_BIN, 'serve', '--data-dir', dataDir, '--listen', listen,
    '--http-port', String(p.http), '--otlp-port', String(p.otlp), '--xray-port', String(p.xray),
    ...UNUSED_RECEIVERS.flatMap((flag) => [flag, '0']), ...extra,
  ], { ...process.env }, 'listening on');
}

/**
 * Cruddur with the seed's docker-compose settings pointed at Honeyray: OTLP to the OTLP port, the X-Ray
 * SDK to the daemon port (centralized sampling: the Cruddur rule created just before), plus the
 * demo's `X-Cruddur-Delay-Ms` header for slow requests and a 1 s OTel export delay so that the live
 * span count moves.
 */
export function startCruddur(p: Ports, host: string): Promise<Child> {
  return startChild('Cruddur', [CRUDDUR_MAIN], {
    ...process.env,
    PORT: String(p.app),
    HOST: host,
    OTEL_SERVICE_NAME: 'backend-flask',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${host}:${p.otlp}`,
    OTEL_EXPORTER_OTLP_HEADERS: 'x-honeycomb-team=demo',
    OTEL_BSP_SCHEDULE_DELAY: '1000',
    AWS_XRAY_DAEMON_ADDRESS: `${host}:${p.xray}`,
    CRUDDUR_XRAY_SAMPLING: 'centralized',
    CRUDDUR_DELAY_HEADER: '1',
  }, 'listening on');
}
