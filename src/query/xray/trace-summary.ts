import { httpUrl } from '../../model/http-url.js';
import { w3cToXray } from '../../model/ids.js';
import { Attr } from '../../model/semconv.js';
import type { AttrScalar, Span } from '../../model/span.js';
import { rootCauses, type RootCause } from './root-causes.js';
import { attr, isError, isFault, isSegment, isThrottle, seconds, serviceId, type ServiceId } from './span-flags.js';

export { serviceId, type ServiceId } from './span-flags.js';

/** X-Ray `TraceSummary` (botocore shape); root causes from root-causes.ts. */
export interface TraceSummary {
  Id: string;
  StartTime: number;
  Duration: number;
  ResponseTime: number;
  HasFault: boolean;
  HasError: boolean;
  HasThrottle: boolean;
  IsPartial: boolean;
  Http: { HttpURL?: string; HttpStatus?: number; HttpMethod?: string; UserAgent?: string; ClientIp?: string };
  Annotations: Record<string, { AnnotationValue: AnnotationValue; ServiceIds: ServiceId[] }[]>;
  Users: { UserName: string; ServiceIds: ServiceId[] }[];
  ServiceIds: ServiceId[];
  ResourceARNs: { ARN: string }[];
  InstanceIds: { Id: string }[];
  AvailabilityZones: { Name: string }[];
  EntryPoint?: ServiceId;
  FaultRootCauses: RootCause[];
  ErrorRootCauses: RootCause[];
  ResponseTimeRootCauses: RootCause[];
  Revision: number;
  MatchedEventTime: number;
}

type AnnotationValue = { NumberValue: number } | { BooleanValue: boolean } | { StringValue: string };


/** First start and last end of a trace's spans, unix ns (X-Ray's trace Duration is end - start). */
export function traceBounds(spans: readonly Span[]): { start: bigint; end: bigint } {
  let start = spans[0]!.startUnixNano;
  let end = start;
  for (const s of spans) {
    const e = s.startUnixNano + s.durationNano;
    if (e > end) end = e;
    if (s.startUnixNano < start) start = s.startUnixNano;
  }
  return { start, end };
}

/** Summarizes one trace (all its spans, any order) the way GetTraceSummaries reports it. */
export function summarizeTrace(spans: Span[]): TraceSummary {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const ids = new Set(byId.keys());
  const sorted = [...spans].sort((a, b) => (a.startUnixNano < b.startUnixNano ? -1 : a.startUnixNano > b.startUnixNano ? 1 : 0));
  const root = sorted.find((s) => !s.parentSpanId) ?? sorted.find((s) => !ids.has(s.parentSpanId)) ?? sorted[0]!;
  const { start, end } = traceBounds(spans);
  const segments = spans.filter((s) => isSegment(s, byId));
  const services = new Map<string, ServiceId>();
  for (const s of segments) if (s.dataset) services.set(s.dataset, serviceId(s));

  const annotations: TraceSummary['Annotations'] = {};
  const users = new Map<string, Set<string>>();
  const arns = new Set<string>();
  const instances = new Set<string>();
  const zones = new Set<string>();
  for (const s of spans) {
    const keys = s.attributes[Attr.XRAY_ANNOTATION_KEYS];
    if (typeof keys === 'string') {
      for (const k of safeList(keys)) {
        const v = s.attributes[k];
        if (v === undefined) continue;
        const list = (annotations[k] ??= []);
        const value = annotationValue(v);
        if (!list.some((x) => JSON.stringify(x.AnnotationValue) === JSON.stringify(value))) list.push({ AnnotationValue: value, ServiceIds: [serviceId(s)] });
      }
    }
    const user = attr(s, Attr.ENDUSER_ID);
    if (typeof user === 'string') (users.get(user) ?? users.set(user, new Set()).get(user)!).add(s.dataset);
    const arn = attr(s, Attr.XRAY_RESOURCE_ARN) ?? attr(s, Attr.CLOUD_RESOURCE_ID);
    if (typeof arn === 'string') arns.add(arn);
    const host = attr(s, Attr.HOST_ID);
    if (typeof host === 'string') instances.add(host);
    const az = attr(s, Attr.CLOUD_AVAILABILITY_ZONE);
    if (typeof az === 'string') zones.add(az);
  }
  const str = (v: AttrScalar | undefined) => (v === undefined ? undefined : String(v));
  const status = attr(root, Attr.HTTP_STATUS);
  const http: TraceSummary['Http'] = {};
  const url = httpUrl((k) => attr(root, k));
  if (url !== undefined) http.HttpURL = url;
  if (status !== undefined) http.HttpStatus = Number(status);
  if (attr(root, Attr.HTTP_METHOD) !== undefined) http.HttpMethod = str(attr(root, Attr.HTTP_METHOD));
  if (attr(root, Attr.HTTP_USER_AGENT) !== undefined) http.UserAgent = str(attr(root, Attr.HTTP_USER_AGENT));
  if (attr(root, Attr.HTTP_CLIENT_IP) !== undefined) http.ClientIp = str(attr(root, Attr.HTTP_CLIENT_IP));
  const startS = seconds(start);
  return {
    Id: w3cToXray(root.traceId),
    StartTime: startS,
    Duration: seconds(end - start),
    ResponseTime: seconds(root.durationNano),
    HasFault: segments.some(isFault),
    HasError: segments.some(isError),
    HasThrottle: segments.some(isThrottle),
    IsPartial: isPartial(spans, ids),
    Http: http,
    Annotations: annotations,
    Users: [...users].map(([UserName, ds]) => ({ UserName, ServiceIds: [...ds].map((d) => ({ Name: d, Names: [d] })) })),
    ServiceIds: [...services.values()],
    ResourceARNs: [...arns].map((ARN) => ({ ARN })),
    InstanceIds: [...instances].map((Id) => ({ Id })),
    AvailabilityZones: [...zones].map((Name) => ({ Name })),
    EntryPoint: root.dataset ? serviceId(root) : undefined,
    ...rootCauses(spans),
    Revision: 1,
    MatchedEventTime: startS,
  };
}

/**
 * X-Ray's `IsPartial`: a segment of the trace is still in progress, or missing. Missing is only
 * knowable for a subsegment, which always belongs to a segment that must arrive; a root whose parent
 * is upstream (a caller that traces elsewhere, `X-Amzn-Trace-Id: ...;Parent=`) is not missing anything.
 */
function isPartial(spans: readonly Span[], ids: Set<string>): boolean {
  for (const s of spans) {
    if (s.attributes[Attr.XRAY_IN_PROGRESS] === true) return true;
    if (s.source === 1 && s.attributes[Attr.XRAY_TYPE] === 'subsegment' && s.parentSpanId && !ids.has(s.parentSpanId)) return true;
  }
  return false;
}

function annotationValue(v: AttrScalar): AnnotationValue {
  if (typeof v === 'number') return { NumberValue: v };
  if (typeof v === 'boolean') return { BooleanValue: v };
  return { StringValue: v };
}

function safeList(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
