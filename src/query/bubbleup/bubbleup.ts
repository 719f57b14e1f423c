/**
 * BubbleUp: for every column, the value distribution of the selected rows against the rest of the query's
 * rows (the baseline), ranked by how much they differ.
 *
 * The measure is the total variation distance, 0.5 * sum over values of |p_selection(v) - p_baseline(v)|
 * (missing values count as the value null). It is 0 for identical distributions and 1 for disjoint ones, and
 * reads directly as "the share of events that would have to change value for the two to look alike", so a
 * column where the selection is 100% `cat` and the baseline 10% `cat` scores 0.9. Honeycomb ranks by the
 * difference in proportions too; TVD sums it over all values, so a column is not ranked high on one rare value.
 *
 * Strings, booleans and numbers with few distinct values get their top values; other numbers get a
 * histogram of equal-width bins over the column's range (`value` = "lower..upper").
 */
import type { Store } from '../../store/store.js';
import { compileQuery } from '../ir/compile.js';
import { agg, and, col, fn, isNull, lit, not, or, type Expr, type Query } from '../ir/ir.js';
import { isNumeric, type ColumnResolver, type HcColumn } from '../honeycomb/columns.js';
import type { SpecPlanner } from '../honeycomb/to-ir.js';

export interface ValueCount {
  value: string | number | boolean | null;
  count: number;
  fraction: number;
}
export interface ColumnDiff {
  column: string;
  type: string;
  score: number;
  selection: ValueCount[];
  baseline: ValueCount[];
}
export interface BubbleUpResult {
  columns: ColumnDiff[];
  selection_count: number;
  baseline_count: number;
  /**
   * The share of each side's rows the distributions were computed from (1 = every row). Counts in
   * `columns` are scaled back to the whole side, so they are estimates when this is below 1.
   */
  sampled: { selection: number; baseline: number };
}

/** Values listed per column (the rest still counts toward the score, as "other"). */
const TOP_VALUES = 20;
const HISTOGRAM_BINS = 10;
/** A numeric column with at most this many distinct values is treated like a string column. */
const CATEGORICAL_MAX = 10;
/**
 * Rows per side (selection, baseline) the distributions are computed from; a side with more rows is
 * sampled (by hashes of time slices and of rows, `Sampling`: the same data gives the same answer). 20,000 rows put a
 * value's share within ~0.7 points (2 standard errors at 50%) of the whole side's: plenty to rank columns,
 * and Honeycomb samples for BubbleUp too. Below this, every row counts and the answer is exact.
 */
export const SAMPLE_ROWS = 20_000;
/** Rows per time slice (DuckDB reads 2,048-row blocks: one slice ~ one block). */
const SLICE_ROWS = 2048;
/** The fewest slices a sampled side is drawn from (when the data has that many). */
const MIN_SLICES = 200;
/** Ids differ on every span: never an explanation, always expensive. */
const SKIP = new Set(['trace.trace_id', 'trace.span_id', 'trace.parent_id', 'meta.signal_type']);

type Select = Pick<Store, 'select' | 'dialect'>;
type Counted = { value: ValueCount['value']; s: number; b: number };

/**
 * Three scans of the query's rows, whatever the number of columns (it was one per column: 40 scans, 4 s at
 * 1M spans, > 600 s at 10M): (1) exact selection and baseline counts, which set the sampling; (2) over the
 * rows of the time slices read, each numeric column's range and approximate distinct count (histogram or
 * top values?);
 * (3) over the sampled rows, every column at once: each row unpivoted into (column, value) pairs, counted
 * per side in one GROUP BY.
 *
 * A sampled side is sampled in two stages (see `Sampling`): whole time slices, then rows within them. The
 * slice test is the only sampling condition in the WHERE, on start_ns alone, so DuckDB pushes it into the
 * scan and never decompresses the ~40 columns of blocks outside the sampled slices; the per-row test goes
 * to the unpivot's condition. A per-row hash in the WHERE (as before) touched every block of every column:
 * 10M spans, scan (3) took 3,975 ms of CPU and 1,101 ms with slices (docs/querying.md).
 */
