import type { SpanFilter, TraceSearch, TraceSummaryQuery, TraceSummarySort } from '../store.js';
import { quoteString } from './schema.js';
import { SERVICE_LIST } from './trace-index.js';

/** The SQL of an attribute key's column (quoted identifier), or null when the key has no column. */
export type ColumnOf = (key: string) => string | null;

/**
 * Any-span trace search. A trace matches when some span has the service, operation and duration asked
 * for, and each tag / filter leaf is found on SOME span of the trace (any span, not only the root).
 *
 * What a search reads: the matching traces' ids, then their rows of the trace index, whose per-trace
 * rollups (trace-index.ts: start, last end, span and error counts, root, services) give what summaries
 * show and what both sort by. Grouping all spans of the candidate traces cost a second scan of the
 * window's ids, a semi-join and a GROUP BY of their spans (10M spans: ~70% of the time); their index rows
 * are ~1 per trace.
 *
 * Which traces match:
 * - one positive leaf (a tag, or a `where` that is one condition), optionally with a service: the traces
 *   of the spans that pass a plain WHERE scan of one typed column; the service is checked on the
 *   rollup's services (the service is then on some span of the trace, as `bool_or` asked);
 * - no filter: the index rows of the window (a service again on their services);
 * - anything else (several leaves, not-exists, operation or duration, an X-Ray `having`): the spans of
 *   candidate traces grouped and checked with `bool_or`, as before the rollups. The candidates come from a
 *   positive condition every matching trace has on some span (the service/operation span, or the first
 *   positive leaf; a tag rather than a service alone, which matches most traces).
 *
 * A matching trace's rollup covers all its index rows (the whole trace, not only its spans in the window).
 */
interface Matching {
  /** SELECT of the matching traces' (trace_hi, trace_lo), or null: every trace with index rows in the window. */
  traces: string | null;
  /** The window on index rows (used when `traces` is null). */
  indexWindow: string;
  /** A condition on the grouped index rows (the service), or null. */
  having: string | null;
}

function matchingTraces(q: TraceSearch, column: ColumnOf, extraHaving?: string): Matching {
  // Trace id 0 holds Events API events that are not spans (receivers/honeycomb-events): never a trace.
  const window: string[] = ['(trace_hi <> 0 OR trace_lo <> 0)'];
  const indexWindow: string[] = ['(trace_hi <> 0 OR trace_lo <> 0)'];
  if (q.startNs !== undefined) {
    window.push(`start_ns >= ${q.startNs}`);
    indexWindow.push(`max_start_ns >= ${q.startNs}`);
  }
  if (q.endNs !== undefined) {
    window.push(`start_ns <= ${q.endNs}`);
    indexWindow.push(`min_start_ns <= ${q.endNs}`);
  }
  const spanConds: string[] = [];
  if (q.service) spanConds.push(`dataset = ${quoteString(q.service)}`);
  if (q.operation) spanConds.push(`name = ${quoteString(q.operation)}`);
  if (q.minDurationNs !== undefined) spanConds.push(`duration_ns >= ${q.minDurationNs}`);
  if (q.maxDurationNs !== undefined) spanConds.push(`duration_ns <= ${q.maxDurationNs}`);
  const leaves: SpanFilter[] = Object.entries(q.tags ?? {}).map(([key, value]) => ({ key, op: '=', value }));
  const filters: SpanFilter[] = q.where ? [...leaves, q.where] : leaves;
  const w = window.join(' AND ');
  const iw = indexWindow.join(' AND ');

  const serviceOnly = spanConds.length === 1 && q.service !== undefined && q.service !== '';
  const single = filters.length === 1 ? positiveLeaf(filters[0]!) : null;
  if (!extraHaving && (spanConds.length === 0 || serviceOnly) && (filters.length === 0 || single)) {
    const having = serviceOnly ? `bool_or(list_contains(${SERVICE_LIST}, ${quoteString(q.service!)}))` : null;
    const traces = single ? `SELECT trace_hi, trace_lo FROM spans WHERE ${w} AND ${leafCondition(single, column)}` : null;
    return { traces, indexWindow: iw, having };
  }

  const having: string[] = [];
  if (spanConds.length) having.push(`bool_or(${spanConds.join(' AND ')})`);
  for (const f of filters) having.push(compileFilter(f, column));
  if (extraHaving) having.push(`(${extraHaving})`);
  const leaf = firstPositive(filters, column);
  const seed = spanConds.length && !(serviceOnly && leaf) ? spanConds.join(' AND ') : leaf;
  const candidates = seed ? ` AND (trace_hi, trace_lo) IN (SELECT trace_hi, trace_lo FROM spans WHERE ${w} AND ${seed})` : '';
  return {
    traces: `SELECT trace_hi, trace_lo FROM spans t WHERE ${w}${candidates} GROUP BY trace_hi, trace_lo HAVING ${having.join(' AND ')}`,
    indexWindow: iw,
    having: null,
  };
}

