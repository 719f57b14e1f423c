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
  range: TimeRange;
}

export const ALL_DATASETS = '__all__';
export const OPS_WITHOUT_COLUMN = new Set(['COUNT', 'CONCURRENCY']);
export const FILTER_OPS_WITHOUT_VALUE = new Set(['exists', 'does-not-exist']);

export function emptyState(): QueryState {
  return { dataset: ALL_DATASETS, calculations: [{ op: 'COUNT' }], filters: [], breakdowns: [], orders: [], range: { kind: 'relative', lookback: '1h' } };
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
  } catch { /* a hand-edited URL: start from the defaults */ }
  return s;
}

export function stateToUrl(s: QueryState): URLSearchParams {
  const q = new URLSearchParams();
  q.set('dataset', s.dataset);
  const spec: QuerySpecIn = { calculations: s.calculations };
  if (s.filters.length) spec.filters = s.filters;
  if (s.breakdowns.length) spec.breakdowns = s.breakdowns;
  if (s.orders.length) spec.orders = s.orders;
  if (s.limit) spec.limit = s.limit;
  if (s.granularity) spec.granularity = s.granularity;
  q.set('q', JSON.stringify(spec));
  rangeToUrl(s.range, q);
  return q;
}

/** The Honeycomb query spec the server runs (times in epoch seconds). */
export function toSpec(s: QueryState): QuerySpecIn {
  const spec: QuerySpecIn = {
    calculations: s.calculations.map((c) => (OPS_WITHOUT_COLUMN.has(c.op) ? { op: c.op } : { op: c.op, column: c.column })),
  };
  if (s.filters.length) spec.filters = s.filters;
  if (s.breakdowns.length) spec.breakdowns = s.breakdowns;
  if (s.orders.length) spec.orders = s.orders;
  if (s.limit) spec.limit = s.limit;
  if (s.granularity) spec.granularity = s.granularity;
  if (s.range.kind === 'absolute') {
    spec.start_time = Math.floor(s.range.startUs / 1e6);
    spec.end_time = Math.ceil(s.range.endUs / 1e6);
  } else {
    const lookback = s.range.lookback;
    spec.time_range = LOOKBACKS.find((l) => l[0] === lookback)?.[2] ?? 3600;
  }
  return spec;
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

export interface ChartSeries { times: number[]; groups: { label: string; values: (number | null)[] }[] }

/** One calculation's series: epoch seconds on x, a line per group (in the order the results rank them). */
export function seriesFor(r: QueryResult, breakdowns: string[], key: string): ChartSeries {
  const times = [...new Set(r.series.map((p) => Date.parse(p.time) / 1000))].sort((a, b) => a - b);
  const at = new Map(times.map((t, i) => [t, i]));
  const order = r.results.map((x) => groupLabel(x.data, breakdowns));
  const groups = new Map<string, (number | null)[]>(order.map((g) => [g, times.map(() => null)]));
  for (const p of r.series) {
    const g = groupLabel(p.data, breakdowns);
    if (!groups.has(g)) groups.set(g, times.map(() => null));
    const v = p.data[key];
    groups.get(g)![at.get(Date.parse(p.time) / 1000)!] = typeof v === 'number' ? v : v === null || v === undefined ? null : Number(v);
  }
  return { times, groups: [...groups].map(([label, values]) => ({ label, values })) };
}
