/**
 * Zipkin v1 Thrift (`POST /api/v1/spans`, `application/x-thrift`: a TBinaryProtocol `list<Span>` of Zipkin's
 * `zipkinCore.thrift`, what Zipkin's Thrift-speaking tracers and the Scribe/Kafka-era collectors post) ->
 * v1 spans -> v2 `ZipkinSpan`s through the same converter as v1 JSON.
 *
 * Decoded by thriftrw (Uber's IDL-driven Thrift library, which jaeger-client also uses) from the IDL below,
 * not by hand: measured on 10,000 spans it is about 1.5x slower than the generic reader in `jaeger/` (both
 * far faster than anything v1 Thrift clients send), so there was no speed reason to hand-write this.
 */
import { createRequire } from 'node:module';
import { PayloadError } from '../../pipeline/payload.js';
import type { ZipkinEndpoint, ZipkinSpan } from './zipkin-span.js';
import { fromV1, type V1Binary, type V1Span } from './decode-v1.js';

/** The structs of openzipkin's `zipkinCore.thrift` (field ids and types as published), and the list posted. */
const ZIPKIN_CORE_IDL = `
struct Endpoint { 1: i32 ipv4, 2: i16 port, 3: string service_name, 4: optional binary ipv6 }
struct Annotation { 1: i64 timestamp, 2: string value, 3: optional Endpoint host }
enum AnnotationType { BOOL, BYTES, I16, I32, I64, DOUBLE, STRING }
struct BinaryAnnotation { 1: string key, 2: binary value, 3: AnnotationType annotation_type, 4: optional Endpoint host }
struct Span {
  1: i64 trace_id, 3: string name, 4: i64 id, 5: optional i64 parent_id,
  6: list<Annotation> annotations, 8: list<BinaryAnnotation> binary_annotations,
  9: optional bool debug = 0, 10: optional i64 timestamp, 11: optional i64 duration, 12: optional i64 trace_id_high
}
typedef list<Span> ListOfSpans
`;

/** What thriftrw hands back for the IDL above (i64 and binary fields are Buffers, enums their names). */
interface TEndpoint { ipv4?: number; port?: number; service_name?: string; ipv6?: Buffer }
interface TSpan {
  trace_id?: Buffer; trace_id_high?: Buffer; name?: string; id?: Buffer; parent_id?: Buffer; debug?: boolean; timestamp?: Buffer; duration?: Buffer;
  annotations?: { timestamp?: Buffer; value?: string; host?: TEndpoint }[];
  binary_annotations?: { key?: string; value?: Buffer; annotation_type?: string; host?: TEndpoint }[];
}
interface ListRW { readFrom(buf: Buffer, offset: number): { err: Error | null; offset: number; value: TSpan[] | null } }

let listRW: ListRW | undefined;
function spansRW(): ListRW {
  if (!listRW) {
    const { Thrift } = createRequire(import.meta.url)('thriftrw') as { Thrift: new (o: object) => { models: Record<string, { rw: ListRW }> } };
    listRW = new Thrift({ source: ZIPKIN_CORE_IDL, strict: false, defaultAsUndefined: true }).models.ListOfSpans!.rw;
  }
  return listRW;
}

const TYPE_STRUCT = 12;

export function decodeZipkinThriftV1(body: Uint8Array): ZipkinSpan[] {
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // Zipkin's own check (SpanBytesDecoderDetector): a Thrift list of spans starts with its element type.
  if (buf.length === 0 || buf[0] !== TYPE_STRUCT) throw new PayloadError('Expected a THRIFT encoded list: a list of spans starts with type 12 (struct)');
  let r: ReturnType<ListRW['readFrom']>;
  try {
    r = spansRW().readFrom(buf, 0);
  } catch (err) {
    // thriftrw skips unknown fields recursively: absurd nesting overflows the stack instead of failing.
    throw new PayloadError(`Expected a THRIFT encoded list: ${(err as Error).name === 'RangeError' ? 'nested too deep' : (err as Error).message}`);
  }
  if (r.err || !r.value) throw new PayloadError(`Expected a THRIFT encoded list: ${r.err?.message ?? 'nothing read'}`);
  if (r.offset !== buf.length) throw new PayloadError(`Expected a THRIFT encoded list: ${buf.length - r.offset} bytes after the list`);
  return r.value.map((s) => fromV1(toV1(s)));
}

function toV1(s: TSpan): V1Span {
  const low = hex(s.trace_id);
  const high = s.trace_id_high && !isZero(s.trace_id_high) ? hex(s.trace_id_high) : '';
  return {
    traceId: high + low,
    id: hex(s.id),
    parentId: s.parent_id && !isZero(s.parent_id) ? hex(s.parent_id) : undefined,
    name: s.name,
    timestamp: s.timestamp && !isZero(s.timestamp) ? i64(s.timestamp) : undefined,
    duration: s.duration && !isZero(s.duration) ? i64(s.duration) : undefined,
    debug: s.debug,
    annotations: (s.annotations ?? []).map((a) => ({ timestamp: a.timestamp ? i64(a.timestamp) : undefined, value: a.value, endpoint: endpoint(a.host) })),
    binaryAnnotations: (s.binary_annotations ?? []).map((b): V1Binary => ({ key: b.key, value: binaryValue(b.annotation_type, b.value), endpoint: endpoint(b.host) })),
  };
}

/** A binary annotation's value as Zipkin's JSON v1 writes it (BYTES as base64). */
function binaryValue(type: string | undefined, v: Buffer | undefined): unknown {
  if (!v) return '';
  switch (type) {
    case 'BOOL': return v.length > 0 && v[0] !== 0;
    case 'I16': return v.length >= 2 ? v.readInt16BE(0) : 0;
    case 'I32': return v.length >= 4 ? v.readInt32BE(0) : 0;
    case 'I64': return v.length >= 8 ? Number(v.readBigInt64BE(0)) : 0;
    case 'DOUBLE': return v.length >= 8 ? v.readDoubleBE(0) : 0;
    case 'BYTES': return v.toString('base64');
    default: return v.toString('utf8');
  }
}

function endpoint(e: TEndpoint | undefined): ZipkinEndpoint | undefined {
  if (!e) return undefined;
  const out: ZipkinEndpoint = {};
  if (e.service_name) out.serviceName = e.service_name;
  if (e.ipv4) out.ipv4 = [24, 16, 8, 0].map((shift) => (e.ipv4! >>> shift) & 0xff).join('.');
  if (e.ipv6 && e.ipv6.length === 16) out.ipv6 = e.ipv6.toString('hex').match(/.{4}/g)!.join(':');
  if (e.port) out.port = e.port & 0xffff; // i16 on the wire: ports past 32767 arrive negative
  return out;
}

function hex(b: Buffer | undefined): string {
  return b ? b.toString('hex') : '';
}

function i64(b: Buffer): number {
  return Number(b.readBigInt64BE(0));
}

function isZero(b: Buffer): boolean {
  return b.every((x) => x === 0);
}
