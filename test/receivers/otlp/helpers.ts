import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { traceIdToHex, u64ToHex } from '../../../src/model/ids.js';
import type { SpanBatch } from '../../../src/model/span-batch.js';
import type { AttrScalar, AttrType } from '../../../src/model/span.js';

/** test/fixtures/wire/otel, from dist/test/receivers/otlp or test/receivers/otlp. */
export const OTEL_FIXTURES = (() => {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(d, 'test', 'fixtures', 'wire', 'otel');
    try {
      readFileSync(join(p, '001_proto.pb'));
      return p;
    } catch {
      d = dirname(d);
    }
  }
  throw new Error('fixtures not found');
})();

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(OTEL_FIXTURES, name)));
}

export interface Row {
  traceId: string;
  spanId: string;
  parentId: string;
  name: string;
  dataset: string;
  kind: number;
  startNs: bigint;
  durationNs: bigint;
  statusCode: number;
  statusMessage: string;
  traceState: string;
  flags: number;
  source: number;
  droppedAttrs: number;
  droppedEvents: number;
  droppedLinks: number;
  scopeName: string;
  scopeVersion: string;
  events: unknown;
  links: unknown;
  attrs: Record<string, AttrScalar>;
}

/** A batch as plain rows (attributes that are set, only), for deepStrictEqual. */
export function rows(b: SpanBatch): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < b.length; i++) {
    const attrs: Record<string, AttrScalar> = {};
    for (const [k, col] of b.attrs) {
      const v = col.values[i];
      if (v !== undefined) attrs[k] = v;
    }
    out.push({
      traceId: traceIdToHex(b.traceHi[i]!, b.traceLo[i]!),
      spanId: u64ToHex(b.spanId[i]!),
      parentId: b.parentId[i] === 0n ? '' : u64ToHex(b.parentId[i]!),
      name: b.name[i]!,
      dataset: b.dataset[i]!,
      kind: b.kind[i]!,
      startNs: b.startNs[i]!,
      durationNs: b.durationNs[i]!,
      statusCode: b.statusCode[i]!,
      statusMessage: b.statusMessage[i]!,
      traceState: b.traceState[i]!,
      flags: b.flags[i]!,
      source: b.source[i]!,
      droppedAttrs: b.droppedAttrs[i]!,
      droppedEvents: b.droppedEvents[i]!,
      droppedLinks: b.droppedLinks[i]!,
      scopeName: b.scopeName[i]!,
      scopeVersion: b.scopeVersion[i]!,
      events: b.events[i],
      links: b.links[i],
      attrs,
    });
  }
  return out;
}

export function columnTypes(b: SpanBatch): Record<string, AttrType> {
  const out: Record<string, AttrType> = {};
  for (const [k, col] of b.attrs) out[k] = col.type;
  return out;
}

/** Two batches hold the same spans, field by field, with the same column types and resource keys. */
export function assertSameBatch(a: SpanBatch, b: SpanBatch): void {
  assert.equal(a.length, b.length);
  const ra = rows(a);
  const rb = rows(b);
  for (let i = 0; i < ra.length; i++) assert.deepStrictEqual(ra[i], rb[i], `row ${i}`);
  assert.deepStrictEqual(columnTypes(a), columnTypes(b));
  assert.deepStrictEqual([...a.resourceKeys].sort(), [...b.resourceKeys].sort());
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
