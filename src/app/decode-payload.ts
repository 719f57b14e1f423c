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
