import type { Decoder } from '../pipeline/payload.js';
import { PayloadError } from '../pipeline/payload.js';
import type { Store } from '../store/store.js';
import type { Decode } from '../receivers/codec.js';
import { CODECS } from '../receivers/codecs.js';

/**
 * The ingest worker's decoder: the registered codec for each payload's kind (`receivers/codecs.ts`), each
 * created with what its `restore` read from the store (e.g. the X-Ray assembler's in-progress documents).
 * A codec whose state cannot be restored still starts, empty: only data spanning the restart is affected.
 */
export async function decodePayload(store: Store, warn: (msg: string) => void): Promise<Decoder> {
  const byKind = new Map<string, Decode>();
  for (const codec of CODECS) {
    let state: unknown;
    try {
      state = await codec.restore?.(store);
    } catch (err) {
      warn(`cannot restore the ${codec.kinds.join('/')} decoder's state: ${(err as Error).message}`);
    }
    const decode = codec.create(state);
    for (const kind of codec.kinds) byKind.set(kind, decode);
  }
  return (p) => {
    const decode = byKind.get(p.kind);
    if (!decode) throw new PayloadError(`no decoder for payload kind ${JSON.stringify(p.kind)}`);
    return decode(p);
  };
}

/**
 * Kinds whose codec keeps no state between payloads (no `restore`): the decode worker reads them, off the
 * ingest worker's thread, in any order. Stateful ones (X-Ray's assembler) stay next to the store.
 */
export function statelessKinds(): string[] {
  return CODECS.filter((c) => !c.restore).flatMap((c) => [...c.kinds]);
}

/** The decode worker's decoder: the stateless codecs only. */
export function statelessDecoder(): Decoder {
  const byKind = new Map<string, Decode>();
  for (const codec of CODECS) {
    if (codec.restore) continue;
    const decode = codec.create();
    for (const kind of codec.kinds) byKind.set(kind, decode);
  }
  return (p) => {
    const decode = byKind.get(p.kind);
    if (!decode) throw new PayloadError(`no stateless decoder for payload kind ${JSON.stringify(p.kind)}`);
    return decode(p);
  };
}
