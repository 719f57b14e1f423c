/**
 * X-Ray segment document -> rows of a SpanBatch (pure; see docs/xray-mapping.md for the full table).
 *
 * - The document's top is one span: a segment becomes a SERVER span whose dataset is the segment
 *   name, and whose name is `METHOD /path` when it records an HTTP request (else the segment name); an independent subsegment (`type:"subsegment"`) becomes a child span of `parent_id`
 *   with dataset '' (the segment it belongs to may not have arrived yet; the pipeline fills it in).
 * - Every inline subsegment, at any depth, becomes a child span of its enclosing (sub)segment, in the
 *   segment's dataset. Subsegments in namespace `remote` or `aws` are CLIENT spans, others INTERNAL.
 * - The top row carries the original document text (`batch.xrayDoc`) so BatchGetTraces can return it
 *   unchanged; every row of the document gets the document's id in `batch.xrayDocId`.
 */
import { urlPath } from '../../model/http-url.js';
import { hexToTraceId, hexToU64, xrayToW3c } from '../../model/ids.js';
import { Attr, METADATA_PREFIX } from '../../model/semconv.js';
import { SpanKind, SpanSource, StatusCode } from '../../model/span.js';
import type { AnyValue, Attributes, AttrScalar, SpanEvent } from '../../model/span.js';
import type { SpanBatch } from '../../model/span-batch.js';
import type { SegmentDocument, XrayAws, XrayCauseObject, XrayHttp, XraySql, XrayStackFrame } from './segment-document.js';

/** Attribute names used beyond semconv.ts `Attr` (listed in docs/xray-mapping.md). */
export const XrayAttr = {
  CAUSE_ID: 'xray.cause_id',
  CAUSE_WORKING_DIRECTORY: 'xray.cause.working_directory',
  CAUSE_PATHS: 'xray.cause.paths',
  /** Prefix for `service` fields other than `version` (Node SDK: runtime, runtime_version, name). */
  SERVICE_PREFIX: 'xray.service.',
  /** Prefix for `sql` fields without an OTel name, and `url` when `connection_string` is also set. */
  SQL_PREFIX: 'xray.sql.',
  AWS_PREFIX: 'aws.',
  AWS_XRAY_PREFIX: 'aws.xray.',
  AWS_ELASTIC_BEANSTALK_PREFIX: 'aws.elastic_beanstalk.',
  AWS_CLOUDWATCH_LOGS: 'aws.cloudwatch_logs',
  /** Span-event attributes of `exception` events beyond exception.type/message/stacktrace. */
  EXCEPTION_ID: 'exception.id',
  EXCEPTION_REMOTE: 'xray.exception.remote',
  EXCEPTION_TRUNCATED: 'xray.exception.truncated',
  EXCEPTION_SKIPPED: 'xray.exception.skipped',
  EXCEPTION_CAUSE: 'xray.exception.cause',
} as const;

/** `origin` -> OTel `cloud.platform`. */
export const ORIGIN_TO_PLATFORM: Record<string, string> = {
  'AWS::EC2::Instance': 'aws_ec2',
  'AWS::ECS::Container': 'aws_ecs',
  'AWS::ECS::Fargate': 'aws_ecs',
  'AWS::EKS::Container': 'aws_eks',
  'AWS::ElasticBeanstalk::Environment': 'aws_elastic_beanstalk',
  'AWS::Lambda': 'aws_lambda',
  'AWS::Lambda::Function': 'aws_lambda',
  'AWS::AppRunner::Service': 'aws_app_runner',
};

/** Keys written from segment-level facts that describe the service, not the request (resource-like). */
const RESOURCE_KEYS = [
  Attr.SERVICE_NAME, Attr.SERVICE_VERSION, Attr.TELEMETRY_SDK_NAME, Attr.TELEMETRY_SDK_VERSION,
  Attr.CLOUD_PROVIDER, Attr.CLOUD_PLATFORM, Attr.HOST_ID, Attr.HOST_TYPE, Attr.HOST_IMAGE_ID,
  Attr.CONTAINER_NAME, Attr.CONTAINER_ID, Attr.K8S_POD_NAME, Attr.K8S_CLUSTER_NAME,
];

