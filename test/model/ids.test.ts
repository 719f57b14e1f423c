import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InvalidIdError, hexToTraceId, hexToU64, isXrayTraceId, normalizeTraceId, traceIdToHex, u64ToHex, w3cToXray, xrayToW3c,
} from '../../src/model/ids.js';

describe('ids', () => {
  it('converts X-Ray ids to W3C and back', () => {
    assert.equal(xrayToW3c('1-5f84c7a1-1234567890abcdef12345678'), '5f84c7a11234567890abcdef12345678');
    assert.equal(w3cToXray('5f84c7a11234567890abcdef12345678'), '1-5f84c7a1-1234567890abcdef12345678');
    assert.ok(isXrayTraceId('1-5f84c7a1-1234567890abcdef12345678'));
    for (const bad of ['1-5f84c7a1-1234567890abcdef1234567', '2-5f84c7a1-1234567890abcdef12345678', '1-5f84c7a11234567890abcdef12345678', '1-5F84C7A1-1234567890abcdef12345678']) {
      assert.equal(isXrayTraceId(bad), false, bad);
      assert.throws(() => xrayToW3c(bad), InvalidIdError);
    }
    assert.throws(() => w3cToXray('xyz'), InvalidIdError);
  });

  it('round-trips 64-bit halves, including the sign bit', () => {
    for (const hex of ['0000000000000001', 'ffffffffffffffff', '8000000000000000', '7fffffffffffffff', '216d7bbf051809ad']) {
      assert.equal(u64ToHex(hexToU64(hex)), hex);
    }
    assert.equal(hexToU64('ffffffffffffffff'), -1n);
    const t = 'ffffffffffffffff0000000000000001';
    const [hi, lo] = hexToTraceId(t);
    assert.equal(traceIdToHex(hi, lo), t);
    assert.throws(() => hexToU64('123'), InvalidIdError);
    assert.throws(() => hexToTraceId('ABCDEF0123456789ABCDEF0123456789'), InvalidIdError);
  });

  it('normalizes any trace id a user may paste', () => {
    assert.equal(normalizeTraceId('5F84C7A11234567890ABCDEF12345678'), '5f84c7a11234567890abcdef12345678');
    assert.equal(normalizeTraceId('1234567890abcdef'), '00000000000000001234567890abcdef');
    assert.equal(normalizeTraceId(' 1-5f84c7a1-1234567890abcdef12345678 '), '5f84c7a11234567890abcdef12345678');
    for (const bad of ['', 'zz', '123', '1-5f84c7a1-12']) assert.throws(() => normalizeTraceId(bad), InvalidIdError);
  });
});
