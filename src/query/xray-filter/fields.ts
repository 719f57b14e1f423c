/**
 * Per-span SQL building blocks for compile-sql.ts: attribute columns, X-Ray flags derived for OTel spans,
 * and the values behind each filter keyword. Every `…(a)` method takes the alias of the spans table row it
 * talks about; predicates returned here are never NULL (so NOT works as expected).
 */
import { DEFAULT_HOST, URL_PARTS } from '../../model/http-url.js';
import { Attr, HTTP_ALIASES } from '../../model/semconv.js';
import type { Dialect } from '../../store/dialect.js';
import type { CompareOp, RootCauseTarget, ServiceRef, StringKeyword, StringOp } from './ast.js';

/** Type of an attribute column, as the store reports it. */
export type ColumnType = 'string' | 'int' | 'double' | 'bool';

/** What the compiler needs to know about the store. */
export interface CompileContext {
  /**
   * The column that holds attribute `key` (X-Ray annotations are attributes under their own key): its
   * quoted SQL identifier, UNQUALIFIED (the compiler prefixes the table alias), and its type; null if the
   * key was never seen (comparisons on it are then false).
   */
  column(key: string): { sql: string; type: ColumnType } | null;
  /** An SQL string literal holding `s`. */
  quote(s: string): string;
  /** The filter expression of a group, for `group.name` / `group.arn`; undefined when there is no such group. */
  groups?: (name: string) => string | undefined;
  /** Alias of the spans table in the outer (GROUP BY trace) query. Default `t`. */
  alias?: string;
  /** Table name used in subqueries (edge(), first/last, coverage). Default `spans`. */
  table?: string;
  /** The store's dialect (`store.dialect`). */
  dialect: Dialect;
}

const SQL_OP: Record<CompareOp, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

/** OTel `cloud.platform` values and the X-Ray origin (`type`) they stand for. */
const PLATFORM_TO_ORIGIN: Array<[string, string]> = [
  ['aws_ec2', 'AWS::EC2::Instance'],
  ['aws_ecs', 'AWS::ECS::Container'],
  ['aws_eks', 'AWS::EKS::Container'],
  ['aws_lambda', 'AWS::Lambda::Function'],
  ['aws_elastic_beanstalk', 'AWS::ElasticBeanstalk::Environment'],
];

const STRING_KEYWORD_ATTRS: Partial<Record<StringKeyword, string[]>> = {
  'http.method': [Attr.HTTP_METHOD],
  'http.useragent': [Attr.HTTP_USER_AGENT],
  'http.clientip': [Attr.HTTP_CLIENT_IP],
  user: [Attr.ENDUSER_ID],
  availabilityzone: [Attr.CLOUD_AVAILABILITY_ZONE],
  'instance.id': [Attr.HOST_ID],
  'resource.arn': [Attr.XRAY_RESOURCE_ARN, Attr.CLOUD_RESOURCE_ID],
};

export class Fields {
  readonly d: Dialect;
  readonly table: string;
  private aliasSeq = 0;

  constructor(readonly ctx: CompileContext, dialect: Dialect) {
    this.d = dialect;
    this.table = ctx.table ?? 'spans';
  }

  /** A fresh alias for a subquery table (`x1`, `x2`, …). */
  newAlias(): string {
    return `x${++this.aliasSeq}`;
  }

  lit(v: string | number | boolean): string {
    if (typeof v === 'string') return this.ctx.quote(v);
    if (typeof v === 'boolean') return v ? this.d.bool(true) : this.d.bool(false);
    return String(v);
  }

