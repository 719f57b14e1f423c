/**
 * Fresh ids for the benchmark payload without re-encoding it: finds every trace/span id field of an
 * OTLP ExportTraceServiceRequest once, then XORs each id with a per-request salt. Parent/child and
 * link relations survive (the same old id always maps to the same new id within a request).
 */

interface IdField { offset: number; length: number }

function varint(buf: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++]!;
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [v, pos];
    shift += 7;
  }
}

/** Walks the message in [start, end); `path` says which length-delimited fields to descend into. */
function walk(buf: Uint8Array, start: number, end: number, depth: number, out: IdField[]): void {
  let pos = start;
  while (pos < end) {
    let key;
    [key, pos] = varint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) { [, pos] = varint(buf, pos); continue; }
    if (wire === 1) { pos += 8; continue; }
    if (wire === 5) { pos += 4; continue; }
    if (wire !== 2) throw new Error(`unexpected wire type ${wire}`);
    let len;
    [len, pos] = varint(buf, pos);
    const inner = pos;
    pos += len;
    // depth 0: request.resource_spans(1); 1: ResourceSpans.scope_spans(2); 2: ScopeSpans.spans(2);
    // 3: Span: trace_id(1), span_id(2), parent_span_id(4), links(13); 4: Link: trace_id(1), span_id(2).
    if (depth === 0 && field === 1) walk(buf, inner, pos, 1, out);
    else if (depth === 1 && field === 2) walk(buf, inner, pos, 2, out);
    else if (depth === 2 && field === 2) walk(buf, inner, pos, 3, out);
    else if (depth === 3 && (field === 1 || field === 2 || field === 4) && len > 0) out.push({ offset: inner, length: len });
    else if (depth === 3 && field === 13) walk(buf, inner, pos, 4, out);
    else if (depth === 4 && (field === 1 || field === 2) && len > 0) out.push({ offset: inner, length: len });
  }
}

export function findIdFields(payload: Uint8Array): IdField[] {
  const out: IdField[] = [];
  walk(payload, 0, payload.length, 0, out);
  return out;
}

/** A copy of `payload` whose ids are XORed with `salt` (16 random bytes). */
export function withFreshIds(payload: Uint8Array, fields: IdField[], salt: Uint8Array): Buffer {
  const b = Buffer.from(payload);
  for (const f of fields) for (let i = 0; i < f.length; i++) b[f.offset + i]! ^= salt[i]!;
  return b;
}