/**
 * Appends the spans of one document (which must have passed `validateSegment`) to `batch`.
 * If the document still turns out malformed (e.g. a bad id), the rows it added are removed and the
 * error (InvalidIdError) is rethrown, so the batch is never left half-written.
 */
export function appendSegment(batch: SpanBatch, doc: SegmentDocument, raw: string): void {
  const start = batch.length;
  try {
    const [hi, lo] = hexToTraceId(xrayToW3c(doc.trace_id as string));
    const independent = doc.type === 'subsegment';
    const dataset = independent ? '' : doc.name.trim();
    const parent = typeof doc.parent_id === 'string' ? hexToU64(doc.parent_id) : 0n;
    const ctx: Ctx = { batch, hi, lo, dataset, inherited: null };
    const row = addEntity(ctx, doc, parent, !independent);
    batch.xrayDoc[row] = raw;
    const docId = batch.spanId[row]!;
    for (let r = row; r < batch.length; r++) batch.xrayDocId[r] = docId;
  } catch (e) {
    while (batch.length > start) batch.popRow();
    throw e;
  }
}

interface Ctx {
  batch: SpanBatch;
  hi: bigint;
  lo: bigint;
  dataset: string;
  /** service.name / service.version copied from the segment onto its inline subsegments. */
  inherited: [string, AttrScalar][] | null;
}

