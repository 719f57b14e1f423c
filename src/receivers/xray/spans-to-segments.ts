/**
 * Spans of one trace -> X-Ray segment documents, for `BatchGetTraces` (the reverse of
 * segment-to-spans.ts; see docs/xray-mapping.md).
 *
 * - A span stored from X-Ray (`source` XRAY) that heads a document (`xrayDocument` set) is returned as
 *   that original document, unchanged; the X-Ray spans below it inside the same document are covered by
 *   it and produce nothing.
 * - Every other span (OTel data) is synthesized. It becomes a segment when it is a root, a SERVER or
 *   CONSUMER span, or when its parent is missing, in another dataset, or inside an original X-Ray
 *   document. Any other span becomes a subsegment nested in its parent's (sub)segment.
 */
import { w3cToXray } from '../../model/ids.js';
import { Attr, HTTP_ALIASES, METADATA_PREFIX } from '../../model/semconv.js';
import { SpanKind, SpanSource, StatusCode } from '../../model/span.js';
import type { AttrScalar, Span } from '../../model/span.js';
import type {
  SegmentDocument,
  XrayAws,
  XrayCauseObject,
  XrayException,
  XrayHttp,
  XraySql,
  XrayStackFrame,
} from './segment-document.js';
import { ORIGIN_TO_PLATFORM, XrayAttr } from './segment-to-spans.js';

export interface XrayTraceSegment {
  Id: string;
  Document: string;
}

const PLATFORM_TO_ORIGIN: Record<string, string> = {
  aws_ec2: 'AWS::EC2::Instance',
  aws_ecs: 'AWS::ECS::Container',
  aws_eks: 'AWS::EKS::Container',
  aws_elastic_beanstalk: 'AWS::ElasticBeanstalk::Environment',
  aws_lambda: 'AWS::Lambda::Function',
  aws_app_runner: 'AWS::AppRunner::Service',
};
// Keep the two tables consistent: every platform we emit maps back to an origin.
for (const [origin, platform] of Object.entries(ORIGIN_TO_PLATFORM)) PLATFORM_TO_ORIGIN[platform] ??= origin;

/** Annotation keys must be alphanumeric or `_` to be filterable in X-Ray. */
const ANNOTATION_KEY = /^[A-Za-z0-9_]+$/;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
/** Attributes that only mirror facts the document carries elsewhere, never copied to metadata. */
const INTERNAL_KEYS = new Set<string>([Attr.SERVICE_NAME, Attr.XRAY_TYPE, Attr.XRAY_ANNOTATION_KEYS, Attr.XRAY_IN_PROGRESS]);

/**
 * Builds the X-Ray documents of a trace from all its spans. Segments come out ordered by start time;
 * each `Document` is JSON text whose `id` is `Id`.
 */
export function synthesizeSegments(spans: Span[]): XrayTraceSegment[] {
  // Original X-Ray documents: one per heading span (a complete document wins over an in-progress one).
  const docs = new Map<string, Span>();
  const byId = new Map<string, Span>();
  for (const s of spans) {
    if (s.source === SpanSource.XRAY && s.xrayDocument !== undefined) {
      const prev = docs.get(s.spanId);
      if (prev === undefined || isInProgress(prev) || !isInProgress(s)) docs.set(s.spanId, s);
    }
    const prev = byId.get(s.spanId);
    if (prev === undefined || isInProgress(prev) || !isInProgress(s)) byId.set(s.spanId, s);
  }

  // X-Ray spans without a document are covered when an ancestor through X-Ray spans heads a document.
  const covered = new Map<string, boolean>();
  const isCovered = (s: Span): boolean => {
    if (s.source !== SpanSource.XRAY) return false;
    if (docs.has(s.spanId)) return true;
    const path: string[] = [];
    let cur: Span | undefined = s;
    let result = false;
    while (cur !== undefined && cur.source === SpanSource.XRAY) {
      const known = covered.get(cur.spanId);
      if (known !== undefined) { result = known; break; }
      if (docs.has(cur.spanId)) { result = true; break; }
      if (path.includes(cur.spanId)) break; // a cycle
      path.push(cur.spanId);
      cur = cur.parentSpanId === '' ? undefined : byId.get(cur.parentSpanId);
    }
    for (const id of path) covered.set(id, result);
    return result;
  };

  const out: { start: bigint; id: string; doc: string }[] = [];
  for (const s of docs.values()) out.push({ start: s.startUnixNano, id: s.spanId, doc: s.xrayDocument! });

  // Synthesized part.
  const rest = new Map<string, Span>();
  for (const s of byId.values()) if (!docs.has(s.spanId) && !isCovered(s)) rest.set(s.spanId, s);
  const segments: Span[] = [];
  const children = new Map<string, Span[]>();
  for (const s of rest.values()) {
    const parent = s.parentSpanId === '' ? undefined : rest.get(s.parentSpanId);
    if (parent === undefined || s.kind === SpanKind.SERVER || s.kind === SpanKind.CONSUMER || parent.dataset !== s.dataset) {
      segments.push(s);
    } else {
      let list = children.get(parent.spanId);
      if (list === undefined) children.set(parent.spanId, (list = []));
      list.push(s);
    }
  }
  const visited = new Set<string>();
  const emit = (s: Span) => {
    const doc = buildEntity(s, true, children, visited);
    out.push({ start: s.startUnixNano, id: s.spanId, doc: JSON.stringify(doc) });
  };
  for (const s of segments) emit(s);
  // Spans caught in a parent cycle were never reached from a segment: they become segments too.
  for (const s of rest.values()) if (!visited.has(s.spanId)) emit(s);

  out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return out.map((o) => ({ Id: o.id, Document: o.doc }));
}

