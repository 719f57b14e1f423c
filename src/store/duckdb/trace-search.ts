import type { SpanFilter, TraceSearch, TraceSummaryQuery, TraceSummarySort } from '../store.js';
import { quoteString } from './schema.js';

/** The SQL of an attribute key's column (quoted identifier), or null when the key has no column. */
export type ColumnOf = (key: string) => string | null;

/**
 * Any-span trace search. A trace matches when some span has the service, operation and duration asked
 * for, and each tag / filter leaf is found on SOME span of the trace (any span, not only the root).
 *
 * Why two steps in one statement: grouping every span of the time window by trace costs a pass over
 * millions of rows; a positive condition (the service/operation span, or the first positive leaf)
 * first picks candidate traces with a plain WHERE scan on typed columns, and only their spans are
 * grouped and checked with `bool_or` for the rest.
 */
function matchingTraces(q: TraceSearch, column: ColumnOf): { where: string; cte: string } {
  // Trace id 0 holds Events API events that are not spans (receivers/honeycomb-events): never a trace.
  const window: string[] = ['(trace_hi <> 0 OR trace_lo <> 0)'];
  if (q.startNs !== undefined) window.push(`start_ns >= ${q.startNs}`);
  if (q.endNs !== undefined) window.push(`start_ns <= ${q.endNs}`);
  const spanConds: string[] = [];
  if (q.service) spanConds.push(`dataset = ${quoteString(q.service)}`);
  if (q.operation) spanConds.push(`name = ${quoteString(q.operation)}`);
  if (q.minDurationNs !== undefined) spanConds.push(`duration_ns >= ${q.minDurationNs}`);
  if (q.maxDurationNs !== undefined) spanConds.push(`duration_ns <= ${q.maxDurationNs}`);
  const leaves: SpanFilter[] = Object.entries(q.tags ?? {}).map(([key, value]) => ({ key, op: '=', value }));
  const filters: SpanFilter[] = q.where ? [...leaves, q.where] : leaves;

  const having: string[] = [];
  if (spanConds.length) having.push(`bool_or(${spanConds.join(' AND ')})`);
  for (const f of filters) having.push(compileFilter(f, column));
  // The candidate scan: a condition every matching trace has on at least one span. A service alone
  // matches most traces (10M spans: 5.5 s with service + tag); a tag leaf is what narrows, so it goes first.
  const leaf = firstPositive(filters, column);
  const serviceOnly = spanConds.length === 1 && q.service !== undefined && q.service !== '';
  const seed = spanConds.length && !(serviceOnly && leaf) ? spanConds.join(' AND ') : leaf;
  const w = window.join(' AND ');
  const candidates = seed
    ? ` AND (trace_hi, trace_lo) IN (SELECT trace_hi, trace_lo FROM spans WHERE ${w} AND ${seed})`
    : '';
  return { where: w + candidates, cte: having.length ? ` HAVING ${having.join(' AND ')}` : '' };
}

/** A span-level condition implied by the filter (so it can pre-select traces), or null. */
function firstPositive(filters: SpanFilter[], column: ColumnOf): string | null {
  for (const f of filters) {
    if ('key' in f && f.op !== 'not-exists' && f.op !== '!=') return leafCondition(f, column);
    if ('and' in f) {
      const inner = firstPositive(f.and, column);
      if (inner) return inner;
    }
  }
  return null;
}

/** Trace ids (hi, lo) matching a Jaeger-style search, newest first. */
export function compileTraceSearch(q: TraceSearch, column: ColumnOf): string {
  const m = matchingTraces(q, column);
  const limit = Math.max(1, Math.min(q.limit ?? 20, 10_000));
  return `SELECT trace_hi, trace_lo, max(start_ns) AS last_start FROM spans WHERE ${m.where}` +
    ` GROUP BY trace_hi, trace_lo${m.cte} ORDER BY last_start DESC LIMIT ${limit}`;
}

const ORDER: Record<TraceSummarySort, string> = {
  newest: 'start_ns DESC',
  oldest: 'start_ns ASC',
  slowest: 'duration_ns DESC',
  fastest: 'duration_ns ASC',
  most_spans: 'span_count DESC',
  errors: 'error_count DESC, start_ns DESC',
};

/**
 * Per-trace summaries of the matching traces, computed in the engine and sorted over the WHOLE result
 * before the limit: start, duration (first start to last end), span and error counts; `total` = matching
 * traces. Two statements: this one picks the top `limit` traces; `compileTraceSummaryDetail` adds root
 * service and name (the earliest span without a parent, else the earliest span) and services for those
 * only. Why not one statement: the detail's `IN (top)` scanned every span of the window for 20 traces
 * (0.64 s of 1.5 s at 10M spans); a trace's spans all start within [start, start + duration], so each of
 * the 20 reads only the row groups of its own time range (zone maps on start_ns).
 */
