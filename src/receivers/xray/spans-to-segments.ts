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
import { Attr, METADATA_PREFIX } from '../../model/semconv.js';
import { SpanKind, SpanSource, StatusCode } from '../../model/span.js';
import type { AttrScalar, Span } from '../../model/span.js';
import type { SegmentDocument } from './segment-document.js';
import { ORIGIN_TO_PLATFORM, XrayAttr } from './segment-to-spans.js';
import { AttrView, buildAws, buildCause, buildHttp, buildSql, metadataValue, nsToSeconds, parseJson } from './segment-blocks.js';

export { nsToSeconds, parseStack } from './segment-blocks.js';

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
