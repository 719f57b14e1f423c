/**
 * X-Ray centralized sampling rules: the API shapes, validation as X-Ray validates, the reserved `Default`
 * rule, ordering and matching as the SDKs do it (spec sections 4 and 5).
 */

/** A sampling rule as the X-Ray API carries it. */
export interface SamplingRule {
  RuleName?: string;
  RuleARN?: string;
  ResourceARN: string;
  Priority: number;
  FixedRate: number;
  ReservoirSize: number;
  ServiceName: string;
  ServiceType: string;
  Host: string;
  HTTPMethod: string;
  URLPath: string;
  Version: number;
  Attributes?: Record<string, string>;
  /** Newer API field: accepted, not stored (see `normalizeRule`). */
  SamplingRateBoost?: { MaxRate?: number; CooldownWindowMinutes?: number };
}

/** `UpdateSamplingRule`'s `SamplingRuleUpdate`: the rule is named by RuleName or RuleARN; every field optional. */
export type SamplingRuleUpdate = Partial<Omit<SamplingRule, 'Version'>>;

/** One entry of `GetSamplingRules`. Times are epoch seconds (JSON numbers). */
export interface SamplingRuleRecord {
  SamplingRule: Required<Omit<SamplingRule, 'SamplingRateBoost'>>;
  CreatedAt: number;
  ModifiedAt: number;
}

export const DEFAULT_RULE_NAME = 'Default';
export const DEFAULT_RULE_PRIORITY = 10000;

/** Thrown for requests X-Ray answers with `InvalidRequestException`. */
export class InvalidSamplingRequest extends Error {
  override readonly name = 'InvalidRequestException';
}

/** `arn:aws:xray:<region>:<account>:sampling-rule/<name>`. */
export function ruleArn(region: string, accountId: string, name: string): string {
  return `arn:aws:xray:${region}:${accountId}:sampling-rule/${name}`;
}

/** The rule name from a name or a sampling-rule ARN. */
export function ruleNameOf(nameOrArn: string): string {
  const m = /^arn:[^:]*:xray:[^:]*:[^:]*:sampling-rule\/(.+)$/.exec(nameOrArn);
  return m ? m[1] : nameOrArn;
}

/**
 * The reserved catch-all rule: the first request each second and 5% of the rest. `accountId` defaults to
 * '' (as in X-Ray's own documentation example `arn:aws:xray:<region>::sampling-rule/Default`).
 */
export function defaultRule(region: string, accountId = ''): SamplingRule {
  return {
    RuleName: DEFAULT_RULE_NAME,
    RuleARN: ruleArn(region, accountId, DEFAULT_RULE_NAME),
    ResourceARN: '*',
    Priority: DEFAULT_RULE_PRIORITY,
    FixedRate: 0.05,
    ReservoirSize: 1,
    ServiceName: '*',
    ServiceType: '*',
    Host: '*',
    HTTPMethod: '*',
    URLPath: '*',
    Version: 1,
    Attributes: {},
  };
}

export function isDefaultRule(nameOrArn: string | undefined): boolean {
  return nameOrArn !== undefined && ruleNameOf(nameOrArn) === DEFAULT_RULE_NAME;
}

/** Throws `InvalidSamplingRequest` for the reserved Default rule, which cannot be deleted. */
export function assertDeletable(nameOrArn: string): void {
  if (isDefaultRule(nameOrArn)) throw new InvalidSamplingRequest('The default rule cannot be deleted.');
}

// ---------------------------------------------------------------------------------------------------------
// Validation. Messages follow the AWS model-validation wording:
//   Value '10001' at 'samplingRule.priority' failed to satisfy constraint: Member must have value less than or equal to 9999

type Check = { kind: 'string'; min?: number; max: number } | { kind: 'int' | 'number'; min: number; max?: number };
const FIELDS: Record<string, Check> = {
  RuleName: { kind: 'string', min: 1, max: 32 },
  RuleARN: { kind: 'string', max: 500 },
  ResourceARN: { kind: 'string', max: 500 },
  Priority: { kind: 'int', min: 1, max: 9999 },
  FixedRate: { kind: 'number', min: 0, max: 1 },
  ReservoirSize: { kind: 'int', min: 0 },
  ServiceName: { kind: 'string', max: 64 },
  ServiceType: { kind: 'string', max: 64 },
  Host: { kind: 'string', max: 64 },
  HTTPMethod: { kind: 'string', max: 10 },
  URLPath: { kind: 'string', max: 128 },
  Version: { kind: 'int', min: 1 },
};
const REQUIRED_ON_CREATE = ['ResourceARN', 'Priority', 'FixedRate', 'ReservoirSize', 'ServiceName', 'ServiceType', 'Host', 'HTTPMethod', 'URLPath', 'Version'];

