/**
 * Just enough Apache Thrift to read Jaeger's wire formats: the binary and compact protocols, read generically
 * into structs keyed by field id (`jaeger-batch.ts` gives them meaning). Not a Thrift library: no writing,
 * no schemas, no services; strings stay bytes until the mapper knows they are text. Every read is bounds
 * checked and nesting is capped, so a hostile datagram is a `ThriftParseError`, never a crash or a hang.
 */

export type TValue = boolean | number | bigint | Uint8Array | TStruct | TValue[] | Map<TValue, TValue>;
/** A struct: field id -> value. */
export type TStruct = Map<number, TValue>;

export class ThriftParseError extends Error {
  override name = 'ThriftParseError';
}

const MAX_DEPTH = 64;

/** Binary protocol type ids; compact ids are translated to these. */
const T = { STOP: 0, BOOL: 2, BYTE: 3, DOUBLE: 4, I16: 6, I32: 8, I64: 10, STRING: 11, STRUCT: 12, MAP: 13, SET: 14, LIST: 15 } as const;
/** Compact type id -> binary type id (1 and 2 are bool true/false in field headers). */
const COMPACT_TO_BINARY = [T.STOP, T.BOOL, T.BOOL, T.BYTE, T.I16, T.I32, T.I64, T.DOUBLE, T.STRING, T.LIST, T.SET, T.MAP, T.STRUCT];

export interface ThriftMessage { name: string; type: number; seqId: number; args: TStruct }

export class ThriftReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array, private readonly compact: boolean) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** A whole message (what the Jaeger agent's UDP ports carry): header, then the arguments struct. */
  message(): ThriftMessage {
    let name: string;
    let type: number;
    let seqId: number;
    if (this.compact) {
      if (this.u8() !== 0x82) throw new ThriftParseError('not a compact Thrift message (protocol id 0x82 expected)');
      const tv = this.u8();
      if ((tv & 0x1f) !== 1) throw new ThriftParseError(`unsupported compact protocol version ${tv & 0x1f}`);
      type = tv >> 5;
      seqId = Number(this.varint());
      name = text(this.compactBinary());
    } else {
      const v = this.view.getInt32(this.need(4));
      if (v < 0) {
        if ((v & 0xffff0000) !== (0x80010000 | 0)) throw new ThriftParseError('bad binary Thrift message version');
        type = v & 0xff;
        name = text(this.bytes(this.i32()));
      } else {
        name = text(this.bytes(v));
        type = this.u8();
      }
      seqId = this.i32();
    }
    return { name, type, seqId, args: this.struct(0) };
  }

  /** A bare struct (the Jaeger collector's HTTP body is a serialized `Batch`). */
  struct(depth = 0): TStruct {
    if (depth > MAX_DEPTH) throw new ThriftParseError('structs nested too deep');
    const s: TStruct = new Map();
    let lastId = 0;
    for (;;) {
      let type: number;
      let id: number;
      let bool: boolean | undefined;
      if (this.compact) {
        const b = this.u8();
        if (b === 0) break;
        const ct = b & 0x0f;
        const delta = b >> 4;
        id = delta !== 0 ? lastId + delta : zigzag32(Number(this.varint()));
        if (ct >= COMPACT_TO_BINARY.length) throw new ThriftParseError(`unknown compact type ${ct}`);
        type = COMPACT_TO_BINARY[ct]!;
        if (ct === 1 || ct === 2) bool = ct === 1;
        lastId = id;
      } else {
        type = this.u8();
        if (type === T.STOP) break;
        id = this.view.getInt16(this.need(2));
      }
      s.set(id, bool !== undefined ? bool : this.value(type, depth + 1));
    }
    return s;
  }

  private value(type: number, depth: number): TValue {
    switch (type) {
      case T.BOOL: return this.compact ? this.u8() === 1 : this.u8() !== 0;
      case T.BYTE: return (this.u8() << 24) >> 24;
      case T.I16: return this.compact ? zigzag32(Number(this.varint())) : this.view.getInt16(this.need(2));
      case T.I32: return this.compact ? zigzag32(Number(this.varint())) : this.i32();
      case T.I64: return this.compact ? zigzag64(this.varint()) : this.view.getBigInt64(this.need(8));
      case T.DOUBLE: return this.view.getFloat64(this.need(8), this.compact);
      case T.STRING: return this.compact ? this.compactBinary() : this.bytes(this.i32());
      case T.STRUCT: return this.struct(depth);
      case T.LIST:
      case T.SET: {
        let size: number;
        let et: number;
        if (this.compact) {
          const h = this.u8();
          size = h >> 4 === 15 ? Number(this.varint()) : h >> 4;
          et = COMPACT_TO_BINARY[h & 0x0f] ?? -1;
        } else {
          et = this.u8();
          size = this.i32();
        }
        this.checkCount(size);
        const out: TValue[] = [];
        for (let i = 0; i < size; i++) out.push(this.value(et, depth + 1));
        return out;
      }
      case T.MAP: {
        let size: number;
        let kt = 0;
        let vt = 0;
        if (this.compact) {
          size = Number(this.varint());
          if (size > 0) { const kv = this.u8(); kt = COMPACT_TO_BINARY[kv >> 4] ?? -1; vt = COMPACT_TO_BINARY[kv & 0x0f] ?? -1; }
        } else {
          kt = this.u8();
          vt = this.u8();
          size = this.i32();
        }
        this.checkCount(size);
        const m = new Map<TValue, TValue>();
        for (let i = 0; i < size; i++) m.set(this.value(kt, depth + 1), this.value(vt, depth + 1));
        return m;
      }
      default: throw new ThriftParseError(`unknown Thrift type ${type} at byte ${this.pos}`);
    }
  }

  /** Every element takes at least one byte: a count past the bytes left is a lie. */
  private checkCount(n: number): void {
    if (n < 0 || n > this.buf.length - this.pos) throw new ThriftParseError(`collection of ${n} elements in ${this.buf.length - this.pos} bytes`);
  }

  private need(n: number): number {
    const p = this.pos;
    if (p + n > this.buf.length) throw new ThriftParseError(`truncated Thrift data at byte ${p}`);
    this.pos = p + n;
    return p;
  }

  private u8(): number {
    return this.buf[this.need(1)]!;
  }

  private i32(): number {
    return this.view.getInt32(this.need(4));
  }

  private bytes(n: number): Uint8Array {
    if (n < 0) throw new ThriftParseError(`negative length ${n}`);
    const p = this.need(n);
    return this.buf.subarray(p, p + n);
  }

  private compactBinary(): Uint8Array {
    return this.bytes(Number(this.varint()));
  }

  private varint(): bigint {
    let r = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.u8();
      r |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return r;
    }
    throw new ThriftParseError('varint too long');
  }
}

function zigzag32(n: number): number {
  return (n >>> 1) ^ -(n & 1);
}

function zigzag64(n: bigint): bigint {
  return BigInt.asIntN(64, (n >> 1n) ^ -(n & 1n));
}

const utf8 = new TextDecoder();
export function text(b: TValue | undefined): string {
  return b instanceof Uint8Array ? utf8.decode(b) : '';
}
