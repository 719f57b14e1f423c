/**
 * `honeyray migrate --store clickhouse://HOST:PORT/DB`: creates or upgrades the ClickHouse schema
 * (idempotent and versioned; `serve` does the same on start, this lets an operator do it ahead of a
 * rollout). The one command that talks to a database instead of a running Honeyray; the store code is
 * loaded only when it runs.
 */
import { type CommandDef, intFlag, parseCommand } from './command.js';
import { CliError } from './http.js';

export const migrateCommand: CommandDef = {
  name: 'migrate',
  summary: 'create or upgrade the ClickHouse schema (--store clickhouse://HOST:PORT/DB)',
  help: [
    'Usage: honeyray migrate --store clickhouse://HOST:PORT[,HOST:PORT...]/DB[?cluster=NAME] [--retention-days N]',
    '',
    'Creates the database and tables Honeyray needs in ClickHouse, or upgrades them to this version\'s',
    'schema. Safe to run again: it does only what is missing. DuckDB needs no migration (serve does it).',
    '',
    'Flags:',
    '  --store <url>          clickhouse://[user[:password]@]HOST[:PORT]/DB (env HONEYRAY_STORE; port 8123, DB honeyray by default)',
    '  --retention-days <n>   days of spans to keep on a new table (ClickHouse 19.6+: TTL; older: old days dropped by serve)',
    '  -h, --help             this text',
    '',
    'Examples:',
    '  honeyray migrate --store clickhouse://127.0.0.1:8123/honeyray',
    "  honeyray migrate --store 'clickhouse://10.0.0.1:8123,10.0.0.2:8123/honeyray?cluster=honeyray'   # every shard",
  ].join('\n'),
  async run(argv, out) {
    const p = parseCommand('migrate', argv, { store: { type: 'string' }, 'retention-days': { type: 'string' } });
    const store = (p.values.store as string | undefined) ?? process.env.HONEYRAY_STORE;
    if (!store || store === 'duckdb') throw new CliError('--store clickhouse://HOST:PORT/DB is required (DuckDB needs no migration)', 2);
    const days = intFlag(p, 'retention-days', 0, 0)!;
    const { openClickHouse } = await import('../store/clickhouse/open-client.js');
    const { migrate } = await import('../store/clickhouse/migrate.js');
    const { parseClickHouseUrl } = await import('../store/clickhouse/store-url.js');
    let target;
    try {
      target = parseClickHouseUrl(store);
    } catch (err) {
      throw new CliError((err as Error).message, 2);
    }
    try {
      const { client, cluster } = await openClickHouse(store);
      // Cluster mode: every shard, the entry server (the first in the URL) last, as serve does.
      for (const s of cluster?.servers.slice(1) ?? []) await migrate(s, { retentionDays: days || undefined, layout: cluster!.layout });
      const r = await migrate(client, { retentionDays: days || undefined, layout: cluster?.layout });
      out.line(r.from === r.to
        ? `ClickHouse ${r.release.version} at ${target.url}, database ${target.database}: schema already at version ${r.to}`
        : `ClickHouse ${r.release.version} at ${target.url}, database ${target.database}: schema version ${r.from} -> ${r.to}`);
    } catch (err) {
      // Engine errors carry SQL and server text: say what failed, not how.
      const e = err as Error & { detail?: string };
      throw new CliError(e.name === 'ClickHouseError' ? `ClickHouse refused the migration (${e.message}): ${e.detail?.split('\n')[0] ?? ''}` : e.message, 1);
    }
  },
};
