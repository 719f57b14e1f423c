/**
 * OTLP/JSON KeyValue and AnyValue decoding, two ways: as the scalar column attributes of a resource, scope or span
 * (`keyValueAttr`), and as full JS values for span events and links (`keyValueJs`).
 */
import type { AnyValue } from '../../model/span.js';
import { AnyKind, AttrList, MAX_KVLIST_DEPTH, MAX_NESTING, setProp } from './common.js';
import { OtlpParseError } from './errors.js';
import { JsonLocation, bytesB64, dbl, i64, isObj, obj, str } from './json-fields.js';

/** One KeyValue as column attributes (same rules as decode-proto.ts `decodeKeyValueAttr`). */
export function keyValueAttr(st: JsonLocation, kvRaw: unknown, out: AttrList, prefix: string, depth: number): void {
  const kv = obj(st, kvRaw, 'attributes[]');
  let key = str(st, kv.key, 'attributes[].key');
  const value = kv.value;
  if (value === undefined || value === null) return;
  if (depth === 0) {
    if (key === '') return;
  } else key = prefix + '.' + key;
  if (depth <= MAX_KVLIST_DEPTH) anyValueAttr(st, value, out, key, depth);
  else out.push(key, 'string', JSON.stringify(anyValueJs(st, value, depth)));
}

/** The AnyValue member a JSON key names (lowerCamelCase or snake_case), or NONE for any other key. */
function memberKind(k: string): number {
  switch (k) {
    case 'stringValue':
    case 'string_value':
      return AnyKind.STR;
    case 'boolValue':
    case 'bool_value':
      return AnyKind.BOOL;
    case 'intValue':
    case 'int_value':
      return AnyKind.INT;
    case 'doubleValue':
    case 'double_value':
      return AnyKind.DBL;
    case 'arrayValue':
    case 'array_value':
      return AnyKind.ARR;
    case 'kvlistValue':
    case 'kvlist_value':
      return AnyKind.KV;
    case 'bytesValue':
    case 'bytes_value':
      return AnyKind.BYTES;
    default:
      return AnyKind.NONE;
  }
}

/** Which oneof member an AnyValue object sets (the last one wins, as on the wire); its value in `memberValue`. */
let memberValue: unknown = undefined;
function anyValueMember(st: JsonLocation, v: unknown): number {
  if (!isObj(v)) throw st.bad('attributes[].value', 'an AnyValue object', v);
  let kind = AnyKind.NONE;
  let val: unknown = undefined;
  for (const k in v) {
    const mk = memberKind(k);
    if (mk !== AnyKind.NONE) {
      const x = v[k];
      if (x !== null && x !== undefined) {
        kind = mk;
        val = x;
      }
    }
  }
  memberValue = val;
  return kind;
}

/** The `values` array of an ArrayValue / KeyValueList object. */
function valuesOf(st: JsonLocation, v: unknown, where: string): unknown[] {
  const o = obj(st, v, where);
  const vals = o.values;
  if (vals === undefined || vals === null) return [];
  if (Array.isArray(vals)) return vals;
  throw st.bad(where + '.values', 'an array', vals);
}

function anyValueAttr(st: JsonLocation, v: unknown, out: AttrList, key: string, depth: number): void {
  const kind = anyValueMember(st, v);
  const m = memberValue;
  switch (kind) {
    case AnyKind.STR:
      out.push(key, 'string', str(st, m, 'stringValue'));
      return;
    case AnyKind.INT:
      out.push(key, 'int', i64(st, m, 'intValue'));
      return;
    case AnyKind.DBL:
      out.push(key, 'double', dbl(st, m, 'doubleValue'));
      return;
    case AnyKind.BOOL:
      if (typeof m !== 'boolean') throw st.bad('boolValue', 'a boolean', m);
      out.push(key, 'bool', m);
      return;
    case AnyKind.BYTES:
      out.push(key, 'string', bytesB64(st, m, 'bytesValue'));
      return;
    case AnyKind.ARR:
      out.push(key, 'string', JSON.stringify(arrayJs(st, m, depth + 1)));
      return;
    case AnyKind.KV: {
      const entries = valuesOf(st, m, 'kvlistValue');
      for (let i = 0; i < entries.length; i++) keyValueAttr(st, entries[i], out, key, depth + 1);
      return;
    }
    default:
    // Empty AnyValue: no attribute.
  }
}

function anyValueJs(st: JsonLocation, v: unknown, depth: number): AnyValue {
  if (depth > MAX_NESTING) throw new OtlpParseError('json: AnyValue nested too deep');
  const kind = anyValueMember(st, v);
  const m = memberValue;
  switch (kind) {
    case AnyKind.STR:
      return str(st, m, 'stringValue');
    case AnyKind.INT:
      return i64(st, m, 'intValue');
    case AnyKind.DBL:
      return dbl(st, m, 'doubleValue');
    case AnyKind.BOOL:
      if (typeof m !== 'boolean') throw st.bad('boolValue', 'a boolean', m);
      return m;
    case AnyKind.BYTES:
      return bytesB64(st, m, 'bytesValue');
    case AnyKind.ARR:
      return arrayJs(st, m, depth + 1);
    case AnyKind.KV: {
      const entries = valuesOf(st, m, 'kvlistValue');
      const o: { [key: string]: AnyValue } = {};
      for (let i = 0; i < entries.length; i++) keyValueJs(st, entries[i], o, depth + 1);
      return o;
    }
    default:
      return null;
  }
}

function arrayJs(st: JsonLocation, v: unknown, depth: number): AnyValue[] {
  if (depth > MAX_NESTING) throw new OtlpParseError('json: AnyValue nested too deep');
  const vals = valuesOf(st, v, 'arrayValue');
  const out: AnyValue[] = new Array(vals.length);
  for (let i = 0; i < vals.length; i++) out[i] = anyValueJs(st, vals[i], depth + 1);
  return out;
}

/** One KeyValue into `o[key]` with its full structure; a missing value gives null. */
export function keyValueJs(st: JsonLocation, kvRaw: unknown, o: { [key: string]: AnyValue }, depth: number): void {
  const kv = obj(st, kvRaw, 'attributes[]');
  const key = str(st, kv.key, 'attributes[].key');
  const value = kv.value;
  setProp(o, key, value === undefined || value === null ? null : anyValueJs(st, value, depth + 1));
}