export async function bubbleUp(
  store: Select, planner: SpecPlanner, columns: ColumnResolver, selection: Expr, selectedColumn?: string,
  opts: { sampleRows?: number; sliceRows?: number; minSlices?: number } = {},
): Promise<BubbleUpResult> {
  const cap = opts.sampleRows ?? SAMPLE_ROWS;
  const where = planner.where();
  const sel = fn('coalesce', selection, lit(false));
  const run = (q: Query) => store.select(compileQuery(q, store.dialect));
  const from = { table: 'spans' };

  const [counts] = await run({
    from, where,
    select: [
      { as: 'sel', expr: agg('count', undefined, { filter: sel }) }, { as: 'all', expr: agg('count') },
      { as: 't0', expr: agg('min', col('start_ns')) }, { as: 't1', expr: agg('max', col('start_ns')) },
    ],
  });
  const selCount = Number(counts?.sel ?? 0);
  // The selection's predicate is evaluated once per row (the baseline is the rest).
  const baseCount = Number(counts?.all ?? 0) - selCount;
  const sampled = { selection: Math.min(1, cap / Math.max(1, selCount)), baseline: Math.min(1, cap / Math.max(1, baseCount)) };
  if (selCount === 0) return { columns: [], selection_count: 0, baseline_count: baseCount, sampled };

  const span = (Number(counts?.t1 ?? 0) - Number(counts?.t0 ?? 0)) / 1e9;
  const sampling = new Sampling(span, selCount + baseCount, opts.sliceRows ?? SLICE_ROWS, opts.minSlices ?? MIN_SLICES);
  const slices = Math.max(sampling.slices(sampled.selection), sampling.slices(sampled.baseline));
  const rows = slices < 1 ? and(where, sampling.slice(slices)) : where;
  const [inSel, inBase] = [sampling.within(sampled.selection, slices), sampling.within(sampled.baseline, slices)];
  const every = (e: Expr) => e.k === 'lit' && e.value === true;
  // The rows (of the slices read) each side's sample keeps; undefined: all of them.
  const kept = every(inSel) && every(inBase) ? undefined : or(and(sel, inSel), and(not(sel), inBase));

  const candidates = columns.list().filter((c) => !SKIP.has(c.name) && c.name !== selectedColumn);
  const numeric = candidates.filter((c) => isNumeric(c.type));
  // Ranges and distinct counts over every row of the slices read (a superset of the sample: its values fall
  // in the range; no per-row sample test, which each aggregate's FILTER would evaluate again).
  const [stats] = numeric.length ? await run({
    from, where: rows,
    select: numeric.flatMap((c, i) => [
      { as: `lo${i}`, expr: agg('min', c.expr) }, { as: `hi${i}`, expr: agg('max', c.expr) }, { as: `nd${i}`, expr: agg('approx_count_distinct', c.expr) },
    ]),
  }) : [{}];
  const histograms = new Map<HcColumn, { lo: number; hi: number }>();
  numeric.forEach((c, i) => {
    if (Number(stats?.[`nd${i}`] ?? 0) > CATEGORICAL_MAX) histograms.set(c, { lo: Number(stats![`lo${i}`]), hi: Number(stats![`hi${i}`]) });
  });
  const values = candidates.map((c) => {
    const h = histograms.get(c);
    return h ? { k: 'widthBucket', arg: c.expr, lower: h.lo, upper: h.hi, bins: HISTOGRAM_BINS } as Expr : c.expr;
  });

  const pairs = await run({
    from: { query: { from, where: rows, select: [{ as: 'in_sel', expr: sel }], unpivot: values, unpivotWhen: kept }, alias: 'u' },
    select: [
      { as: 'k', expr: col('k') }, { as: 'v', expr: col('v') },
      { as: 'ns', expr: agg('count', undefined, { filter: col('in_sel') }) },
      { as: 'nb', expr: agg('count', undefined, { filter: not(col('in_sel')) }) },
    ],
    groupBy: [col('k'), col('v')],
  });
  const byColumn = candidates.map((): Counted[] => []);
  for (const r of pairs) byColumn[Number(r.k)]!.push({ value: r.v as string | null, s: Number(r.ns), b: Number(r.nb) });

  // Sampled rows per side: every row gives exactly one pair per column.
  const selRows = byColumn[0]?.reduce((n, r) => n + r.s, 0) ?? 0;
  const baseRows = byColumn[0]?.reduce((n, r) => n + r.b, 0) ?? 0;
  // A sample with no selected row (only with tiny sample sizes): no shares to compare.
  if (selRows === 0) return { columns: [], selection_count: selCount, baseline_count: baseCount, sampled };
  const out: ColumnDiff[] = [];
  candidates.forEach((c, i) => {
    const h = histograms.get(c);
    const list = byColumn[i]!.map((r) => ({ ...r, value: h ? label(r.value as string | null, h.lo, h.hi) : typed(c, r.value as string | null) }));
    if (list.length === 0) return;
    list.sort(byCounts);
    out.push(diff(c, list, selRows, baseRows, selCount, baseCount));
  });
  out.sort((a, b) => b.score - a.score || a.column.localeCompare(b.column));
  return { columns: out, selection_count: selCount, baseline_count: baseCount, sampled };
}

