/**
 * Malformed input never crashes or hangs the decoders: it throws OtlpParseError or gives a result.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeOtlpJson } from '../../../src/receivers/otlp/decode-json.js';
import { decodeOtlpProto } from '../../../src/receivers/otlp/decode-proto.js';
import { OtlpParseError } from '../../../src/receivers/otlp/errors.js';
import { WireReader } from '../../../src/receivers/otlp/wire-reader.js';
import { fixture, prng } from './helpers.js';
import { PbWriter } from './pb-writer.js';

/** 'ok', or the OtlpParseError; anything else fails the test. */
function attempt(f: () => unknown, what: string): 'ok' | OtlpParseError {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof OtlpParseError) return e;
    assert.fail(`${what}: ${(e as Error)?.stack ?? String(e)}`);
  }
}

describe('protobuf decoder on malformed input', () => {
  const full = fixture('001_proto.pb');

  it('every truncation of 001_proto.pb throws OtlpParseError or decodes', () => {
    let errors = 0;
    for (let n = 0; n < full.length; n++) {
      const r = attempt(() => decodeOtlpProto(full.subarray(0, n), {}), `truncated to ${n}`);
      if (r !== 'ok') errors++;
    }
    // A cut inside the only ResourceSpans always breaks its length prefix.
    assert.equal(errors, full.length - 1);
    // The same cut in a copy that is not at offset 0 of its buffer (DataView offsets).
    const shifted = new Uint8Array(full.length + 7);
    shifted.set(full, 7);
    assert.equal(decodeOtlpProto(shifted.subarray(7), {}).batch.length, 4);
  });

  it('every single-byte corruption of 001_proto.pb throws OtlpParseError or decodes', () => {
    const rand = prng(1);
    for (let i = 0; i < full.length; i++) {
      for (const v of [0x00, 0xff, 0x80, 0x07, Math.floor(rand() * 256)]) {
        const b = full.slice();
        b[i] = v;
        attempt(() => decodeOtlpProto(b, {}), `byte ${i} = ${v}`);
      }
    }
  });

  it('random bytes throw OtlpParseError or decode', () => {
    const rand = prng(42);
    for (let i = 0; i < 20000; i++) {
      const n = Math.floor(rand() * 64);
      const b = new Uint8Array(n);
      for (let j = 0; j < n; j++) b[j] = Math.floor(rand() * 256);
      attempt(() => decodeOtlpProto(b, {}), `random ${Buffer.from(b).toString('hex')}`);
    }
  });

  it('random splices of real spans throw OtlpParseError or decode', () => {
    const big = fixture('payload_512.pb');
    const rand = prng(7);
    for (let i = 0; i < 3000; i++) {
      const a = Math.floor(rand() * big.length);
      const len = Math.floor(rand() * 600);
      const b = big.slice(a, a + len);
      // Prefix with a ResourceSpans tag and a plausible length so the walk goes deep.
      const w = new PbWriter().tag(1, 2).varint(b.length).raw(b).finish();
      attempt(() => decodeOtlpProto(w, {}), `splice ${a}+${len}`);
    }
  });

  it('specific malformations give precise OtlpParseErrors', () => {
    const cases: [string, number[], RegExp][] = [
      ['truncated varint', [0x08, 0x80], /truncated varint/],
      ['varint past 10 bytes', [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], /overflows 64 bits/],
      ['field number 0', [0x00], /field number 0/],
      ['wire type 6', [0x0e], /invalid wire type 6/],
      ['wire type 7', [0x0f], /invalid wire type 7/],
      ['length past end', [0x0a, 0x05, 0x00], /past the end/],
      ['huge length', [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], /past the end|out of range/],
      ['truncated fixed64', [0x09, 1, 2, 3], /truncated fixed64/],
      ['truncated fixed32', [0x0d, 1, 2], /truncated fixed32/],
      ['unexpected end group', [0x0c], /unexpected end group/],
      ['unterminated group', [0x0b, 0x08, 0x01], /unterminated group/],
      ['mismatched end group', [0x0b, 0x14], /mismatched end group/],
      ['nested message past its parent', [0x0a, 0x02, 0x12, 0x05], /past the end/],
    ];
    for (const [what, bytes, re] of cases) {
      assert.throws(() => decodeOtlpProto(Uint8Array.from(bytes), {}), (e: unknown) => e instanceof OtlpParseError && re.test(e.message), what);
    }
  });

  it('deep nesting is refused with OtlpParseError, not a stack overflow', () => {
    // An event attribute whose value is an array nested 300 deep (the limit is 100).
    let inner = new PbWriter().stringField(1, 'x').finish();
    for (let i = 0; i < 300; i++) {
      const arr = new PbWriter().bytesField(1, inner).finish();
      inner = new PbWriter().bytesField(5, arr).finish();
    }
    const kv = new PbWriter().stringField(1, 'k').bytesField(2, inner).finish();
    const ev = new PbWriter().bytesField(3, kv).finish();
    const spanBytes = new PbWriter()
      .bytesField(1, new Uint8Array(16).fill(1))
      .bytesField(2, new Uint8Array(8).fill(1))
      .bytesField(11, ev)
      .finish();
    const body = new PbWriter().messageField(1, (r) => r.messageField(2, (s) => s.bytesField(2, spanBytes))).finish();
    assert.throws(() => decodeOtlpProto(body, {}), OtlpParseError);
    // Groups too.
    const g = new PbWriter();
    for (let i = 0; i < 100000; i++) g.tag(5, 3);
    assert.throws(() => decodeOtlpProto(g.finish(), {}), OtlpParseError);
  });
});

