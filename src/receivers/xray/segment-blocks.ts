/**
 * The blocks of a synthesized X-Ray document built from span attributes: `http`, `aws`, `sql`, `cause`
 * (with stack frames), metadata values; used by spans-to-segments.ts.
 */
import { httpUrl } from '../../model/http-url.js';
import { Attr, HTTP_ALIASES } from '../../model/semconv.js';
import type { AttrScalar, Span } from '../../model/span.js';
import type { XrayAws, XrayCauseObject, XrayException, XrayHttp, XraySql, XrayStackFrame } from './segment-document.js';
import { XrayAttr } from './segment-to-spans.js';

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Nanoseconds -> float epoch seconds at microsecond precision (what X-Ray carries). */
export function nsToSeconds(ns: bigint): number {
  return Number(ns / 1000n) / 1e6;
}

// ---------------------------------------------------------------------------------------------------

/** Read access to a span's attributes that records which keys were used. */
export class AttrView {
  readonly used = new Set<string>();
  constructor(private readonly span: Span, private readonly withResource: boolean) {}

  get(key: string): AttrScalar | undefined {
    let v = this.span.attributes[key];
    if (v === undefined && this.withResource) v = this.span.resource[key];
    if (v !== undefined) this.used.add(key);
    return v;
  }
  has(key: string): boolean {
    return this.span.attributes[key] !== undefined || (this.withResource && this.span.resource[key] !== undefined);
  }
  /** The first of `keys` that is set (all set ones count as used). */
  first(keys: readonly string[]): AttrScalar | undefined {
    let out: AttrScalar | undefined;
    for (const k of keys) {
      const v = this.get(k);
      if (out === undefined) out = v;
    }
    return out;
  }
  str(...keys: string[]): string | undefined {
    const v = this.first(keys);
    return v === undefined ? undefined : String(v);
  }
  num(...keys: string[]): number | undefined {
    const v = this.first(keys);
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    return undefined;
  }
  bool(key: string): boolean | undefined {
    const v = this.get(key);
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    return undefined;
  }
  /** Keys of `attributes` (and `resource` if included) starting with `prefix`. */
  keysWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (const k in this.span.attributes) if (k.startsWith(prefix)) out.push(k);
    if (this.withResource) for (const k in this.span.resource) if (k.startsWith(prefix) && this.span.attributes[k] === undefined) out.push(k);
    return out;
  }
}


export function buildHttp(a: AttrView, isSegment: boolean): XrayHttp | undefined {
  const req: Record<string, unknown> = {};
  const method = a.str(Attr.HTTP_METHOD, ...HTTP_ALIASES[Attr.HTTP_METHOD]!);
  if (method !== undefined) req.method = method;
  const url = httpUrl((k) => a.get(k));
  if (url !== undefined) req.url = url;
  const ua = a.str(Attr.HTTP_USER_AGENT, ...HTTP_ALIASES[Attr.HTTP_USER_AGENT]!);
  if (ua !== undefined) req.user_agent = ua;
  const ip = a.str(Attr.HTTP_CLIENT_IP, ...HTTP_ALIASES[Attr.HTTP_CLIENT_IP]!);
  if (ip !== undefined) req.client_ip = ip;
  const xff = a.get(Attr.HTTP_X_FORWARDED_FOR);
  if (xff !== undefined && isSegment) {
    if (xff === true || xff === 'true') req.x_forwarded_for = true;
    else if (typeof xff === 'string' && xff !== '' && xff !== 'false') req.x_forwarded_for = true;
  }
  const traced = a.bool(Attr.HTTP_TRACED);
  if (traced !== undefined && !isSegment) req.traced = traced;
  const res: Record<string, unknown> = {};
  const status = a.num(Attr.HTTP_STATUS, ...HTTP_ALIASES[Attr.HTTP_STATUS]!);
  if (status !== undefined) res.status = status;
  const size = a.num(Attr.HTTP_RESPONSE_SIZE, 'http.response_content_length');
  if (size !== undefined) res.content_length = size;
  if (Object.keys(req).length === 0 && Object.keys(res).length === 0) return undefined;
  const http: XrayHttp = {};
  if (Object.keys(req).length > 0) http.request = req;
  if (Object.keys(res).length > 0) http.response = res;
  return http;
}