function addEntity(ctx: Ctx, d: SegmentDocument, parent: bigint, isSegment: boolean): number {
  const b = ctx.batch;
  const row = b.addRow();
  const spanId = hexToU64(d.id);
  b.traceHi[row] = ctx.hi;
  b.traceLo[row] = ctx.lo;
  b.spanId[row] = spanId;
  b.parentId[row] = parent;
  b.source[row] = SpanSource.XRAY;
  b.name[row] = typeof d.name === 'string' ? d.name : '';
  b.dataset[row] = ctx.dataset;

  const startNs = secondsToNs(d.start_time);
  b.startNs[row] = startNs;
  let endNs = startNs;
  if (d.in_progress === true) {
    set(b, row, Attr.XRAY_IN_PROGRESS, true);
  } else if (typeof d.end_time === 'number') {
    endNs = secondsToNs(d.end_time);
    if (endNs < startNs) endNs = startNs;
  }
  b.durationNs[row] = endNs - startNs;

  const ns = d.namespace;
  b.kind[row] = isSegment ? SpanKind.SERVER : ns === 'remote' || ns === 'aws' ? SpanKind.CLIENT : SpanKind.INTERNAL;

  // Annotations first: mapped attributes below win on a (rare) key clash.
  const ann = d.annotations;
  if (isObject(ann)) {
    const keys: string[] = [];
    for (const k in ann) {
      const v = (ann as Record<string, unknown>)[k];
      if (v === null || v === undefined) continue;
      setAny(b, row, k, v);
      keys.push(k);
    }
    if (keys.length > 0) set(b, row, Attr.XRAY_ANNOTATION_KEYS, JSON.stringify(keys));
  }
  const meta = d.metadata;
  if (isObject(meta)) {
    for (const nsKey in meta) {
      const nsVal = (meta as Record<string, unknown>)[nsKey];
      if (isObject(nsVal)) {
        for (const k in nsVal) setAny(b, row, METADATA_PREFIX + nsKey + '.' + k, (nsVal as Record<string, unknown>)[k]);
      } else {
        setAny(b, row, METADATA_PREFIX + nsKey, nsVal);
      }
    }
  }

  set(b, row, Attr.XRAY_TYPE, isSegment ? 'segment' : 'subsegment');
  if (isSegment) {
    const name = ctx.dataset;
    set(b, row, Attr.SERVICE_NAME, name);
    const inherited: [string, AttrScalar][] = [[Attr.SERVICE_NAME, name]];
    const svc = d.service;
    if (isObject(svc)) {
      for (const k in svc) {
        const v = (svc as Record<string, unknown>)[k];
        if (k === 'version') {
          if (isScalar(v)) {
            set(b, row, Attr.SERVICE_VERSION, v);
            inherited.push([Attr.SERVICE_VERSION, v]);
          }
        } else setAny(b, row, XrayAttr.SERVICE_PREFIX + k, v);
      }
    }
    ctx.inherited = inherited;
    if (typeof d.origin === 'string') {
      set(b, row, Attr.XRAY_ORIGIN, d.origin);
      const platform = ORIGIN_TO_PLATFORM[d.origin];
      if (platform !== undefined) set(b, row, Attr.CLOUD_PLATFORM, platform);
    }
    if (typeof d.user === 'string') set(b, row, Attr.ENDUSER_ID, d.user);
    if (typeof d.resource_arn === 'string') set(b, row, Attr.XRAY_RESOURCE_ARN, d.resource_arn);
  } else {
    if (ctx.inherited !== null) for (const [k, v] of ctx.inherited) set(b, row, k, v);
    if (typeof ns === 'string') set(b, row, Attr.XRAY_NAMESPACE, ns);
    if (ns === 'aws' && typeof d.name === 'string') set(b, row, Attr.AWS_SERVICE, d.name);
    if (Array.isArray(d.precursor_ids) && d.precursor_ids.length > 0) set(b, row, Attr.XRAY_PRECURSOR_IDS, JSON.stringify(d.precursor_ids));
    // Rare on subsegments, but allowed by the Go model.
    if (typeof d.user === 'string') set(b, row, Attr.ENDUSER_ID, d.user);
    if (typeof d.resource_arn === 'string') set(b, row, Attr.XRAY_RESOURCE_ARN, d.resource_arn);
  }

  if (isObject(d.http)) {
    mapHttp(b, row, d.http);
    if (isSegment) {
      const op = operationName(d.http);
      if (op !== undefined) b.name[row] = op;
    }
  }
  if (isObject(d.aws)) mapAws(b, row, d.aws);
  if (isObject(d.sql)) mapSql(b, row, d.sql);
  if (isSegment) for (const k of RESOURCE_KEYS) if (b.attrs.get(k)?.values[row] !== undefined) b.resourceKeys.add(k);

  let failed = false;
  if (d.fault === true) { set(b, row, Attr.XRAY_FAULT, true); failed = true; }
  if (d.error === true) { set(b, row, Attr.XRAY_ERROR, true); failed = true; }
  if (d.throttle === true) set(b, row, Attr.XRAY_THROTTLE, true);
  let firstMessage = '';
  const cause = d.cause;
  if (typeof cause === 'string') set(b, row, XrayAttr.CAUSE_ID, cause);
  else if (isObject(cause)) firstMessage = mapCause(b, row, cause, endNs);
  if (failed) {
    b.statusCode[row] = StatusCode.ERROR;
    b.statusMessage[row] = firstMessage;
  }

  const subs = d.subsegments;
  if (Array.isArray(subs)) {
    for (let i = 0; i < subs.length; i++) {
      const s = subs[i];
      if (isObject(s)) addEntity(ctx, s as SegmentDocument, spanId, false);
    }
  }
  return row;
}

/**
 * The operation name of a segment that served an HTTP request: `METHOD /path` (X-Ray knows no route
 * template), so X-Ray roots can be told apart in operation lists like the OTel ones (`GET /api/...`).
 * The segment's own name, the service, stays the dataset and `service.name`.
 */
function operationName(http: XrayHttp): string | undefined {
  const req = http.request;
  if (!isObject(req) || typeof req.method !== 'string' || typeof req.url !== 'string') return undefined;
  const path = urlPath(req.url);
  return path === undefined ? undefined : `${req.method} ${path}`;
}

