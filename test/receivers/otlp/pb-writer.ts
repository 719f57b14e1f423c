/**
 * Test helper: a tiny protobuf writer, and an OTLP/JSON -> OTLP/protobuf encoder built on it, so that one request
 * written as OTLP/JSON can be fed to both decoders. Deliberately simple and independent of the decoder code.
 */

export class PbWriter {
  private out: number[] = [];

  tag(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }

  /** Unsigned varint of a number (< 2^53) or bigint (negative bigints as 64-bit two's complement). */
  varint(v: number | bigint): this {
    let x = typeof v === 'bigint' ? BigInt.asUintN(64, v) : v < 0 ? BigInt.asUintN(64, BigInt(v)) : BigInt(v);
    while (x >= 0x80n) {
      this.out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.out.push(Number(x));
    return this;
  }

  raw(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.out.push(bytes[i]!);
    return this;
  }

  fixed32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    return this.raw(b);
  }

  fixed64(v: bigint): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    return this.raw(b);
  }

  double(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return this.raw(b);
  }

  varintField(field: number, v: number | bigint): this {
    return this.tag(field, 0).varint(v);
  }

  fixed32Field(field: number, v: number): this {
    return this.tag(field, 5).fixed32(v);
  }

  fixed64Field(field: number, v: bigint): this {
    return this.tag(field, 1).fixed64(v);
  }

  doubleField(field: number, v: number): this {
    return this.tag(field, 1).double(v);
  }

  bytesField(field: number, b: ArrayLike<number>): this {
    return this.tag(field, 2).varint(b.length).raw(b);
  }

  stringField(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }

  messageField(field: number, build: (w: PbWriter) => void): this {
    const w = new PbWriter();
    build(w);
    return this.bytesField(field, w.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

function hexBytes(hex: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < hex.length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
type J = any;

export function encodeAnyValue(w: PbWriter, v: J): void {
  if (v.stringValue !== undefined) w.stringField(1, v.stringValue);
  else if (v.boolValue !== undefined) w.varintField(2, v.boolValue ? 1 : 0);
  else if (v.intValue !== undefined) w.varintField(3, BigInt(v.intValue));
  else if (v.doubleValue !== undefined) w.doubleField(4, Number(v.doubleValue));
  else if (v.arrayValue !== undefined)
    w.messageField(5, (a) => {
      for (const x of v.arrayValue.values ?? []) a.messageField(1, (xw) => encodeAnyValue(xw, x));
    });
  else if (v.kvlistValue !== undefined)
    w.messageField(6, (a) => {
      for (const kv of v.kvlistValue.values ?? []) a.messageField(1, (kw) => encodeKeyValue(kw, kv));
    });
  else if (v.bytesValue !== undefined) w.bytesField(7, Buffer.from(v.bytesValue, 'base64'));
}

export function encodeKeyValue(w: PbWriter, kv: J): void {
  if (kv.key !== undefined) w.stringField(1, kv.key);
  if (kv.value !== undefined) w.messageField(2, (vw) => encodeAnyValue(vw, kv.value));
}

function attrs(w: PbWriter, field: number, list: J[] | undefined): void {
  for (const kv of list ?? []) w.messageField(field, (kw) => encodeKeyValue(kw, kv));
}

export function encodeSpan(w: PbWriter, s: J): void {
  if (s.traceId) w.bytesField(1, hexBytes(s.traceId));
  if (s.spanId) w.bytesField(2, hexBytes(s.spanId));
  if (s.traceState) w.stringField(3, s.traceState);
  if (s.parentSpanId) w.bytesField(4, hexBytes(s.parentSpanId));
  if (s.flags) w.fixed32Field(16, s.flags);
  if (s.name) w.stringField(5, s.name);
  if (s.kind) w.varintField(6, s.kind);
  if (s.startTimeUnixNano !== undefined) w.fixed64Field(7, BigInt(s.startTimeUnixNano));
  if (s.endTimeUnixNano !== undefined) w.fixed64Field(8, BigInt(s.endTimeUnixNano));
  attrs(w, 9, s.attributes);
  if (s.droppedAttributesCount) w.varintField(10, s.droppedAttributesCount);
  for (const e of s.events ?? [])
    w.messageField(11, (ew) => {
      if (e.timeUnixNano !== undefined) ew.fixed64Field(1, BigInt(e.timeUnixNano));
      if (e.name) ew.stringField(2, e.name);
      attrs(ew, 3, e.attributes);
      if (e.droppedAttributesCount) ew.varintField(4, e.droppedAttributesCount);
    });
  if (s.droppedEventsCount) w.varintField(12, s.droppedEventsCount);
  for (const l of s.links ?? [])
    w.messageField(13, (lw) => {
      if (l.traceId) lw.bytesField(1, hexBytes(l.traceId));
      if (l.spanId) lw.bytesField(2, hexBytes(l.spanId));
      if (l.traceState) lw.stringField(3, l.traceState);
      attrs(lw, 4, l.attributes);
      if (l.droppedAttributesCount) lw.varintField(5, l.droppedAttributesCount);
      if (l.flags) lw.fixed32Field(6, l.flags);
    });
  if (s.droppedLinksCount) w.varintField(14, s.droppedLinksCount);
  if (s.status)
    w.messageField(15, (sw) => {
      if (s.status.message) sw.stringField(2, s.status.message);
      if (s.status.code) sw.varintField(3, s.status.code);
    });
}

/** OTLP/JSON request object (camelCase, hex ids, numeric enums) -> protobuf bytes. */
export function encodeRequest(req: J): Uint8Array {
  const w = new PbWriter();
  for (const rs of req.resourceSpans ?? [])
    w.messageField(1, (rw) => {
      if (rs.resource)
        rw.messageField(1, (resw) => {
          attrs(resw, 1, rs.resource.attributes);
          if (rs.resource.droppedAttributesCount) resw.varintField(2, rs.resource.droppedAttributesCount);
        });
      for (const ss of rs.scopeSpans ?? [])
        rw.messageField(2, (sw) => {
          if (ss.scope)
            sw.messageField(1, (scw) => {
              if (ss.scope.name) scw.stringField(1, ss.scope.name);
              if (ss.scope.version) scw.stringField(2, ss.scope.version);
              attrs(scw, 3, ss.scope.attributes);
            });
          for (const s of ss.spans ?? []) sw.messageField(2, (spw) => encodeSpan(spw, s));
          if (ss.schemaUrl) sw.stringField(3, ss.schemaUrl);
        });
      if (rs.schemaUrl) rw.stringField(3, rs.schemaUrl);
    });
  return w.finish();
}