  and(parts: string[]): string {
    return parts.length === 0 ? this.d.bool(true) : parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`;
  }
  or(parts: string[]): string {
    return parts.length === 0 ? this.d.bool(false) : parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
  }
  not(p: string): string {
    return `(NOT ${p})`;
  }

  col(a: string, key: string): { sql: string; type: ColumnType } | null {
    const c = this.ctx.column(key);
    return c ? { sql: `${a}.${c.sql}`, type: c.type } : null;
  }

  /** The stable attribute and its older aliases, as they exist. */
  private withAliases(key: string): string[] {
    return [key, ...(HTTP_ALIASES[key] ?? [])];
  }

  /** Numeric value of the first present attribute among `keys` (text columns are cast); null if none exists. */
  num(a: string, keys: string[]): string | null {
    const parts: string[] = [];
    for (const k of keys) {
      const c = this.col(a, k);
      if (!c || c.type === 'bool') continue;
      parts.push(c.type === 'string' ? this.d.toDouble(c.sql) : c.sql);
    }
    if (parts.length === 0) return null;
    return parts.length === 1 ? parts[0] : `COALESCE(${parts.join(', ')})`;
  }

  /** Text value of the first present attribute among `keys`; null if none exists. */
  text(a: string, keys: string[]): string | null {
    const parts: string[] = [];
    for (const k of keys) {
      const c = this.col(a, k);
      if (c) parts.push(c.type === 'string' ? c.sql : this.d.toText(c.sql));
    }
    if (parts.length === 0) return null;
    return parts.length === 1 ? parts[0] : `COALESCE(${parts.join(', ')})`;
  }

  /** A boolean attribute (bool, 0/1 or 'true' text) that is true; FALSE when the column does not exist. */
  flag(a: string, key: string): string {
    const c = this.col(a, key);
    if (!c) return this.d.bool(false);
    if (c.type === 'bool') return this.d.isTrue(c.sql);
    if (c.type === 'string') return this.d.isTrue(`${this.d.lower(c.sql)} = 'true'`);
    return this.d.isTrue(`${c.sql} <> 0`);
  }

  numPred(expr: string | null, op: CompareOp, v: number): string {
    return expr === null ? this.d.bool(false) : this.d.isTrue(`${expr} ${SQL_OP[op]} ${this.lit(v)}`);
  }

  strPred(expr: string | null, op: StringOp | 'set', v?: string): string {
    if (expr === null) return this.d.bool(false);
    if (op === 'set') return `(${expr} IS NOT NULL)`;
    const q = this.ctx.quote(v ?? '');
    switch (op) {
      case '=':
        return this.d.isTrue(`${expr} = ${q}`);
      case '!=':
        return this.d.isTrue(`${expr} <> ${q}`);
      case 'contains':
        return this.d.isTrue(this.d.contains(expr, q));
      case 'beginswith':
        return this.d.isTrue(this.d.startsWith(expr, q));
      case 'endswith':
        return this.d.isTrue(this.d.endsWith(expr, q));
    }
  }

  httpStatus(a: string): string | null {
    return this.num(a, this.withAliases(Attr.HTTP_STATUS));
  }

  /**
   * Root, SERVER or CONSUMER span, or an X-Ray segment: the spans X-Ray would call segments. Not a
   * segment: the X-Ray twin of an OTel SERVER span, i.e. an X-Ray segment whose parent is a SERVER span
   * of the same service. That is one request instrumented twice (OTel hands its context to the X-Ray
   * middleware, examples/cruddur/tracing.ts); counting it once keeps request counts, errors and the
   * service map honest. (span-flags.ts `isSegment` is the JS twin.)
   */
  isSegment(a: string): string {
    const parts = [`${a}.parent_id = 0`, `${a}.kind IN (2, 5)`];
    const xt = this.col(a, Attr.XRAY_TYPE);
    if (xt) parts.push(this.d.isTrue(`${a}.source = 1 AND ${xt.sql} = 'segment'`));
    const segment = this.or(parts);
    if (!xt) return segment;
    const twin = this.and([
      this.d.isTrue(`${a}.source = 1 AND ${a}.parent_id <> 0`),
      this.hasParent(a, (p) => this.d.isTrue(`${p}.source <> 1 AND ${p}.kind = 2`), [[`dataset`, `${a}.dataset`]]),
    ]);
    return this.and([segment, this.not(twin)]);
  }

  /**
   * The request URL X-Ray would record for span `a`: `url.full` (or `http.url`), else rebuilt from
   * scheme, host, port, path and query exactly as model/http-url.ts `httpUrl` does; null if no column
   * of either kind exists.
   */
  httpUrl(a: string): string | null {
    const full = this.text(a, [...URL_PARTS.full]);
    const path = this.text(a, [...URL_PARTS.path]);
    if (path === null) return full;
    const scheme = this.text(a, [...URL_PARTS.scheme]);
    const host = this.text(a, [...URL_PARTS.host]);
    const port = this.text(a, [...URL_PARTS.port]);
    const query = this.text(a, [...URL_PARTS.query]);
    const h = host ? `COALESCE(NULLIF(${host}, ''), ${this.lit(DEFAULT_HOST)})` : this.lit(DEFAULT_HOST);
    const portPart = port ? `CASE WHEN ${port} IS NULL OR ${this.d.contains(h, "':'")} THEN '' ELSE ':' || ${port} END` : `''`;
    const queryPart = query ? `COALESCE('?' || NULLIF(${query}, ''), '')` : `''`;
    const rebuilt = `COALESCE(NULLIF(${scheme ?? 'NULL'}, ''), 'http') || '://' || ${h} || ${portPart} || NULLIF(${path}, '') || ${queryPart}`;
    return full ? `COALESCE(NULLIF(${full}, ''), ${rebuilt})` : rebuilt;
  }

  /** An outgoing call: CLIENT or PRODUCER span, or an X-Ray subsegment in namespace aws/remote. */
  isCall(a: string): string {
    const parts = [`${a}.kind IN (3, 4)`];
    const ns = this.text(a, [Attr.XRAY_NAMESPACE]);
    if (ns) parts.push(this.d.isTrue(`${ns} IN ('aws', 'remote')`));
    return this.or(parts);
  }

  /** X-Ray `fault`: the flag, an HTTP 5xx, or (OTel spans) an ERROR status that is not an HTTP 4xx. */
  fault(a: string): string {
    const st = this.httpStatus(a);
    const otelError = `${a}.source <> 1 AND ${a}.status_code = 2`;
    const derived = st
      ? this.and([this.d.isTrue(otelError), this.not(this.d.isTrue(`${st} >= 400 AND ${st} < 500`))])
      : this.d.isTrue(otelError);
    return this.or([this.flag(a, Attr.XRAY_FAULT), ...(st ? [this.d.isTrue(`${st} >= 500`)] : []), derived]);
  }

  /** X-Ray `error`: the flag or an HTTP 4xx. */
  error(a: string): string {
    const st = this.httpStatus(a);
    return this.or([this.flag(a, Attr.XRAY_ERROR), ...(st ? [this.d.isTrue(`${st} >= 400 AND ${st} < 500`)] : [])]);
  }

  /** X-Ray `throttle`: the flag or HTTP 429. */
  throttle(a: string): string {
    const st = this.httpStatus(a);
    return this.or([this.flag(a, Attr.XRAY_THROTTLE), ...(st ? [this.d.isTrue(`${st} = 429`)] : [])]);
  }

  /** Remote entity: an outgoing call (see isCall). */
  remote(a: string): string {
    return this.isCall(a);
  }

  /** A child span of `a` exists (satisfying `cond` on the child's alias when given). */
  hasChild(a: string, cond?: (c: string) => string): string {
    const c = this.newAlias();
    return this.d.exists({
      table: this.table,
      alias: c,
      keys: [
        [`${c}.trace_hi`, `${a}.trace_hi`],
        [`${c}.trace_lo`, `${a}.trace_lo`],
        [`${c}.parent_id`, `${a}.span_id`],
      ],
      where: cond ? cond(c) : this.d.bool(true),
    });
  }

  /**
   * The parent span of `a` is stored (and satisfies `cond` on the parent's alias when given; `moreKeys`:
   * columns of the parent equal to expressions of the outer row, which `cond` may not reference).
   */
  hasParent(a: string, cond?: (p: string) => string, moreKeys: Array<[column: string, outer: string]> = []): string {
    const p = this.newAlias();
    return this.d.exists({
      table: this.table,
      alias: p,
      keys: [
        [`${p}.trace_hi`, `${a}.trace_hi`],
        [`${p}.trace_lo`, `${a}.trace_lo`],
        [`${p}.span_id`, `${a}.parent_id`],
        ...moreKeys.map(([c, outer]): [string, string] => [`${p}.${c}`, outer]),
      ],
      where: cond ? cond(p) : this.d.bool(true),
    });
  }

  /** Duration (ns) of the root span of `a`'s trace; NULL when the root is missing. */
  rootDurationNs(a: string): string {
    const r = this.newAlias();
    return this.d.maxOf({
      table: this.table,
      alias: r,
      expr: `${r}.duration_ns`,
      keys: [
        [`${r}.trace_hi`, `${a}.trace_hi`],
        [`${r}.trace_lo`, `${a}.trace_lo`],
      ],
      where: `${r}.parent_id = 0`,
    });
  }

  /** X-Ray node type: `xray.origin`, else derived from OTel `cloud.platform`; null if neither column exists. */
  serviceType(a: string): string | null {
    const parts: string[] = [];
    const origin = this.text(a, [Attr.XRAY_ORIGIN]);
    if (origin) parts.push(origin);
    const platform = this.text(a, [Attr.CLOUD_PLATFORM]);
    if (platform) {
      parts.push(`CASE ${platform} ${PLATFORM_TO_ORIGIN.map(([p, o]) => `WHEN ${this.lit(p)} THEN ${this.lit(o)}`).join(' ')} END`);
    }
    if (parts.length === 0) return null;
    return parts.length === 1 ? parts[0] : `COALESCE(${parts.join(', ')})`;
  }

  /**
   * Name of the inferred (remote) node an outgoing call `a` goes to, as the service graph names it: the
   * X-Ray subsegment's name (the host or AWS service), for OTel spans the peer (`server.address`,
   * `net.peer.name`, `db.name`), else the span name.
   */
  remoteName(a: string): string {
    const peer = this.text(a, ['server.address', 'net.peer.name', 'db.name']);
    return peer ? `CASE WHEN ${a}.source = 1 THEN ${a}.name ELSE COALESCE(${peer}, ${a}.name) END` : `${a}.name`;
  }

  /** Span `a` belongs to the service node `ref`: its dataset, or an outgoing call to it (inferred node). */
  inNode(a: string, ref: ServiceRef): string {
    const parts: string[] = [];
    if (ref.name !== undefined) {
      const q = this.ctx.quote(ref.name);
      parts.push(this.or([`${a}.dataset = ${q}`, this.and([this.isCall(a), this.d.isTrue(`${this.remoteName(a)} = ${q}`)])]));
    }
    if (ref.type !== undefined) parts.push(this.strPred(this.serviceType(a), '=', ref.type));
    if (ref.accountId !== undefined) parts.push(this.strPred(this.text(a, [Attr.CLOUD_ACCOUNT_ID]), '=', ref.accountId));
    return this.and(parts);
  }

  /** The text value behind a string keyword for span `a`; `rc` changes what `name` means. */
  keywordText(a: string, kw: StringKeyword, rc?: RootCauseTarget): string | null {
    switch (kw) {
      case 'name':
        if (rc === 'entity') return `${a}.name`;
        if (rc === 'exception') return this.text(a, [Attr.EXCEPTION_TYPE]);
        return `${a}.dataset`;
      case 'type':
        return this.serviceType(a);
      case 'message': {
        const m = this.text(a, [Attr.EXCEPTION_MESSAGE]);
        const sm = `NULLIF(${a}.status_message, '')`;
        return m ? `COALESCE(${m}, ${sm})` : sm;
      }
      case 'http.url':
        return this.httpUrl(a);
      default: {
        const keys = STRING_KEYWORD_ATTRS[kw] ?? [];
        return this.text(a, keys.flatMap((k) => this.withAliases(k)));
      }
    }
  }
}
