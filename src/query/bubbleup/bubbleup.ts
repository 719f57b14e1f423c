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
import { agg, fn, isNull, lit, not, ref, type Expr, type Query } from '../ir/ir.js';
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
}

/** Values listed per column (the rest still counts toward the score, as "other"). */
const TOP_VALUES = 20;
const HISTOGRAM_BINS = 10;
/** A numeric column with at most this many distinct values is treated like a string column. */
const CATEGORICAL_MAX = 10;
/** Ids differ on every span: never an explanation, always expensive. */
const SKIP = new Set(['trace.trace_id', 'trace.span_id', 'trace.parent_id', 'meta.signal_type']);

type Select = Pick<Store, 'select' | 'dialect'>;

export async function bubbleUp(store: Select, planner: SpecPlanner, columns: ColumnResolver, selection: Expr, selectedColumn?: string): Promise<BubbleUpResult> {
  const where = planner.where();
  const sel = fn('coalesce', selection, lit(false));
  const run = (q: Query) => store.select(compileQuery(q, store.dialect));
  const from = { table: 'spans' };

  const candidates = columns.list().filter((c) => !SKIP.has(c.name) && c.name !== selectedColumn);
  const numeric = candidates.filter((c) => isNumeric(c.type));
  // One pass for the counts and every numeric column's range and distinct count.
  const [stats] = await run({
    from, where,
    select: [
      { as: 'sel', expr: agg('count', undefined, { filter: sel }) },
      { as: 'base', expr: agg('count', undefined, { filter: not(sel) }) },
      ...numeric.flatMap((c, i) => [
        { as: `lo${i}`, expr: agg('min', c.expr) }, { as: `hi${i}`, expr: agg('max', c.expr) }, { as: `nd${i}`, expr: agg('count_distinct', c.expr) },
      ]),
    ],
  });
  const selCount = Number(stats?.sel ?? 0);
  const baseCount = Number(stats?.base ?? 0);
  const out: ColumnDiff[] = [];
  if (selCount === 0) return { columns: [], selection_count: 0, baseline_count: baseCount };

  for (const c of candidates) {
    const i = numeric.indexOf(c);
    const distinct = i >= 0 ? Number(stats?.[`nd${i}`] ?? 0) : 0;
    let rows: { value: ValueCount['value']; s: number; b: number }[];
    if (i >= 0 && distinct > CATEGORICAL_MAX) {
      rows = await histogram(run, c, where, sel, Number(stats![`lo${i}`]), Number(stats![`hi${i}`]));
    } else {
      rows = (await run({
        from, where,
        select: [{ as: 'v', expr: c.expr }, { as: 's', expr: agg('count', undefined, { filter: sel }) }, { as: 'b', expr: agg('count', undefined, { filter: not(sel) }) }],
        groupBy: [c.expr],
        orderBy: [{ expr: ref('s'), desc: true }, { expr: ref('b'), desc: true }, { expr: ref('v') }],
      })).map((r) => ({ value: plain(r.v), s: Number(r.s), b: Number(r.b) }));
    }
    if (rows.length === 0) continue;
    out.push(diff(c, rows, selCount, baseCount));
  }
  out.sort((a, b) => b.score - a.score || a.column.localeCompare(b.column));
  return { columns: out, selection_count: selCount, baseline_count: baseCount };
}

async function histogram(run: (q: Query) => Promise<Record<string, unknown>[]>, c: HcColumn, where: Expr, sel: Expr, lo: number, hi: number) {
  const bin: Expr = { k: 'widthBucket', arg: c.expr, lower: lo, upper: hi, bins: HISTOGRAM_BINS };
  const binOrNull: Expr = { k: 'case', whens: [[isNull(c.expr, true), bin]] };
  const rows = await run({
    from: { table: 'spans' }, where,
    select: [{ as: 'bin', expr: binOrNull }, { as: 's', expr: agg('count', undefined, { filter: sel }) }, { as: 'b', expr: agg('count', undefined, { filter: not(sel) }) }],
    groupBy: [binOrNull], orderBy: [{ expr: ref('bin') }],
  });
  const width = (hi - lo) / HISTOGRAM_BINS;
  const label = (b: number) => `${round(lo + b * width)}..${round(b === HISTOGRAM_BINS - 1 ? hi : lo + (b + 1) * width)}`;
  return rows.map((r) => ({ value: r.bin === null ? null : label(Number(r.bin)), s: Number(r.s), b: Number(r.b) }));
}

function diff(c: HcColumn, rows: { value: ValueCount['value']; s: number; b: number }[], selCount: number, baseCount: number): ColumnDiff {
  let tvd = 0;
  for (const r of rows) tvd += Math.abs(r.s / selCount - (baseCount ? r.b / baseCount : 0));
  // With an empty baseline every column "differs" fully: score 0 instead, nothing stands out.
  const score = baseCount === 0 ? 0 : round(tvd / 2);
  const top = (key: 's' | 'b', total: number) => rows.filter((r) => r[key] > 0).sort((x, y) => y[key] - x[key]).slice(0, TOP_VALUES)
    .map((r) => ({ value: r.value, count: r[key], fraction: total ? round(r[key] / total) : 0 }));
  return { column: c.name, type: c.type, score, selection: top('s', selCount), baseline: top('b', baseCount) };
}

const plain = (v: unknown): ValueCount['value'] => (typeof v === 'bigint' ? Number(v) : (v as ValueCount['value']));
const round = (x: number) => Math.round(x * 1e6) / 1e6;
