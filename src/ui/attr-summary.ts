/**
 * The trace page's "attributes by service" summary, pure (no DOM): for each service, every span tag
 * key with how many of the service's spans carry it and its most common values. It answers "which
 * hosts, versions, routes did this trace touch" without opening spans one by one. Computed on demand
 * (the panel opens closed): one pass over the spans' tags.
 */
import type { TraceModel } from './trace-model.js';

export interface AttrSummary {
  service: string;
  spans: number;
  keys: { key: string; spans: number; distinct: number; top: { value: string; count: number }[] }[];
}

/** Tags every span has and that say nothing per span (the Jaeger mapping's bookkeeping). */
const SKIP = new Set(['internal.span.format', 'otel.scope.name', 'otel.library.name']);

export function summarizeAttributes(m: TraceModel, topN = 3): AttrSummary[] {
  const out = new Map<string, { spans: number; keys: Map<string, { spans: number; values: Map<string, number> }> }>();
  for (const n of m.nodes) {
    let s = out.get(n.service);
    if (!s) out.set(n.service, (s = { spans: 0, keys: new Map() }));
    s.spans++;
    for (const t of n.span.tags) {
      if (SKIP.has(t.key)) continue;
      let k = s.keys.get(t.key);
      if (!k) s.keys.set(t.key, (k = { spans: 0, values: new Map() }));
      k.spans++;
      const v = String(t.value);
      k.values.set(v, (k.values.get(v) ?? 0) + 1);
    }
  }
  return [...out].map(([service, s]) => ({
    service, spans: s.spans,
    keys: [...s.keys].map(([key, k]) => ({
      key, spans: k.spans, distinct: k.values.size,
      top: [...k.values].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, topN).map(([value, count]) => ({ value, count })),
    })).sort((a, b) => a.key.localeCompare(b.key)),
  }));
}
