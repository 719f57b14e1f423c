import type { Span } from '../model/span.js';
import type { TraceColumns, TraceSummaries, TraceSummaryQuery, TraceSummaryRow } from './store.js';

/**
 * Read shapes computed from whole spans, for an engine that has no SQL of its own for them yet
 * (ClickHouse, see docs/clickhouse.md). DuckDB computes both in the engine (duckdb/trace-columns.ts,
 * duckdb/trace-summaries.ts); these cost a whole-trace fetch per trace and are the reference semantics.
 */

/** `getTrace`'s spans as `TraceColumns` (overflow values are already merged into the attributes). */
export function spansToTraceColumns(traceId: string, spans: readonly Span[]): TraceColumns | null {
  if (spans.length === 0) return null;
  const keys = new Map<string, { key: string; resource: boolean; values: (string | number | boolean | null)[] }>();
  spans.forEach((s, i) => {
    for (const [bag, resource] of [[s.resource, true], [s.attributes, false]] as const) {
      for (const [key, v] of Object.entries(bag)) {
        let c = keys.get(key);
        if (!c) keys.set(key, (c = { key, resource, values: new Array(spans.length).fill(null) }));
        c.values[i] = v;
      }
    }
  });
  const col = <T>(f: (s: Span) => T) => spans.map(f);
  return {
    traceId,
    length: spans.length,
    spanId: col((s) => s.spanId), parentSpanId: col((s) => s.parentSpanId), name: col((s) => s.name), dataset: col((s) => s.dataset),
    traceState: col((s) => s.traceState), kind: col((s) => s.kind), statusCode: col((s) => s.statusCode), statusMessage: col((s) => s.statusMessage),
    flags: col((s) => s.flags), scopeName: col((s) => s.scopeName), scopeVersion: col((s) => s.scopeVersion),
    startUs: col((s) => Number(s.startUnixNano / 1000n)), durationUs: col((s) => Number(s.durationNano / 1000n)),
    events: col((s) => (s.events.length ? JSON.stringify(s.events) : null)),
    links: col((s) => (s.links.length ? JSON.stringify(s.links) : null)),
    overflow: col(() => null),
    attrs: [...keys.values()],
  };
}

/** One trace's summary row, as DuckDB's summary SQL defines it: the root is the earliest parentless span. */
export function summarizeSpans(traceId: string, spans: readonly Span[]): TraceSummaryRow {
  const roots = spans.filter((s) => s.parentSpanId === '');
  const root = (roots.length ? roots : spans).reduce((a, b) => (b.startUnixNano < a.startUnixNano ? b : a));
  const start = spans.reduce((m, s) => (s.startUnixNano < m ? s.startUnixNano : m), spans[0]!.startUnixNano);
  const end = spans.reduce((m, s) => (s.startUnixNano + s.durationNano > m ? s.startUnixNano + s.durationNano : m), 0n);
  return {
    traceId,
    rootService: root.dataset,
    rootName: root.name,
    startUs: Number(start / 1000n),
    durationUs: Number((end - start) / 1000n),
    spanCount: spans.length,
    errorCount: spans.filter((s) => s.statusCode === 2).length,
    services: [...new Set(spans.map((s) => s.dataset).filter((d) => d !== ''))].sort(),
  };
}

const ORDER: Record<NonNullable<TraceSummaryQuery['sort']>, (a: TraceSummaryRow, b: TraceSummaryRow) => number> = {
  newest: (a, b) => b.startUs - a.startUs,
  oldest: (a, b) => a.startUs - b.startUs,
  slowest: (a, b) => b.durationUs - a.durationUs,
  fastest: (a, b) => a.durationUs - b.durationUs,
  most_spans: (a, b) => b.spanCount - a.spanCount,
  errors: (a, b) => b.errorCount - a.errorCount || b.startUs - a.startUs,
};

/** Sorts over every matching trace (at most `cap` of them), then cuts to the query's limit. */
export async function summariesFromSpans(
  q: TraceSummaryQuery,
  search: (q: TraceSummaryQuery) => Promise<string[]>,
  fetch: (ids: string[]) => Promise<Record<string, Span[]>>,
  cap = 10_000,
): Promise<TraceSummaries> {
  if (q.having) throw new Error('trace-level filter expressions are not supported by this engine yet');
  const ids = await search({ ...q, limit: cap });
  const rows: TraceSummaryRow[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const traces = await fetch(ids.slice(i, i + 500));
    for (const [id, spans] of Object.entries(traces)) if (spans.length) rows.push(summarizeSpans(id, spans));
  }
  rows.sort(ORDER[q.sort ?? 'newest']);
  return { data: rows.slice(0, Math.max(1, Math.min(q.limit ?? 20, cap))), total: rows.length };
}
