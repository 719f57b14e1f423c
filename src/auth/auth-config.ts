import { readFileSync } from 'node:fs';

/** What a key may do. `manage` = change settings (X-Ray groups and sampling rules, markers, calculated fields). */
export type Permission = 'ingest' | 'read' | 'manage';
export const PERMISSIONS: readonly Permission[] = ['ingest', 'read', 'manage'];

export interface ApiKeySpec {
  key: string;
  permissions: ReadonlySet<Permission>;
}

/** An AWS access key pair: X-Ray API requests signed with it (SigV4) belong to its environment. */
export interface AwsKeySpec {
  accessKeyId: string;
  secretAccessKey: string;
  permissions: ReadonlySet<Permission>;
}

/** Honeycomb's model: datasets live in an environment; a key belongs to exactly one environment. */
export interface EnvironmentSpec {
  name: string;
  keys: ApiKeySpec[];
  aws: AwsKeySpec[];
  /** Seconds of spans to keep (0 = the server's `--retention`). */
  retentionSeconds: number;
  /** Datasets kept for a time of their own (0 = forever), over the environment's and the server's. */
  datasetRetentionSeconds?: Record<string, number>;
}

/** `--retention` and an environment's `"retention"`: a default and per-dataset times. */
export interface Retention {
  seconds: number;
  datasets: Record<string, number>;
}

/**
 * `7d`, `7d,cruddur=1d,frontend=30d` or `cruddur=1d`: a bare duration is the default (absent = forever),
 * `DATASET=duration` a dataset's own (`0` keeps it forever whatever the default).
 */
export function parseRetention(text: string, what: string, parseDuration: (s: string, what: string) => number): Retention {
  const r: Retention = { seconds: 0, datasets: {} };
  let defaults = 0;
  for (const item of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    const eq = item.lastIndexOf('=');
    if (eq < 0) {
      if (defaults++ > 0) throw new AuthConfigError(`${what}: one default duration at most, got ${JSON.stringify(text)}`);
      r.seconds = parseDuration(item, what);
      continue;
    }
    const dataset = item.slice(0, eq).trim();
    if (dataset === '') throw new AuthConfigError(`${what}: want DATASET=duration, got ${JSON.stringify(item)}`);
    if (dataset in r.datasets) throw new AuthConfigError(`${what}: dataset ${JSON.stringify(dataset)} given twice`);
    r.datasets[dataset] = parseDuration(item.slice(eq + 1), `${what} (${dataset})`);
  }
  return r;
}

export interface AuthConfig {
  /** False: one open environment, no credentials asked (the default, as before environments existed). */
  enabled: boolean;
  environments: EnvironmentSpec[];
  /** Where UDP ingest (X-Ray daemon, Jaeger agent) goes: there are no credentials on the wire. */
  udpEnvironment: string;
}

export class AuthConfigError extends Error {
  override name = 'AuthConfigError';
}

export const DEFAULT_ENVIRONMENT = 'default';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** No keys: one open environment called `default`. */
export function openAuthConfig(): AuthConfig {
  return { enabled: false, environments: [{ name: DEFAULT_ENVIRONMENT, keys: [], aws: [], retentionSeconds: 0 }], udpEnvironment: DEFAULT_ENVIRONMENT };
}

/**
 * `--auth-file` (JSON, shape in docs/security.md) and `--api-keys` (shorthand: keys with every permission in
 * the `default` environment). Both may be given; a key may appear only once across all environments, since
 * the key alone decides the environment.
 */
export function loadAuthConfig(o: { authFile?: string; apiKeys: readonly string[]; parseDuration: (s: string, what: string) => number }): AuthConfig {
  if (!o.authFile && o.apiKeys.length === 0) return openAuthConfig();
  const envs = new Map<string, EnvironmentSpec>();
  let udpEnvironment: string | undefined;
  if (o.authFile) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(o.authFile, 'utf8'));
    } catch (err) {
      throw new AuthConfigError(`--auth-file ${o.authFile}: ${(err as Error).message}`);
    }
    udpEnvironment = parseFile(raw, envs, o.parseDuration, `--auth-file ${o.authFile}`);
  }
  if (o.apiKeys.length > 0) {
    const env = envs.get(DEFAULT_ENVIRONMENT) ?? { name: DEFAULT_ENVIRONMENT, keys: [], aws: [], retentionSeconds: 0 };
    envs.set(DEFAULT_ENVIRONMENT, env);
    for (const key of o.apiKeys) env.keys.push({ key, permissions: new Set(PERMISSIONS) });
  }
  const environments = [...envs.values()];
  if (environments.length === 0) throw new AuthConfigError('--auth-file: no environments');
  const seen = new Set<string>();
  for (const e of environments) {
    for (const k of [...e.keys.map((x) => x.key), ...e.aws.map((x) => `aws:${x.accessKeyId}`)]) {
      if (seen.has(k)) throw new AuthConfigError(`key ${k.slice(0, 4)}… appears more than once: a key belongs to one environment`);
      seen.add(k);
    }
  }
  udpEnvironment ??= environments[0]!.name;
  if (!envs.has(udpEnvironment)) throw new AuthConfigError(`udpEnvironment ${JSON.stringify(udpEnvironment)} is not one of the environments`);
  return { enabled: true, environments, udpEnvironment };
}

