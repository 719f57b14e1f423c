import type { AnyValue, Attributes } from './span.js';
import type { SpanBatch } from './span-batch.js';

/**
 * Per-request and per-span limits, applied to a decoded batch before it is appended. The model is the
 * OTel SDK's span limits (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT): attributes
 * past the count are dropped and counted in `dropped_attributes_count`, string values past the length are
 * cut. The defaults are Honeycomb's documented ones (2,000 columns, 64 KB per string value), not the SDK's
 * 128 attributes: wide events are the point, and a server must not drop what a Honeycomb user sends.
 */
export interface SpanLimits {
  /** Spans one request may carry; a request with more is refused whole (0 = no limit). */
  maxSpansPerRequest: number;
  /** Attributes one span (and one span event or link) may keep; the rest are dropped and counted (0 = no limit). */
  maxAttributesPerSpan: number;
  /** UTF-16 code units a string value may keep, like the SDK's limit; longer values are cut (0 = no limit). */
  maxAttributeValueLength: number;
}

export const DEFAULT_SPAN_LIMITS: SpanLimits = {
  maxSpansPerRequest: 50_000,
  maxAttributesPerSpan: 2_000,
  maxAttributeValueLength: 65_536,
};

/** Starts every refusal for too many spans, so the protocol edges can tell it from unreadable data. */
export const TOO_MANY_SPANS = 'too many spans in one request';

export interface SpanLimitResult {
  /** Set when the request must be refused whole (too many spans); the batch is then left untouched. */
  refused?: string;
  /** Attributes dropped over the count (spans, events and links together). */
  droppedAttributes: number;
  /** String values cut to the length limit. */
  truncatedValues: number;
}

/**
 * Applies `limits` to `batch` in place (it is the decoder's fresh batch, owned by the caller). Cheap when
 * nothing is over: the count pass runs only when the batch has more distinct keys than the limit allows
 * one span, and the length pass looks only at string columns.
 *
 * Which attributes survive a cut: resource attributes first (service.name and friends say where a span
 * comes from), then span attributes in the order their keys were first seen in the batch.
 */
export function applySpanLimits(batch: SpanBatch, limits: SpanLimits): SpanLimitResult {
  const result: SpanLimitResult = { droppedAttributes: 0, truncatedValues: 0 };
  if (limits.maxSpansPerRequest > 0 && batch.length > limits.maxSpansPerRequest) {
    result.refused = `${TOO_MANY_SPANS}: ${batch.length}, at most ${limits.maxSpansPerRequest} (--max-spans-per-request); send smaller batches`;
    return result;
  }
  if (limits.maxAttributesPerSpan > 0 && batch.attrs.size > limits.maxAttributesPerSpan) {
    result.droppedAttributes += dropColumnsOverCount(batch, limits.maxAttributesPerSpan);
  }
  if (limits.maxAttributeValueLength > 0) {
    const max = limits.maxAttributeValueLength;
    for (const col of batch.attrs.values()) {
      if (col.type !== 'string') continue;
      const v = col.values;
      for (let r = 0; r < v.length; r++) {
        const s = v[r];
        if (typeof s === 'string' && s.length > max) {
          v[r] = cut(s, max);
          result.truncatedValues++;
        }
      }
    }
  }
  for (let r = 0; r < batch.length; r++) {
    const events = batch.events[r];
    if (events) limitItems(events, limits, result);
    const links = batch.links[r];
    if (links) limitItems(links, limits, result);
  }
  return result;
}

function limitItems(items: { attributes: Attributes; droppedAttributesCount?: number }[], limits: SpanLimits, result: SpanLimitResult): void {
  for (const item of items) {
    const dropped = limitAttributes(item.attributes, limits, result);
    if (dropped > 0) item.droppedAttributesCount = (item.droppedAttributesCount ?? 0) + dropped;
  }
}

function dropColumnsOverCount(batch: SpanBatch, max: number): number {
  const kept = new Uint32Array(batch.length);
  let dropped = 0;
  const keys = [...batch.attrs.keys()];
  const ordered = [...keys.filter((k) => batch.resourceKeys.has(k)), ...keys.filter((k) => !batch.resourceKeys.has(k))];
  for (const key of ordered) {
    const col = batch.attrs.get(key)!;
    const v = col.values;
    let left = 0;
    for (let r = 0; r < v.length; r++) {
      if (v[r] === undefined) continue;
      if (kept[r]! >= max) {
        v[r] = undefined;
        batch.droppedAttrs[r]!++;
        dropped++;
      } else {
        kept[r]!++;
        left++;
      }
    }
    // A key with no value left must not cost a column.
    if (left === 0) {
      batch.attrs.delete(key);
      batch.resourceKeys.delete(key);
    }
  }
  return dropped;
}

/** Limits one event's or link's attributes in place; returns how many were dropped. */
function limitAttributes(attrs: Attributes, limits: SpanLimits, result: SpanLimitResult): number {
  let n = 0;
  let dropped = 0;
  for (const key of Object.keys(attrs)) {
    if (limits.maxAttributesPerSpan > 0 && n >= limits.maxAttributesPerSpan) {
      delete attrs[key];
      dropped++;
      continue;
    }
    n++;
    if (limits.maxAttributeValueLength > 0) attrs[key] = cutValue(attrs[key]!, limits.maxAttributeValueLength, result);
  }
  result.droppedAttributes += dropped;
  return dropped;
}

/** Strings are cut; strings inside arrays and kvlists too, as the SDK cuts each string of an array. */
function cutValue(v: AnyValue, max: number, result: SpanLimitResult): AnyValue {
  if (typeof v === 'string') {
    if (v.length <= max) return v;
    result.truncatedValues++;
    return cut(v, max);
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = cutValue(v[i]!, max, result);
  } else if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) v[k] = cutValue(v[k]!, max, result);
  }
  return v;
}

/** The first `max` code units, one fewer when that would split a surrogate pair. */
function cut(s: string, max: number): string {
  const c = s.charCodeAt(max - 1);
  return s.slice(0, c >= 0xd800 && c <= 0xdbff ? max - 1 : max);
}
