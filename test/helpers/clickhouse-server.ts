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
  /**
   * SIGTERM, then removes the data directory unless `keepDir` (then `removeDir` later): deleting a
   * server's thousands of part files makes the next server's file creation slow for a minute on a
   * journal-less ext4 (its inode allocator skips recently deleted inodes), which a benchmark that
   * starts another server next must not measure.
   */
  stop(opts?: { keepDir?: boolean }): Promise<void>;
  removeDir(): void;
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

/**
 * `parent`: where the server's directory is made (default the OS temp dir); `dir`: an existing server
 * directory to start on again instead (its data kept, its config rewritten for the new ports).
 */
export async function startClickHouse(ports?: ClickHousePorts, cluster?: RemoteCluster, parent = tmpdir(), dir = mkdtempSync(join(parent, 'honeyray-ch-'))): Promise<RunningClickHouse> {
  const p = ports ?? await freePorts();
  const httpPort = p.http;
  writeClickHouseConfig(dir, p, cluster);
  const url = `http://127.0.0.1:${httpPort}`;
  let proc = await spawnClickHouse(dir, url);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const running: RunningClickHouse = {
    pid: proc.child.pid!, httpPort, url, dir,
    async stop(opts) {
      await proc.signal('SIGTERM');
      if (!opts?.keepDir) cleanup();
    },
    removeDir: cleanup,
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
  stop(opts?: { keepDir?: boolean }): Promise<void>;
}

/** `n` ClickHouse servers forming the cluster `honeyray` (one replica per shard), started in parallel. */
export async function startClickHouseCluster(n: number, parent?: string): Promise<RunningCluster> {
  const ports: ClickHousePorts[] = [];
  for (let i = 0; i < n; i++) ports.push(await freePorts());
  const cluster: RemoteCluster = { name: 'honeyray', shardTcpPorts: ports.map((p) => p.tcp) };
  const shards = await Promise.all(ports.map((p) => startClickHouse(p, cluster, parent)));
  return {
    shards,
    storeUrl(database, entry = 0) {
      const order = [...shards.slice(entry), ...shards.slice(0, entry)];
      return `clickhouse://${order.map((s) => `127.0.0.1:${s.httpPort}`).join(',')}/${database}?cluster=honeyray`;
    },
    async stop(opts) {
      await Promise.all(shards.map((s) => s.stop(opts)));
    },
  };
}
