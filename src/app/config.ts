import { parseArgs } from 'node:util';
import { parseClickHouseUrl } from '../store/clickhouse/store-url.js';
import { AuthConfigError, loadAuthConfig, parseRetention, type AuthConfig, type Retention } from '../auth/auth-config.js';
import { parseSize } from './memory-plan.js';
import type { SpanLimits } from '../model/span-limits.js';

/** Every setting, as a flag `--name` and an env var `HONEYRAY_<NAME>` (dashes -> underscores). */
export interface Config {
  dataDir: string;
  memory: boolean;
  /** 'duckdb', or a `clickhouse://HOST:PORT/DB` URL. */
  store: string;
  retentionDays: number;
  /** `--retention` (or `--retention-days` x 86,400); 0 = keep forever. Environments may set their own. */
  retentionSeconds: number;
  /** `--retention ...,DATASET=duration`: datasets kept for a time of their own (seconds, 0 = forever). */
  datasetRetentionSeconds: Record<string, number>;
  /** Free bytes on the data directory's disk below which ingest is refused with 503 + Retry-After (0 = off). */
  minFreeDiskBytes: number;
  listen: string;
  httpPort: number;
  otlpPort: number;
  xrayPort: number;
  grpcPort: number;
  zipkinPort: number;
  jaegerPort: number;
  jaegerCompactPort: number;
  jaegerBinaryPort: number;
  apiKeys: string[];
  authFile: string;
  /** Environments and their keys, from `--auth-file` and `--api-keys` (disabled when neither is given). */
  auth: AuthConfig;
  maxBodyBytes: number;
  corsOrigins: string[];
  maxColumns: number;
  maxQueuedBytes: number;
  maxInflightBytes: number;
  region: string;
  accountId: string;
  memoryLimit: string;
  maxQueueWaitMs: number;
  checkpointSpans: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Slow clients: seconds for a request's headers, for the whole request, and an idle keep-alive connection. */
  headersTimeoutSeconds: number;
  requestTimeoutSeconds: number;
  keepAliveTimeoutSeconds: number;
  /** `--max-spans-per-request`, `--max-attributes-per-span`, `--max-attribute-value-length` (0 = no limit). */
  spanLimits: SpanLimits;
}

interface FlagSpec {
  key: keyof Config;
  type: 'string' | 'boolean';
  default: string;
  help: string;
}

