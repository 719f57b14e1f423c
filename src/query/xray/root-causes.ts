import { Attr } from '../../model/semconv.js';
import type { Span } from '../../model/span.js';
import { attr, isError, isFault, serviceId } from './span-flags.js';

/**
 * X-Ray root-cause analysis of one trace, for TraceSummary's FaultRootCauses, ErrorRootCauses and
 * ResponseTimeRootCauses (botocore shapes). Ours, X-Ray does not publish its algorithm:
 * - a fault (error) root cause is a span with the flag none of whose descendants has it: the deepest
 *   place the failure was seen; its entity path runs from the service's entry span down to it, with
 *   the exceptions recorded on it;
 * - the response-time root cause is the span with the largest self time (its duration minus the time
 *   covered by its children), with that share of the trace as Coverage.
 */
export interface RootCauseService {
  Name: string;
  Names: string[];
  Type?: string;
  AccountId?: string;
  EntityPath: { Name: string; Exceptions?: { Name?: string; Message?: string }[]; Remote?: boolean; Coverage?: number }[];
  Inferred: boolean;
}
export interface RootCause { Services: RootCauseService[]; ClientImpacting?: boolean }

export function rootCauses(spans: Span[]): { FaultRootCauses: RootCause[]; ErrorRootCauses: RootCause[]; ResponseTimeRootCauses: RootCause[] } {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<string, Span[]>();
  for (const s of spans) {
    if (!s.parentSpanId || !byId.has(s.parentSpanId)) continue;
    const list = children.get(s.parentSpanId) ?? [];
    list.push(s);
    children.set(s.parentSpanId, list);
  }
  const hasBelow = (s: Span, flag: (x: Span) => boolean, seen = new Set<string>()): boolean => {
    for (const c of children.get(s.spanId) ?? []) {
      if (seen.has(c.spanId)) continue;
      seen.add(c.spanId);
      if (flag(c) || hasBelow(c, flag, seen)) return true;
    }
    return false;
  };
  const causes = (flag: (x: Span) => boolean): RootCause[] =>
    spans.filter((s) => flag(s) && !hasBelow(s, flag)).map((s) => ({ Services: [service(s, byId, children)], ClientImpacting: true }));

  const root = spans.find((s) => !s.parentSpanId || !byId.has(s.parentSpanId));
  let slowest: Span | undefined;
  let slowestSelf = -1n;
  for (const s of spans) {
    const self = selfTime(s, children.get(s.spanId) ?? []);
    if (self > slowestSelf) {
      slowestSelf = self;
      slowest = s;
    }
  }
  const responseTime: RootCause[] = [];
  if (slowest && root && root.durationNano > 0n) {
    const svc = service(slowest, byId, children);
    svc.EntityPath[svc.EntityPath.length - 1]!.Coverage = Number(slowestSelf) / Number(root.durationNano);
    responseTime.push({ Services: [svc] });
  }
  return { FaultRootCauses: causes(isFault), ErrorRootCauses: causes(isError), ResponseTimeRootCauses: responseTime };
}

/** X-Ray names a segment entity after its service; its span is named `METHOD /path` (segment-to-spans.ts). */
function entityName(s: Span): string {
  return s.source === 1 && s.attributes[Attr.XRAY_TYPE] === 'segment' ? s.dataset : s.name;
}

/** The service entry of a root cause at span `s`: its service and the path from the service's entry span. */
function service(s: Span, byId: Map<string, Span>, children: Map<string, Span[]>): RootCauseService {
  const path: Span[] = [s];
  for (let p = byId.get(s.parentSpanId); p && p.dataset === s.dataset && path.length < 64; p = byId.get(p.parentSpanId)) path.unshift(p);
  const call = s.kind === 3 || s.kind === 4;
  const inferred = call && (children.get(s.spanId) ?? []).length === 0;
  const id = serviceId(s);
  const account = attr(s, Attr.CLOUD_ACCOUNT_ID);
  return {
    Name: id.Name,
    Names: id.Names,
    ...(id.Type ? { Type: id.Type } : {}),
    ...(typeof account === 'string' ? { AccountId: account } : {}),
    EntityPath: path.map((p) => ({ Name: entityName(p), Exceptions: exceptions(p), Remote: p.kind === 3 || p.kind === 4 })),
    Inferred: inferred,
  };
}

function exceptions(s: Span): { Name?: string; Message?: string }[] {
  const out = s.events
    .filter((e) => e.name === 'exception')
    .map((e) => ({ Name: str(e.attributes[Attr.EXCEPTION_TYPE]), Message: str(e.attributes[Attr.EXCEPTION_MESSAGE]) }));
  if (out.length === 0 && (s.statusMessage || s.attributes[Attr.EXCEPTION_TYPE] !== undefined)) {
    out.push({ Name: str(s.attributes[Attr.EXCEPTION_TYPE]), Message: str(s.attributes[Attr.EXCEPTION_MESSAGE]) ?? (s.statusMessage || undefined) });
  }
  return out;
}

function str(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

/** Duration not covered by any child (children may overlap each other, or outlive the span). */
function selfTime(s: Span, kids: Span[]): bigint {
  const start = s.startUnixNano;
  const end = s.startUnixNano + s.durationNano;
  const spans = kids
    .map((k) => [k.startUnixNano < start ? start : k.startUnixNano, k.startUnixNano + k.durationNano > end ? end : k.startUnixNano + k.durationNano] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  let covered = 0n;
  let cursor = start;
  for (const [a, b] of spans) {
    const from = a > cursor ? a : cursor;
    if (b > from) {
      covered += b - from;
      cursor = b;
    }
  }
  return s.durationNano - covered;
}
