/**
 * `honeyray cluster up`: a local ClickHouse cluster (one clickhouse-server per shard, each with its own
 * ports and data directory) and Honeyray nodes in front of it, each entering through another shard:
 * cluster mode on one machine, to try it (docs/clickhouse.md). Runs until Ctrl-C, then stops the nodes
 * (they flush) and the shards. Data stays in --dir, so `up` again resumes.
 */
import { resolve } from 'node:path';
import { type CommandDef, intFlag, parseCommand, str } from './command.js';
import { startHoneyray, type Child } from './demo-processes.js';
import { CliError } from './http.js';

const HOST = '127.0.0.1';

const HELP = [
  'Usage: honeyray cluster up [--shards N] [--nodes N] [--dir DIR] [ports]',
  '',
  'Starts N ClickHouse servers forming a cluster (Debian\'s clickhouse-server 18.16 or newer, in',
  '/usr/sbin) and Honeyray nodes on it, all on 127.0.0.1, until Ctrl-C.',
  '',
  'Flags:',
  '  --shards <n>            ClickHouse shards (default 2)',
  '  --nodes <n>             Honeyray nodes (default 2); node i enters through shard i mod N',
  '  --dir <dir>             data of the shards and nodes (default ./honeyray-cluster)',
  '  --database <name>       ClickHouse database (default honeyray)',
  '  --clickhouse-port <p>   shard i: HTTP p+i, native p+100+i, interserver p+200+i (default 18123)',
  '  --http-port <p>         node i: UI and APIs on p+i (default 16686)',
  '  --otlp-port <p>         node i: OTLP/HTTP on p+i (default 4318)',
  '  --xray-port <p>         node i: X-Ray daemon on p+i (default 2000)',
  '                          a port of 0 picks free ports',
  '  -h, --help              this text',
  '',
  'Examples:',
  '  honeyray cluster up --shards 2',
  '  honeyray cluster up --shards 3 --nodes 2 --clickhouse-port 0 --http-port 0 --otlp-port 0 --xray-port 0',
].join('\n');

export const clusterCommand: CommandDef = {
  name: 'cluster',
  summary: 'cluster up: a local ClickHouse cluster and Honeyray nodes on it, to try cluster mode',
  help: HELP,
  async run(argv, out) {
    const p = parseCommand('cluster', argv, {
      shards: { type: 'string' }, nodes: { type: 'string' }, dir: { type: 'string' }, database: { type: 'string' },
      'clickhouse-port': { type: 'string' }, 'http-port': { type: 'string' }, 'otlp-port': { type: 'string' }, 'xray-port': { type: 'string' },
    }, { min: 1, max: 1, name: 'subcommand (up)' });
    if (p.positionals[0] !== 'up') throw new CliError(`unknown subcommand ${JSON.stringify(p.positionals[0])}: want up`, 2);
    const shards = intFlag(p, 'shards', 2)!;
    const nodes = intFlag(p, 'nodes', 2)!;
    const database = str(p, 'database') ?? 'honeyray';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new CliError('--database: letters, digits and _', 2);
    const port = (name: string, dflt: number) => intFlag(p, name, dflt, 0)!;
    await clusterUp(out, {
      shards, nodes, database, dir: resolve(str(p, 'dir') ?? './honeyray-cluster'),
      clickhousePort: port('clickhouse-port', 18123), httpPort: port('http-port', 16686), otlpPort: port('otlp-port', 4318), xrayPort: port('xray-port', 2000),
    });
  },
};

interface UpOptions {
  shards: number;
  nodes: number;
  database: string;
  dir: string;
  clickhousePort: number;
  httpPort: number;
  otlpPort: number;
  xrayPort: number;
}

async function clusterUp(out: { line(s?: string): void }, o: UpOptions): Promise<void> {
  const { startLocalClickHouse, freeTcpPort } = await import('../cluster/local-cluster.js');
  const stopped = new Promise<void>((res) => {
    process.once('SIGINT', res);
    process.once('SIGTERM', res);
  });
  let ch;
  try {
    ch = await startLocalClickHouse(o.dir, o.shards, o.clickhousePort);
  } catch (err) {
    throw new CliError(`cannot start ClickHouse: ${(err as Error).message}`, 1);
  }
  const children: Child[] = [];
  try {
    ch.urls.forEach((u, i) => out.line(`ClickHouse shard ${i + 1}: ${u} (data in ${o.dir}/shard${i + 1})`));
    const pick = async (base: number, i: number) => (base === 0 ? freeTcpPort() : base + i);
    for (let i = 0; i < o.nodes; i++) {
      const ports = { http: await pick(o.httpPort, i), otlp: await pick(o.otlpPort, i), xray: await pick(o.xrayPort, i) };
      const store = ch.storeUrl(o.database, i % o.shards);
      children.push(await startHoneyray(`${o.dir}/node${i + 1}`, ports, HOST, ['--store', store]));
      out.line(`Honeyray node ${i + 1}: UI and APIs http://${HOST}:${ports.http}, OTLP http://${HOST}:${ports.otlp}, X-Ray ${HOST}:${ports.xray}`);
      out.line(`  --store '${store}'`);
    }
    out.line('cluster ready: Ctrl-C stops the nodes, then ClickHouse');
    await stopped;
  } finally {
    for (const c of children.reverse()) await c.stop();
    await ch.stop();
  }
  out.line('cluster stopped');
}
