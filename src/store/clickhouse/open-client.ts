import { HttpClient } from './client.js';
import { quoteIdent } from './schema.js';
import { parseClickHouseUrl } from './store-url.js';

/** A client for `clickhouse://HOST:PORT/DB`, creating the database when it does not exist yet. */
export async function openClickHouseClient(storeUrl: string): Promise<HttpClient> {
  const target = parseClickHouseUrl(storeUrl);
  const client = new HttpClient(target);
  await client.withoutDatabase().command(`CREATE DATABASE IF NOT EXISTS ${quoteIdent(target.database)}`);
  return client;
}
