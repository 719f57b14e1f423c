/**
 * X-Ray documents from the UDP socket thread, as one buffer: `[u32 count][u32 end offset x count][UTF-8 bytes]`
 * (little-endian; offsets relative to the start of the bytes). Issue 11: as `string[]` a batch was cloned
 * twice (socket thread -> main -> decode worker), and the copies waiting in the decode worker's queue under
 * overload were promoted to its old generation, which V8 then let grow to ~4x what was live (bench:xray 30k:
 * 300+ MiB of heap for ~52 MiB of queued documents). As one buffer it is transferred, never copied, held
 * outside the JS heap at exactly its byte size (what the pipeline counts), and the strings are only made in
 * the decode call, where they die young.
 */
export function packDocuments(parts: readonly Uint8Array[], bytes: number): Uint8Array {
  const head = 4 * (parts.length + 1);
  const out = new Uint8Array(head + bytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, parts.length, true);
  let at = 0;
  parts.forEach((p, i) => {
    out.set(p, head + at);
    at += p.byteLength;
    view.setUint32(4 * (i + 1), at, true);
  });
  return out;
}

/** The documents of `packDocuments`' buffer, as text; throws on a buffer that is not one. */
export function unpackDocuments(packed: Uint8Array): string[] {
  const b = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  if (b.length < 4) throw new RangeError('packed X-Ray documents: truncated');
  const count = b.readUInt32LE(0);
  const head = 4 * (count + 1);
  if (head > b.length) throw new RangeError('packed X-Ray documents: truncated');
  const docs = new Array<string>(count);
  let start = head;
  for (let i = 0; i < count; i++) {
    const end = head + b.readUInt32LE(4 * (i + 1));
    if (end < start || end > b.length) throw new RangeError('packed X-Ray documents: bad offset');
    docs[i] = b.toString('utf8', start, end);
    start = end;
  }
  return docs;
}
