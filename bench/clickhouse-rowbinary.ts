import type { SpanBatch } from '../src/model/span-batch.js';
import type { AttrScalar, AttrType } from '../src/model/span.js';
import { overflowJson } from '../src/store/engine-common.js';
import type { AttrColumnRef } from '../src/store/clickhouse/encode-tsv.js';
import { ByteWriter } from '../src/store/clickhouse/encode-native.js';

/**
 * SpanBatches -> ClickHouse RowBinary rows for `spans_data`, in the column order of src/store/clickhouse/encode-tsv.ts:
 * the binary alternative to TabSeparated, measured against it by `npm run bench:clickhouse-insert`
 * (kept here, not in the store: it measured slower than TSV in JS, see the figures in
 * docs/clickhouse.md, "Insert format"). Little-endian fixed-width numbers, strings as LEB128 length
 * plus UTF-8 bytes, Nullable as a 0/1 byte before the value.
 */
class Writer extends ByteWriter {
  i64(v: bigint): void {
    this.room(8);
    this.buf.writeBigInt64LE(v, this.pos);
    this.pos += 8;
  }

  u64(v: bigint): void {
    this.room(8);
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
  }

  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }
}

/** Encodes all batches as RowBinary; returns the bytes and how many attribute values overflowed. */
export function encodeRowBinary(batches: readonly SpanBatch[], attrColumns: readonly AttrColumnRef[], overflowKeys: readonly string[][], ver: bigint): { body: Buffer; overflowed: number } {
  const w = new Writer(64 * 1024);
  let overflowed = 0;
  for (let bi = 0; bi < batches.length; bi++) {
    const b = batches[bi]!;
    const keys = overflowKeys[bi] ?? [];
    const overflow = keys.length > 0 ? overflowJson(b, keys) : { json: [], count: 0 };
    overflowed += overflow.count;
    const attrValues = attrColumns.map((c) => b.attrs.get(c.key)?.values);
    for (let i = 0; i < b.length; i++) {
      w.i64(b.traceHi[i]!); w.i64(b.traceLo[i]!); w.i64(b.spanId[i]!); w.i64(b.parentId[i]!);
      w.i64(b.startNs[i]!); w.i64(b.durationNs[i]!);
      w.u8(b.kind[i]!); w.u8(b.statusCode[i]!); w.u8(b.source[i]!);
      w.u32(b.flags[i]!); w.u32(b.droppedAttrs[i]!); w.u32(b.droppedEvents[i]!); w.u32(b.droppedLinks[i]!);
      w.i64(b.xrayDocId[i]!);
      w.str(b.dataset[i] ?? ''); w.str(b.name[i] ?? ''); w.str(b.traceState[i] ?? '');
      w.str(b.statusMessage[i] ?? ''); w.str(b.scopeName[i] ?? ''); w.str(b.scopeVersion[i] ?? '');
      const ev = b.events[i];
      w.str(ev && ev.length > 0 ? JSON.stringify(ev) : '');
      const ln = b.links[i];
      w.str(ln && ln.length > 0 ? JSON.stringify(ln) : '');
      nullableStr(w, b.xrayDoc[i]);
      nullableStr(w, overflow.json[i]);
      w.u64(ver);
      for (let c = 0; c < attrColumns.length; c++) attr(w, attrColumns[c]!.type, attrValues[c]?.[i]);
    }
  }
  return { body: w.done(), overflowed };
}

function nullableStr(w: Writer, v: string | null | undefined): void {
  if (v == null) return w.u8(1);
  w.u8(0);
  w.str(v);
}

function attr(w: Writer, type: AttrType, v: AttrScalar | undefined): void {
  if (v === undefined) return w.u8(1);
  switch (type) {
    case 'string': w.u8(0); return w.str(typeof v === 'string' ? v : String(v));
    case 'bool': w.u8(0); return w.u8(v ? 1 : 0);
    case 'int': {
      const n = Math.trunc(Number(v));
      if (!Number.isFinite(n)) return w.u8(1);
      w.u8(0);
      return w.i64(BigInt.asIntN(64, BigInt(n)));
    }
    case 'double': w.u8(0); return w.f64(Number(v));
  }
}
