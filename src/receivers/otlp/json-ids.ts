/**
 * OTLP/JSON trace and span ids, hex strings in either case: halves of 16 hex chars -> signed 64-bit bigints, through
 * a scratch DataView (one bigint allocation per half).
 */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}
const scratch = new DataView(new ArrayBuffer(8));
/** Set by hexU64: whether the 16 hex chars were all zero (importers see it change: an ES module live binding). */
export let hexZero = false;

/** 16 hex chars of `s` at `off` -> signed bigint, or null if one is not a hex digit. */
export function hexU64(s: string, off: number): bigint | null {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 8; i++) {
    const c = s.charCodeAt(off + i);
    const d = c < 128 ? HEX[c]! : -1;
    if (d < 0) return null;
    hi = (hi << 4) | d;
  }
  for (let i = 8; i < 16; i++) {
    const c = s.charCodeAt(off + i);
    const d = c < 128 ? HEX[c]! : -1;
    if (d < 0) return null;
    lo = (lo << 4) | d;
  }
  hexZero = hi === 0 && lo === 0;
  scratch.setUint32(0, hi >>> 0);
  scratch.setUint32(4, lo >>> 0);
  return scratch.getBigInt64(0);
}

/** Whether every char of `s` is a hex digit. */
export function isHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || HEX[c]! < 0) return false;
  }
  return true;
}
