/**
 * The query builder's state, pure (no DOM): what the URL holds (`/query?dataset=&q=<json>&lookback=` or
 * `start=&end=`), the Honeycomb query spec it becomes, and the result reshaped for charts (a series per
 * group per calculation) and the table.
 */
import type { QueryCalculation, QueryFilter, QueryResult, QuerySpecIn } from './api.js';
import { rangeFromParams, rangeToUrl, type TimeRange } from './time-range.js';
import { LOOKBACKS } from './format.js';

export interface QueryState {
  dataset: string;
  calculations: QueryCalculation[];
  filters: QueryFilter[];
  breakdowns: string[];
  orders: { op?: string; column?: string; order?: 'ascending' | 'descending' }[];
  limit?: number;
  granularity?: number;
  havings: QueryHaving[];
  calculatedFields: { name: string; expression: string }[];
  range: TimeRange;
}
export type QueryHaving = NonNullable<QuerySpecIn['havings']>[number];

export const ALL_DATASETS = '__all__';
export const OPS_WITHOUT_COLUMN = new Set(['COUNT', 'CONCURRENCY']);
export const FILTER_OPS_WITHOUT_VALUE = new Set(['exists', 'does-not-exist']);

export function emptyState(): QueryState {
  return { dataset: ALL_DATASETS, calculations: [{ op: 'COUNT' }], filters: [], breakdowns: [], orders: [], havings: [], calculatedFields: [], range: { kind: 'relative', lookback: '1h' } };
}

export function stateFromUrl(q: URLSearchParams): QueryState {
  const s = emptyState();
  s.dataset = q.get('dataset') || ALL_DATASETS;
  s.range = rangeFromParams(q);
  const raw = q.get('q');
  if (!raw) return s;
  try {
    const spec = JSON.parse(raw) as QuerySpecIn;
    if (Array.isArray(spec.calculations) && spec.calculations.length) s.calculations = spec.calculations;
    if (Array.isArray(spec.filters)) s.filters = spec.filters;
    if (Array.isArray(spec.breakdowns)) s.breakdowns = spec.breakdowns.filter((b) => typeof b === 'string');
    if (Array.isArray(spec.orders)) s.orders = spec.orders;
    if (typeof spec.limit === 'number') s.limit = spec.limit;
    if (typeof spec.granularity === 'number') s.granularity = spec.granularity;
    if (Array.isArray(spec.havings)) s.havings = spec.havings;
    if (Array.isArray(spec.calculated_fields)) s.calculatedFields = spec.calculated_fields;
  } catch { /* a hand-edited URL: start from the defaults */ }
  return s;
}

/** The parts of the spec the URL and the server share (everything but the calculations and time). */
function specClauses(s: QueryState, spec: QuerySpecIn): QuerySpecIn {
  if (s.calculatedFields.length) spec.calculated_fields = s.calculatedFields;
  if (s.filters.length) spec.filters = s.filters;
  if (s.breakdowns.length) spec.breakdowns = s.breakdowns;
  if (s.orders.length) spec.orders = s.orders;
  if (s.havings.length) spec.havings = s.havings;
  if (s.limit) spec.limit = s.limit;
  if (s.granularity) spec.granularity = s.granularity;
  return spec;
}

export function stateToUrl(s: QueryState): URLSearchParams {
  const q = new URLSearchParams();
  q.set('dataset', s.dataset);
  q.set('q', JSON.stringify(specClauses(s, { calculations: s.calculations })));
  rangeToUrl(s.range, q);
  return q;
}

/** The Honeycomb query spec the server runs (times in epoch seconds). */
export function toSpec(s: QueryState): QuerySpecIn {
  const spec = specClauses(s, {
    calculations: s.calculations.map((c) => (OPS_WITHOUT_COLUMN.has(c.op) ? { op: c.op } : { op: c.op, column: c.column })),
  });
  if (s.range.kind === 'absolute') {
    spec.start_time = Math.floor(s.range.startUs / 1e6);
    spec.end_time = Math.ceil(s.range.endUs / 1e6);
  } else {
    const lookback = s.range.lookback;
    spec.time_range = LOOKBACKS.find((l) => l[0] === lookback)?.[2] ?? 3600;
  }
  return spec;
}

