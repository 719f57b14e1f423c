import type { Decoder } from '../pipeline/payload.js';
import { PayloadError } from '../pipeline/payload.js';
import type { Store } from '../store/store.js';
import type { Decode } from '../receivers/codec.js';
import { CODECS } from '../receivers/codecs.js';
import type { SpanLimits } from '../model/span-limits.js';
import { limitSpans } from './limit-spans.js';

/**
 * Each codec's state as its `restore` read it from the store (e.g. the X-Ray assembler's in-progress
 * documents), in `CODECS` order; plain data, so the ingest worker (which owns the store) can hand it to the
 * decode worker. A codec whose state cannot be restored still starts, empty: only data spanning the restart
 * is affected.
 */
export async function restoreStates(store: Store, warn: (msg: string) => void): Promise<unknown[]> {
  const states: unknown[] = [];
  for (const codec of CODECS) {
    let state: unknown;
    try {
      state = await codec.restore?.(store);
    } catch (err) {
      warn(`cannot restore the ${codec.kinds.join('/')} decoder's state: ${(err as Error).message}`);
    }
    states.push(state);
  }
  return states;
}

/**
 * The registered codec for each payload's kind (`receivers/codecs.ts`), each created with its restored state,
 * with the span limits (if given) applied to every batch it decodes, whichever thread it runs on.
 */
export function decoderFrom(states: readonly unknown[], limits?: SpanLimits): Decoder {
  const byKind = new Map<string, Decode>();
  CODECS.forEach((codec, i) => {
    const decode = codec.create(states[i]);
    for (const kind of codec.kinds) byKind.set(kind, decode);
  });
  return limitSpans((p) => {
    const decode = byKind.get(p.kind);
    if (!decode) throw new PayloadError(`no decoder for payload kind ${JSON.stringify(p.kind)}`);
    return decode(p);
  }, limits);
}

/** A decoder next to the store: restores, then creates (tests, and a pipeline without a decode worker). */
export async function decodePayload(store: Store, warn: (msg: string) => void): Promise<Decoder> {
  return decoderFrom(await restoreStates(store, warn));
}

/**
 * Every registered payload kind: the decode worker reads them all. Stateful codecs (X-Ray's assembler)
 * work there too, in arrival order (one decode worker; channels keep message order), seeded with the
 * state the ingest worker restored from the store.
 */
export function decoderKinds(): string[] {
  return CODECS.flatMap((c) => [...c.kinds]);
}
