/**
 * OTLP/HTTP answers, in the request's encoding (protobuf or protojson), as Honeycomb writes them
 * (husky `WriteOtlpHttpResponse`):
 * - success: `ExportTraceServiceResponse` (collector/trace/v1/trace_service.proto), empty unless some spans were
 *   rejected: `1 partial_success: ExportTracePartialSuccess { 1 rejected_spans: int64, 2 error_message: string }`;
 * - errors: `google.rpc.Status { 1 code: int32, 2 message: string }` (3 details is never written).
 * protojson conventions: lowerCamelCase names, int64 as a decimal string, fields with default values left out.
 */

export type Encoding = 'proto' | 'json';

const utf8 = new TextEncoder();

/** The success answer; `rejected` spans (and/or a warning `message`) make it a partial success. */
export function exportResponse(encoding: 'proto', rejected: number, message?: string): Uint8Array;
export function exportResponse(encoding: 'json', rejected: number, message?: string): string;
export function exportResponse(encoding: Encoding, rejected: number, message?: string): Uint8Array | string;
export function exportResponse(encoding: Encoding, rejected: number, message?: string): Uint8Array | string {
  const n = Math.max(0, Math.trunc(rejected));
  const msg = message ?? '';
  if (encoding === 'json') {
    if (n === 0 && msg === '') return '{}';
    const ps: { rejectedSpans?: string; errorMessage?: string } = {};
    if (n !== 0) ps.rejectedSpans = String(n);
    if (msg !== '') ps.errorMessage = msg;
    return JSON.stringify({ partialSuccess: ps });
  }
  if (n === 0 && msg === '') return new Uint8Array(0);
  const inner = new ProtoWriter();
  if (n !== 0) inner.varintField(1, n);
  if (msg !== '') inner.stringField(2, msg);
  const outer = new ProtoWriter();
  outer.bytesField(1, inner.finish());
  return outer.finish();
}

/** An error answer (`google.rpc.Status`); `code` is a gRPC code number, left out when 0 or not given. */
export function statusBody(encoding: 'proto', message: string, code?: number): Uint8Array;
export function statusBody(encoding: 'json', message: string, code?: number): string;
export function statusBody(encoding: Encoding, message: string, code?: number): Uint8Array | string;
export function statusBody(encoding: Encoding, message: string, code?: number): Uint8Array | string {
  const c = code === undefined ? 0 : code | 0;
  if (encoding === 'json') {
    const o: { code?: number; message?: string } = {};
    if (c !== 0) o.code = c;
    if (message !== '') o.message = message;
    return JSON.stringify(o);
  }
  const w = new ProtoWriter();
  if (c !== 0) w.varintField(1, c);
  if (message !== '') w.stringField(2, message);
  return w.finish();
}

/** Just enough of a protobuf writer for the two messages above. */
class ProtoWriter {
  private parts: number[] = [];

  /** int32/int64 field; negative values are written as 10-byte two's complement varints. */
  varintField(field: number, v: number): void {
    this.varint(field << 3);
    if (v >= 0) this.varint(v);
    else {
      // Two's complement over 64 bits.
      let x = BigInt.asUintN(64, BigInt(Math.trunc(v)));
      while (x >= 0x80n) {
        this.parts.push(Number(x & 0x7fn) | 0x80);
        x >>= 7n;
      }
      this.parts.push(Number(x));
    }
  }

  stringField(field: number, s: string): void {
    this.bytesField(field, utf8.encode(s));
  }

  bytesField(field: number, b: Uint8Array): void {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]!);
  }

  /** Non-negative integer up to 2^53. */
  private varint(v: number): void {
    while (v >= 0x80) {
      this.parts.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.parts.push(v);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