function mapHttp(b: SpanBatch, row: number, http: XrayHttp): void {
  const req = http.request;
  if (isObject(req)) {
    setScalar(b, row, Attr.HTTP_METHOD, req.method);
    setScalar(b, row, Attr.HTTP_URL, req.url);
    setScalar(b, row, Attr.HTTP_USER_AGENT, req.user_agent);
    setScalar(b, row, Attr.HTTP_CLIENT_IP, req.client_ip);
    setScalar(b, row, Attr.HTTP_X_FORWARDED_FOR, req.x_forwarded_for);
    setScalar(b, row, Attr.HTTP_TRACED, req.traced);
  }
  const res = http.response;
  if (isObject(res)) {
    setScalar(b, row, Attr.HTTP_STATUS, res.status);
    setScalar(b, row, Attr.HTTP_RESPONSE_SIZE, res.content_length);
  }
}

const AWS_SIMPLE: Record<string, string> = {
  account_id: Attr.CLOUD_ACCOUNT_ID,
  region: Attr.CLOUD_REGION,
  operation: Attr.AWS_OPERATION,
  request_id: Attr.AWS_REQUEST_ID,
  queue_url: Attr.AWS_QUEUE_URL,
  table_name: Attr.AWS_TABLE_NAME,
};
const AWS_NESTED: Record<string, Record<string, string>> = {
  ec2: { instance_id: Attr.HOST_ID, instance_size: Attr.HOST_TYPE, ami_id: Attr.HOST_IMAGE_ID, availability_zone: Attr.CLOUD_AVAILABILITY_ZONE },
  ecs: { container: Attr.CONTAINER_NAME, container_id: Attr.CONTAINER_ID },
  eks: { pod: Attr.K8S_POD_NAME, cluster_name: Attr.K8S_CLUSTER_NAME, container_id: Attr.CONTAINER_ID },
  xray: { sdk: Attr.TELEMETRY_SDK_NAME, sdk_version: Attr.TELEMETRY_SDK_VERSION },
};

function mapAws(b: SpanBatch, row: number, aws: XrayAws): void {
  set(b, row, Attr.CLOUD_PROVIDER, 'aws');
  for (const k in aws) {
    const v = aws[k];
    const simple = AWS_SIMPLE[k];
    if (simple !== undefined) {
      setAny(b, row, simple, v);
      continue;
    }
    if (k === 'cloudwatch_logs') {
      setAny(b, row, XrayAttr.AWS_CLOUDWATCH_LOGS, v);
      continue;
    }
    const nested = AWS_NESTED[k];
    if (isObject(v)) {
      // Unlisted nested fields keep their path: aws.<block>.<field> (ec2, ecs, eks, xray, elastic_beanstalk, ...).
      for (const f in v) {
        const target = nested?.[f];
        setAny(b, row, target ?? `aws.${k}.${f}`, (v as Record<string, unknown>)[f]);
      }
    } else {
      setAny(b, row, XrayAttr.AWS_PREFIX + k, v);
    }
  }
}

const SQL_MAP: Record<string, string> = {
  database_type: Attr.DB_SYSTEM,
  sanitized_query: Attr.DB_STATEMENT,
  connection_string: Attr.DB_CONNECTION_STRING,
  user: Attr.DB_USER,
  database_version: Attr.DB_VERSION,
  driver_version: Attr.DB_DRIVER_VERSION,
  preparation: Attr.DB_PREPARATION,
};

function mapSql(b: SpanBatch, row: number, sql: XraySql): void {
  for (const k in sql) {
    const v = sql[k];
    if (k === 'url') {
      setAny(b, row, sql.connection_string === undefined ? Attr.DB_CONNECTION_STRING : XrayAttr.SQL_PREFIX + 'url', v);
      continue;
    }
    setAny(b, row, SQL_MAP[k] ?? XrayAttr.SQL_PREFIX + k, v);
  }
}

