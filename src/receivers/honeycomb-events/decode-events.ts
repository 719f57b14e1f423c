/**
 * Honeycomb Events API bodies -> spans (pure). `POST /1/batch/{dataset}`: an array of
 * `{time?, samplerate?, data}` as JSON or msgpack; `POST /1/events/{dataset}`: one `data` object, its time and
 * sample rate in headers. Events with Beeline trace fields become spans of their trace; other events are
 * stored too, in their dataset, as rows of no trace (trace id 0), queryable like any other row.
 * Every event is one row, so the per-event statuses line up with the events as sent.
 */
import { randomBytes } from 'node:crypto';
import { decode as decodeMsgpack } from '@msgpack/msgpack';
import { SpanBatch } from '../../model/span-batch.js';
import { PayloadError, type RejectedDocument } from '../../pipeline/payload.js';
import { appendSpan, kindOf, spanIdOf, traceIdOf } from '../span-rows.js';
import { eventTimeNs } from './event-time.js';

/** Column that keeps an event's sample rate (only when it is not 1): COUNT = SUM(COALESCE(rate, 1)). */
export const SAMPLE_RATE_COLUMN = 'meta.sample_rate';

/** Honeycomb's per-event limit (docs: "2,000 fields per event"). */
export const MAX_FIELDS = 2000;

export const MALFORMED = 'Request body is malformed and cannot be read.';
export const EMPTY = 'Request body should not be empty.';
export const TOO_MANY_COLUMNS = 'Event has too many columns.';

export type EventsFormat = 'batch-json' | 'batch-msgpack' | 'event-json';

export interface EventsOptions {
  dataset: string;
  /** For a single event: `X-Honeycomb-Event-Time` and `X-Honeycomb-Samplerate`. */
  time?: string;
  sampleRate?: string | number;
  /** Now, in Unix nanoseconds (events without a time get it). */
  nowNs?: bigint;
}

export interface EventsResult {
  batch: SpanBatch;
  /** One per refused event: `id` is its index in the request, `errorCode` the HTTP status of that event. */
  rejected: RejectedDocument[];
}

/** Fields a Beeline (or Honeycomb's own OTLP translation) uses for the span itself, not as attributes. */
const SPAN_FIELDS = new Set(['trace.trace_id', 'trace.span_id', 'trace.parent_id', 'name', 'duration_ms', 'service_name', 'service.name', 'span.kind', 'status_code', 'status_message']);

export function decodeEvents(body: Uint8Array, format: EventsFormat, o: EventsOptions): EventsResult {
  let events: unknown[];
  let parsed: unknown;
  try {
    parsed = format === 'batch-msgpack' ? decodeMsgpack(body) : JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw new PayloadError(body.byteLength === 0 ? EMPTY : MALFORMED);
  }
  if (format === 'event-json') {
    if (!isObject(parsed)) throw new PayloadError(MALFORMED);
    events = [{ data: parsed, time: o.time, samplerate: o.sampleRate }];
  } else {
    if (!Array.isArray(parsed)) throw new PayloadError(MALFORMED);
    if (parsed.length === 0) throw new PayloadError(EMPTY);
    events = parsed;
  }
  const nowNs = o.nowNs ?? BigInt(Date.now()) * 1_000_000n;
  const batch = new SpanBatch(Math.max(16, events.length));
  const rejected: RejectedDocument[] = [];
  events.forEach((ev, i) => {
    const why = addEvent(batch, ev, o.dataset, nowNs);
    if (why) rejected.push({ id: String(i), errorCode: '400', message: why });
  });
  return { batch, rejected };
}

/** Adds one event as a row; returns why it was refused, if it was. */
function addEvent(batch: SpanBatch, ev: unknown, dataset: string, nowNs: bigint): string | undefined {
  if (!isObject(ev) || !isObject(ev.data)) return MALFORMED;
  const data = ev.data;
  const keys = Object.keys(data);
  if (keys.length > MAX_FIELDS) return TOO_MANY_COLUMNS;
  const attrs: Record<string, unknown> = {};
  for (const k of keys) if (!SPAN_FIELDS.has(k)) attrs[k] = data[k];
  const rate = sampleRateOf(ev.samplerate);
  if (rate !== 1) attrs[SAMPLE_RATE_COLUMN] = rate;

  const trace = data['trace.trace_id'] != null ? traceIdOf(String(data['trace.trace_id'])) : undefined;
  const spanId = trace ? spanIdOf(String(data['trace.span_id'] ?? '')) : 0n;
  const service = data['service.name'] ?? data['service_name'];
  const durationMs = typeof data.duration_ms === 'number' && Number.isFinite(data.duration_ms) ? data.duration_ms : 0;
  const statusCode = typeof data.status_code === 'number' ? data.status_code : data.error ? 2 : 0;
  appendSpan(batch, {
    traceHi: trace?.[0] ?? 0n,
    traceLo: trace?.[1] ?? 0n,
    // Rows need a span id of their own even outside a trace (and annotations without one): a random one.
    spanId: spanId !== 0n ? spanId : BigInt.asIntN(64, randomBytes(8).readBigUInt64BE()),
    parentId: trace ? spanIdOf(String(data['trace.parent_id'] ?? '')) : 0n,
    name: typeof data.name === 'string' ? data.name : data.name != null ? String(data.name) : '',
    kind: kindOf(data['span.kind']),
    startNs: eventTimeNs(ev.time) ?? nowNs,
    durationNs: BigInt(Math.round(durationMs * 1e6)),
    statusCode: statusCode === 1 || statusCode === 2 ? statusCode : 0,
    statusMessage: typeof data.status_message === 'string' ? data.status_message : typeof data.error === 'string' ? data.error : undefined,
    dataset,
    attrs,
    resource: service != null ? { 'service.name': service } : undefined,
  });
  return undefined;
}

/** A sample rate as sent (number or numeric string); anything below 1 or unreadable counts as 1. */
function sampleRateOf(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 1 ? Math.trunc(n) : 1;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
