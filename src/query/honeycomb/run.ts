/**
 * Runs a validated spec on a Store and shapes the rows as Honeycomb's query result
 * (`data.series[{time, data}]`, `data.results[{data}]`, keys `COUNT`, `P99(duration_ms)`, HEATMAP values
 * `{buckets: [{lower, upper, count}]}`). Every SQL statement is compiled from the IR with the store's dialect.
 */
import type { Store } from '../../store/store.js';
import { compileQuery } from '../ir/compile.js';
import type { Literal, Query } from '../ir/ir.js';
import { ColumnResolver } from './columns.js';
import { HEATMAP_BINS, SpecPlanner } from './to-ir.js';
import { calculationKey } from './spec.js';
import { resultsFromSeries, tailPlan, type TailPercentile } from './tail-percentiles.js';
import { validateSpec, type NormalizedSpec } from './validate.js';

export type QueryStore = Pick<Store, 'select' | 'dialect' | 'columns'>;

export interface HeatmapValue {
  buckets: { lower: number; upper: number; count: number }[];
}
export interface SeriesPoint {
  time: string;
  data: Record<string, unknown>;
}
export interface QueryOutput {
  series: SeriesPoint[];
  results: { data: Record<string, unknown> }[];
  meta: { sql_ms: number; rows: number };
  /** With compare_time_offset_seconds: the same query over the earlier range (times as they were). */
  compare?: { series: SeriesPoint[]; results: { data: Record<string, unknown> }[] };
}

/** Column catalog + the spec's calculated fields + saved calculated fields for the dataset. */
export async function resolverFor(store: Pick<Store, 'columns'>): Promise<ColumnResolver> {
  return new ColumnResolver(await store.columns());
}

/** Validates and runs in one go (what the API and CLI extension call). */
export async function runQuery(store: QueryStore, dataset: string, raw: unknown, opts: { now?: number; disableSeries?: boolean; columns?: ColumnResolver; maxLimit?: number; tailPercentiles?: boolean } = {}): Promise<QueryOutput> {
  const columns = opts.columns ?? (await resolverFor(store));
  const spec = validateSpec(raw, columns, opts.now ?? Date.now() / 1000, opts.maxLimit);
  return runSpec(store, new SpecPlanner(spec, columns, dataset), opts.disableSeries ?? false, { tailPercentiles: opts.tailPercentiles });
}

/**
 * `tailPercentiles: false` runs the plain statements even where tail-percentiles.ts could derive the results
 * from the series (the tests compare the two).
 */
export async function runSpec(store: QueryStore, planner: SpecPlanner, disableSeries: boolean, opts: { tailPercentiles?: boolean } = {}): Promise<QueryOutput> {
  const runner = new Runner(store);
  const tails = opts.tailPercentiles === false ? null : tailPlan(planner, disableSeries);
  const main = await runOnce(runner, planner, disableSeries, 0, tails);
  const out: QueryOutput = { ...main, meta: { sql_ms: Math.round(runner.ms * 10) / 10, rows: runner.rows } };
  const offset = planner.spec.compare_time_offset_seconds;
  if (offset) out.compare = await runOnce(runner, planner, disableSeries, offset, tails);
  out.meta = { sql_ms: Math.round(runner.ms * 10) / 10, rows: runner.rows };
  return out;
}

class Runner {
  ms = 0;
  rows = 0;
  constructor(readonly store: QueryStore) {}
  async run(q: Query): Promise<Record<string, unknown>[]> {
    const sql = compileQuery(q, this.store.dialect);
    const t0 = performance.now();
    const rows = await this.store.select(sql);
    this.ms += performance.now() - t0;
    this.rows += rows.length;
    return rows;
  }
}

const plain = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);
const groupKey = (vals: unknown[]) => JSON.stringify(vals);

