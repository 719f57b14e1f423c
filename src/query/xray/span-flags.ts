import { Attr, HTTP_ALIASES } from '../../model/semconv.js';
import type { AttrScalar, Span } from '../../model/span.js';

/**
 * X-Ray's view of one span, in JS (the SQL twin is query/xray-filter/fields.ts): its HTTP status, its
 * error flags (from X-Ray's own flags, else derived from OTel status and HTTP status), and whether it
 * is what X-Ray calls a segment.
 */
export function attr(s: Span, key: string): AttrScalar | undefined {
  const v = s.attributes[key] ?? s.resource[key];
  if (v !== undefined) return v;
  for (const alias of HTTP_ALIASES[key] ?? []) {
    const a = s.attributes[alias] ?? s.resource[alias];
    if (a !== undefined) return a;
  }
  return undefined;
}

export function httpStatus(s: Span): number | undefined {
  const v = attr(s, Attr.HTTP_STATUS);
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

export function isFault(s: Span): boolean {
  if (s.attributes[Attr.XRAY_FAULT] === true) return true;
  const st = httpStatus(s);
  if (st !== undefined && st >= 500) return true;
  return s.source === 0 && s.statusCode === 2 && !(st !== undefined && st >= 400 && st < 500);
}

export function isError(s: Span): boolean {
  if (s.attributes[Attr.XRAY_ERROR] === true) return true;
  const st = httpStatus(s);
  return st !== undefined && st >= 400 && st < 500;
}

export function isThrottle(s: Span): boolean {
  return s.attributes[Attr.XRAY_THROTTLE] === true || httpStatus(s) === 429;
}

/**
 * Root, SERVER or CONSUMER span, or an X-Ray segment; not the X-Ray twin of an OTel SERVER span of the
 * same service (one request instrumented twice; see xray-filter/fields.ts `isSegment`, the SQL twin).
 */
export function isSegment(s: Span, byId: Map<string, Span>): boolean {
  const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
  if (s.source === 1 && parent && parent.source !== 1 && parent.kind === 2 && parent.dataset === s.dataset) return false;
  if (!parent) return true;
  if (s.source === 1) return s.attributes[Attr.XRAY_TYPE] === 'segment';
  return s.kind === 2 || s.kind === 5;
}

export function seconds(ns: bigint): number {
  return Number(ns / 1000n) / 1e6;
}

export interface ServiceId { Name: string; Names: string[]; Type?: string }

/** X-Ray's id of the service a span belongs to: its dataset, typed by its origin when known. */
export function serviceId(s: Span): ServiceId {
  const type = s.attributes[Attr.XRAY_ORIGIN] ?? s.resource[Attr.XRAY_ORIGIN];
  return { Name: s.dataset, Names: [s.dataset], ...(typeof type === 'string' ? { Type: type } : {}) };
}
