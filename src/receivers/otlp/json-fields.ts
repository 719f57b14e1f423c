/**
 * Typed reads of OTLP/JSON values, each throwing `OtlpParseError` with where in the request the bad value is and
 * what it is (`json: resourceSpans[0].scopeSpans[1].spans[2].name: want a string, got number 12`). The leniencies
 * they accept are listed in decode-json.ts.
 */
import { OtlpParseError } from './errors.js';

export type Obj = { [key: string]: unknown };

/** Where the decoder is in the request: the indexes of the current resourceSpans, scopeSpans and span. */
export class JsonLocation {
  level = 0;
  ri = 0;
  si = 0;
  pi = 0;

  where(field: string): string {
    let p = '';
    if (this.level >= 1) p += `resourceSpans[${this.ri}]`;
    if (this.level >= 2) p += `.scopeSpans[${this.si}]`;
    if (this.level >= 3) p += `.spans[${this.pi}]`;
    return p === '' ? field : field === '' ? p : `${p}.${field}`;
  }

  bad(field: string, want: string, got: unknown): OtlpParseError {
    return new OtlpParseError(`json: ${this.where(field)}: want ${want}, got ${describe(got)}`);
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '...' : v)}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function field(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  return v !== undefined && v !== null ? v : o[snake];
}

export function obj(st: JsonLocation, v: unknown, where: string): Obj {
  if (isObj(v)) return v;
  throw st.bad(where, 'an object', v);
}

/** An array field, or null when it is absent. */
export function arr(st: JsonLocation, o: Obj, camel: string, snake: string): unknown[] | null {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v;
  throw st.bad(camel, 'an array', v);
}

/** An object field, or null when it is absent. */
export function optObj(st: JsonLocation, o: Obj, camel: string, snake: string): Obj | null {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return null;
  if (isObj(v)) return v;
  throw st.bad(camel, 'an object', v);
}

export function str(st: JsonLocation, v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  throw st.bad(where, 'a string', v);
}

const UINT_RE = /^[0-9]+$/;
const INT_RE = /^-?[0-9]+$/;
const TWO64 = 1n << 64n;

/** uint32 (counts, flags): a number or a decimal string. */
export function u32(st: JsonLocation, v: unknown, where: string): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return v;
  } else if (typeof v === 'string') {
    if (UINT_RE.test(v)) {
      const n = Number(v);
      if (n <= 0xffffffff) return n;
    }
  } else if (v === undefined || v === null) return 0;
  throw st.bad(where, 'a uint32', v);
}

/** fixed64 (times): a decimal string or a number. */
export function u64(st: JsonLocation, v: unknown, where: string): bigint {
  if (typeof v === 'string') {
    if (UINT_RE.test(v)) {
      const n = BigInt(v);
      if (n < TWO64) return n;
    }
  } else if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v < 18446744073709551616) return BigInt(v);
  } else if (v === undefined || v === null) return 0n;
  throw st.bad(where, 'a uint64 (decimal string or number)', v);
}

/** int64 attribute value as a JS number. */
export function i64(st: JsonLocation, v: unknown, where: string): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return v;
  } else if (typeof v === 'string') {
    if (INT_RE.test(v)) return Number(v);
  }
  throw st.bad(where, 'an int64 (number or decimal string)', v);
}

export function dbl(st: JsonLocation, v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw st.bad(where, 'a double', v);
}

export function enumValue(st: JsonLocation, v: unknown, names: Record<string, number>, where: string): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return v;
  } else if (typeof v === 'string') {
    const n = names[v];
    if (n !== undefined && Object.prototype.hasOwnProperty.call(names, v)) return n;
  } else if (v === undefined || v === null) return 0;
  throw st.bad(where, `an enum number or name (${Object.keys(names).join(', ')})`, v);
}

export function bytesB64(st: JsonLocation, v: unknown, where: string): string {
  if (typeof v !== 'string') throw st.bad(where, 'a base64 string', v);
  return Buffer.from(v, 'base64').toString('base64');
}

