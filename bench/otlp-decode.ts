/**
 * OTLP decode speed, one core, no I/O: how many spans/s the receiver's decoders turn into a `SpanBatch`.
 *
 * Standalone: `node dist/bench/otlp-decode.js [seconds]` prints spans/s for test/fixtures/wire/otel/payload_512.pb
 * (protobuf) and payload_512.json (OTLP/JSON). `measureDecode` is also used by bench/ingest.ts to put the ingest
 * rate next to the decode-only rate.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeOtlpJson } from '../src/receivers/otlp/decode-json.js';
import { decodeOtlpProto } from '../src/receivers/otlp/decode-proto.js';

/** Whether a body looks like OTLP/JSON (first non-blank byte `{`) rather than protobuf. */
function looksLikeJson(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x7b || c === 0xef; // '{' or a UTF-8 BOM
  }
  return false;
}

/**
 * Decodes `payload` over and over for about `seconds` (after a short warm-up) and returns the rate. The encoding
 * is detected: a body starting with `{` is OTLP/JSON, anything else protobuf.
 */
export function measureDecode(payload: Uint8Array, seconds: number, encoding?: 'proto' | 'json'): { spansPerSec: number } {
  const json = encoding === undefined ? looksLikeJson(payload) : encoding === 'json';
  const decode = json ? () => decodeOtlpJson(payload, {}) : () => decodeOtlpProto(payload, {});
  let spans = 0;
  const warmUntil = performance.now() + Math.min(1000, seconds * 200);
  while (performance.now() < warmUntil) spans += decode().batch.length;
  spans = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  let now = start;
  while (now < until) {
    for (let i = 0; i < 5; i++) spans += decode().batch.length;
    now = performance.now();
  }
  return { spansPerSec: spans / ((now - start) / 1000) };
}

function fixturesDir(): string {
  // dist/bench/otlp-decode.js or bench/otlp-decode.ts -> <repo>/test/fixtures/wire/otel
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const p = join(d, 'test', 'fixtures', 'wire', 'otel');
    try {
      readFileSync(join(p, 'payload_512.pb'));
      return p;
    } catch {
      d = dirname(d);
    }
  }
  return resolve('test/fixtures/wire/otel');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const seconds = Number(process.argv[2] ?? 5);
  const dir = fixturesDir();
  for (const [file, enc] of [['payload_512.pb', 'proto'], ['payload_512.json', 'json']] as const) {
    const payload = new Uint8Array(readFileSync(join(dir, file)));
    const { spansPerSec } = measureDecode(payload, seconds, enc);
    console.log(`${enc.padEnd(5)} ${file.padEnd(17)} ${(payload.length / 1024).toFixed(0).padStart(4)} KiB  ${Math.round(spansPerSec).toLocaleString('en-US').padStart(10)} spans/s`);
  }
}
