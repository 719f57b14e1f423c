import { fixedFieldTag, KINDS, STATUS } from '../engine-common.js';
import type { ColumnInfo, SpanFilter, TraceSearch, TraceSummaryQuery, TraceSummarySort } from '../store.js';
import { BUCKET_EXPR, liveCondition, MINUTE_NS, quoteIdent, quoteString } from './schema.js';

/**
 * Jaeger-style trace search as one grouped query, as in DuckDB's (duckdb/trace-search.ts): a trace
 * matches when some span has the service, operation and duration asked for, and each tag is on some
 * span of the trace. ClickHouse has no bool_or: `max(cond)` over UInt8 conditions is the same.
 * Time bounds go in WHERE, also on the order key's minute, so only the range's granules are read.
 */
export function compileTraceSearch(q: TraceSearch, column: (key: string) => ColumnInfo | undefined): string {
  const limit = Math.max(1, Math.min(q.limit ?? 20, 10_000));
  return `SELECT toString(trace_hi) AS hi, toString(trace_lo) AS lo, max(start_ns) AS last_start ${groupedTraces(q, column)}` +
    ` ORDER BY last_start DESC, hi, lo LIMIT ${limit}`;
}

/** `FROM ... WHERE ... GROUP BY trace ... HAVING ...`: the traces a search matches, one group each. */
function groupedTraces(q: TraceSearch, column: (key: string) => ColumnInfo | undefined): string {
  // Trace id 0 holds Events API events that are not spans (receivers/honeycomb-events): never a trace.
  const where: string[] = ['(trace_hi != 0 OR trace_lo != 0)'];
  // The same bounds on the order key's minute: 18.16 does not prune granules by a `start_ns` range
  // through the key's intDiv reliably (measured: 10M rows read for one minute's 137k), by these it does.
  if (q.startNs !== undefined) where.push(`${BUCKET_EXPR} >= ${BigInt(q.startNs) / MINUTE_NS}`, `start_ns >= ${BigInt(q.startNs)}`);
  if (q.endNs !== undefined) where.push(`${BUCKET_EXPR} <= ${BigInt(q.endNs) / MINUTE_NS}`, `start_ns <= ${BigInt(q.endNs)}`);
  const spanConds: string[] = [];
  if (q.service) spanConds.push(`dataset = ${quoteString(q.service)}`);
  if (q.operation) spanConds.push(`name = ${quoteString(q.operation)}`);
  if (q.minDurationNs !== undefined) spanConds.push(`duration_ns >= ${BigInt(q.minDurationNs)}`);
  if (q.maxDurationNs !== undefined) spanConds.push(`duration_ns <= ${BigInt(q.maxDurationNs)}`);
  const having: string[] = [];
  if (spanConds.length) having.push(`max(${spanConds.join(' AND ')}) = 1`);
  const tags = Object.entries(q.tags ?? {}).map(([key, value]) => tagCondition(key, value, column));
  for (const t of tags) having.push(`max(${t}) = 1`);
  if (q.where) having.push(filterCondition(q.where, column));
  // The candidate scan, as DuckDB's: a condition every matching trace has on at least one span picks
  // the traces first, so only their spans are grouped (a service alone matches most traces; a tag
  // narrows, so it goes first). Spans are ordered by trace id, so the candidates' set also skips granules.
  const leaf = tags[0] ?? (q.where ? firstPositive(q.where, column) : null);
  const serviceOnly = spanConds.length === 1 && q.service !== undefined && q.service !== '';
  const seed = spanConds.length && !(serviceOnly && leaf) ? spanConds.join(' AND ') : leaf;
  // Replaced X-Ray rows (liveCondition) only widen the candidates: the groups below read live rows.
  const w = where.join(' AND ');
  const candidates = seed ? ` AND (trace_hi, trace_lo) IN (SELECT trace_hi, trace_lo FROM spans_data WHERE ${w} AND ${seed})` : '';
  return `FROM spans_data WHERE ${liveCondition()} AND ${w}${candidates} GROUP BY trace_hi, trace_lo${having.length ? ` HAVING ${having.join(' AND ')}` : ''}`;
}

/** A span-level condition implied by the filter (so it can pre-select traces), or null. */
function firstPositive(f: SpanFilter, column: ColumnOf): string | null {
  if ('key' in f) return f.op !== 'not-exists' && f.op !== '!=' ? leafCondition(f, column) : null;
  if ('and' in f) {
    for (const x of f.and) {
      const inner = firstPositive(x, column);
      if (inner) return inner;
    }
  }
  return null;
}

const SUMMARY_ORDER: Record<TraceSummarySort, string> = {
  newest: 'first_start DESC',
  oldest: 'first_start ASC',
  slowest: 'trace_duration DESC',
  fastest: 'trace_duration ASC',
  most_spans: 'span_count DESC',
  errors: 'error_count DESC, first_start DESC',
};

/**
 * Per-trace summaries computed in the engine, as DuckDB's (duckdb/trace-search.ts): start, duration
 * (first start to last end), span and error counts, root service and name (the earliest span without a
 * parent, else the earliest span), services; sorted over the whole result before the limit. `total`
 * counts the matching traces. Aliases differ from the column names: ClickHouse substitutes an alias
 * wherever its name appears, so `min(start_ns) AS start_ns` would nest aggregates.
 */