export function compileTraceSummaryTop(q: TraceSummaryQuery, column: ColumnOf): string {
  const m = matchingTraces(q, column);
  const limit = Math.max(1, Math.min(q.limit ?? 20, 10_000));
  const order = ORDER[q.sort ?? 'newest'];
  const having = q.having ? (m.cte ? `${m.cte} AND (${q.having})` : ` HAVING (${q.having})`) : m.cte;
  return `SELECT trace_hi, trace_lo, min(start_ns) AS start_ns, max(start_ns + duration_ns) - min(start_ns) AS duration_ns,
      count(*) AS span_count, count(*) FILTER (WHERE status_code = 2) AS error_count, count(*) OVER () AS total
    FROM spans t WHERE ${m.where} GROUP BY trace_hi, trace_lo${having}
    ORDER BY ${order}, trace_hi, trace_lo LIMIT ${limit}`;
}

/** Root service, root name and services of the traces `compileTraceSummaryTop` returned (rows as it returned them). */
export function compileTraceSummaryDetail(top: readonly { trace_hi: unknown; trace_lo: unknown; start_ns: unknown; duration_ns: unknown }[]): string | null {
  if (top.length === 0) return null;
  const int = (v: unknown) => BigInt(v as bigint).toString();
  const spans = top.map((t) => {
    const start = BigInt(t.start_ns as bigint);
    const end = start + BigInt(t.duration_ns as bigint);
    return `SELECT trace_hi, trace_lo, dataset, name, parent_id, start_ns FROM spans
      WHERE start_ns >= ${start} AND start_ns <= ${end} AND trace_hi = ${int(t.trace_hi)} AND trace_lo = ${int(t.trace_lo)}`;
  }).join(' UNION ALL ');
  return `SELECT s.trace_hi, s.trace_lo,
      arg_min(s.dataset, (s.parent_id <> 0, s.start_ns)) AS root_service,
      arg_min(s.name, (s.parent_id <> 0, s.start_ns)) AS root_name,
      list(DISTINCT s.dataset ORDER BY s.dataset) FILTER (WHERE s.dataset <> '') AS services
    FROM (${spans}) s GROUP BY s.trace_hi, s.trace_lo`;
}

/** `bool_or` over the trace's spans for leaves; AND / OR combine those trace-level truths. */
function compileFilter(f: SpanFilter, column: ColumnOf): string {
  if ('and' in f) return f.and.length ? `(${f.and.map((x) => compileFilter(x, column)).join(' AND ')})` : 'TRUE';
  if ('or' in f) return f.or.length ? `(${f.or.map((x) => compileFilter(x, column)).join(' OR ')})` : 'FALSE';
  if (f.op === 'not-exists') return `NOT bool_or(${leafCondition({ ...f, op: 'exists' }, column)})`;
  return `bool_or(${leafCondition(f, column)})`;
}

const KINDS: Record<string, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const STATUS: Record<string, number> = { unset: 0, ok: 1, error: 2 };
/** Keys Jaeger synthesizes from fixed fields, matched against those fields (value -> SQL). */
const FIXED: Record<string, { col: string; value: (v: string) => string }> = {
  'service.name': { col: 'dataset', value: quoteString },
  name: { col: 'name', value: quoteString },
  'span.kind': { col: 'kind', value: (v) => String(KINDS[v.toLowerCase()] ?? -1) },
  'otel.status_code': { col: 'status_code', value: (v) => String(STATUS[v.toLowerCase()] ?? -1) },
  'otel.status_description': { col: 'status_message', value: quoteString },
  'otel.scope.name': { col: 'scope_name', value: quoteString },
  'otel.library.name': { col: 'scope_name', value: quoteString },
  duration_ns: { col: 'duration_ns', value: numberLiteral },
};

function numberLiteral(v: string): string {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new TypeError(`not a number: ${JSON.stringify(v)}`);
  return String(n);
}

const CMP = { '=': '=', '!=': '<>', '>': '>', '>=': '>=', '<': '<', '<=': '<=' } as const;

/** One span-level condition. Comparisons with a number are numeric (on numeric or numeric-looking columns). */
function leafCondition(f: Extract<SpanFilter, { key: string }>, column: ColumnOf): string {
  if (f.key === 'error') {
    const yes = String(f.value ?? 'true').toLowerCase() === 'true';
    if (f.op === 'exists') return 'status_code = 2';
    return (f.op === '!=') !== yes ? 'status_code = 2' : 'status_code <> 2';
  }
  const fixed = FIXED[f.key];
  const col = fixed ? fixed.col : column(f.key);
  if (col === null) return 'false';
  if (f.op === 'exists' || f.op === 'not-exists') return `${col} IS NOT NULL`;
  const value = String(f.value ?? '');
  if (f.op === 'contains') return `contains(lower(CAST(${col} AS VARCHAR)), ${quoteString(value.toLowerCase())})`;
  const cmp = CMP[f.op];
  if (fixed) return `${col} ${cmp} ${fixed.value(value)}`;
  const numeric = typeof f.value === 'number' || (f.op !== '=' && f.op !== '!=');
  if (numeric) return `TRY_CAST(${col} AS DOUBLE) ${cmp} ${numberLiteral(value)}`;
  return `CAST(${col} AS VARCHAR) ${cmp} ${quoteString(value)}`;
}
