import type { Store } from '../../store/store.js';

export interface DependencyLink {
  parent: string;
  child: string;
  callCount: number;
}

/**
 * Jaeger's service dependencies (`GET /api/dependencies`), computed from spans instead of a separate
 * dependencies job: a link parent -> child per span whose parent span (same trace) belongs to another
 * service, counted over spans starting in [startNs, endNs]. Calls within one service are not links
 * (Jaeger's DAG would draw them as self-loops). Parents are looked up from an hour before the window
 * on, so the join reads a bounded time range rather than the whole table (zone maps on start_ns); a call
 * whose parent started more than an hour earlier is not counted.
 */
export async function serviceDependencies(store: Pick<Store, 'select'>, startNs: bigint, endNs: bigint): Promise<DependencyLink[]> {
  const rows = await store.select(`SELECT p.dataset AS parent, c.dataset AS child, count(*) AS calls
    FROM spans c JOIN spans p ON p.trace_hi = c.trace_hi AND p.trace_lo = c.trace_lo AND p.span_id = c.parent_id
    WHERE c.start_ns BETWEEN ${startNs} AND ${endNs} AND p.start_ns BETWEEN ${startNs - 3_600_000_000_000n} AND ${endNs}
      AND c.parent_id <> 0 AND p.dataset <> c.dataset AND p.dataset <> '' AND c.dataset <> ''
    GROUP BY 1, 2 ORDER BY 1, 2`);
  return rows.map((r) => ({ parent: String(r.parent), child: String(r.child), callCount: Number(r.calls) }));
}