async function runOnce(runner: Runner, p: SpecPlanner, disableSeries: boolean, shift: number, tails: TailPercentile[] | null): Promise<Omit<QueryOutput, 'meta'>> {
  const spec = p.spec;
  const keys = spec.calculations.map(calculationKey);
  const groupVals = (r: Record<string, unknown>) => spec.breakdowns.map((_, i) => plain(r[`g${i}`]) as Literal);
  const calcValue = (r: Record<string, unknown> | undefined, i: number, seconds: number): unknown => {
    const c = spec.calculations[i]!;
    const v = r ? plain(r[`c${i}`]) : null;
    if (c.op === 'COUNT') return v ?? 0;
    if (c.op === 'CONCURRENCY') return v === null || v === undefined ? 0 : (v as number) / (seconds * 1e9);
    return v ?? null;
  };

  // Percentiles from the series' tails (tail-percentiles.ts): the series first, the results from it.
  const derived = tails ? await resultsFromSeries(runner, p, tails, runner.store.dialect, shift) : null;
  const resultRows = derived ? derived.resultRows : await runner.run(p.results(shift));
  const keep = resultRows.map(groupVals);
  // Every group made it into the results (none cut by the limit or a having): later scans need no group filter.
  const only = resultRows.length < spec.limit && spec.havings.length === 0 ? null : keep;
  const heatmaps = new Map<number, { lo: number; hi: number } | null>();
  for (let i = 0; i < spec.calculations.length; i++) {
    if (spec.calculations[i]!.op !== 'HEATMAP') continue;
    // The range over the groups kept: min of the per-group minimums, max of the maximums.
    const los = resultRows.map((r) => plain(r[`c${i}`])).filter((v): v is number => typeof v === 'number');
    const his = resultRows.map((r) => plain(r[`h${i}`])).filter((v): v is number => typeof v === 'number');
    heatmaps.set(i, los.length && his.length ? { lo: Math.min(...los), hi: Math.max(...his) } : null);
  }

  const heatmapCounts = async (perBucket: boolean) => {
    const byCalc = new Map<number, Map<string, number[]>>();
    for (const [i, range] of heatmaps) {
      const m = new Map<string, number[]>();
      byCalc.set(i, m);
      if (!range) continue;
      for (const r of await runner.run(p.heatmapBins(i, range.lo, range.hi, only, perBucket, shift))) {
        const k = groupKey([...(perBucket ? [plain(r.t)] : []), ...groupVals(r)]);
        let counts = m.get(k);
        if (!counts) m.set(k, (counts = new Array<number>(HEATMAP_BINS).fill(0)));
        counts[Number(r.b)] = Number(r.n);
      }
    }
    return byCalc;
  };
  const heatmapValue = (i: number, counts: number[] | undefined): HeatmapValue => {
    const range = heatmaps.get(i);
    if (!range) return { buckets: [] };
    const width = (range.hi - range.lo) / HEATMAP_BINS;
    return {
      buckets: Array.from({ length: HEATMAP_BINS }, (_, b) => ({
        lower: range.lo + b * width, upper: b === HEATMAP_BINS - 1 ? range.hi : range.lo + (b + 1) * width, count: counts?.[b] ?? 0,
      })),
    };
  };

  const row = (groups: Literal[], r: Record<string, unknown> | undefined, seconds: number, hm: Map<number, Map<string, number[]>>, hmKey: string) => {
    const data: Record<string, unknown> = {};
    spec.breakdowns.forEach((b, j) => (data[b] = groups[j]));
    spec.calculations.forEach((c, i) => {
      data[keys[i]!] = c.op === 'HEATMAP' ? heatmapValue(i, hm.get(i)?.get(hmKey)) : calcValue(r, i, seconds);
    });
    return data;
  };

  const resultsOf = (hm: Map<number, Map<string, number[]>>) => resultRows.map((r) => {
    const g = groupVals(r);
    return { data: row(g, r, spec.time_range, hm, groupKey(g)) };
  });
  const rates = spec.calculations.map((c, i) => (RATE_OPS.has(c.op) ? i : -1)).filter((i) => i >= 0);
  // RATE_* are differences between buckets: without buckets there is nothing to take them from.
  if (disableSeries && rates.length === 0) return { series: [], results: resultsOf(await heatmapCounts(false)) };

  // Only HEATMAPs: the series query would compute nothing (their bins come from heatmapCounts).
  const seriesRows = derived ? derived.seriesRows : spec.calculations.some((c) => c.op !== 'HEATMAP') ? await runner.run(p.series(only, shift)) : [];
  const hmSeries = await heatmapCounts(true);
  // A group's heatmap is the sum of its buckets' heatmaps: no scan of its own.
  const hmResults = new Map<number, Map<string, number[]>>();
  for (const [i, perBucket] of hmSeries) {
    const sums = new Map<string, number[]>();
    hmResults.set(i, sums);
    for (const [k, counts] of perBucket) {
      const g = groupKey((JSON.parse(k) as unknown[]).slice(1));
      const acc = sums.get(g) ?? new Array<number>(HEATMAP_BINS).fill(0);
      counts.forEach((n, b) => (acc[b]! += n));
      sums.set(g, acc);
    }
  }
  const results = resultsOf(hmResults);
  const byBucket = new Map<string, Record<string, unknown>>();
  for (const r of seriesRows) byBucket.set(groupKey([plain(r.t), ...groupVals(r)]), r);
  // Every bucket of the range, for every group the results kept: a graph has no holes to guess about.
  const series: SeriesPoint[] = [];
  const groups = keep.length ? keep : spec.breakdowns.length ? [] : [[]];
  for (let t = p.origin(shift); t < spec.end_time - shift; t += spec.granularity) {
    const time = new Date(t * 1000).toISOString().replace('.000Z', 'Z');
    for (const g of groups) {
      const k = groupKey([t, ...g]);
      series.push({ time, data: row(g, byBucket.get(k), spec.granularity, hmSeries, k) });
    }
  }
  for (const i of rates) applyRate(keys[i]!, series, results, (d) => groupKey(spec.breakdowns.map((b) => d[b])));
  return { series: disableSeries ? [] : series, results };
}

const RATE_OPS = new Set(['RATE_AVG', 'RATE_SUM', 'RATE_MAX']);

/**
 * RATE_AVG / RATE_SUM / RATE_MAX, as Honeycomb documents them: AVG / SUM / MAX per time bucket (what the
 * series holds under `key` so far), then the difference between each bucket's value and the previous
 * bucket's, per group. A bucket without a value, or whose previous bucket has none, has no rate (null), as
 * has the first bucket. A group's `results` value is the mean of its buckets' rates (null when none).
 */
function applyRate(key: string, series: SeriesPoint[], results: { data: Record<string, unknown> }[], groupOf: (d: Record<string, unknown>) => string): void {
  const prev = new Map<string, number | null>();
  const rates = new Map<string, number[]>();
  for (const point of series) {
    const g = groupOf(point.data);
    const v = typeof point.data[key] === 'number' ? (point.data[key] as number) : null;
    const before = prev.get(g) ?? null;
    const rate = v !== null && before !== null ? v - before : null;
    prev.set(g, v);
    point.data[key] = rate;
    if (rate === null) continue;
    let xs = rates.get(g);
    if (!xs) rates.set(g, (xs = []));
    xs.push(rate);
  }
  for (const r of results) {
    const xs = rates.get(groupOf(r.data)) ?? [];
    r.data[key] = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
  }
}

export type { NormalizedSpec };
