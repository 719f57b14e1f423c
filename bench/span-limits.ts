/**
 * What the span limits (src/model/span-limits.ts) cost on the ingest hot path, one core, no I/O: OTLP protobuf
 * decode alone (the baseline, measured in the same run) against decode + `applySpanLimits` with the default
 * limits (nothing over: the fast path) and with tight limits that cut (8 attributes, 16 characters: the
 * counting and cutting path). Rounds alternate so that machine noise hits all three alike.
 *
 * `npm run bench:span-limits [-- seconds]` (default 2 s per round, 3 rounds).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeOtlpProto } from '../src/receivers/otlp/decode-proto.js';
import { applySpanLimits, DEFAULT_SPAN_LIMITS, type SpanLimits } from '../src/model/span-limits.js';

const payload = new Uint8Array(readFileSync(resolve('test/fixtures/wire/otel/payload_512.pb')));
const seconds = Number(process.argv[2] ?? 2);
const TIGHT: SpanLimits = { maxSpansPerRequest: 100_000, maxAttributesPerSpan: 8, maxAttributeValueLength: 16 };

const cases: [string, () => number][] = [
  ['decode only (baseline)', () => decodeOtlpProto(payload, {}).batch.length],
  ['decode + limits, defaults', () => { const b = decodeOtlpProto(payload, {}).batch; applySpanLimits(b, DEFAULT_SPAN_LIMITS); return b.length; }],
  ['decode + limits, cutting', () => { const b = decodeOtlpProto(payload, {}).batch; applySpanLimits(b, TIGHT); return b.length; }],
];

function rate(fn: () => number, s: number): number {
  let spans = 0;
  const start = performance.now();
  const until = start + s * 1000;
  let now = start;
  while (now < until) {
    for (let i = 0; i < 5; i++) spans += fn();
    now = performance.now();
  }
  return spans / ((now - start) / 1000);
}

for (const [, fn] of cases) rate(fn, 0.5); // warm-up
const totals = cases.map(() => 0);
for (let round = 0; round < 3; round++) cases.forEach(([, fn], i) => (totals[i]! += rate(fn, seconds)));
const base = totals[0]! / 3;
console.log(`payload_512.pb, ${seconds} s x 3 rounds each`);
cases.forEach(([name], i) => {
  const r = totals[i]! / 3;
  console.log(`${name.padEnd(28)} ${Math.round(r).toLocaleString('en-US').padStart(10)} spans/s   ratio to decode only ${(r / base).toFixed(3)}`);
});