/** The spec's time as epoch seconds [start, end) (a relative range ends now). */
export function specWindow(spec: QuerySpecIn, nowSec = Date.now() / 1000): [number, number] {
  if (spec.start_time !== undefined && spec.end_time !== undefined) return [spec.start_time, spec.end_time];
  const end = Math.floor(nowSec);
  return [end - (spec.time_range ?? 7200), end];
}

/** A typed filter value: numbers and booleans as such, `in`/`not-in` as comma-separated lists. */
export function parseFilterValue(op: string, text: string): QueryFilter['value'] {
  if (FILTER_OPS_WITHOUT_VALUE.has(op)) return undefined;
  const one = (t: string): string | number | boolean => {
    const v = t.trim();
    if (v === 'true' || v === 'false') return v === 'true';
    return v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  };
  return op === 'in' || op === 'not-in' ? text.split(',').map(one) : one(text);
}

export function formatFilterValue(v: QueryFilter['value']): string {
  return v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v);
}

/** Result key of a calculation, as Honeycomb writes it: `COUNT`, `P99(duration_ms)`. */
export function calcKey(c: QueryCalculation): string {
  return OPS_WITHOUT_COLUMN.has(c.op) ? c.op : `${c.op}(${c.column ?? ''})`;
}

/** A group's label: its breakdown values joined, or "all" without breakdowns. */
export function groupLabel(data: Record<string, unknown>, breakdowns: string[]): string {
  return breakdowns.length ? breakdowns.map((b) => String(data[b] ?? '(none)')).join(' · ') : 'all';
}

export interface ChartSeries { times: number[]; groups: { label: string; keys: Record<string, unknown>; values: (number | null)[] }[] }

/** One calculation's series: epoch seconds on x, a line per group (in the order the results rank them). */
export function seriesFor(r: QueryResult, breakdowns: string[], key: string): ChartSeries {
  const times = [...new Set(r.series.map((p) => Date.parse(p.time) / 1000))].sort((a, b) => a - b);
  const at = new Map(times.map((t, i) => [t, i]));
  const keysOf = (data: Record<string, unknown>) => Object.fromEntries(breakdowns.map((b) => [b, data[b] ?? null]));
  const groups = new Map<string, { keys: Record<string, unknown>; values: (number | null)[] }>(
    r.results.map((x) => [groupLabel(x.data, breakdowns), { keys: keysOf(x.data), values: times.map(() => null) }]));
  for (const p of r.series) {
    const g = groupLabel(p.data, breakdowns);
    if (!groups.has(g)) groups.set(g, { keys: keysOf(p.data), values: times.map(() => null) });
    const v = p.data[key];
    groups.get(g)!.values[at.get(Date.parse(p.time) / 1000)!] = typeof v === 'number' ? v : v === null || v === undefined ? null : Number(v);
  }
  return { times, groups: [...groups].map(([label, g]) => ({ label, ...g })) };
}

/** A point of a chart: one group's bucket [start, end) in epoch seconds. */
export interface ChartPoint { start: number; end: number; group: string; keys: Record<string, unknown> }

/**
 * The query that lists the traces behind a point: the same dataset, calculated fields and filters, the
 * group's breakdown values as filters, the point's time bucket, one row per trace, slowest first.
 */
export function tracesBehindSpec(ran: QueryState, p: ChartPoint): QuerySpecIn {
  const groupFilters: QueryFilter[] = Object.entries(p.keys).map(([column, value]) =>
    value === null || value === undefined ? { column, op: 'does-not-exist' } : { column, op: '=', value: value as QueryFilter['value'] });
  const spec: QuerySpecIn = {
    calculations: [{ op: 'COUNT' }, { op: 'MAX', column: 'duration_ms' }],
    breakdowns: ['trace.trace_id'],
    orders: [{ op: 'MAX', column: 'duration_ms', order: 'descending' }],
    limit: 20,
    start_time: Math.floor(p.start),
    end_time: Math.max(Math.ceil(p.end), Math.floor(p.start) + 1),
  };
  if (ran.calculatedFields.length) spec.calculated_fields = ran.calculatedFields;
  const filters = [...ran.filters, ...groupFilters];
  if (filters.length) spec.filters = filters;
  return spec;
}