/** AWS names members in messages with only the first letter lowered: `hTTPMethod`, `uRLPath`. */
const lowerFirst = (s: string) => s[0].toLowerCase() + s.slice(1);
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function checkField(prefix: string, field: string, v: unknown, out: string[]): void {
  const c = FIELDS[field];
  const at = `'${prefix}.${lowerFirst(field)}'`;
  if (c.kind === 'string') {
    if (typeof v !== 'string') return void out.push(`Value '${show(v)}' at ${at} failed to satisfy constraint: Member must be a string`);
    if (c.min !== undefined && v.length < c.min) out.push(`Value '${v}' at ${at} failed to satisfy constraint: Member must have length greater than or equal to ${c.min}`);
    if (v.length > c.max) out.push(`Value '${v}' at ${at} failed to satisfy constraint: Member must have length less than or equal to ${c.max}`);
    return;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || (c.kind === 'int' && !Number.isInteger(v))) {
    return void out.push(`Value '${show(v)}' at ${at} failed to satisfy constraint: Member must be ${c.kind === 'int' ? 'an integer' : 'a number'}`);
  }
  if (v < c.min) out.push(`Value '${v}' at ${at} failed to satisfy constraint: Member must have value greater than or equal to ${c.min}`);
  if (c.max !== undefined && v > c.max) out.push(`Value '${v}' at ${at} failed to satisfy constraint: Member must have value less than or equal to ${c.max}`);
}

function checkAttributes(prefix: string, v: unknown, out: string[]): void {
  const at = `'${prefix}.attributes'`;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return void out.push(`Value '${show(v)}' at ${at} failed to satisfy constraint: Member must be a map`);
  const entries = Object.entries(v);
  if (entries.length > 5) out.push(`Value at ${at} failed to satisfy constraint: Member must have at most 5 entries`);
  for (const [k, val] of entries) {
    if (k.length < 1 || k.length > 32) out.push(`Value '${k}' at ${at} failed to satisfy constraint: Map keys must have length between 1 and 32`);
    if (typeof val !== 'string' || val.length < 1 || val.length > 32) {
      out.push(`Value '${show(val)}' at ${at} failed to satisfy constraint: Map values must be strings of length between 1 and 32`);
    }
  }
}

/** Validation errors of a `CreateSamplingRule` rule (empty when valid). */
export function validateSamplingRule(rule: unknown): string[] {
  const out: string[] = [];
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) return ['SamplingRule is required and must be an object'];
  const r = rule as Record<string, unknown>;
  if (r.RuleName === undefined) out.push('RuleName is required');
  for (const f of REQUIRED_ON_CREATE) {
    if (r[f] === undefined || r[f] === null) out.push(`Value null at 'samplingRule.${lowerFirst(f)}' failed to satisfy constraint: Member must not be null`);
  }
  for (const f of Object.keys(FIELDS)) if (r[f] !== undefined && r[f] !== null) checkField('samplingRule', f, r[f], out);
  if (r.Attributes !== undefined && r.Attributes !== null) checkAttributes('samplingRule', r.Attributes, out);
  if (typeof r.Version === 'number' && Number.isInteger(r.Version) && r.Version > 1) out.push(`Version ${r.Version} is not supported; the only sampling rule version is 1`);
  if (r.RuleName === DEFAULT_RULE_NAME) out.push(`The rule name ${DEFAULT_RULE_NAME} is reserved`);
  return out;
}

/**
 * Validation errors of an `UpdateSamplingRule` update (empty when valid). `current` is the rule it would
 * change: the reserved Default rule only takes FixedRate and ReservoirSize.
 */
export function validateSamplingRuleUpdate(update: unknown, current?: SamplingRule): string[] {
  const out: string[] = [];
  if (update === null || typeof update !== 'object' || Array.isArray(update)) return ['SamplingRuleUpdate is required and must be an object'];
  const u = update as Record<string, unknown>;
  if (u.RuleName === undefined && u.RuleARN === undefined) out.push('Either RuleName or RuleARN is required');
  for (const f of Object.keys(FIELDS)) {
    if (f === 'Version' || u[f] === undefined || u[f] === null) continue;
    checkField('samplingRuleUpdate', f, u[f], out);
  }
  if (u.Attributes !== undefined && u.Attributes !== null) checkAttributes('samplingRuleUpdate', u.Attributes, out);
  if (current && isDefaultRule(current.RuleName)) {
    const allowed = new Set(['RuleName', 'RuleARN', 'FixedRate', 'ReservoirSize', 'SamplingRateBoost']);
    const changed = Object.keys(u).filter(
      (k) => !allowed.has(k) && u[k] !== undefined && u[k] !== null && JSON.stringify(u[k]) !== JSON.stringify((current as unknown as Record<string, unknown>)[k]),
    );
    if (changed.length) out.push(`Only FixedRate and ReservoirSize can be updated on the default rule (not ${changed.join(', ')})`);
  }
  return out;
}

/** `n validation error(s) detected: a; b` — the message of an InvalidRequestException. */
export function formatValidationErrors(errors: string[]): string {
  return `${errors.length} validation error${errors.length === 1 ? '' : 's'} detected: ${errors.join('; ')}`;
}

