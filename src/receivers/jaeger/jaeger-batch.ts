/**
 * Jaeger's Thrift model (`jaeger-idl/thrift/jaeger.thrift`) -> rows, as the OpenTelemetry collector's Jaeger
 * translator maps it: `Process.serviceName` is the service (resource `service.name` and the dataset), process
 * tags are resource attributes, span tags attributes, except `span.kind` (the kind), `error` /
 * `otel.status_code` / `otel.status_description` (the status) and `otel.scope.*` / `otel.library.*` (the
 * scope); logs are events named by their `event` field; CHILD_OF gives the parent, FOLLOWS_FROM links.
 */
import { SpanBatch } from '../../model/span-batch.js';
import type { SpanEvent, SpanLink } from '../../model/span.js';
import { u64ToHex } from '../../model/ids.js';
import { PayloadError } from '../../pipeline/payload.js';
import { appendSpan, kindOf } from '../span-rows.js';
import { UNKNOWN_SERVICE } from '../otlp/common.js';
import { text, type TStruct, type TValue } from './thrift-reader.js';

// Field ids of jaeger.thrift.
const BATCH = { PROCESS: 1, SPANS: 2 };
const PROCESS = { SERVICE: 1, TAGS: 2 };
const SPAN = { TRACE_LO: 1, TRACE_HI: 2, SPAN_ID: 3, PARENT: 4, OPERATION: 5, REFS: 6, FLAGS: 7, START: 8, DURATION: 9, TAGS: 10, LOGS: 11 };
const TAG = { KEY: 1, TYPE: 2, STR: 3, DOUBLE: 4, BOOL: 5, LONG: 6, BINARY: 7 };
const REF = { TYPE: 1, TRACE_LO: 2, TRACE_HI: 3, SPAN_ID: 4 };
const LOG = { TIMESTAMP: 1, FIELDS: 2 };

/** Appends a `Batch` struct's spans to `batch`; throws a PayloadError when it is not a Jaeger batch. */
export function appendJaegerBatch(batch: SpanBatch, b: TStruct): void {
  const process = b.get(BATCH.PROCESS);
  const spans = b.get(BATCH.SPANS);
  if (!(process instanceof Map) || !Array.isArray(spans)) throw new PayloadError('not a Jaeger Batch: want a process and a list of spans');
  const service = text(process.get(PROCESS.SERVICE)).trim() || UNKNOWN_SERVICE;
  const resource: Record<string, unknown> = tagsOf(process.get(PROCESS.TAGS));
  resource['service.name'] = service;
  spans.forEach((sv, i) => {
    if (!(sv instanceof Map)) throw new PayloadError(`span ${i} is not a struct`);
    addSpan(batch, sv as TStruct, service, resource, i);
  });
}

export function newBatch(): SpanBatch {
  return new SpanBatch(64);
}

function addSpan(batch: SpanBatch, s: TStruct, service: string, resource: Record<string, unknown>, i: number): void {
  const traceLo = big(s.get(SPAN.TRACE_LO));
  const traceHi = big(s.get(SPAN.TRACE_HI));
  const spanId = big(s.get(SPAN.SPAN_ID));
  if (traceLo === 0n && traceHi === 0n) throw new PayloadError(`span ${i}: trace id is 0`);
  if (spanId === 0n) throw new PayloadError(`span ${i}: span id is 0`);
  let parentId = big(s.get(SPAN.PARENT));
  const links: SpanLink[] = [];
  for (const rv of list(s.get(SPAN.REFS))) {
    if (!(rv instanceof Map)) continue;
    const refHi = big(rv.get(REF.TRACE_HI));
    const refLo = big(rv.get(REF.TRACE_LO));
    const refSpan = big(rv.get(REF.SPAN_ID));
    const sameTrace = refHi === traceHi && refLo === traceLo;
    if (rv.get(REF.TYPE) === 0 && sameTrace && parentId === 0n) parentId = refSpan;
    else if (!(sameTrace && refSpan === parentId)) links.push({ traceId: u64ToHex(refHi) + u64ToHex(refLo), spanId: u64ToHex(refSpan), attributes: {} });
  }
  const tags = tagsOf(s.get(SPAN.TAGS));
  const kind = kindOf(tags['span.kind']);
  delete tags['span.kind'];
  let statusCode = 0;
  let statusMessage: string | undefined;
  if (tags['otel.status_code'] !== undefined) {
    statusCode = tags['otel.status_code'] === 'ERROR' ? 2 : tags['otel.status_code'] === 'OK' ? 1 : 0;
    delete tags['otel.status_code'];
  }
  if (tags.error === true || tags.error === 'true') {
    statusCode = 2;
    delete tags.error;
  }
  if (typeof tags['otel.status_description'] === 'string') {
    statusMessage = tags['otel.status_description'];
    delete tags['otel.status_description'];
  }
  const scopeName = (tags['otel.scope.name'] ?? tags['otel.library.name']) as string | undefined;
  const scopeVersion = (tags['otel.scope.version'] ?? tags['otel.library.version']) as string | undefined;
  for (const k of ['otel.scope.name', 'otel.library.name', 'otel.scope.version', 'otel.library.version']) delete tags[k];
  const events: SpanEvent[] = [];
  for (const lv of list(s.get(SPAN.LOGS))) {
    if (!(lv instanceof Map)) continue;
    const fields = tagsOf(lv.get(LOG.FIELDS));
    const name = typeof fields.event === 'string' ? fields.event : 'log';
    delete fields.event;
    events.push({ timeUnixNano: String(big(lv.get(LOG.TIMESTAMP)) * 1000n), name, attributes: fields as SpanEvent['attributes'] });
  }
  const flags = s.get(SPAN.FLAGS);
  const r = appendSpan(batch, {
    traceHi, traceLo, spanId, parentId,
    name: text(s.get(SPAN.OPERATION)),
    kind,
    startNs: big(s.get(SPAN.START)) * 1000n,
    durationNs: big(s.get(SPAN.DURATION)) * 1000n,
    statusCode, statusMessage,
    dataset: service,
    attrs: tags,
    resource,
    events, links, scopeName, scopeVersion,
  });
  // Jaeger flag bit 1 is "sampled", as W3C trace-flags bit 0.
  if (typeof flags === 'number' && flags & 1) batch.flags[r] = 1;
}

/** A list of `Tag` structs -> key/value object (binary values as base64). */
function tagsOf(v: TValue | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const tv of list(v)) {
    if (!(tv instanceof Map)) continue;
    const key = text(tv.get(TAG.KEY));
    if (key === '' || key === '__proto__') continue;
    switch (tv.get(TAG.TYPE)) {
      case 0: out[key] = text(tv.get(TAG.STR)); break;
      case 1: out[key] = tv.get(TAG.DOUBLE); break;
      case 2: out[key] = tv.get(TAG.BOOL) === true; break;
      case 3: out[key] = Number(big(tv.get(TAG.LONG))); break;
      case 4: { const b = tv.get(TAG.BINARY); out[key] = b instanceof Uint8Array ? Buffer.from(b).toString('base64') : ''; break; }
      default: break;
    }
  }
  return out;
}

function big(v: TValue | undefined): bigint {
  return typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(Math.trunc(v)) : 0n;
}

function list(v: TValue | undefined): TValue[] {
  return Array.isArray(v) ? v : [];
}
