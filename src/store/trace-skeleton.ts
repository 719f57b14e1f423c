import type { TraceSkeleton } from './store.js';

/**
 * Builds a `TraceSkeleton` from rows an engine read in start order. Engines send each distinct string
 * once (`serviceText`/`nameText` set on one row using it, null elsewhere) with its rank in sorted order
 * (`serviceRank`/`nameRank`, from 0), so 100,000 rows convert a few dozen strings, not 200,000.
 * The dictionary is services first, then names (`name` indexes are offset by the number of services).
 */
export function skeletonFromColumns(traceId: string, c: {
  spanId: string[]; parentSpanId: string[]; serviceRank: number[]; serviceText: (string | null)[];
  nameRank: number[]; nameText: (string | null)[]; kind: number[]; statusCode: number[]; startUs: number[]; durationUs: number[];
}): TraceSkeleton {
  const services: string[] = [];
  const names: string[] = [];
  const n = c.spanId.length;
  for (let i = 0; i < n; i++) {
    const s = c.serviceText[i];
    if (s != null) services[c.serviceRank[i]!] = s;
    const m = c.nameText[i];
    if (m != null) names[c.nameRank[i]!] = m;
  }
  const offset = services.length;
  const name = new Array<number>(n);
  for (let i = 0; i < n; i++) name[i] = c.nameRank[i]! + offset;
  return {
    traceId, length: n, strings: [...services, ...names], spanId: c.spanId, parentSpanId: c.parentSpanId,
    service: c.serviceRank, name, kind: c.kind, statusCode: c.statusCode, startUs: c.startUs, durationUs: c.durationUs,
  };
}
