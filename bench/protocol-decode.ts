/**
 * `node dist/bench/protocol-decode.js [seconds]`: decode-only speed of every protocol's codec, one core, no I/O,
 * for the same 512 spans (test/fixtures/wire/otel/payload_512.pb, rendered per protocol by protocol-bodies.ts),
 * with the ratio to OTLP protobuf measured in the same run. Unlike `bench:ingest --protocol`, this does not
 * depend on the server or on what else the machine runs at that minute, so it says which decoder is slow.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CODECS } from '../src/receivers/codecs.js';
import type { IngestPayload } from '../src/pipeline/payload.js';
import { EVENTS_KINDS } from '../src/receivers/honeycomb-events/codec.js';
import { ZIPKIN_KINDS } from '../src/receivers/zipkin/codec.js';
import { JAEGER_KINDS } from '../src/receivers/jaeger/codec.js';
import { TRACE_MARK, eventsBody, jaegerBody, zipkinBody } from './protocol-bodies.js';

const seconds = Number(process.argv[2] ?? 3);
const payload = new Uint8Array(readFileSync(resolve('test/fixtures/wire/otel/payload_512.pb')));
const text = (s: string) => new TextEncoder().encode(s.replaceAll(TRACE_MARK, 'abcdef01'));

const cases: [string, IngestPayload][] = [
  ['otlp-http / otlp-grpc (protobuf)', { kind: 'otlp-proto', body: payload }],
  ['events (JSON batch)', { kind: EVENTS_KINDS['batch-json'], body: text(eventsBody(payload)), dataset: 'bench' }],
  ['zipkin (v2 JSON)', { kind: ZIPKIN_KINDS.v2Json, body: text(zipkinBody(payload)) }],
  ['jaeger (collector Thrift)', { kind: JAEGER_KINDS.collectorBinary, body: new Uint8Array(jaegerBody(payload).body) }],
];

function rate(p: IngestPayload): number {
  const decode = CODECS.find((c) => c.kinds.includes(p.kind))!.create();
  let spans = 0;
  const warm = performance.now() + 500;
  while (performance.now() < warm) decode(p);
  const start = performance.now();
  let now = start;
  while (now < start + seconds * 1000) {
    spans += decode(p).batch.length;
    now = performance.now();
  }
  return spans / ((now - start) / 1000);
}

const base = rate(cases[0]![1]);
console.log(`decode-only, ${seconds}s each, 512 spans per body`);
for (const [name, p] of cases) {
  const r = name === cases[0]![0] ? base : rate(p);
  console.log(`  ${name.padEnd(34)} ${r.toFixed(0).padStart(9)} spans/s  ratio ${(r / base).toFixed(2)}`);
}
