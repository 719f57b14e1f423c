/**
 * The agent's compact port (6831): no npm client sends compact Thrift, so a datagram is written here the way
 * the Jaeger Go/Java/Python clients write `Agent.emitBatch` (TCompactProtocol, jaeger-idl agent.thrift).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jaegerCodec, JAEGER_KINDS } from '../../../src/receivers/jaeger/codec.js';
import { ThriftParseError, ThriftReader } from '../../../src/receivers/jaeger/thrift-reader.js';
import { u64ToHex } from '../../../src/model/ids.js';

/** A tiny TCompactProtocol writer (fields written in increasing id order, short-form headers). */
class Compact {
  out: number[] = [];
  private last: number[] = [0];
  field(id: number, type: number): this { this.out.push(((id - this.last[0]!) << 4) | type); this.last[0] = id; return this; }
  begin(): this { this.last.unshift(0); return this; }
  end(): this { this.out.push(0); this.last.shift(); return this; }
  varint(v: bigint): this { while (v >= 0x80n) { this.out.push(Number(v & 0x7fn) | 0x80); v >>= 7n; } this.out.push(Number(v)); return this; }
  i64(v: bigint): this { return this.varint(BigInt.asUintN(64, (v << 1n) ^ (v >> 63n))); }
  i32(v: number): this { return this.i64(BigInt(v)); }
  str(s: string): this { const b = new TextEncoder().encode(s); this.varint(BigInt(b.length)); this.out.push(...b); return this; }
  list(n: number, type: number): this { this.out.push((n << 4) | type); return this; }
  double(v: number): this { const b = Buffer.alloc(8); b.writeDoubleLE(v); this.out.push(...b); return this; }
}
const [I32, I64, DOUBLE, BINARY, LIST, STRUCT, TRUE] = [5, 6, 7, 8, 9, 12, 1];

function tag(w: Compact, key: string, type: number, value: () => void): void {
  w.begin().field(1, BINARY).str(key).field(2, I32).i32(type);
  value();
  w.end();
}

function emitBatchDatagram(): Uint8Array {
  const w = new Compact();
  w.out.push(0x82, (4 << 5) | 1); // protocol id, ONEWAY | version 1
  w.varint(7n).str('emitBatch');
  w.begin().field(1, STRUCT); // args.batch
  w.begin().field(1, STRUCT); // batch.process
  w.begin().field(1, BINARY).str('compact-svc').field(2, LIST).list(1, STRUCT);
  tag(w, 'hostname', 0, () => w.field(3, BINARY).str('box'));
  w.end(); // process
  w.field(2, LIST).list(1, STRUCT); // batch.spans
  w.begin().field(1, I64).i64(0x1234n).field(2, I64).i64(-1n).field(3, I64).i64(0xabcn).field(4, I64).i64(0x99n)
    .field(5, BINARY).str('compact-op').field(7, I32).i32(1).field(8, I64).i64(1_700_000_000_000_000n).field(9, I64).i64(2500n)
    .field(10, LIST).list(3, STRUCT);
  tag(w, 'span.kind', 0, () => w.field(3, BINARY).str('client'));
  tag(w, 'ratio', 1, () => w.field(4, DOUBLE).double(0.5));
  tag(w, 'error', 2, () => w.field(5, TRUE)); // a bool field's value is its header's type
  w.end(); // span
  w.end(); // batch
  w.end(); // args
  return Uint8Array.from(w.out);
}

describe('Jaeger agent compact Thrift', () => {
  it('decodes an emitBatch datagram into spans', () => {
    const body = emitBatchDatagram();
    const d = jaegerCodec.create()({ kind: JAEGER_KINDS.agentCompact, body });
    const b = d.batch;
    assert.equal(b.length, 1);
    assert.equal(u64ToHex(b.traceHi[0]!) + u64ToHex(b.traceLo[0]!), 'ffffffffffffffff0000000000001234');
    assert.equal(u64ToHex(b.spanId[0]!), '0000000000000abc');
    assert.equal(u64ToHex(b.parentId[0]!), '0000000000000099');
    assert.deepEqual([b.name[0], b.kind[0], b.dataset[0], b.startNs[0], b.durationNs[0], b.flags[0]], ['compact-op', 3, 'compact-svc', 1_700_000_000_000_000_000n, 2_500_000n, 1]);
    assert.equal(b.getAttr(0, 'ratio'), 0.5);
    assert.equal(b.statusCode[0], 2);
    assert.equal(b.getAttr(0, 'hostname'), 'box');
    assert.ok(b.resourceKeys.has('hostname'));
  });

  it('refuses truncated and lying datagrams with a parse error', () => {
    const body = emitBatchDatagram();
    for (let n = 1; n < body.length; n += 7) {
      assert.throws(() => jaegerCodec.create()({ kind: JAEGER_KINDS.agentCompact, body: body.subarray(0, n) }), (e: Error) => e.name.endsWith('ParseError') || e.name === 'PayloadError');
    }
    // A list that claims a billion elements in a few bytes.
    assert.throws(() => new ThriftReader(Uint8Array.from([0x19, 0xf9, 0xff, 0xff, 0xff, 0xff, 0x03]), true).struct(), ThriftParseError);
  });
});
