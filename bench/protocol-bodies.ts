/**
 * The bench payload (OTLP protobuf, 512 spans) rendered as the other protocols' request bodies, so every
 * protocol carries the same spans: Honeycomb Events API batches (what a Beeline sends), Zipkin v2 JSON and a
 * Jaeger collector `Batch` (binary Thrift, encoded by thriftrw from jaeger-client's IDL, as its HTTPSender does).
 * Trace ids start with TRACE_MARK, replaced per request so each request makes new traces.
 */
import { createRequire } from 'node:module';
import { decodeOtlpProto } from '../src/receivers/otlp/decode-proto.js';
import { u64ToHex } from '../src/model/ids.js';

export const TRACE_MARK = 'tttttttt';

export function eventsBody(payload: Uint8Array): string {
  return JSON.stringify(rows(payload).map((s) => ({
    time: new Date(Number(s.startNs / 1_000_000n)).toISOString(),
    data: { 'trace.trace_id': s.traceId, 'trace.span_id': s.spanId, ...(s.parentId ? { 'trace.parent_id': s.parentId } : {}), name: s.name, service_name: s.service, duration_ms: Number(s.durationNs) / 1e6, ...s.attrs },
  })));
}

export function zipkinBody(payload: Uint8Array): string {
  const kinds = ['', '', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
  return JSON.stringify(rows(payload).map((s) => ({
    traceId: s.traceId, id: s.spanId, ...(s.parentId ? { parentId: s.parentId } : {}), name: s.name, ...(kinds[s.kind] ? { kind: kinds[s.kind] } : {}),
    timestamp: Number(s.startNs / 1000n), duration: Number(s.durationNs / 1000n), localEndpoint: { serviceName: s.service },
    tags: Object.fromEntries(Object.entries(s.attrs).map(([k, v]) => [k, String(v)])),
  })));
}

/** Every trace id's high half in the Jaeger body: the load generator overwrites these 8 bytes per request. */
export const JAEGER_MARK = Buffer.from('HRAYMARK');

/** One `Batch` (its process is the first span's service: a Batch has one) and the offsets of JAEGER_MARK in it. */
export function jaegerBody(payload: Uint8Array): { body: Buffer; marks: number[] } {
  const require = createRequire(import.meta.url);
  const { Thrift } = require('thriftrw') as { Thrift: new (o: object) => { Batch: { rw: { toBuffer(v: object): { err: Error | null; value: Buffer } } } } };
  const thrift = new Thrift({ entryPoint: require.resolve('jaeger-client/dist/src/jaeger-idl/thrift/jaeger.thrift'), allowFilesystemAccess: true, allowOptionalArguments: true });
  const all = rows(payload);
  const i64 = (v: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt.asIntN(64, v)); return b; };
  const tag = (key: string, v: string | number | boolean) => typeof v === 'boolean' ? { key, vType: 'BOOL', vBool: v }
    : typeof v === 'number' ? (Number.isInteger(v) ? { key, vType: 'LONG', vLong: i64(BigInt(v)) } : { key, vType: 'DOUBLE', vDouble: v }) : { key, vType: 'STRING', vStr: v };
  const r = thrift.Batch.rw.toBuffer({
    process: { serviceName: all[0]!.service, tags: [] },
    spans: all.map((s) => ({
      traceIdLow: Buffer.from(s.traceId.slice(16), 'hex'), traceIdHigh: JAEGER_MARK, spanId: Buffer.from(s.spanId, 'hex'),
      parentSpanId: s.parentId ? Buffer.from(s.parentId, 'hex') : Buffer.alloc(8), operationName: s.name, flags: 1,
      startTime: i64(s.startNs / 1000n), duration: i64(s.durationNs / 1000n), references: [], logs: [],
      tags: [...Object.entries(s.attrs).map(([k, v]) => tag(k, v)), ...(['', '', 'server', 'client', 'producer', 'consumer'][s.kind] ? [tag('span.kind', ['', '', 'server', 'client', 'producer', 'consumer'][s.kind]!)] : [])],
    })),
  });
  if (r.err) throw r.err;
  const marks: number[] = [];
  for (let at = r.value.indexOf(JAEGER_MARK); at >= 0; at = r.value.indexOf(JAEGER_MARK, at + 8)) marks.push(at);
  return { body: r.value, marks };
}

function rows(payload: Uint8Array) {
  const b = decodeOtlpProto(payload, {}).batch;
  return Array.from({ length: b.length }, (_, r) => {
    const attrs: Record<string, string | number | boolean> = {};
    for (const [k, col] of b.attrs) if (col.values[r] !== undefined) attrs[k] = col.values[r]!;
    return {
      traceId: TRACE_MARK + (u64ToHex(b.traceHi[r]!) + u64ToHex(b.traceLo[r]!)).slice(TRACE_MARK.length),
      spanId: u64ToHex(b.spanId[r]!),
      parentId: b.parentId[r] === 0n ? '' : u64ToHex(b.parentId[r]!),
      name: b.name[r]!, kind: b.kind[r]!, service: b.dataset[r]!, startNs: b.startNs[r]!, durationNs: b.durationNs[r]!, attrs,
    };
  });
}
