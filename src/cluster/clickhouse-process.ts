/**
 * Runs Debian's `clickhouse-server` (18.16 on) as a plain child process: its own directory with config,
 * users and data, loopback ports, and optionally a `remote_servers` cluster (cluster mode). Used by
 * `honeyray cluster up` and by the tests; stopped by PID (SIGTERM exits cleanly in < 1 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CLICKHOUSE_BIN = '/usr/sbin/clickhouse-server';

export interface ClickHousePorts {
  http: number;
  /** Native protocol: what shards use to talk to each other. */
  tcp: number;
  interserver: number;
}

/** A `remote_servers` cluster: one replica per shard, by native (TCP) port on 127.0.0.1. */
export interface RemoteCluster {
  name: string;
  shardTcpPorts: number[];
}

/** Writes config.xml and users.xml into `dir` (data under it). Small caches, few threads: a shared machine. */
export function writeClickHouseConfig(dir: string, ports: ClickHousePorts, cluster?: RemoteCluster): void {
  for (const d of ['data', 'tmp', 'log', 'user_files', 'format_schemas']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'users.xml'), `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`);
  const shards = cluster?.shardTcpPorts.map((p) => `<shard><replica><host>127.0.0.1</host><port>${p}</port></replica></shard>`).join('') ?? '';
  writeFileSync(join(dir, 'config.xml'), `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>${ports.http}</http_port>
  <tcp_port>${ports.tcp}</tcp_port>
  <interserver_http_port>${ports.interserver}</interserver_http_port>
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
${cluster ? `  <remote_servers><${cluster.name}>${shards}</${cluster.name}></remote_servers>\n` : ''}</yandex>
`);
}

export interface ClickHouseProcess {
  child: ChildProcess;
  signal(sig: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/** Runs the server on `dir`'s config and waits until `url` answers /ping. */
export async function spawnClickHouse(dir: string, url: string, timeoutMs = 30_000): Promise<ClickHouseProcess> {
  const child: ChildProcess = spawn(CLICKHOUSE_BIN, [`--config-file=${join(dir, 'config.xml')}`], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`clickhouse-server exited with ${child.exitCode}: ${stderr}`);
    try {
      const r = await fetch(`${url}/ping`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      process.kill(child.pid!, 'SIGKILL');
      throw new Error(`clickhouse-server did not answer /ping in ${timeoutMs / 1000} s: ${stderr}`);
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