/** The flag table: parsing, env vars, defaults and `--help` all come from it. */
export const FLAGS: Record<string, FlagSpec> = {
  'data-dir': { key: 'dataDir', type: 'string', default: './honeyray-data', help: 'directory for the database file' },
  memory: { key: 'memory', type: 'boolean', default: 'false', help: 'keep everything in memory (nothing on disk)' },
  store: { key: 'store', type: 'string', default: 'duckdb', help: 'duckdb (embedded, in --data-dir), or clickhouse://HOST:PORT/DB (a ClickHouse server, docs/clickhouse.md)' },
  retention: { key: 'retentionSeconds', type: 'string', default: '0', help: 'how long spans are kept, e.g. 7d, 36h, 90m (0 = forever), and per dataset: 7d,cruddur=1d; deleted in the background. Per environment: docs/security.md' },
  'retention-days': { key: 'retentionDays', type: 'string', default: '0', help: 'the same in days (--retention wins when both are given)' },
  'min-free-disk': { key: 'minFreeDiskBytes', type: 'string', default: '500MB', help: 'below this much free space on the data directory\'s disk, ingest is refused with 503 + Retry-After (0 = off)' },
  listen: { key: 'listen', type: 'string', default: '127.0.0.1', help: 'address every port binds to (0.0.0.0 for all interfaces)' },
  'http-port': { key: 'httpPort', type: 'string', default: '16686', help: 'web UI + APIs (Jaeger /api, Honeycomb /1, X-Ray, OTLP /v1/traces too)' },
  'otlp-port': { key: 'otlpPort', type: 'string', default: '4318', help: 'OTLP/HTTP receiver (the SDKs\' default endpoint)' },
  'xray-port': { key: 'xrayPort', type: 'string', default: '2000', help: 'X-Ray daemon: UDP segments and TCP sampling/API (0 = off)' },
  'grpc-port': { key: 'grpcPort', type: 'string', default: '4317', help: 'OTLP/gRPC receiver (TraceService/Export; 0 = off)' },
  'zipkin-port': { key: 'zipkinPort', type: 'string', default: '9411', help: 'Zipkin: POST /api/v2/spans and /api/v1/spans, and the Zipkin read API (0 = off)' },
  'jaeger-port': { key: 'jaegerPort', type: 'string', default: '14268', help: 'Jaeger collector: POST /api/traces, Thrift (0 = off)' },
  'jaeger-compact-port': { key: 'jaegerCompactPort', type: 'string', default: '6831', help: 'Jaeger agent UDP, compact Thrift (0 = off)' },
  'jaeger-binary-port': { key: 'jaegerBinaryPort', type: 'string', default: '6832', help: 'Jaeger agent UDP, binary Thrift (0 = off)' },
  'api-keys': { key: 'apiKeys', type: 'string', default: '', help: 'comma-separated keys required on every port and API (X-Honeycomb-Team, Bearer or Basic); all may ingest and read (empty = no auth)' },
  'auth-file': { key: 'authFile', type: 'string', default: '', help: 'JSON file of environments, their API keys with permissions, and AWS access keys (docs/security.md)' },
  'max-body': { key: 'maxBodyBytes', type: 'string', default: '20971520', help: 'largest accepted request body in bytes, also after decompression' },
  'cors-origins': { key: 'corsOrigins', type: 'string', default: '*', help: 'origins allowed to send OTLP from a browser, comma-separated' },
  'max-columns': { key: 'maxColumns', type: 'string', default: '2000', help: 'attribute columns before values go to the overflow column' },
  'max-inflight-bytes': { key: 'maxInflightBytes', type: 'string', default: 'auto', help: 'request bodies received or waiting to be committed, all ports, before new ones get 503/429 + Retry-After (auto = 10% of --memory-limit)' },
  'max-queued-bytes': { key: 'maxQueuedBytes', type: 'string', default: '67108864', help: 'ingest bytes waiting to be written before 503 + Retry-After (bounds memory)' },
  region: { key: 'region', type: 'string', default: 'us-east-1', help: 'region used in X-Ray ARNs' },
  'account-id': { key: 'accountId', type: 'string', default: '000000000000', help: 'account id used in X-Ray ARNs' },
  'memory-limit': { key: 'memoryLimit', type: 'string', default: '1GiB', help: 'memory budget of the whole process (e.g. 1GiB, 512MiB): DuckDB gets 40%, request bodies in flight 10% (docs/operations.md)' },
  'max-queue-wait': { key: 'maxQueueWaitMs', type: 'string', default: '5000', help: 'ms a request may be expected to wait for its commit before new ones get 503/429 + Retry-After (below exporters\' 10 s timeout)' },
  'checkpoint-spans': { key: 'checkpointSpans', type: 'string', default: '500000', help: 'compress the write-ahead log into the database file every N spans' },
  'headers-timeout': { key: 'headersTimeoutSeconds', type: 'string', default: '10s', help: 'a request\'s headers must arrive within this, else 408 (slow clients cannot hold connections)' },
  'request-timeout': { key: 'requestTimeoutSeconds', type: 'string', default: '30s', help: 'a whole request (headers and body) must arrive within this, else 408' },
  'keep-alive-timeout': { key: 'keepAliveTimeoutSeconds', type: 'string', default: '65s', help: 'an idle keep-alive connection is closed after this (above the 60 s of common load balancers)' },
  'max-spans-per-request': { key: 'spanLimits', type: 'string', default: '50000', help: 'spans one ingest request may carry; more and it is refused with 400 (0 = no limit; docs/security.md)' },
  'max-attributes-per-span': { key: 'spanLimits', type: 'string', default: '2000', help: 'attributes kept per span, event or link; the rest are dropped and counted in dropped_attributes_count (0 = no limit)' },
  'max-attribute-value-length': { key: 'spanLimits', type: 'string', default: '65536', help: 'characters kept of a string attribute value; longer ones are cut (0 = no limit)' },
  'log-level': { key: 'logLevel', type: 'string', default: 'info', help: 'debug, info, warn or error' },
};