export function buildAws(a: AttrView, isSegment: boolean, awsCloud: boolean, namespace: string | undefined): XrayAws | undefined {
  const aws: Record<string, unknown> = {};
  const put = (key: string, attr: string, target: Record<string, unknown> = aws) => {
    const v = a.get(attr);
    if (v !== undefined) target[key] = v;
  };
  if (awsCloud && (isSegment || namespace === 'aws')) {
    put('account_id', Attr.CLOUD_ACCOUNT_ID);
    put('region', Attr.CLOUD_REGION);
  }
  put('operation', Attr.AWS_OPERATION);
  put('request_id', Attr.AWS_REQUEST_ID);
  put('queue_url', Attr.AWS_QUEUE_URL);
  put('table_name', Attr.AWS_TABLE_NAME);
  if (isSegment && awsCloud) {
    const ec2: Record<string, unknown> = {};
    put('instance_id', Attr.HOST_ID, ec2);
    put('instance_size', Attr.HOST_TYPE, ec2);
    put('ami_id', Attr.HOST_IMAGE_ID, ec2);
    put('availability_zone', Attr.CLOUD_AVAILABILITY_ZONE, ec2);
    if (Object.keys(ec2).length > 0) aws.ec2 = ec2;
    const isEks = a.has(Attr.K8S_POD_NAME) || a.has(Attr.K8S_CLUSTER_NAME);
    const block: Record<string, unknown> = {};
    if (isEks) {
      put('pod', Attr.K8S_POD_NAME, block);
      put('cluster_name', Attr.K8S_CLUSTER_NAME, block);
      put('container_id', Attr.CONTAINER_ID, block);
      aws.eks = block;
    } else if (a.has(Attr.CONTAINER_NAME) || a.has(Attr.CONTAINER_ID)) {
      put('container', Attr.CONTAINER_NAME, block);
      put('container_id', Attr.CONTAINER_ID, block);
      aws.ecs = block;
    }
  }
  if (isSegment) {
    const xray: Record<string, unknown> = {};
    put('sdk', Attr.TELEMETRY_SDK_NAME, xray);
    put('sdk_version', Attr.TELEMETRY_SDK_VERSION, xray);
    if (Object.keys(xray).length > 0) aws.xray = xray;
  }
  // Remaining aws.* attributes keep their path: aws.xray.rule_name -> aws.xray.rule_name, etc.
  for (const k of a.keysWithPrefix('aws.')) {
    if (a.used.has(k)) continue;
    if (!isSegment && (k.startsWith(XrayAttr.AWS_XRAY_PREFIX) || k.startsWith(XrayAttr.AWS_ELASTIC_BEANSTALK_PREFIX))) continue;
    const v = a.get(k)!;
    const path = k.slice(4).split('.');
    const value = k === XrayAttr.AWS_CLOUDWATCH_LOGS && typeof v === 'string' ? parseJson(v) ?? v : v;
    setPath(aws, path, value);
  }
  return Object.keys(aws).length > 0 ? (aws as XrayAws) : undefined;
}

export function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const p = path[i]!;
    const next = cur[p];
    if (next === undefined) cur = (cur[p] = {}) as Record<string, unknown>;
    else if (next !== null && typeof next === 'object' && !Array.isArray(next)) cur = next as Record<string, unknown>;
    else return; // a scalar is already there: keep it
  }
  const last = path[path.length - 1]!;
  if (cur[last] === undefined) cur[last] = value;
}

export function buildSql(a: AttrView): XraySql | undefined {
  if (!a.has(Attr.DB_SYSTEM) && !a.has(Attr.DB_STATEMENT) && !a.has('db.query.text') && !a.has(Attr.DB_CONNECTION_STRING)) return undefined;
  const sql: Record<string, unknown> = {};
  const conn = a.str(Attr.DB_CONNECTION_STRING);
  if (conn !== undefined) {
    if (URL_LIKE.test(conn)) sql.url = conn;
    else sql.connection_string = conn;
  }
  const opt = (key: string, ...attrs: string[]) => {
    const v = a.str(...attrs);
    if (v !== undefined) sql[key] = v;
  };
  opt('sanitized_query', Attr.DB_STATEMENT, 'db.query.text');
  opt('database_type', Attr.DB_SYSTEM);
  opt('database_version', Attr.DB_VERSION);
  opt('driver_version', Attr.DB_DRIVER_VERSION);
  opt('user', Attr.DB_USER);
  opt('preparation', Attr.DB_PREPARATION);
  for (const k of a.keysWithPrefix(XrayAttr.SQL_PREFIX)) sql[k.slice(XrayAttr.SQL_PREFIX.length)] = a.get(k);
  return sql as XraySql;
}