describe('JSON decoder on malformed input', () => {
  const text = new TextDecoder().decode(fixture('002_json.json'));

  it('every truncation of 002_json.json throws OtlpParseError', () => {
    for (let n = 0; n < text.length; n++) {
      const r = attempt(() => decodeOtlpJson(text.slice(0, n), {}), `truncated to ${n}`);
      assert.notEqual(r, 'ok', `truncated to ${n}`);
    }
  });

  it('random type swaps inside a real request throw OtlpParseError or decode', () => {
    const rand = prng(3);
    const values = [5, -1, 1.5, 'x', '', true, null, [], {}, [1], { a: 1 }, '12', 'SPAN_KIND_SERVER'];
    const doc = JSON.parse(text);
    const paths: (string | number)[][] = [];
    (function walk(v: unknown, path: (string | number)[]) {
      paths.push(path);
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    })(doc, []);
    for (let i = 0; i < 5000; i++) {
      const copy = JSON.parse(text);
      const path = paths[Math.floor(rand() * paths.length)]!;
      const value = values[Math.floor(rand() * values.length)];
      if (path.length === 0) continue;
      let o = copy;
      for (const k of path.slice(0, -1)) o = o[k];
      o[path[path.length - 1]!] = value;
      attempt(() => decodeOtlpJson(JSON.stringify(copy), {}), `${path.join('.')} = ${JSON.stringify(value)}`);
    }
  });

  it('random bytes throw OtlpParseError or decode', () => {
    const rand = prng(9);
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor(rand() * 32);
      const b = new Uint8Array(n);
      for (let j = 0; j < n; j++) b[j] = Math.floor(rand() * 256);
      attempt(() => decodeOtlpJson(b, {}), `random ${Buffer.from(b).toString('hex')}`);
    }
  });
});

describe('WireReader', () => {
  it('reads varints of every length, int64 extremes and fixed widths', () => {
    const values = [0n, 1n, 127n, 128n, 300n, 2n ** 31n - 1n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, -1n, -2n, -(2n ** 31n), -(2n ** 53n) + 1n, -(2n ** 63n)];
    const w = new PbWriter();
    for (const v of values) w.varint(v);
    w.fixed32(0xdeadbeef).fixed64(0xfedcba9876543210n).double(-0.125);
    const r = new WireReader(w.finish());
    for (const v of values) assert.equal(r.int64(), Number(v), String(v));
    assert.equal(r.fixed32(), 0xdeadbeef);
    assert.equal(r.fixed64(), 0xfedcba9876543210n);
    assert.equal(r.double(), -0.125);
    assert.equal(r.more(), false);
  });

  it('uint32 keeps the low 32 bits; int32 is signed; bool is any non-zero varint', () => {
    const w = new PbWriter().varint(-1n).varint(-5n).varint(2n ** 32n).varint(0n).varint(2n ** 40n);
    const r = new WireReader(w.finish());
    assert.equal(r.uint32(), 0xffffffff);
    assert.equal(r.int32(), -5);
    assert.equal(r.bool(), true);
    assert.equal(r.bool(), false);
    assert.equal(r.bool(), true);
  });

  it('strings: ASCII, cached repeats, UTF-8, long, and invalid UTF-8 replaced', () => {
    const long = 'x'.repeat(100) + 'é';
    const strs = ['', 'a', 'service.name', 'service.name', 'ünïcödé', '𝄞 clef', 'y'.repeat(50), long, 'z'.repeat(1000)];
    const w = new PbWriter();
    for (const s of strs) w.stringField(1, s);
    w.bytesField(1, [0x61, 0xff, 0x62]);
    const r = new WireReader(w.finish());
    for (const s of strs) {
      assert.equal(r.tag(), 0x0a);
      assert.equal(r.string(), s);
    }
    assert.equal(r.tag(), 0x0a);
    assert.equal(r.string(), 'a\ufffdb');
  });

  it('the string cache never returns a stale string for different bytes', () => {
    const rand = prng(5);
    const alphabet = 'abc.';
    for (let i = 0; i < 20000; i++) {
      const n = 1 + Math.floor(rand() * 6);
      let s = '';
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
      const r = new WireReader(new PbWriter().stringField(1, s).finish());
      r.tag();
      assert.equal(r.string(), s);
    }
  });
});
