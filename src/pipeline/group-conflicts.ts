import { traceIdToHex, u64ToHex } from '../model/ids.js';
import type { Decoded } from './payload.js';

/**
 * True when `next` replaces X-Ray documents or relabels spans that one of `earlier` writes. Engines run
 * an append's deletes and updates before its inserts, so such a member must commit after them.
 * Cheap in the common case: rows are only scanned when `next` replaces or relabels anything.
 */
export function touchesEarlierMembers(earlier: readonly Decoded[], next: Decoded): boolean {
  const replace = next.append?.replaceDocuments ?? [];
  const assign = next.append?.assignDatasets ?? [];
  if (replace.length === 0 && assign.length === 0) return false;
  const docs = new Set<string>();
  const spans = new Set<string>();
  for (const d of earlier) {
    const b = d.batch;
    for (let r = 0; r < b.length; r++) {
      const trace = traceIdToHex(b.traceHi[r]!, b.traceLo[r]!);
      if (b.xrayDocId[r] !== 0n) docs.add(`${trace}:${u64ToHex(b.xrayDocId[r]!)}`);
      spans.add(`${trace}:${u64ToHex(b.spanId[r]!)}`);
    }
  }
  if (replace.some((k) => docs.has(k))) return true;
  return assign.some((a) => a.spanIds.some((s) => spans.has(`${a.traceId}:${s}`)));
}