export function envName(flag: string): string {
  return 'HONEYRAY_' + flag.toUpperCase().replace(/-/g, '_');
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Flags win over env vars, env vars over defaults. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): { config: Config; positionals: string[]; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, f] of Object.entries(FLAGS)) options[name] = { type: f.type };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const raw: Record<string, string> = {};
  for (const [name, f] of Object.entries(FLAGS)) {
    const v = (parsed.values as Record<string, string | boolean | undefined>)[name];
    raw[name] = v !== undefined ? String(v) : env[envName(name)] ?? f.default;
  }
  const int = (name: string, min: number, max: number) => {
    const n = Number(raw[name]);
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`--${name} (${envName(name)}): want an integer ${min}..${max}, got ${JSON.stringify(raw[name])}`);
    return n;
  };
  const list = (name: string) => raw[name]!.split(',').map((s) => s.trim()).filter(Boolean);
  const level = raw['log-level'];
  if (!['debug', 'info', 'warn', 'error'].includes(level!)) throw new ConfigError(`--log-level: want debug, info, warn or error, got ${level}`);
  const retention = retentionSetting(raw.retention!);
  const config: Config = {
    dataDir: raw['data-dir']!,
    memory: raw.memory === 'true' || raw.memory === '1',
    store: storeSetting(raw.store!),
    retentionDays: int('retention-days', 0, 100_000),
    retentionSeconds: retention.seconds || int('retention-days', 0, 100_000) * 86_400,
    datasetRetentionSeconds: retention.datasets,
    minFreeDiskBytes: parseBytes(raw['min-free-disk']!, '--min-free-disk'),
    listen: raw.listen!,
    httpPort: int('http-port', 0, 65535),
    otlpPort: int('otlp-port', 0, 65535),
    xrayPort: int('xray-port', 0, 65535),
    grpcPort: int('grpc-port', 0, 65535),
    zipkinPort: int('zipkin-port', 0, 65535),
    jaegerPort: int('jaeger-port', 0, 65535),
    jaegerCompactPort: int('jaeger-compact-port', 0, 65535),
    jaegerBinaryPort: int('jaeger-binary-port', 0, 65535),
    apiKeys: list('api-keys'),
    authFile: raw['auth-file']!,
    auth: authSetting(raw['auth-file']!, list('api-keys')),
    maxBodyBytes: int('max-body', 1024, 2 ** 31),
    corsOrigins: list('cors-origins'),
    maxColumns: int('max-columns', 1, 100_000),
    maxQueuedBytes: int('max-queued-bytes', 1, 2 ** 40),
    maxInflightBytes: raw['max-inflight-bytes'] === 'auto' ? 0 : int('max-inflight-bytes', 1, 2 ** 40),
    region: raw.region!,
    accountId: raw['account-id']!,
    memoryLimit: sizeSetting('memory-limit', raw['memory-limit']!, 64 * 2 ** 20),
    maxQueueWaitMs: int('max-queue-wait', 100, 600_000),
    checkpointSpans: int('checkpoint-spans', 0, 2 ** 31),
    logLevel: level as Config['logLevel'],
    headersTimeoutSeconds: positive(parseDurationSeconds(raw['headers-timeout']!, '--headers-timeout', 's'), '--headers-timeout'),
    requestTimeoutSeconds: positive(parseDurationSeconds(raw['request-timeout']!, '--request-timeout', 's'), '--request-timeout'),
    keepAliveTimeoutSeconds: positive(parseDurationSeconds(raw['keep-alive-timeout']!, '--keep-alive-timeout', 's'), '--keep-alive-timeout'),
    spanLimits: {
      maxSpansPerRequest: int('max-spans-per-request', 0, 2 ** 31),
      maxAttributesPerSpan: int('max-attributes-per-span', 0, 1_000_000),
      maxAttributeValueLength: int('max-attribute-value-length', 0, 2 ** 30),
    },
  };
  if (config.auth.environments.length > 1 && config.store !== 'duckdb') {
    throw new ConfigError('several environments need --store duckdb for now (on ClickHouse they would share one database)');
  }
  return { config, positionals: parsed.positionals, help: Boolean(parsed.values.help) };
}