/** The filter as one positive leaf (a key condition that some span must satisfy), or null. */
function positiveLeaf(f: SpanFilter): Extract<SpanFilter, { key: string }> | null {
  if ('key' in f) return f.op !== 'not-exists' && f.op !== '!=' ? f : null;
  const list = 'and' in f ? f.and : f.or;
  return list.length === 1 ? positiveLeaf(list[0]!) : null;
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

/** The matching traces' rollups from their index rows: one row per trace, `columns` computed per group. */
function rollups(m: Matching, columns: string): string {
  const where = m.traces ? `(trace_hi, trace_lo) IN (${m.traces})` : m.indexWindow;
  return `SELECT trace_hi, trace_lo, ${columns} FROM trace_index WHERE ${where} GROUP BY trace_hi, trace_lo${m.having ? ` HAVING ${m.having}` : ''}`;
}

/** Trace ids (hi, lo) matching a Jaeger-style search, newest (last span start) first. */
export function compileTraceSearch(q: TraceSearch, column: ColumnOf): string {
  const limit = Math.max(1, Math.min(q.limit ?? 20, 10_000));
  return `${rollups(matchingTraces(q, column), 'max(max_start_ns) AS last_start')} ORDER BY last_start DESC, trace_hi, trace_lo LIMIT ${limit}`;
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
 * Per-trace summaries of the matching traces, sorted over the WHOLE result before the limit: start,
 * duration (first start to last end), span and error counts, root service and name (the earliest span
 * without a parent, else the earliest span), services; `total` = matching traces. One statement: the
 * sort keys for every matching trace, the root and services (an arg_min and a list per group) only for
 * the top `limit` (computing them for all 200k matches of the benchmark cost more than the rest).
 */
export function compileTraceSummaryTop(q: TraceSummaryQuery, column: ColumnOf): string {
  const m = matchingTraces(q, column, q.having);
  const limit = Math.max(1, Math.min(q.limit ?? 20, 10_000));
  const order = `${ORDER[q.sort ?? 'newest']}, trace_hi, trace_lo`;
  const keys = rollups(m, `min(min_start_ns) AS start_ns, max(max_end_ns) - min(min_start_ns) AS duration_ns,
      sum(span_count)::BIGINT AS span_count, sum(error_count)::BIGINT AS error_count`);
  return `WITH top AS (SELECT *, count(*) OVER () AS total FROM (${keys}) ORDER BY ${order} LIMIT ${limit})
    SELECT top.*, d.root_service, d.root_name, d.services FROM top JOIN (
      SELECT trace_hi, trace_lo, arg_min(root_service, (NOT has_root, root_start_ns)) AS root_service,
        arg_min(root_name, (NOT has_root, root_start_ns)) AS root_name, string_agg(services, chr(31)) AS services
      FROM trace_index WHERE (trace_hi, trace_lo) IN (SELECT trace_hi, trace_lo FROM top) GROUP BY trace_hi, trace_lo
    ) d USING (trace_hi, trace_lo) ORDER BY ${order}`;
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