function isInProgress(s: Span): boolean {
  const v = s.attributes[Attr.XRAY_IN_PROGRESS];
  return v === true || v === 'true';
}

/** Nanoseconds -> float epoch seconds at microsecond precision (what X-Ray carries). */
export function nsToSeconds(ns: bigint): number {
  return Number(ns / 1000n) / 1e6;
}

// ---------------------------------------------------------------------------------------------------

/** Read access to a span's attributes that records which keys were used. */
class AttrView {
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

function buildEntity(span: Span, isSegment: boolean, children: Map<string, Span[]>, visited: Set<string>): SegmentDocument {
  visited.add(span.spanId);
  // Segments see resource attributes (service facts); subsegments only their own span attributes.
  const a = new AttrView(span, isSegment);
  for (const k of INTERNAL_KEYS) a.used.add(k);
  const fromXray = span.source === SpanSource.XRAY;

  const doc = { name: '', id: span.spanId, start_time: nsToSeconds(span.startUnixNano) } as SegmentDocument;
  if (isSegment) {
    const svc = span.resource[Attr.SERVICE_NAME] ?? span.attributes[Attr.SERVICE_NAME];
    doc.name = span.dataset !== '' ? span.dataset : svc !== undefined && String(svc) !== '' ? String(svc) : 'unknown';
    doc.trace_id = w3cToXray(span.traceId.toLowerCase());
    if (span.parentSpanId !== '') doc.parent_id = span.parentSpanId;
  } else {
    doc.name = span.name !== '' ? span.name : 'unknown';
  }
  if (a.bool(Attr.XRAY_IN_PROGRESS) === true) doc.in_progress = true;
  else doc.end_time = nsToSeconds(span.startUnixNano + span.durationNano);

  let namespace: string | undefined;
  if (!isSegment) {
    namespace = a.str(Attr.XRAY_NAMESPACE);
    if (namespace === undefined && (span.kind === SpanKind.CLIENT || span.kind === SpanKind.PRODUCER)) {
      namespace = span.attributes['rpc.system'] === 'aws-api' || a.has(Attr.AWS_OPERATION) ? 'aws' : 'remote';
    }
    if (namespace !== undefined) doc.namespace = namespace;
    if (namespace === 'aws') a.get(Attr.AWS_SERVICE); // the subsegment name already says it
  }

  // service, origin, user, resource_arn
  const awsCloud = a.get(Attr.CLOUD_PROVIDER) === 'aws' || fromXray;
  if (isSegment) {
    const service: Record<string, unknown> = {};
    const version = a.str(Attr.SERVICE_VERSION);
    if (version !== undefined) service.version = version;
    for (const k of a.keysWithPrefix(XrayAttr.SERVICE_PREFIX)) service[k.slice(XrayAttr.SERVICE_PREFIX.length)] = a.get(k);
    if (Object.keys(service).length > 0) doc.service = service;
    let origin = a.str(Attr.XRAY_ORIGIN);
    const platform = awsCloud ? span.resource[Attr.CLOUD_PLATFORM] ?? span.attributes[Attr.CLOUD_PLATFORM] : undefined;
    if (typeof platform === 'string' && PLATFORM_TO_ORIGIN[platform] !== undefined) {
      a.get(Attr.CLOUD_PLATFORM);
      origin ??= PLATFORM_TO_ORIGIN[platform];
    }
    if (origin !== undefined) doc.origin = origin;
    const arn = a.str(Attr.XRAY_RESOURCE_ARN, Attr.CLOUD_RESOURCE_ID);
    if (arn !== undefined) doc.resource_arn = arn;
  } else {
    a.get(Attr.SERVICE_VERSION);
    const pre = a.str(Attr.XRAY_PRECURSOR_IDS);
    if (pre !== undefined) {
      const ids = parseJson(pre);
      if (Array.isArray(ids)) doc.precursor_ids = ids.map(String);
    }
  }
  const user = a.str(Attr.ENDUSER_ID);
  if (user !== undefined) doc.user = user;

  const http = buildHttp(a, isSegment);
  if (http !== undefined) doc.http = http;
  const aws = buildAws(a, isSegment, awsCloud, namespace);
  if (aws !== undefined) doc.aws = aws;
  const sql = buildSql(a);
  if (sql !== undefined) doc.sql = sql;

  // error / throttle / fault
  let fault = a.bool(Attr.XRAY_FAULT) === true;
  let error = a.bool(Attr.XRAY_ERROR) === true;
  let throttle = a.bool(Attr.XRAY_THROTTLE) === true;
  if (!fromXray) {
    const status = doc.http?.response?.status;
    if (typeof status === 'number') {
      if (status === 429) throttle = true;
      if (status >= 400 && status < 500) error = true;
      else if (status >= 500) fault = true;
    }
    if (span.statusCode === StatusCode.ERROR && !error && !fault) fault = true;
  }
  if (error) doc.error = true;
  if (throttle) doc.throttle = true;
  if (fault) doc.fault = true;
  const cause = buildCause(span, a, fault || error, fromXray);
  if (cause !== undefined) doc.cause = cause;

  // annotations: the recorded keys for X-Ray data, else scalar span attributes with filterable keys.
  const annotations: Record<string, AttrScalar> = {};
  const keysJson = span.attributes[Attr.XRAY_ANNOTATION_KEYS];
  const recorded = typeof keysJson === 'string' ? parseJson(keysJson) : undefined;
  if (Array.isArray(recorded)) {
    for (const k of recorded) {
      if (typeof k !== 'string') continue;
      const v = a.get(k);
      if (v !== undefined) annotations[k] = v;
    }
  } else {
    for (const k in span.attributes) {
      if (a.used.has(k) || !ANNOTATION_KEY.test(k)) continue;
      annotations[k] = a.get(k)!;
    }
  }
  if (Object.keys(annotations).length > 0) doc.annotations = annotations;

  // metadata: metadata.<ns>.<key> back into namespaces, everything else unused into `default`.
  const metadata: Record<string, Record<string, unknown>> = {};
  for (const k of a.keysWithPrefix(METADATA_PREFIX)) {
    const rest = k.slice(METADATA_PREFIX.length);
    const dot = rest.indexOf('.');
    const nsName = dot > 0 ? rest.slice(0, dot) : 'default';
    const key = dot > 0 ? rest.slice(dot + 1) : rest;
    (metadata[nsName] ??= {})[key] = metadataValue(a.get(k)!);
  }
  const rest = (src: Record<string, AttrScalar>) => {
    for (const k in src) {
      if (a.used.has(k)) continue;
      a.used.add(k);
      (metadata.default ??= {})[k] = src[k];
    }
  };
  rest(span.attributes);
  if (isSegment) rest(span.resource);
  if (Object.keys(metadata).length > 0) doc.metadata = metadata;

  const kids = children.get(span.spanId);
  if (kids !== undefined) {
    const subs: SegmentDocument[] = [];
    const sorted = kids.slice().sort((x, y) => (x.startUnixNano < y.startUnixNano ? -1 : x.startUnixNano > y.startUnixNano ? 1 : 0));
    for (const c of sorted) if (!visited.has(c.spanId)) subs.push(buildEntity(c, false, children, visited));
    if (subs.length > 0) doc.subsegments = subs;
  }
  return doc;
}

function buildHttp(a: AttrView, isSegment: boolean): XrayHttp | undefined {
  const req: Record<string, unknown> = {};
  const method = a.str(Attr.HTTP_METHOD, ...HTTP_ALIASES[Attr.HTTP_METHOD]!);
  if (method !== undefined) req.method = method;
  let url = a.str(Attr.HTTP_URL, ...HTTP_ALIASES[Attr.HTTP_URL]!);
  if (url === undefined && (a.has('url.path') || a.has('http.target'))) {
    const scheme = a.str('url.scheme', 'http.scheme') ?? 'http';
    const host = a.str('server.address', 'http.host', 'net.host.name') ?? 'localhost';
    const port = a.str('server.port');
    const path = a.str('url.path', 'http.target') ?? '';
    const query = a.str('url.query');
    url = `${scheme}://${host}${port !== undefined && !host.includes(':') ? ':' + port : ''}${path}${query ? '?' + query : ''}`;
  }
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

function buildAws(a: AttrView, isSegment: boolean, awsCloud: boolean, namespace: string | undefined): XrayAws | undefined {
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

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
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

function buildSql(a: AttrView): XraySql | undefined {
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

function buildCause(span: Span, a: AttrView, failed: boolean, fromXray: boolean): XrayCauseObject | string | undefined {
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
function exceptionId(spanId: string, i: number): string {
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

function metadataValue(v: AttrScalar): unknown {
  if (typeof v === 'string' && (v.startsWith('{') || v.startsWith('['))) {
    const parsed = parseJson(v);
    if (parsed !== undefined) return parsed;
  }
  return v;
}

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}
