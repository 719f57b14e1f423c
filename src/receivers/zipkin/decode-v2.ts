/**
 * Zipkin v2 request bodies -> `ZipkinSpan`s: JSON (`application/json`, a list of spans) and proto3
 * (`application/x-protobuf`, `zipkin.proto3.ListOfSpans`), read with the OTLP wire reader.
 */
import { PayloadError } from '../../pipeline/payload.js';
import { bytesToHex } from '../../model/ids.js';
import { WireReader } from '../otlp/wire-reader.js';
import type { ZipkinEndpoint, ZipkinSpan } from './zipkin-span.js';

export function decodeZipkinJsonV2(body: Uint8Array): ZipkinSpan[] {
  return parseJsonList<ZipkinSpan>(body, 'JSON_V2');
}

/** A JSON list of objects, or a PayloadError worded as Zipkin's (`Expected a JSON_V2 encoded list`). */
export function parseJsonList<T>(body: Uint8Array, format: 'JSON_V1' | 'JSON_V2'): T[] {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (err) {
    throw new PayloadError(`Expected a ${format} encoded list: ${(err as Error).message}`);
  }
  if (!Array.isArray(v)) throw new PayloadError(`Expected a ${format} encoded list`);
  v.forEach((s, i) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new PayloadError(`Expected a ${format} encoded list: span ${i} is not an object`);
  });
  return v as T[];
}

const KINDS = ['', 'CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'];

/** `ListOfSpans { repeated Span spans = 1; }` */
export function decodeZipkinProto3(body: Uint8Array): ZipkinSpan[] {
  const r = new WireReader(body);
  const spans: ZipkinSpan[] = [];
  while (r.more()) {
    const t = r.tag();
    if (t === ((1 << 3) | 2)) {
      const outer = r.enter();
      spans.push(readSpan(r));
      r.leave(outer);
    } else r.skip(t);
  }
  return spans;
}

function readSpan(r: WireReader): ZipkinSpan {
  const s: ZipkinSpan = { traceId: '', id: '' };
  while (r.more()) {
    const t = r.tag();
    switch (t) {
      case (1 << 3) | 2: s.traceId = bytesToHex(r.bytes()); break;
      case (2 << 3) | 2: s.parentId = bytesToHex(r.bytes()); break;
      case (3 << 3) | 2: s.id = bytesToHex(r.bytes()); break;
      case (4 << 3) | 0: s.kind = KINDS[r.uint32()] || undefined; break;
      case (5 << 3) | 2: s.name = r.string(); break;
      case (6 << 3) | 1: s.timestamp = Number(r.fixed64()); break;
      case (7 << 3) | 0: s.duration = r.int64(); break;
      case (8 << 3) | 2: s.localEndpoint = endpoint(r); break;
      case (9 << 3) | 2: s.remoteEndpoint = endpoint(r); break;
      case (10 << 3) | 2: (s.annotations ??= []).push(annotation(r)); break;
      case (11 << 3) | 2: { const [k, v] = mapEntry(r); (s.tags ??= {})[k] = v; break; }
      case (12 << 3) | 0: s.debug = r.bool(); break;
      case (13 << 3) | 0: s.shared = r.bool(); break;
      default: r.skip(t);
    }
  }
  return s;
}

function endpoint(r: WireReader): ZipkinEndpoint {
  const outer = r.enter();
  const e: ZipkinEndpoint = {};
  while (r.more()) {
    const t = r.tag();
    if (t === ((1 << 3) | 2)) e.serviceName = r.string();
    else if (t === ((2 << 3) | 2)) e.ipv4 = Array.from(r.bytes()).join('.');
    else if (t === ((3 << 3) | 2)) e.ipv6 = ipv6(r.bytes());
    else if (t === ((4 << 3) | 0)) e.port = r.int32();
    else r.skip(t);
  }
  r.leave(outer);
  return e;
}

function annotation(r: WireReader): { timestamp: number; value: string } {
  const outer = r.enter();
  const a = { timestamp: 0, value: '' };
  while (r.more()) {
    const t = r.tag();
    if (t === ((1 << 3) | 1)) a.timestamp = Number(r.fixed64());
    else if (t === ((2 << 3) | 2)) a.value = r.string();
    else r.skip(t);
  }
  r.leave(outer);
  return a;
}

function mapEntry(r: WireReader): [string, string] {
  const outer = r.enter();
  let k = '';
  let v = '';
  while (r.more()) {
    const t = r.tag();
    if (t === ((1 << 3) | 2)) k = r.string();
    else if (t === ((2 << 3) | 2)) v = r.string();
    else r.skip(t);
  }
  r.leave(outer);
  return [k, v];
}

function ipv6(b: Uint8Array): string {
  const hex = bytesToHex(b);
  return hex.match(/.{1,4}/g)?.join(':') ?? '';
}
