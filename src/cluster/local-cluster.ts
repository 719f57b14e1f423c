/**
 * A ClickHouse cluster on one machine, for trying cluster mode (`honeyray cluster up`): `shards`
 * clickhouse-server processes, each with its own ports and data directory under `dir`, all with the
 * same `remote_servers` cluster (`honeyray`, one replica per shard).
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { CLICKHOUSE_BIN, spawnClickHouse, writeClickHouseConfig, type ClickHousePorts, type ClickHouseProcess } from './clickhouse-process.js';

export const CLUSTER_NAME = 'honeyray';

export interface LocalClickHouse {
  /** `http://127.0.0.1:PORT` of each shard. */
  urls: string[];
  /** The store URL for a Honeyray node entering through shard `entry`. */
  storeUrl(database: string, entry: number): string;
  stop(): Promise<void>;
}

/** A free loopback TCP port (the OS picks it). */
export async function freeTcpPort(): Promise<number> {
  return new Promise<number>((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

/**
 * Starts the shards in parallel. `basePort` 0: free ports picked by the OS; otherwise shard i listens on
 * HTTP basePort + i, native basePort + 100 + i, interserver basePort + 200 + i.
 */
export async function startLocalClickHouse(dir: string, shards: number, basePort: number): Promise<LocalClickHouse> {
  if (!existsSync(CLICKHOUSE_BIN)) throw new Error(`${CLICKHOUSE_BIN} is missing (Debian: apt-get install clickhouse-server)`);
  const ports: ClickHousePorts[] = [];
  for (let i = 0; i < shards; i++) {
    ports.push(basePort === 0
      ? { http: await freeTcpPort(), tcp: await freeTcpPort(), interserver: await freeTcpPort() }
      : { http: basePort + i, tcp: basePort + 100 + i, interserver: basePort + 200 + i });
  }
  const cluster = { name: CLUSTER_NAME, shardTcpPorts: ports.map((p) => p.tcp) };
  const urls = ports.map((p) => `http://127.0.0.1:${p.http}`);
  const started = await Promise.allSettled(ports.map((p, i) => {
    const shardDir = join(dir, `shard${i + 1}`);
    writeClickHouseConfig(shardDir, p, cluster);
    return spawnClickHouse(shardDir, urls[i]!);
  }));
  const procs = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async () => { await Promise.all(procs.map((p: ClickHouseProcess) => p.signal('SIGTERM'))); };
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return {
    urls,
    storeUrl(database, entry) {
      const order = [...ports.slice(entry), ...ports.slice(0, entry)];
      return `clickhouse://${order.map((p) => `127.0.0.1:${p.http}`).join(',')}/${database}?cluster=${CLUSTER_NAME}`;
    },
    stop,
  };
}
