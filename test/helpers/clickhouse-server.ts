/**
 * Starts Debian's `clickhouse-server` (18.16) as a plain child process for tests: its own temp dir with
 * config, users and data, free loopback ports, stopped by PID with SIGTERM (it exits cleanly in < 1 s).
 * Without the binary the caller skips loudly; with CI=true the caller fails (see `clickhouseOrSkip`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLICKHOUSE_BIN, spawnClickHouse, writeClickHouseConfig, type ClickHousePorts, type RemoteCluster } from '../../src/cluster/clickhouse-process.js';
import { freePort } from './server-process.js';

export { CLICKHOUSE_BIN };

export interface RunningClickHouse {
  pid: number;
  httpPort: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  dir: string;
  stop(): Promise<void>;
  /** SIGKILL, for tests of an unreachable server. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data (after `kill`, or stops it first). */
  restart(): Promise<void>;
}

/** Whether the tests can run a real ClickHouse server here; throws under CI when they cannot. */
export function clickhouseAvailable(): boolean {
  if (existsSync(CLICKHOUSE_BIN)) return true;
  if (process.env.CI === 'true') throw new Error(`${CLICKHOUSE_BIN} is missing: .ci/run installs clickhouse-server`);
  console.error(`# SKIPPED: ClickHouse server tests need Debian's clickhouse-server (apt-get install clickhouse-server)`);
  return false;
}

async function freePorts(): Promise<ClickHousePorts> {
  return { http: await freePort(), tcp: await freePort(), interserver: await freePort() };
}

export async function startClickHouse(ports?: ClickHousePorts, cluster?: RemoteCluster): Promise<RunningClickHouse> {
  const dir = mkdtempSync(join(tmpdir(), 'honeyray-ch-'));
  const p = ports ?? await freePorts();
  const httpPort = p.http;
  writeClickHouseConfig(dir, p, cluster);
  const url = `http://127.0.0.1:${httpPort}`;
  let proc = await spawnClickHouse(dir, url);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const running: RunningClickHouse = {
    pid: proc.child.pid!, httpPort, url, dir,
    async stop() {
      await proc.signal('SIGTERM');
      cleanup();
    },
    async kill() {
      await proc.signal('SIGKILL');
    },
    async restart() {
      await proc.signal('SIGTERM');
      proc = await spawnClickHouse(dir, url);
      running.pid = proc.child.pid!;
    },
  };
  return running;
}


export interface RunningCluster {
  shards: RunningClickHouse[];
  /** `clickhouse://h1,h2/DB?cluster=honeyray`, with `entry` (a shard index) first. */
  storeUrl(database: string, entry?: number): string;
  stop(): Promise<void>;
}

/** `n` ClickHouse servers forming the cluster `honeyray` (one replica per shard), started in parallel. */
export async function startClickHouseCluster(n: number): Promise<RunningCluster> {
  const ports: ClickHousePorts[] = [];
  for (let i = 0; i < n; i++) ports.push(await freePorts());
  const cluster: RemoteCluster = { name: 'honeyray', shardTcpPorts: ports.map((p) => p.tcp) };
  const shards = await Promise.all(ports.map((p) => startClickHouse(p, cluster)));
  return {
    shards,
    storeUrl(database, entry = 0) {
      const order = [...shards.slice(entry), ...shards.slice(0, entry)];
      return `clickhouse://${order.map((s) => `127.0.0.1:${s.httpPort}`).join(',')}/${database}?cluster=honeyray`;
    },
    async stop() {
      await Promise.all(shards.map((s) => s.stop()));
    },
  };
}