export function buildCause(span: Span, a: AttrView, failed: boolean, fromXray: boolean): XrayCauseObject | string | undefined {
  const causeId = a.str(XrayAttr.CAUSE_ID);
  const exceptions: XrayException[] = [];
  let i = 0;
  for (const ev of span.events) {
    if (ev.name !== 'exception') continue;
    const at = ev.attributes;
    const ex: XrayException = { id: typeof at[XrayAttr.EXCEPTION_ID] === 'string' ? (at[XrayAttr.EXCEPTION_ID] as string) : exceptionId(span.spanId, i) };
    if (at[Attr.EXCEPTION_MESSAGE] !== undefined && at[Attr.EXCEPTION_MESSAGE] !== null) ex.message = String(at[Attr.EXCEPTION_MESSAGE]);
    if (at[Attr.EXCEPTION_TYPE] !== undefined && at[Attr.EXCEPTION_TYPE] !== null) ex.type = String(at[Attr.EXCEPTION_TYPE]);
    if (typeof at[XrayAttr.EXCEPTION_REMOTE] === 'boolean') ex.remote = at[XrayAttr.EXCEPTION_REMOTE] as boolean;
    if (typeof at[XrayAttr.EXCEPTION_TRUNCATED] === 'number') ex.truncated = at[XrayAttr.EXCEPTION_TRUNCATED] as number;
    if (typeof at[XrayAttr.EXCEPTION_SKIPPED] === 'number') ex.skipped = at[XrayAttr.EXCEPTION_SKIPPED] as number;
    if (typeof at[XrayAttr.EXCEPTION_CAUSE] === 'string') ex.cause = at[XrayAttr.EXCEPTION_CAUSE] as string;
    const st = at[Attr.EXCEPTION_STACKTRACE];
    if (typeof st === 'string') {
      const stack = parseStack(st);
      if (stack.length > 0) ex.stack = stack;
    }
    exceptions.push(ex);
    i++;
  }
  // The first exception's type/message are mirrored as span attributes.
  const exType = a.str(Attr.EXCEPTION_TYPE);
  const exMessage = a.str(Attr.EXCEPTION_MESSAGE);
  const exStack = a.str(Attr.EXCEPTION_STACKTRACE);
  if (exceptions.length === 0 && (exType !== undefined || exMessage !== undefined)) {
    const ex: XrayException = { id: exceptionId(span.spanId, 0) };
    if (exMessage !== undefined) ex.message = exMessage;
    if (exType !== undefined) ex.type = exType;
    if (exStack !== undefined) ex.stack = parseStack(exStack);
    exceptions.push(ex);
  }
  if (exceptions.length === 0 && failed && !fromXray && span.statusMessage !== '') {
    exceptions.push({ id: exceptionId(span.spanId, 0), message: span.statusMessage });
  }
  const wd = a.str(XrayAttr.CAUSE_WORKING_DIRECTORY);
  const pathsJson = a.str(XrayAttr.CAUSE_PATHS);
  if (exceptions.length === 0 && wd === undefined) return causeId;
  const cause: XrayCauseObject = {};
  if (wd !== undefined) cause.working_directory = wd;
  if (pathsJson !== undefined) {
    const p = parseJson(pathsJson);
    if (Array.isArray(p)) cause.paths = p.map(String);
  }
  if (exceptions.length > 0) cause.exceptions = exceptions;
  return cause;
}

/** A stable 16-hex exception id derived from the span id (X-Ray requires one per exception). */
export function exceptionId(spanId: string, i: number): string {
  const base = /^[0-9a-f]{16}$/.test(spanId) ? BigInt('0x' + spanId) : 0n;
  const v = BigInt.asUintN(64, base ^ (BigInt(i + 1) * 0x9e3779b97f4a7c15n));
  return v.toString(16).padStart(16, '0');
}

const FRAME_PATTERNS: { re: RegExp; label?: number; path?: number; line?: number }[] = [
  { re: /^\s*at (.+?) \((.+?):(\d+)(?::\d+)?\)\s*$/, label: 1, path: 2, line: 3 }, // at label (path:line[:col])
  { re: /^\s*at (.+?) \((.+)\)\s*$/, label: 1, path: 2 }, // at label (path)
  { re: /^\s*at ([^\s(]+)\(([^:()]+):(\d+)\)\s*$/, label: 1, path: 2, line: 3 }, // Java: at pkg.Cls.m(File.java:12)
  { re: /^\s*at (\S.*?):(\d+)(?::\d+)?\s*$/, path: 1, line: 2 }, // at path:line[:col]
  { re: /^\s*File "(.+)", line (\d+), in (.+?)\s*$/, path: 1, line: 2, label: 3 }, // Python
  { re: /^\s*at (.+?)\s*$/, label: 1 }, // at label
];

/** Parses Node/Java/Python style stack text (as rendered by segment-to-spans `renderStack`) into X-Ray frames. */
export function parseStack(text: string): XrayStackFrame[] {
  const frames: XrayStackFrame[] = [];
  for (const line of text.split('\n')) {
    for (const p of FRAME_PATTERNS) {
      const m = p.re.exec(line);
      if (!m) continue;
      const f: XrayStackFrame = {};
      if (p.path !== undefined) f.path = m[p.path];
      if (p.line !== undefined) f.line = Number(m[p.line]);
      if (p.label !== undefined) f.label = m[p.label];
      frames.push(f);
      break;
    }
  }
  return frames;
}

export function metadataValue(v: AttrScalar): unknown {
  if (typeof v === 'string' && (v.startsWith('{') || v.startsWith('['))) {
    const parsed = parseJson(v);
    if (parsed !== undefined) return parsed;
  }
  return v;
}

export function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}
