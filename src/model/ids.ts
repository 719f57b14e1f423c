/**
 * Trace and span ids.
 *
 * At the edges (APIs, the `Span` row type) ids are lowercase hex: 32 chars for a trace, 16 for a span.
 * In the columnar hot path (`SpanBatch`, the store) they are 64-bit halves held as signed bigints
 * (`BigInt64Array`), big-endian, so `hex(hi) + hex(lo)` is the W3C id. 0n means "no id".
 *
 * X-Ray ids `1-AAAAAAAA-BBBBBBBBBBBBBBBBBBBBBBBB` map to the W3C id `AAAAAAAABBBBBBBBBBBBBBBBBBBBBBBB`
 * (spec section 7); span ids and segment ids are the same 16 hex chars.
 */

const HEX16 = /^[0-9a-f]{16}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const XRAY_ID = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/;

/** 64-bit signed bigint -> 16 lowercase hex chars. */
export function u64ToHex(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

/** 16 hex chars -> signed 64-bit bigint (the store's representation). Throws on bad input. */
export function hexToU64(hex: string): bigint {
  if (!HEX16.test(hex)) throw new InvalidIdError(`invalid span id ${JSON.stringify(hex)}: want 16 lowercase hex chars`);
  return BigInt.asIntN(64, BigInt('0x' + hex));
}

export function traceIdToHex(hi: bigint, lo: bigint): string {
  return u64ToHex(hi) + u64ToHex(lo);
}

/** 32 hex chars -> [hi, lo]. Throws on bad input. */
export function hexToTraceId(hex: string): [bigint, bigint] {
  if (!HEX32.test(hex)) throw new InvalidIdError(`invalid trace id ${JSON.stringify(hex)}: want 32 lowercase hex chars`);
  return [BigInt.asIntN(64, BigInt('0x' + hex.slice(0, 16))), BigInt.asIntN(64, BigInt('0x' + hex.slice(16)))];
}

export function isXrayTraceId(s: string): boolean {
  return XRAY_ID.test(s);
}

/** `1-5f84c7a1-1234567890abcdef12345678` -> `5f84c7a11234567890abcdef12345678`. Throws on bad input. */
export function xrayToW3c(xrayId: string): string {
  const m = XRAY_ID.exec(xrayId);
  if (!m) throw new InvalidIdError(`invalid X-Ray trace id ${JSON.stringify(xrayId)}: want 1-<8 hex>-<24 hex>`);
  return m[1] + m[2];
}

/** `5f84c7a11234567890abcdef12345678` -> `1-5f84c7a1-1234567890abcdef12345678`. */
export function w3cToXray(hex: string): string {
  if (!HEX32.test(hex)) throw new InvalidIdError(`invalid trace id ${JSON.stringify(hex)}`);
  return `1-${hex.slice(0, 8)}-${hex.slice(8)}`;
}

/**
 * Any id a user may paste: 32 hex (W3C), 16 hex (a 64-bit trace id, as Jaeger and Zipkin allow:
 * left-padded with zeros), or an X-Ray id. Upper case is accepted. Returns 32 lowercase hex chars.
 */
export function normalizeTraceId(input: string): string {
  const s = input.trim().toLowerCase();
  if (HEX32.test(s)) return s;
  if (HEX16.test(s)) return '0'.repeat(16) + s;
  if (XRAY_ID.test(s)) return xrayToW3c(s);
  throw new InvalidIdError(`invalid trace id ${JSON.stringify(input)}: want 32 or 16 hex chars or an X-Ray id`);
}

export class InvalidIdError extends Error {
  override name = 'InvalidIdError';
}

/** Bytes (8 or 16, big-endian) read straight from the wire -> hex. */
export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX_BYTE[b[i]!];
  return s;
}

const HEX_BYTE: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