export function compileTraceSummaries(q: TraceSummaryQuery, column: (key: string) => ColumnInfo | undefined): { top: string; total: string } {
  const grouped = groupedTraces(q, column);
  const limit = Math.max(1, Math.min(q.limit ?? 20, 10_000));
  return {
    top: `SELECT toString(trace_hi) AS hi, toString(trace_lo) AS lo, toString(min(start_ns)) AS first_start,
        max(start_ns + duration_ns) - min(start_ns) AS trace_duration, count() AS span_count, countIf(status_code = 2) AS error_count,
        argMin(dataset, tuple(parent_id != 0, start_ns)) AS root_service, argMin(name, tuple(parent_id != 0, start_ns)) AS root_name,
        arraySort(groupUniqArrayIf(dataset, dataset != '')) AS services
      ${grouped} ORDER BY ${SUMMARY_ORDER[q.sort ?? 'newest']}, trace_hi, trace_lo LIMIT ${limit}`,
    total: `SELECT count() AS n FROM (SELECT trace_hi ${grouped})`,
  };
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

type Leaf = Extract<SpanFilter, { key: string }>;
type ColumnOf = (key: string) => ColumnInfo | undefined;

/**
 * An any-span filter as a trace-level condition over the trace's grouped spans, with DuckDB's meaning
 * (duckdb/trace-search.ts; both pass the same conformance cases): a leaf holds when SOME span satisfies
 * it (`max(cond) = 1`; conditions are wrapped in ifNull because comparisons with a NULL column are NULL),
 * `not-exists` when no span has the key; `and` / `or` combine those truths.
 */
function filterCondition(f: SpanFilter, column: ColumnOf): string {
  if ('and' in f) return f.and.length ? `(${f.and.map((x) => filterCondition(x, column)).join(' AND ')})` : '1';
  if ('or' in f) return f.or.length ? `(${f.or.map((x) => filterCondition(x, column)).join(' OR ')})` : '0';
  if (f.op === 'not-exists') return `max(${leafCondition({ ...f, op: 'exists' }, column)}) = 0`;
  return `max(${leafCondition(f, column)}) = 1`;
}

/** Keys Jaeger synthesizes from fixed fields: the field, and whether it is a number (else text). */
const FIXED: Record<string, { col: string; enumOf?: Record<string, number>; numeric?: boolean }> = {
  'service.name': { col: 'dataset' },
  name: { col: 'name' },
  'span.kind': { col: 'kind', enumOf: KINDS },
  'otel.status_code': { col: 'status_code', enumOf: STATUS },
  'otel.status_description': { col: 'status_message' },
  'otel.scope.name': { col: 'scope_name' },
  'otel.library.name': { col: 'scope_name' },
  duration_ns: { col: 'duration_ns', numeric: true },
};
const CMP = { '=': '=', '!=': '!=', '>': '>', '>=': '>=', '<': '<', '<=': '<=' } as const;

function numberLiteral(v: unknown): string {
  const n = Number(v);
  if (String(v).trim() === '' || !Number.isFinite(n)) throw new TypeError(`not a number: ${JSON.stringify(v)}`);
  return String(n);
}

/** One span-level condition, a UInt8 that is never NULL. Comparisons with a number are numeric. */
function leafCondition(f: Leaf, column: ColumnOf): string {
  if (f.key === 'error') {
    const yes = String(f.value ?? 'true').toLowerCase() === 'true';
    if (f.op === 'exists') return 'status_code = 2';
    return (f.op === '!=') !== yes ? 'status_code = 2' : 'status_code != 2';
  }
  const fixed = FIXED[f.key];
  const info = fixed ? undefined : column(f.key);
  if (!fixed && !info) return '0';
  const col = fixed ? fixed.col : quoteIdent(info!.column);
  if (f.op === 'exists' || f.op === 'not-exists') return `isNotNull(${col})`;
  const value = f.value ?? '';
  if (f.op === 'contains') return `ifNull(position(lowerUTF8(toString(${col})), ${quoteString(String(value).toLowerCase())}) > 0, 0)`;
  const cmp = CMP[f.op];
  if (fixed?.enumOf) return `${col} ${cmp} ${fixed.enumOf[String(value).toLowerCase()] ?? -1}`;
  if (fixed?.numeric) return `${col} ${cmp} ${numberLiteral(value)}`;
  if (fixed) return `${col} ${cmp} ${quoteString(String(value))}`;
  // Bools are UInt8 columns; DuckDB compares their text, 'true' / 'false'.
  if (info!.type === 'bool' && (f.op === '=' || f.op === '!=')) {
    const v = String(value).toLowerCase();
    return v === 'true' || v === 'false' ? `ifNull(${col} ${cmp} ${v === 'true' ? 1 : 0}, 0)` : f.op === '!=' ? `isNotNull(${col})` : '0';
  }
  const numeric = typeof f.value === 'number' || (f.op !== '=' && f.op !== '!=');
  if (numeric) {
    const asNumber = info!.type === 'string' ? `toFloat64OrNull(${col})` : `toFloat64(${col})`;
    return `ifNull(${asNumber} ${cmp} ${numberLiteral(value)}, 0)`;
  }
  return `ifNull(toString(${col}) ${cmp} ${quoteString(String(value))}, 0)`;
}
