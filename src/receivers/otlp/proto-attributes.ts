/**
 * OTLP/protobuf KeyValue and AnyValue decoding, two ways: as the scalar column attributes of a resource, scope or
 * span (`decodeKeyValueAttr`), and as full JS values for span events, links and JSON text (`decodeKeyValueJs`).
 * Field numbers: see decode-proto.ts.
 */
import type { AnyValue } from '../../model/span.js';
import { AnyKind, AttrList, MAX_KVLIST_DEPTH, MAX_NESTING, base64, setProp } from './common.js';
import { OtlpParseError } from './errors.js';
import { Tag } from './proto-tags.js';
import type { WireReader } from './wire-reader.js';

/**
 * One KeyValue (the reader's limit is its end) as scalar column attributes: scalars as they are, kvlists flattened
 * with `.` (MAX_KVLIST_DEPTH levels, deeper values as JSON text), arrays as JSON text, bytes as base64. Entries
 * with an empty key (top level only) or no value are ignored, as Honeycomb does.
 */
export function decodeKeyValueAttr(r: WireReader, out: AttrList, prefix: string, depth: number): void {
  let key = '';
  let vStart = -1;
  let vLen = 0;
  while (r.pos < r.limit) {
    const t = r.tag();
    if (t === Tag.LEN1) key = r.string();
    else if (t === Tag.LEN2) {
      vLen = r.len();
      vStart = r.pos;
      r.pos += vLen;
    } else r.skip(t);
  }
  if (vStart < 0) return;
  if (depth === 0) {
    if (key === '') return;
  } else key = prefix + '.' + key;
  const end = r.limit;
  r.pos = vStart;
  r.limit = vStart + vLen;
  if (depth <= MAX_KVLIST_DEPTH) decodeAnyValueAttr(r, out, key, depth);
  else {
    const v = decodeAnyValueJs(r, depth);
    out.push(key, 'string', JSON.stringify(v));
  }
  r.pos = end;
  r.limit = end;
}

/** AnyValue (reader limited to it) as column attribute(s) named `key`. */
function decodeAnyValueAttr(r: WireReader, out: AttrList, key: string, depth: number): void {
  let kind = AnyKind.NONE;
  let s = '';
  let num = 0;
  let bool = false;
  let subStart = 0;
  let subLen = 0;
  while (r.pos < r.limit) {
    const t = r.tag();
    switch (t) {
      case Tag.LEN1:
        kind = AnyKind.STR;
        s = r.string();
        break;
      case Tag.VARINT2:
        kind = AnyKind.BOOL;
        bool = r.bool();
        break;
      case Tag.VARINT3:
        kind = AnyKind.INT;
        num = r.int64();
        break;
      case Tag.ANY_DOUBLE:
        kind = AnyKind.DBL;
        num = r.double();
        break;
      case Tag.LEN5:
      case Tag.LEN6:
      case Tag.LEN7:
        kind = t >>> 3;
        subLen = r.len();
        subStart = r.pos;
        r.pos += subLen;
        break;
      default:
        r.skip(t);
    }
  }
  switch (kind) {
    case AnyKind.STR:
      out.push(key, 'string', s);
      return;
    case AnyKind.INT:
      out.push(key, 'int', num);
      return;
    case AnyKind.DBL:
      out.push(key, 'double', num);
      return;
    case AnyKind.BOOL:
      out.push(key, 'bool', bool);
      return;
    case AnyKind.BYTES:
      out.push(key, 'string', base64(r.buf.subarray(subStart, subStart + subLen)));
      return;
    case AnyKind.ARR: {
      const end = r.limit;
      r.pos = subStart;
      r.limit = subStart + subLen;
      out.push(key, 'string', JSON.stringify(decodeArrayJs(r, depth + 1)));
      r.pos = r.limit = end;
      return;
    }
    case AnyKind.KV: {
      // Flatten: every entry becomes `key.entry` one level deeper.
      const end = r.limit;
      r.pos = subStart;
      r.limit = subStart + subLen;
      while (r.pos < r.limit) {
        const t = r.tag();
        if (t === Tag.LEN1) {
          const outer = r.enter();
          decodeKeyValueAttr(r, out, key, depth + 1);
          r.leave(outer);
        } else r.skip(t);
      }
      r.pos = r.limit = end;
      return;
    }
    default:
    // An empty AnyValue: no attribute.
  }
}

/** AnyValue (reader limited to it) as a JS value: the full structure, for events, links and JSON text. */
function decodeAnyValueJs(r: WireReader, depth: number): AnyValue {
  if (depth > MAX_NESTING) throw new OtlpParseError('proto: cannot parse invalid wire-format data (AnyValue nested too deep)');
  let v: AnyValue = null;
  while (r.pos < r.limit) {
    const t = r.tag();
    switch (t) {
      case Tag.LEN1:
        v = r.string();
        break;
      case Tag.VARINT2:
        v = r.bool();
        break;
      case Tag.VARINT3:
        v = r.int64();
        break;
      case Tag.ANY_DOUBLE:
        v = r.double();
        break;
      case Tag.LEN5: {
        const outer = r.enter();
        v = decodeArrayJs(r, depth + 1);
        r.leave(outer);
        break;
      }
      case Tag.LEN6: {
        const outer = r.enter();
        const obj: { [key: string]: AnyValue } = {};
        while (r.pos < r.limit) {
          const t2 = r.tag();
          if (t2 === Tag.LEN1) {
            const o2 = r.enter();
            decodeKeyValueJs(r, obj, depth + 1);
            r.leave(o2);
          } else r.skip(t2);
        }
        v = obj;
        r.leave(outer);
        break;
      }
      case Tag.LEN7:
        v = base64(r.bytes());
        break;
      default:
        r.skip(t);
    }
  }
  return v;
}

/** ArrayValue (reader limited to it) as a JS array. */
function decodeArrayJs(r: WireReader, depth: number): AnyValue[] {
  if (depth > MAX_NESTING) throw new OtlpParseError('proto: cannot parse invalid wire-format data (AnyValue nested too deep)');
  const arr: AnyValue[] = [];
  while (r.pos < r.limit) {
    const t = r.tag();
    if (t === Tag.LEN1) {
      const outer = r.enter();
      arr.push(decodeAnyValueJs(r, depth + 1));
      r.leave(outer);
    } else r.skip(t);
  }
  return arr;
}

/** One KeyValue (reader limited to it) into `obj[key]`; a KeyValue without a value gives null. */
export function decodeKeyValueJs(r: WireReader, obj: { [key: string]: AnyValue }, depth: number): void {
  let key = '';
  let v: AnyValue = null;
  while (r.pos < r.limit) {
    const t = r.tag();
    if (t === Tag.LEN1) key = r.string();
    else if (t === Tag.LEN2) {
      const outer = r.enter();
      v = decodeAnyValueJs(r, depth + 1);
      r.leave(outer);
    } else r.skip(t);
  }
  setProp(obj, key, v);
}
