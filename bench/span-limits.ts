/**
 * What the span limits (src/model/span-limits.ts) cost on the ingest hot path, one core, no I/O: OTLP protobuf
 * decode alone (the baseline, measured in the same run) against decode + `applySpanLimits` with the default
 * limits (nothing over: the fast path) and with tight limits that cut (8 attributes, 16 characters: the
 * counting and cutting path). Rounds alternate so that machine noise hits all three alike, and each case's
 * best round is reported (on a shared machine the best round is the one least disturbed by others).
 *
 * `npm run bench:span-limits [-- seconds]` (default 1 s per round, 7 rounds).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decodeOtlpProto } from '../src/receivers/otlp/decode-proto.js';
import { applySpanLimits, DEFAULT_SPAN_LIMITS, type SpanLimits } from '../src/model/span-limits.js';

const payload = new Uint8Array(readFileSync(resolve('test/fixtures/wire/otel/payload_512.pb')));
const seconds = Number(process.argv[2] ?? 1);
const ROUNDS = 7;
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
const best = cases.map(() => 0);
for (let round = 0; round < ROUNDS; round++) cases.forEach(([, fn], i) => (best[i] = Math.max(best[i]!, rate(fn, seconds))));
const base = best[0]!;
console.log(`payload_512.pb, best of ${ROUNDS} rounds of ${seconds} s each`);
cases.forEach(([name], i) => {
  console.log(`${name.padEnd(28)} ${Math.round(best[i]!).toLocaleString('en-US').padStart(10)} spans/s   ratio to decode only ${(best[i]! / base).toFixed(3)}`);
});

// The step alone, on batches decoded beforehand (defaults change nothing, so they can be applied again):
// its cost per span next to decoding's, a figure less at the mercy of the machine's noise than the rates.
const decoded = Array.from({ length: 200 }, () => decodeOtlpProto(payload, {}).batch);
let limitsBest = 0;
for (let round = 0; round < ROUNDS; round++) {
  const t = performance.now();
  for (const b of decoded) applySpanLimits(b, DEFAULT_SPAN_LIMITS);
  const perSpanUs = ((performance.now() - t) * 1000) / (decoded.length * decoded[0]!.length);
  limitsBest = limitsBest === 0 ? perSpanUs : Math.min(limitsBest, perSpanUs);
}
const decodeUs = 1e6 / base;
console.log(`per span: decode ${decodeUs.toFixed(3)} us, limits step (defaults) ${limitsBest.toFixed(3)} us = ${((100 * limitsBest) / decodeUs).toFixed(1)}% of decode`);
