/**
 * `clickhouse://[user[:password]@]host[:port][/database]` -> where the HTTP interface is. Port
 * defaults to 8123 (ClickHouse's HTTP port), the database to `honeyray`. `clickhouses://` is HTTPS.
 *
 * Cluster mode (docs/clickhouse.md): `clickhouse://h1:8123,h2:8123/db?cluster=NAME` lists every shard's
 * HTTP interface, the first being the one this node queries and inserts through; NAME is the cluster of
 * the servers' `remote_servers` config. Honeyray runs the schema's DDL on each shard itself (18.16 has
 * no `ON CLUSTER` without ZooKeeper), so it must know them all.
 */
export interface ClickHouseTarget {
  /** `http://host:port`: the server this node talks to. */
  url: string;
  database: string;
  user?: string;
  password?: string;
  /** Cluster mode: the `remote_servers` cluster name... */
  cluster?: string;
  /** ...and every shard's `http://host:port` (the first is `url`). */
  shards?: string[];
}

const SHAPE = /^(clickhouses?):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseClickHouseUrl(s: string): ClickHouseTarget {
  const bad = (why: string) => new Error(`invalid ClickHouse URL ${JSON.stringify(s)}: ${why}`);
  const m = SHAPE.exec(s);
  if (!m) throw bad('want clickhouse://HOST:PORT/DATABASE');
  const [, proto, userinfo, hostList, path, query] = m;
  const scheme = proto === 'clickhouses' ? 'https' : 'http';
  const hosts = hostList!.split(',').map((h) => hostUrl(scheme, h, bad));
  if (hosts.length === 0 || hosts.some((h) => !h)) throw bad('no host');
  const database = safeDecode(path?.replace(/^\/+|\/+$/g, '') ?? '', bad) || 'honeyray';
  if (!NAME.test(database)) throw new Error(`invalid ClickHouse database name ${JSON.stringify(database)}: letters, digits and _`);
  const params = new URLSearchParams(query ?? '');
  for (const k of params.keys()) if (k !== 'cluster') throw bad(`unknown parameter ${k} (only cluster=NAME)`);
  const cluster = params.get('cluster') ?? undefined;
  if (cluster !== undefined && !NAME.test(cluster)) throw bad('cluster=NAME: letters, digits and _');
  if (hosts.length > 1 && cluster === undefined) throw bad('several hosts need ?cluster=NAME (the remote_servers cluster they form)');
  const [user, password] = (userinfo ?? '').split(/:(.*)/s, 2);
  return {
    url: hosts[0]!,
    database,
    ...(user ? { user: safeDecode(user, bad) } : {}),
    ...(password ? { password: safeDecode(password, bad) } : {}),
    ...(cluster !== undefined ? { cluster, shards: hosts } : {}),
  };
}

function hostUrl(scheme: string, host: string, bad: (why: string) => Error): string {
  let u: URL;
  try {
    u = new URL(`${scheme}://${host}`);
  } catch {
    throw bad(`bad host ${JSON.stringify(host)}`);
  }
  if (!u.hostname || u.pathname !== '/' || u.search) throw bad(`bad host ${JSON.stringify(host)}`);
  return `${scheme}://${u.hostname}:${u.port || (scheme === 'https' ? '8443' : '8123')}`;
}

function safeDecode(s: string, bad: (why: string) => Error): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw bad('bad percent-encoding');
  }
}
