/**
 * What the non-OTLP receivers (Events API, Zipkin, Jaeger) share: one decoded span as a plain object,
 * appended to a `SpanBatch` as a row, and the id and value conversions their wire formats need.
 * (The OTLP decoders write rows directly: they are the hot path and were tuned for it.)
 */
import { createHash } from 'node:crypto';
import type { SpanBatch } from '../model/span-batch.js';
import type { AttrScalar, AttrType, SpanEvent, SpanLink } from '../model/span.js';

export interface SpanRow {
  traceHi: bigint;
  traceLo: bigint;
  spanId: bigint;
  /** 0n for a root. */
  parentId: bigint;
  name: string;
  /** OTLP SpanKind number. */
  kind: number;
  startNs: bigint;
  durationNs: bigint;
  /** OTLP status code number (0 unset, 1 ok, 2 error). */
  statusCode: number;
  statusMessage?: string;
  dataset: string;
  /** Span attributes; values of any JSON type (objects and arrays are stored as JSON text, null dropped). */
  attrs: Record<string, unknown>;
  /** Resource (process) attributes, shown as process tags by the Jaeger API. */
  resource?: Record<string, unknown>;
  events?: SpanEvent[];
  links?: SpanLink[];
  scopeName?: string;
  scopeVersion?: string;
}

/** Appends `s` as a new row; span attributes win over resource attributes of the same key. */
export function appendSpan(batch: SpanBatch, s: SpanRow): number {
  const r = batch.addRow();
  batch.traceHi[r] = s.traceHi;
  batch.traceLo[r] = s.traceLo;
  batch.spanId[r] = s.spanId;
  batch.parentId[r] = s.parentId;
  batch.startNs[r] = s.startNs;
  batch.durationNs[r] = s.durationNs < 0n ? 0n : s.durationNs;
  batch.kind[r] = s.kind >= 0 && s.kind <= 5 ? s.kind : 0;
  batch.statusCode[r] = s.statusCode >= 0 && s.statusCode <= 2 ? s.statusCode : 0;
  batch.name[r] = s.name;
  batch.dataset[r] = s.dataset;
  batch.statusMessage[r] = s.statusMessage ?? '';
  batch.scopeName[r] = s.scopeName ?? '';
  batch.scopeVersion[r] = s.scopeVersion ?? '';
  if (s.events && s.events.length > 0) batch.events[r] = s.events;
  if (s.links && s.links.length > 0) batch.links[r] = s.links;
  if (s.resource) {
    for (const key of Object.keys(s.resource)) {
      if (Object.hasOwn(s.attrs, key)) continue;
      const v = scalar(s.resource[key]);
      if (v === undefined) continue;
      batch.setAttr(r, key, v[0], v[1]);
      batch.resourceKeys.add(key);
    }
  }
  for (const key of Object.keys(s.attrs)) {
    const v = scalar(s.attrs[key]);
    if (v !== undefined) batch.setAttr(r, key, v[0], v[1]);
  }
  return r;
}

/** A JSON value as a typed attribute: integers as int, other numbers as double, objects as JSON text. */
export function scalar(v: unknown): [AttrType, AttrScalar] | undefined {
  switch (typeof v) {
    case 'string': return ['string', v];
    case 'boolean': return ['bool', v];
    case 'number': return Number.isFinite(v) ? [Number.isInteger(v) ? 'int' : 'double', v] : ['string', String(v)];
    case 'bigint': return ['int', Number(v)];
    case 'object':
      if (v === null) return undefined;
      if (v instanceof Date) return ['string', v.toISOString()];
      return ['string', JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x))];
    default: return undefined;
  }
}

const HEX = /^[0-9a-f]+$/;

/**
 * A trace id as sent by a client -> [hi, lo]: 32 hex, shorter hex (left-padded: 64-bit Zipkin/Jaeger ids),
 * or UUID-style with dashes. Anything else (Beelines accept any opaque string) is hashed, so the same
 * string always gives the same trace. undefined for an empty or all-zero id.
 */
export function traceIdOf(raw: string): [bigint, bigint] | undefined {
  const s = raw.trim().toLowerCase().replace(/-/g, '');
  let hex: string;
  if (s.length > 0 && s.length <= 32 && HEX.test(s)) hex = s.padStart(32, '0');
  else if (s.length > 0) hex = createHash('sha256').update(raw).digest('hex').slice(0, 32);
  else return undefined;
  const hi = BigInt.asIntN(64, BigInt('0x' + hex.slice(0, 16)));
  const lo = BigInt.asIntN(64, BigInt('0x' + hex.slice(16)));
  return hi === 0n && lo === 0n ? undefined : [hi, lo];
}

/** A span id as sent by a client -> signed 64-bit; hex up to 16 chars, else hashed. 0n when empty. */
export function spanIdOf(raw: string): bigint {
  const s = raw.trim().toLowerCase();
  if (s.length === 0) return 0n;
  const hex = s.length <= 16 && HEX.test(s) ? s : createHash('sha256').update(raw).digest('hex').slice(0, 16);
  return BigInt.asIntN(64, BigInt('0x' + hex));
}

/** OTLP SpanKind number for a kind name in any case (`SERVER`, `server`, Zipkin's `CLIENT`...); 0 if unknown. */
export function kindOf(name: unknown): number {
  if (typeof name !== 'string') return 0;
  switch (name.toLowerCase()) {
    case 'internal': return 1;
    case 'server': return 2;
    case 'client': return 3;
    case 'producer': return 4;
    case 'consumer': return 5;
    default: return 0;
  }
}
