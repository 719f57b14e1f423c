import { fixedFieldTag } from '../engine-common.js';
import type { TraceSearch } from '../store.js';
import { quoteString } from './schema.js';

/**
 * Jaeger-style trace search as one grouped query: a trace matches when some span has the service,
 * operation and duration asked for, and each tag is found on some span of the trace (any span, not
 * only the root). Newest traces first.
 */
export function compileTraceSearch(q: TraceSearch, column: (key: string) => string): string {
  const where: string[] = [];
  if (q.startNs !== undefined) where.push(`start_ns >= ${q.startNs}`);
  if (q.endNs !== undefined) where.push(`start_ns <= ${q.endNs}`);
  const spanConds: string[] = [];
  if (q.service) spanConds.push(`dataset = ${quoteString(q.service)}`);
  if (q.operation) spanConds.push(`name = ${quoteString(q.operation)}`);
  if (q.minDurationNs !== undefined) spanConds.push(`duration_ns >= ${q.minDurationNs}`);
  if (q.maxDurationNs !== undefined) spanConds.push(`duration_ns <= ${q.maxDurationNs}`);
  const having: string[] = [];
  if (spanConds.length) having.push(`bool_or(${spanConds.join(' AND ')})`);
  for (const [key, value] of Object.entries(q.tags ?? {})) having.push(`bool_or(${tagCondition(key, value, column)})`);
  const limit = Math.max(1, Math.min(q.limit ?? 20, 10_000));
  return `SELECT trace_hi, trace_lo, max(start_ns) AS last_start FROM spans` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` GROUP BY trace_hi, trace_lo` +
    (having.length ? ` HAVING ${having.join(' AND ')}` : '') +
    ` ORDER BY last_start DESC LIMIT ${limit}`;
}

/** Tags Jaeger synthesizes from fixed fields are matched against those fields. */
function tagCondition(key: string, value: string, column: (key: string) => string): string {
  const fixed = fixedFieldTag(key, value, quoteString);
  if (fixed !== undefined) return fixed;
  const col = column(key);
  return col === 'NULL' ? 'false' : `CAST(${col} AS VARCHAR) = ${quoteString(value)}`;
}
