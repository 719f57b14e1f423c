/**
 * Starts Debian's `clickhouse-server` (18.16) as a plain child process for tests: its own temp dir with
 * config, users and data, free loopback ports, stopped by PID with SIGTERM (it exits cleanly in < 1 s).
 * Without the binary the caller skips loudly; with CI=true the caller fails (see `clickhouseOrSkip`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server-process.js';

export const CLICKHOUSE_BIN = '/usr/sbin/clickhouse-server';

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

export async function startClickHouse(): Promise<RunningClickHouse> {
  const dir = mkdtempSync(join(tmpdir(), 'honeyray-ch-'));
  for (const d of ['data', 'tmp', 'log', 'user_files', 'format_schemas']) mkdirSync(join(dir, d));
  const [httpPort, tcpPort, interPort] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(join(dir, 'users.xml'), `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`);
  // Small caches and few background threads: the test machine is shared.
  writeFileSync(join(dir, 'config.xml'), `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <interserver_http_port>${interPort}</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>64</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>50</max_concurrent_queries>
  <uncompressed_cache_size>16777216</uncompressed_cache_size>
  <mark_cache_size>16777216</mark_cache_size>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <background_pool_size>2</background_pool_size>
</yandex>
`);
  const url = `http://127.0.0.1:${httpPort}`;
  let proc = await spawnServer(dir, url);
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
      proc = await spawnServer(dir, url);
      running.pid = proc.child.pid!;
    },
  };
  return running;
}

interface ServerProcess {
  child: ChildProcess;
  signal(sig: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** Runs the server on `dir`'s config and waits until it answers /ping. */
async function spawnServer(dir: string, url: string): Promise<ServerProcess> {
  const child: ChildProcess = spawn(CLICKHOUSE_BIN, [`--config-file=${join(dir, 'config.xml')}`], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`clickhouse-server exited with ${child.exitCode}: ${stderr}`);
    try {
      const r = await fetch(`${url}/ping`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      process.kill(child.pid!, 'SIGKILL');
      throw new Error(`clickhouse-server did not answer /ping in 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    async signal(sig) {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, sig);
        await exited;
      }
    },
  };
}
