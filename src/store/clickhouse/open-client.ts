import { clusterSettings, HttpClient } from './client.js';
import { quoteIdent, type ClusterLayout } from './schema.js';
import { parseClickHouseUrl } from './store-url.js';

/** What `clickhouse://...` opens: the server this node talks to, and in cluster mode every shard. */
export interface ClickHouseConnection {
  client: HttpClient;
  /** Cluster mode: the layout and one client per shard (DDL, retention and sizes run on each). */
  cluster?: { layout: ClusterLayout; servers: HttpClient[] };
}

/** Clients for `clickhouse://HOST:PORT/DB` (or a cluster's URL), creating the database where it does not exist yet. */
export async function openClickHouse(storeUrl: string): Promise<ClickHouseConnection> {
  const target = parseClickHouseUrl(storeUrl);
  const clientOf = (url: string) => new HttpClient({ ...target, url, ...(target.cluster ? { settings: clusterSettings } : {}) });
  const servers = (target.shards ?? [target.url]).map(clientOf);
  for (const s of servers) await s.withoutDatabase().command(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(target.database)}`);
  if (!target.cluster) return { client: servers[0]! };
  return { client: servers[0]!, cluster: { layout: { cluster: target.cluster, database: target.database }, servers } };
}

/** The entry server's client only (one-server URLs). */
export async function openClickHouseClient(storeUrl: string): Promise<HttpClient> {
  return (await openClickHouse(storeUrl)).client;
}