/** `cause` object -> `exception` span events (+ first exception as span attributes). Returns the first message. */
function mapCause(b: SpanBatch, row: number, cause: XrayCauseObject, endNs: bigint): string {
  if (typeof cause.working_directory === 'string') set(b, row, XrayAttr.CAUSE_WORKING_DIRECTORY, cause.working_directory);
  if (Array.isArray(cause.paths) && cause.paths.length > 0) set(b, row, XrayAttr.CAUSE_PATHS, JSON.stringify(cause.paths));
  const exs = cause.exceptions;
  if (!Array.isArray(exs) || exs.length === 0) return '';
  const time = endNs.toString();
  const events: SpanEvent[] = b.events[row] ?? [];
  let firstMessage = '';
  let first = true;
  for (const ex of exs) {
    if (!isObject(ex)) continue;
    const attributes: Attributes = {};
    if (typeof ex.type === 'string') attributes[Attr.EXCEPTION_TYPE] = ex.type;
    if (typeof ex.message === 'string') attributes[Attr.EXCEPTION_MESSAGE] = ex.message;
    if (Array.isArray(ex.stack) && ex.stack.length > 0) attributes[Attr.EXCEPTION_STACKTRACE] = renderStack(ex.stack);
    if (typeof ex.id === 'string') attributes[XrayAttr.EXCEPTION_ID] = ex.id;
    if (typeof ex.remote === 'boolean') attributes[XrayAttr.EXCEPTION_REMOTE] = ex.remote;
    if (typeof ex.truncated === 'number') attributes[XrayAttr.EXCEPTION_TRUNCATED] = ex.truncated;
    if (typeof ex.skipped === 'number') attributes[XrayAttr.EXCEPTION_SKIPPED] = ex.skipped;
    if (typeof ex.cause === 'string') attributes[XrayAttr.EXCEPTION_CAUSE] = ex.cause;
    events.push({ timeUnixNano: time, name: 'exception', attributes });
    if (first) {
      first = false;
      if (typeof ex.type === 'string') set(b, row, Attr.EXCEPTION_TYPE, ex.type);
      if (typeof ex.message === 'string') {
        set(b, row, Attr.EXCEPTION_MESSAGE, ex.message);
        firstMessage = ex.message;
      }
    }
  }
  if (events.length > 0) b.events[row] = events;
  return firstMessage;
}

/** X-Ray stack frames -> `at label (path:line)` lines, as in a Node stack (without the header line). */
export function renderStack(stack: XrayStackFrame[]): string {
  const lines: string[] = [];
  for (const f of stack) {
    if (!isObject(f)) continue;
    const loc = typeof f.path === 'string' ? (typeof f.line === 'number' ? `${f.path}:${f.line}` : f.path) : '';
    const label = typeof f.label === 'string' && f.label !== '' ? f.label : '';
    if (label !== '' && loc !== '') lines.push(`at ${label} (${loc})`);
    else lines.push(`at ${label || loc || '<unknown>'}`);
  }
  return lines.join('\n');
}

/** Float epoch seconds -> integer nanoseconds, rounded to X-Ray's microsecond precision. */
export function secondsToNs(t: number): bigint {
  return BigInt(Math.round(t * 1e6)) * 1000n;
}

// ---------------------------------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isScalar(v: unknown): v is AttrScalar {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function set(b: SpanBatch, row: number, key: string, v: AttrScalar): void {
  b.setAttr(row, key, typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : Number.isInteger(v) ? 'int' : 'double', v);
}

/** Sets a scalar, ignores anything else (absent fields, wrong types). */
function setScalar(b: SpanBatch, row: number, key: string, v: unknown): void {
  if (isScalar(v)) set(b, row, key, v);
}

/** Scalars as they are, objects and arrays as JSON text, null/undefined skipped. */
function setAny(b: SpanBatch, row: number, key: string, v: unknown): void {
  if (v === null || v === undefined) return;
  if (isScalar(v)) set(b, row, key, v);
  else if (typeof v === 'object') set(b, row, key, JSON.stringify(v as AnyValue));
}