function parseFile(raw: unknown, envs: Map<string, EnvironmentSpec>, parseDuration: (s: string, what: string) => number, where: string): string | undefined {
  const fail = (msg: string): never => { throw new AuthConfigError(`${where}: ${msg}`); };
  if (!isObject(raw) || !isObject(raw.environments)) fail('want {"environments": {"<name>": {"keys": [...]}}}');
  const r = raw as { environments: Record<string, unknown>; udpEnvironment?: unknown };
  for (const [name, v] of Object.entries(r.environments)) {
    if (!NAME.test(name)) fail(`environment name ${JSON.stringify(name)}: letters, digits, - and _ only (it names a directory)`);
    if (!isObject(v)) fail(`environments.${name}: want an object`);
    const e = v as { keys?: unknown; aws?: unknown; retention?: unknown };
    const keys = (Array.isArray(e.keys) ? e.keys : e.keys === undefined ? [] : fail(`environments.${name}.keys: want an array`)) as unknown[];
    const aws = (Array.isArray(e.aws) ? e.aws : e.aws === undefined ? [] : fail(`environments.${name}.aws: want an array`)) as unknown[];
    envs.set(name, {
      name,
      keys: keys.map((k, i) => {
        const at = `environments.${name}.keys[${i}]`;
        if (typeof k === 'string') return { key: nonEmpty(k, at, fail), permissions: new Set(PERMISSIONS) };
        if (!isObject(k)) return fail(`${at}: want "KEY" or {"key": "KEY", "permissions": ["ingest", "read", "manage"]}`);
        return { key: nonEmpty((k as { key?: unknown }).key, `${at}.key`, fail), permissions: permissions((k as { permissions?: unknown }).permissions, at, fail) };
      }),
      aws: aws.map((k, i) => {
        const at = `environments.${name}.aws[${i}]`;
        if (!isObject(k)) return fail(`${at}: want {"accessKeyId": "...", "secretAccessKey": "..."}`);
        const a = k as { accessKeyId?: unknown; secretAccessKey?: unknown; permissions?: unknown };
        return { accessKeyId: nonEmpty(a.accessKeyId, `${at}.accessKeyId`, fail), secretAccessKey: nonEmpty(a.secretAccessKey, `${at}.secretAccessKey`, fail), permissions: permissions(a.permissions, at, fail) };
      }),
      ...retentionOf(e.retention, `environments.${name}.retention`, parseDuration),
    });
  }
  if (r.udpEnvironment !== undefined && typeof r.udpEnvironment !== 'string') fail('udpEnvironment: want an environment name');
  return r.udpEnvironment as string | undefined;
}

function retentionOf(v: unknown, what: string, parseDuration: (s: string, what: string) => number): Pick<EnvironmentSpec, 'retentionSeconds' | 'datasetRetentionSeconds'> {
  if (v === undefined) return { retentionSeconds: 0 };
  const r = parseRetention(String(v), what, parseDuration);
  return { retentionSeconds: r.seconds, ...(Object.keys(r.datasets).length > 0 ? { datasetRetentionSeconds: r.datasets } : {}) };
}

function permissions(v: unknown, at: string, fail: (m: string) => never): Set<Permission> {
  if (v === undefined) return new Set(PERMISSIONS);
  if (!Array.isArray(v) || v.length === 0 || !v.every((p) => PERMISSIONS.includes(p))) return fail(`${at}.permissions: want a non-empty list of ${PERMISSIONS.join(', ')}`);
  return new Set(v as Permission[]);
}

function nonEmpty(v: unknown, at: string, fail: (m: string) => never): string {
  if (typeof v !== 'string' || v.trim() === '') return fail(`${at}: want a non-empty string`);
  return v.trim();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
