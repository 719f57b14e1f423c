/**
 * OTLP protobuf encoding of generated spans (ExportTraceServiceRequest, opentelemetry-proto v1).
 *
 * Why hand-written and not @opentelemetry/otlp-transformer: the transformer needs a full SDK
 * `ReadableSpan` per span (resource, scope, hrtime tuples...) and goes through protobufjs objects;
 * the generator has to produce 10M spans in a few minutes on a shared 2-core machine beside the server
 * it is loading, so it writes the wire format straight from its compact span records (one pass, one
 * growable buffer, canonical varint lengths). Test test/bench/generate.test.ts decodes its output
 * with the server's own decoder, so a wire mistake fails there.
 */

export type GenAttr = string | number | boolean;

/** One generated span; ids are raw bytes (16 and 8). */
export interface GenSpan {
  traceId: Uint8Array;
  spanId: Uint8Array;
  parentSpanId: Uint8Array | null;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attrs: [string, GenAttr][];
  /** 0 unset, 1 ok, 2 error. */
  status: number;
  statusMessage?: string;
  events?: { timeNs: bigint; name: string; attrs: [string, GenAttr][] }[];
}

export interface GenResourceSpans {
  resource: [string, GenAttr][];
  scope: { name: string; version: string };
  spans: GenSpan[];
}

const enc = new TextEncoder();

/** A growable protobuf writer; `begin()`/`end()` wrap a length-delimited field, shifting its body once its length is known. */
class Writer {
  buf = new Uint8Array(1 << 16);
  pos = 0;
  private starts: number[] = [];
  private view = new DataView(this.buf.buffer);

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(v: number): void {
    this.ensure(10);
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  bytes(field: number, b: Uint8Array): void {
    this.tag(field, 2);
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  string(field: number, s: string): void {
    this.tag(field, 2);
    // Worst case 3 bytes per UTF-16 unit; encodeInto writes in place, then the length is fixed up.
    this.ensure(s.length * 3 + 5);
    const lenPos = this.pos;
    const maxLen = s.length * 3;
    const lenBytes = maxLen < 128 ? 1 : maxLen < 16384 ? 2 : 3;
    const { written } = enc.encodeInto(s, this.buf.subarray(lenPos + lenBytes));
    let n = written;
    let i = lenPos;
    for (let k = 0; k < lenBytes - 1; k++) {
      this.buf[i++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[i] = n;
    // A padded varint is legal protobuf but not canonical: shrink it when the length fits in fewer bytes.
    const need = written < 128 ? 1 : written < 16384 ? 2 : 3;
    if (need < lenBytes) {
      const body = lenPos + lenBytes;
      this.buf.copyWithin(lenPos + need, body, body + written);
      this.pos = lenPos;
      this.varint(written);
      this.pos += written;
    } else {
      this.pos = lenPos + lenBytes + written;
    }
  }

  fixed64(field: number, v: bigint): void {
    this.tag(field, 1);
    this.ensure(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  begin(field: number): void {
    this.tag(field, 2);
    this.starts.push(this.pos);
  }

  end(): void {
    const start = this.starts.pop()!;
    const len = this.pos - start;
    const n = len < 128 ? 1 : len < 16384 ? 2 : len < 2097152 ? 3 : 4;
    this.ensure(n);
    this.buf.copyWithin(start + n, start, this.pos);
    const save = this.pos + n;
    this.pos = start;
    this.varint(len);
    this.pos = save;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

function keyValue(w: Writer, field: number, key: string, v: GenAttr): void {
  w.begin(field);
  w.string(1, key);
  w.begin(2);
  if (typeof v === 'string') w.string(1, v);
  else if (typeof v === 'boolean') { w.tag(2, 0); w.varint(v ? 1 : 0); }
  else if (Number.isInteger(v) && v >= 0) { w.tag(3, 0); w.varint(v); }
  else w.double(4, v);
  w.end();
  w.end();
}

/** ExportTraceServiceRequest bytes for these resources' spans. */
export function encodeRequest(resources: readonly GenResourceSpans[]): Uint8Array {
  const w = new Writer();
  for (const r of resources) {
    w.begin(1); // resource_spans
    w.begin(1); // resource
    for (const [k, v] of r.resource) keyValue(w, 1, k, v);
    w.end();
    w.begin(2); // scope_spans
    w.begin(1);
    w.string(1, r.scope.name);
    w.string(2, r.scope.version);
    w.end();
    for (const s of r.spans) {
      w.begin(2);
      w.bytes(1, s.traceId);
      w.bytes(2, s.spanId);
      if (s.parentSpanId) w.bytes(4, s.parentSpanId);
      w.string(5, s.name);
      w.tag(6, 0);
      w.varint(s.kind);
      w.fixed64(7, s.startNs);
      w.fixed64(8, s.endNs);
      for (const [k, v] of s.attrs) keyValue(w, 9, k, v);
      for (const e of s.events ?? []) {
        w.begin(11);
        w.fixed64(1, e.timeNs);
        w.string(2, e.name);
        for (const [k, v] of e.attrs) keyValue(w, 3, k, v);
        w.end();
      }
      if (s.status) {
        w.begin(15);
        if (s.statusMessage) w.string(2, s.statusMessage);
        w.tag(3, 0);
        w.varint(s.status);
        w.end();
      }
      w.end();
    }
    w.end();
    w.end();
  }
  return w.finish();
}
