import { fixedFieldTag } from '../engine-common.js';
import type { ColumnInfo, TraceSearch } from '../store.js';
import { liveCondition, quoteIdent, quoteString } from './schema.js';

/**
 * Jaeger-style trace search as one grouped query, as in DuckDB's (duckdb/trace-search.ts): a trace
 * matches when some span has the service, operation and duration asked for, and each tag is on some
 * span of the trace. ClickHouse has no bool_or: `max(cond)` over UInt8 conditions is the same.
 * Time bounds go in WHERE so whole day partitions are skipped.
 */
export function compileTraceSearch(q: TraceSearch, column: (key: string) => ColumnInfo | undefined): string {
  // Trace id 0 holds Events API events that are not spans (receivers/honeycomb-events): never a trace.
  const where: string[] = [liveCondition(), '(trace_hi != 0 OR trace_lo != 0)'];
  if (q.startNs !== undefined) where.push(`start_ns >= ${BigInt(q.startNs)}`);
  if (q.endNs !== undefined) where.push(`start_ns <= ${BigInt(q.endNs)}`);
  const spanConds: string[] = [];
  if (q.service) spanConds.push(`dataset = ${quoteString(q.service)}`);
  if (q.operation) spanConds.push(`name = ${quoteString(q.operation)}`);
  if (q.minDurationNs !== undefined) spanConds.push(`duration_ns >= ${BigInt(q.minDurationNs)}`);
  if (q.maxDurationNs !== undefined) spanConds.push(`duration_ns <= ${BigInt(q.maxDurationNs)}`);
  const having: string[] = [];
  if (spanConds.length) having.push(`max(${spanConds.join(' AND ')}) = 1`);
  for (const [key, value] of Object.entries(q.tags ?? {})) having.push(`max(${tagCondition(key, value, column)}) = 1`);
  const limit = Math.max(1, Math.min(q.limit ?? 20, 10_000));
  return `SELECT toString(trace_hi) AS hi, toString(trace_lo) AS lo, max(start_ns) AS last_start FROM spans_data` +
    ` WHERE ${where.join(' AND ')}` +
    ` GROUP BY trace_hi, trace_lo` +
    (having.length ? ` HAVING ${having.join(' AND ')}` : '') +
    ` ORDER BY last_start DESC, hi, lo LIMIT ${limit}`;
}

/** Tags Jaeger synthesizes from fixed fields are matched against those fields. */
function tagCondition(key: string, value: string, column: (key: string) => ColumnInfo | undefined): string {
  const fixed = fixedFieldTag(key, value, quoteString);
  if (fixed !== undefined) return fixed;
  const c = column(key);
  if (!c) return '0';
  const col = quoteIdent(c.column);
  // Bools are UInt8 columns: 'true'/'false' as Jaeger writes them.
  const v = value.toLowerCase();
  if (c.type === 'bool') return v === 'true' ? `${col} = 1` : v === 'false' ? `${col} = 0` : '0';
  return `ifNull(toString(${col}) = ${quoteString(value)}, 0)`;
}