/** The stored form of a validated rule: its ARN set, `Attributes` present, `SamplingRateBoost` dropped. */
export function normalizeRule(rule: SamplingRule, region: string, accountId = ''): SamplingRule {
  const name = rule.RuleName ?? ruleNameOf(rule.RuleARN ?? '');
  return {
    RuleName: name,
    RuleARN: ruleArn(region, accountId, name),
    ResourceARN: rule.ResourceARN,
    Priority: rule.Priority,
    FixedRate: rule.FixedRate,
    ReservoirSize: rule.ReservoirSize,
    ServiceName: rule.ServiceName,
    ServiceType: rule.ServiceType,
    Host: rule.Host,
    HTTPMethod: rule.HTTPMethod,
    URLPath: rule.URLPath,
    Version: rule.Version,
    Attributes: { ...(rule.Attributes ?? {}) },
  };
}

/** `rule` with the fields of `update` applied (RuleName, RuleARN and Version never change). */
export function applyUpdate(rule: SamplingRule, update: SamplingRuleUpdate): SamplingRule {
  const next: SamplingRule = { ...rule, Attributes: { ...(rule.Attributes ?? {}) } };
  const keys = ['ResourceARN', 'Priority', 'FixedRate', 'ReservoirSize', 'ServiceName', 'ServiceType', 'Host', 'HTTPMethod', 'URLPath'] as const;
  for (const k of keys) {
    const v = update[k];
    if (v !== undefined && v !== null) (next as unknown as Record<string, unknown>)[k] = v;
  }
  if (update.Attributes !== undefined && update.Attributes !== null) next.Attributes = { ...update.Attributes };
  delete next.SamplingRateBoost;
  return next;
}

const toEpochSeconds = (t: Date | number) => (t instanceof Date ? t.getTime() / 1000 : t);

/**
 * A `SamplingRuleRecord` that aws-xray-sdk-core keeps: every field present, `Attributes` an object,
 * numbers as numbers. `createdAt`/`modifiedAt` are epoch seconds (or Dates).
 */
export function toRuleRecord(rule: SamplingRule, createdAt: Date | number, modifiedAt: Date | number): SamplingRuleRecord {
  return {
    SamplingRule: {
      RuleName: rule.RuleName ?? ruleNameOf(rule.RuleARN ?? ''),
      RuleARN: rule.RuleARN ?? '',
      ResourceARN: rule.ResourceARN || '*',
      Priority: rule.Priority,
      FixedRate: Number(rule.FixedRate),
      ReservoirSize: Number(rule.ReservoirSize),
      ServiceName: rule.ServiceName,
      ServiceType: rule.ServiceType || '*',
      Host: rule.Host,
      HTTPMethod: rule.HTTPMethod,
      URLPath: rule.URLPath,
      Version: rule.Version ?? 1,
      Attributes: { ...(rule.Attributes ?? {}) },
    },
    CreatedAt: toEpochSeconds(createdAt),
    ModifiedAt: toEpochSeconds(modifiedAt),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Ordering and matching

/** Priority ascending, then rule name (the SDKs' `rule_cache` order). */
export function compareRules(a: SamplingRule, b: SamplingRule): number {
  if (a.Priority !== b.Priority) return a.Priority - b.Priority;
  const an = a.RuleName ?? '';
  const bn = b.RuleName ?? '';
  return an < bn ? -1 : an > bn ? 1 : 0;
}

export function sortRules<T extends SamplingRule>(rules: readonly T[]): T[] {
  return [...rules].sort(compareRules);
}

/** Case-insensitive glob: `*` matches any run of characters (also none), `?` exactly one. */
export function wildcardMatch(pattern: string, text: string): boolean {
  if (pattern === '*') return true;
  const p = pattern.toLowerCase();
  const s = text.toLowerCase();
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === s[si])) {
      pi++;
      si++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** What a request is matched on. Missing or empty fields match any pattern. */
export interface SamplingRequest {
  serviceName?: string;
  /** The origin, e.g. `AWS::EC2::Instance`. */
  serviceType?: string;
  host?: string;
  httpMethod?: string;
  urlPath?: string;
}

export function ruleMatches(rule: SamplingRule, req: SamplingRequest): boolean {
  if (isDefaultRule(rule.RuleName)) return true;
  const m = (pattern: string, v: string | undefined) => !v || wildcardMatch(pattern, v);
  return (
    m(rule.ServiceName, req.serviceName) &&
    m(rule.ServiceType, req.serviceType) &&
    m(rule.Host, req.host) &&
    m(rule.HTTPMethod, req.httpMethod) &&
    m(rule.URLPath, req.urlPath)
  );
}

/** The first matching rule in priority order (Default, if present, catches everything). */
export function matchRule<T extends SamplingRule>(rules: readonly T[], req: SamplingRequest): T | undefined {
  return sortRules(rules).find((r) => ruleMatches(r, req));
}