/**
 * Two-stage sampling of a side's rows to a `fraction` of them: time slices of start_ns (whole seconds,
 * each ~`sliceRows` rows on average over the time the rows span), picked by a hash of the slice, then rows
 * within the picked slices by a hash of span id and start time. Every row is kept with probability
 * `fraction`, and the same data gives the same sample. Slices are picked at no less than `minSlices` of
 * them (when the data has that many), so a sample is never a handful of moments; with few rows it is per
 * row only. Both sides use the same slice hash: a side with a smaller slice fraction reads a subset of the
 * other's slices.
 */
class Sampling {
  private readonly count: number;
  private readonly seconds: number;

  constructor(spanSeconds: number, rows: number, sliceRows: number, private readonly minSlices: number) {
    // Whole seconds (the time bucket's unit), at least one; the number of slices the rows fall in.
    this.seconds = Math.max(1, Math.round((spanSeconds * sliceRows) / Math.max(1, rows)));
    this.count = Math.max(1, spanSeconds / this.seconds);
  }

  /** Fraction of slices to read for a side sampled to `fraction` (1: every slice). */
  slices(fraction: number): number {
    if (fraction >= 1) return 1;
    return Math.min(1, Math.max(fraction, this.minSlices / this.count));
  }

  /** Rows of the slices picked at `fraction`. */
  slice(fraction: number): Expr {
    return { k: 'sample', args: [{ k: 'timeBucket', arg: col('start_ns'), granularity: this.seconds, origin: 0 }], fraction };
  }

  /** A side's rows sampled to `fraction`, among rows already in the slices picked at `read` (>= its own). */
  within(fraction: number, read: number): Expr {
    const own = this.slices(fraction);
    const parts: Expr[] = [];
    if (own < read) parts.push(this.slice(own));
    if (fraction < own) parts.push({ k: 'sample', args: [col('span_id'), col('start_ns')], fraction: fraction / own });
    return parts.length ? and(...parts) : lit(true);
  }
}

/** Values arrive as text (the unpivot's common type): back to the column's type. */
function typed(c: HcColumn, v: string | null): ValueCount['value'] {
  if (v === null) return null;
  if (isNumeric(c.type)) return Number(v);
  if (c.type === 'boolean') return v === 'true' || v === '1';
  return v;
}

function label(bin: string | null, lo: number, hi: number): string | null {
  if (bin === null) return null;
  const b = Number(bin);
  const width = (hi - lo) / HISTOGRAM_BINS;
  return `${round(lo + b * width)}..${round(b === HISTOGRAM_BINS - 1 ? hi : lo + (b + 1) * width)}`;
}

/** Selection count, then baseline count, descending; then the value (nulls last). */
function byCounts(x: Counted, y: Counted): number {
  if (x.s !== y.s) return y.s - x.s;
  if (x.b !== y.b) return y.b - x.b;
  if (x.value === null || y.value === null) return x.value === null ? (y.value === null ? 0 : 1) : -1;
  return x.value < y.value ? -1 : x.value > y.value ? 1 : 0;
}

/** Shares are of the sampled rows (`selRows`, `baseRows`); counts are scaled to the whole sides. */
function diff(c: HcColumn, rows: Counted[], selRows: number, baseRows: number, selCount: number, baseCount: number): ColumnDiff {
  let tvd = 0;
  for (const r of rows) tvd += Math.abs(r.s / selRows - (baseRows ? r.b / baseRows : 0));
  // With an empty baseline every column "differs" fully: score 0 instead, nothing stands out.
  const score = baseRows === 0 ? 0 : round(tvd / 2);
  const top = (key: 's' | 'b', sampledTotal: number, total: number) => rows.filter((r) => r[key] > 0).sort((x, y) => y[key] - x[key]).slice(0, TOP_VALUES)
    .map((r) => ({ value: r.value, count: Math.round((r[key] * total) / sampledTotal), fraction: round(r[key] / sampledTotal) }));
  return { column: c.name, type: c.type, score, selection: top('s', selRows, selCount), baseline: top('b', baseRows, baseCount) };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
