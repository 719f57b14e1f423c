/**
 * An Events API `time` -> Unix nanoseconds. RFC3339 text keeps its full fraction (Date.parse stops at
 * milliseconds; Beelines send microseconds); msgpack timestamps arrive as Date; numbers are Unix seconds,
 * or milliseconds when too large to be seconds. undefined when missing or unreadable (the event gets now).
 */
const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/i;

export function eventTimeNs(v: unknown): bigint | undefined {
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? BigInt(v.getTime()) * 1_000_000n : undefined;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v <= 0) return undefined;
    // Whole part and fraction apart: v * 1e9 would be past 2^53 and lose the low digits.
    const [unit, perUnit] = v > 1e11 ? [1_000_000n, 1e6] : [1_000_000_000n, 1e9];
    const whole = Math.trunc(v);
    return BigInt(whole) * unit + BigInt(Math.round((v - whole) * perUnit));
  }
  if (typeof v !== 'string') return undefined;
  const m = RFC3339.exec(v.trim());
  if (!m) {
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? BigInt(ms) * 1_000_000n : undefined;
  }
  const seconds = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  if (!Number.isFinite(seconds)) return undefined;
  const frac = BigInt((m[2] ?? '').slice(0, 9).padEnd(9, '0'));
  return BigInt(seconds) * 1_000_000n + frac;
}
