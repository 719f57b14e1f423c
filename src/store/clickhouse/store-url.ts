/**
 * `clickhouse://[user[:password]@]host[:port][/database]` -> where the HTTP interface is. Port
 * defaults to 8123 (ClickHouse's HTTP port), the database to `honeyray`. `clickhouses://` is HTTPS.
 */
export interface ClickHouseTarget {
  /** `http://host:port` */
  url: string;
  database: string;
  user?: string;
  password?: string;
}

export function parseClickHouseUrl(s: string): ClickHouseTarget {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new Error(`invalid ClickHouse URL ${JSON.stringify(s)}: want clickhouse://HOST:PORT/DATABASE`);
  }
  if (u.protocol !== 'clickhouse:' && u.protocol !== 'clickhouses:') throw new Error(`invalid ClickHouse URL ${JSON.stringify(s)}: want clickhouse://HOST:PORT/DATABASE`);
  if (!u.hostname) throw new Error(`invalid ClickHouse URL ${JSON.stringify(s)}: no host`);
  const database = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, '')) || 'honeyray';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error(`invalid ClickHouse database name ${JSON.stringify(database)}: letters, digits and _`);
  const scheme = u.protocol === 'clickhouses:' ? 'https' : 'http';
  const host = u.hostname.includes(':') && !u.hostname.startsWith('[') ? `[${u.hostname}]` : u.hostname;
  return {
    url: `${scheme}://${host}:${u.port || (scheme === 'https' ? '8443' : '8123')}`,
    database,
    ...(u.username ? { user: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}
