/**
 * The SQL around the X-Ray API's compiled filter expressions: which spans a request covers (time range,
 * group, entity selector) and which traces a TraceSummaries page lists. The filters themselves come from
 * query/xray-filter; callers only combine these pieces.
 */

/** A condition over the spans of alias `a` (e.g. `t`), as the service graph and statistics queries take it. */
export type Scope = (a: string) => string;

/** Spans that start in [startNs, endNs]. */
export function timeScope(startNs: bigint, endNs: bigint): Scope {
  return (a) => `${a}.start_ns BETWEEN ${startNs} AND ${endNs}`;
}

/** `scope`, restricted to the traces (with spans in [start, end]) for which the trace-level `having` holds. */
export function inTraces(scope: Scope, startNs: bigint, endNs: bigint, having: string): Scope {
  const traces = `SELECT t.trace_hi, t.trace_lo FROM spans t WHERE t.start_ns BETWEEN ${startNs} AND ${endNs} GROUP BY 1, 2 HAVING ${having}`;
  return (a) => `${scope(a)} AND (${a}.trace_hi, ${a}.trace_lo) IN (${traces})`;
}

/**
 * One page of TraceSummaries: trace ids (hi, lo) whose spans start in the range (`Event`/`Service`) or whose
 * X-Ray id encodes a start time in it (`TraceId`), for which `having` holds, newest first.
 */
export function summaryPageSql(rangeType: string, startNs: bigint, endNs: bigint, having: string, limit: number, offset: number): string {
  const where = rangeType === 'TraceId'
    ? `((t.trace_hi >> 32) & 4294967295) BETWEEN ${startNs / 1_000_000_000n} AND ${endNs / 1_000_000_000n}`
    : `t.start_ns BETWEEN ${startNs} AND ${endNs}`;
  return `SELECT t.trace_hi, t.trace_lo, min(t.start_ns) AS first_ns FROM spans t WHERE ${where}
    GROUP BY t.trace_hi, t.trace_lo HAVING ${having} ORDER BY first_ns DESC, t.trace_hi, t.trace_lo LIMIT ${limit} OFFSET ${offset}`;
}