function retentionSetting(text: string): Retention {
  if (text === '0') return { seconds: 0, datasets: {} };
  try {
    return parseRetention(text, '--retention', parseDurationSeconds);
  } catch (err) {
    if (err instanceof AuthConfigError) throw new ConfigError(err.message);
    throw err;
  }
}

function positive(n: number, what: string): number {
  if (n < 1) throw new ConfigError(`${what}: want at least 1s`);
  return n;
}

function authSetting(authFile: string, apiKeys: string[]): AuthConfig {
  try {
    return loadAuthConfig({ authFile: authFile || undefined, apiKeys, parseDuration: parseDurationSeconds });
  } catch (err) {
    if (err instanceof AuthConfigError || err instanceof ConfigError) throw new ConfigError(err.message);
    throw err;
  }
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `7d`, `36h`, `90m`, `30s`, `2w`, or a bare number of days; 0 = forever. */
export function parseDurationSeconds(v: string, what: string, bare: 'd' | 's' = 'd'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/.exec(v);
  if (!m) throw new ConfigError(`${what}: want a duration such as 7d, 36h or 90m, got ${JSON.stringify(v)}`);
  const n = Number(m[1]) * UNIT_SECONDS[m[2] || bare]!;
  if (n > 100_000 * 86_400) throw new ConfigError(`${what}: at most 100000d, got ${JSON.stringify(v)}`);
  return Math.round(n);
}

/** `1GB`, `500MiB`, `0`, or a number of bytes (main's `parseSize`), with a clear error. */
export function parseBytes(v: string, what: string): number {
  const n = parseSize(v);
  if (n === null) throw new ConfigError(`${what}: want a size such as 1GB or 500MiB, got ${JSON.stringify(v)}`);
  return n;
}

/** A size flag (`1GiB`, `512MB`, bytes), at least `min` bytes; kept as written. */
function sizeSetting(name: string, text: string, min: number): string {
  const n = parseSize(text);
  if (n === null || n < min) throw new ConfigError(`--${name} (${envName(name)}): want a size of at least ${min / 2 ** 20} MiB such as 1GiB or 512MiB, got ${JSON.stringify(text)}`);
  return text;
}

function storeSetting(s: string): string {
  if (s === 'duckdb') return s;
  try {
    parseClickHouseUrl(s);
  } catch (err) {
    throw new ConfigError(`--store (${envName('store')}): want duckdb or clickhouse://HOST:PORT/DB: ${(err as Error).message}`);
  }
  return s;
}

export function helpText(): string {
  const lines = [
    'Usage: honeyray [serve] [flags]',
    '',
    'Runs Honeyray: OTLP/HTTP and AWS X-Ray in; Jaeger, Honeycomb and X-Ray APIs, a web UI and this CLI out.',
    '',
    'Flags (each also an environment variable):',
  ];
  for (const [name, f] of Object.entries(FLAGS)) {
    const flag = f.type === 'boolean' ? `--${name}` : `--${name} <value>`;
    lines.push(`  ${flag.padEnd(28)} ${f.help}`);
    lines.push(`  ${''.padEnd(28)} env ${envName(name)}, default ${JSON.stringify(f.default)}`);
  }
  lines.push('  --help                       this text');
  return lines.join('\n');
}
