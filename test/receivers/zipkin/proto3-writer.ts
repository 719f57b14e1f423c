/** Writes `zipkin.proto3.ListOfSpans` bytes (zipkin-api `zipkin.proto`), for tests: no Zipkin client sends proto3 from Node. */
export interface Proto3Span { traceId: string; id: string; parentId?: string; name: string; kind: number; timestamp: number; duration: number; service: string; tags: Record<string, string>; annotation?: string }

export function zipkinProto3(spans: Proto3Span[]): Uint8Array {
  const out: number[] = [];
  for (const s of spans) field(out, 1, spanBytes(s));
  return Uint8Array.from(out);
}

function spanBytes(s: Proto3Span): number[] {
  const b: number[] = [];
  field(b, 1, hex(s.traceId));
  if (s.parentId) field(b, 2, hex(s.parentId));
  field(b, 3, hex(s.id));
  b.push((4 << 3) | 0); varint(b, s.kind);
  field(b, 5, utf8(s.name));
  b.push((6 << 3) | 1); fixed64(b, s.timestamp);
  b.push((7 << 3) | 0); varint(b, s.duration);
  const ep: number[] = [];
  field(ep, 1, utf8(s.service));
  field(ep, 2, [127, 0, 0, 1]);
  field(b, 8, ep);
  if (s.annotation) {
    const a: number[] = [];
    a.push((1 << 3) | 1); fixed64(a, s.timestamp);
    field(a, 2, utf8(s.annotation));
    field(b, 10, a);
  }
  for (const [k, v] of Object.entries(s.tags)) {
    const e: number[] = [];
    field(e, 1, utf8(k));
    field(e, 2, utf8(v));
    field(b, 11, e);
  }
  return b;
}

function field(out: number[], n: number, bytes: number[]): void {
  out.push((n << 3) | 2);
  varint(out, bytes.length);
  out.push(...bytes);
}
function varint(out: number[], v: number): void {
  while (v >= 0x80) { out.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
  out.push(v);
}
function fixed64(out: number[], v: number): void {
  let x = BigInt(v);
  for (let i = 0; i < 8; i++) { out.push(Number(x & 0xffn)); x >>= 8n; }
}
const utf8 = (s: string) => Array.from(new TextEncoder().encode(s));
const hex = (h: string) => h.match(/../g)!.map((x) => parseInt(x, 16));
