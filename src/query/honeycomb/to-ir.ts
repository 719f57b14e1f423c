/**
 * A validated Honeycomb spec -> IR queries: the results query (one row per group), the series query (the
 * same per time bucket, for the groups the results kept) and, per HEATMAP, a range query and a bins query.
 * Output columns are named g<i> (breakdowns), c<i> (calculations), t (bucket), b (heatmap bin).
 */
import { agg, and, cmp, col, fn, isNull, lit, or, ref, type Expr, type Literal, type Query } from '../ir/ir.js';
import type { ColumnResolver } from './columns.js';
import { filtersExpr } from './filters.js';
import { calculationKey, percentileOf, type Calculation } from './spec.js';
import type { NormalizedSpec } from './validate.js';
import { invalid } from './errors.js';

export const ALL_DATASETS = '__all__';
export const HEATMAP_BINS = 30;
/** The Events API's sample-rate column (receivers/honeycomb-events). */
const SAMPLE_RATE = 'meta.sample_rate';
const TABLE = { table: 'spans' };

export class SpecPlanner {
  readonly groups: Expr[];

  constructor(readonly spec: NormalizedSpec, readonly columns: ColumnResolver, private readonly dataset: string) {
    this.groups = spec.breakdowns.map((b) => columns.get(b)!.expr);
  }

  /** Dataset, time range and the spec's filters. `shift` moves the range back (compare_time_offset_seconds). */
  where(shift = 0, extra?: Expr): Expr {
    const s = this.spec;
    const parts: Expr[] = [
      cmp('>=', col('start_ns'), { k: 'time', seconds: s.start_time - shift }),
      cmp('<', col('start_ns'), { k: 'time', seconds: s.end_time - shift }),
    ];
    if (this.dataset !== ALL_DATASETS) parts.unshift(cmp('=', col('dataset'), lit(this.dataset)));
    const f = filtersExpr(s.filters, s.filter_combination, this.columns, 'filters');
    if (f) parts.push(f);
    if (extra) parts.push(extra);
    return and(...parts);
  }

  calcFilter(c: Calculation, i: number): Expr | undefined {
    return c.filters ? filtersExpr(c.filters, c.filter_combination ?? 'AND', this.columns, `calculations[${i}].filters`) : undefined;
  }

  /**
   * The aggregate of a non-HEATMAP calculation (CONCURRENCY as the sum of durations in ns; run.ts divides).
   * Sampled events count as many as they stand for, as in Honeycomb: once a `meta.sample_rate` column
   * exists (Events API, docs/honeycomb-events.md), COUNT, SUM and AVG weight each row by it (1 when unset).
   * Percentiles, MIN/MAX and COUNT_DISTINCT are not weighted (neither are they in Honeycomb).
   */
  aggregate(c: Calculation, i: number): Expr {
    const filter = this.calcFilter(c, i);
    const x = c.column ? this.columns.get(c.column)!.expr : undefined;
    const q = percentileOf(c.op);
    if (q !== undefined) return agg('quantile', x, { q, filter });
    const rate = this.columns.get(SAMPLE_RATE)?.expr;
    const w = rate ? fn('coalesce', rate, lit(1)) : undefined;
    switch (c.op) {
      case 'COUNT': return w ? agg('sum', w, { filter }) : agg('count', undefined, { filter });
      case 'CONCURRENCY': return agg('sum', col('duration_ns'), { filter });
      case 'SUM': return agg('sum', w ? fn('mul', x!, w) : x, { filter });
      case 'AVG': return w
        ? fn('div', agg('sum', fn('mul', x!, w), { filter }), agg('sum', { k: 'case', whens: [[isNull(x!, true), w]] }, { filter }))
        : agg('avg', x, { filter });
      case 'MIN': return agg('min', x, { filter });
      case 'MAX': return agg('max', x, { filter });
      case 'COUNT_DISTINCT': return agg('count_distinct', x, { filter });
      // RATE_X: X per time bucket here; run.ts takes the differences between consecutive buckets.
      case 'RATE_AVG': return this.aggregate({ ...c, op: 'AVG' }, i);
      case 'RATE_SUM': return this.aggregate({ ...c, op: 'SUM' }, i);
      case 'RATE_MAX': return this.aggregate({ ...c, op: 'MAX' }, i);
      default: throw invalid(`calculations[${i}].op`, `${c.op} is not supported by Honeyray yet`);
    }
  }

  /**
   * c<i> per calculation. A HEATMAP's range comes with the results (c<i> = min, h<i> = max of its column,
   * per group) instead of a query of its own: one scan fewer.
   */
  private calcColumns(withRanges: boolean): { as: string; expr: Expr }[] {
    return this.spec.calculations.flatMap((c, i) => {
      if (c.op !== 'HEATMAP') return [{ as: `c${i}`, expr: this.aggregate(c, i) }];
      if (!withRanges) return [];
      const x = this.columns.get(c.column!)!.expr;
      const filter = this.calcFilter(c, i);
      return [{ as: `c${i}`, expr: agg('min', x, { filter }) }, { as: `h${i}`, expr: agg('max', x, { filter }) }];
    });
  }

  private groupColumns(): { as: string; expr: Expr }[] {
    return this.groups.map((g, i) => ({ as: `g${i}`, expr: g }));
  }

  /** One row per group: havings, orders (default: the first calculation, descending) and limit. */
  results(shift = 0): Query {
    const s = this.spec;
    const calcIndex = (op: string, column?: string) => s.calculations.findIndex((c) => c.op === op && (c.column ?? undefined) === (column || undefined));
    const having = s.havings.map((h) => cmp(h.op, ref(`c${calcIndex(h.calculate_op, h.column)}`), lit(h.value)));
    let orderBy = s.orders.map((o) => ({
      expr: ref(o.op ? `c${calcIndex(o.op, o.column)}` : `g${s.breakdowns.indexOf(o.column!)}`),
      desc: o.order === 'descending',
    }));
    if (orderBy.length === 0) {
      const first = s.calculations.findIndex((c) => c.op !== 'HEATMAP');
      orderBy = first >= 0 ? [{ expr: ref(`c${first}`), desc: true }] : [];
    }
    // Ties are broken by the groups, so the same data always gives the same rows.
    orderBy.push(...this.groups.map((_, i) => ({ expr: ref(`g${i}`), desc: false })));
    return {
      from: TABLE, where: this.where(shift), select: [...this.groupColumns(), ...this.calcColumns(true)],
      groupBy: this.groups, having: having.length ? and(...having) : undefined, orderBy, limit: s.limit,
    };
  }

  /**
   * Where the first time bucket starts: the granularity boundary at or before the range's start (unix
   * seconds), as Honeycomb draws its graphs (a 60 s granularity gives buckets on whole minutes). The first
   * bucket may hold less than a whole granularity of events.
   */
  origin(shift = 0): number {
    const g = this.spec.granularity;
    return Math.floor((this.spec.start_time - shift) / g) * g;
  }

  /**
   * Per time bucket and group, only for the groups `results` returned (their values in `keep`; null when
   * it returned every group, so no filter is needed: an OR of one AND per group was evaluated on every
   * row, 2.5 s of a 3.4 s query at 1M spans).
   */
  series(keep: Literal[][] | null, shift = 0, opts: { counts?: number[]; limit?: number } = {}): Query {
    const bucket: Expr = { k: 'timeBucket', arg: col('start_ns'), granularity: this.spec.granularity, origin: this.origin(shift) };
    // n<i>: the values a percentile took its value from (tail-percentiles.ts adds them up per group).
    // Every span has a duration (the writers always write duration_ns): count(*) for it, the COUNT the
    // series computes anyway (a count of the column itself was +45 ms of CPU over 8.3M rows).
    const counts = (opts.counts ?? []).map((i) => {
      const c = this.spec.calculations[i]!;
      const v = this.valuesOf(c);
      return { as: `n${i}`, expr: agg('count', v.ns ? undefined : v.arg, { filter: this.calcFilter(c, i) }) };
    });
    return {
      from: TABLE, where: this.where(shift, this.groupsIn(keep)),
      select: [{ as: 't', expr: bucket }, ...this.groupColumns(), ...this.calcColumns(false), ...counts],
      groupBy: [bucket, ...this.groups], orderBy: [{ expr: ref('t') }], limit: opts.limit,
    };
  }

  /**
   * The column a calculation aggregates, as the engine best compares it: the integer ns column for
   * `duration_ms` (`ns`: its values are ms x 1e6), else the column's expression.
   */
  valuesOf(c: Calculation): { arg: Expr; ns: boolean } {
    const x = this.columns.get(c.column!)!.expr;
    return x.k === 'fn' && x.fn === 'nsToMs' && x.args.length === 1 ? { arg: x.args[0]!, ns: true } : { arg: x, ns: false };
  }

  /**
   * The values of each percentile `calcs[i]` at or above (`upper`) / at or below its group's bound, per
   * group, as lists (tail-percentiles.ts). The scan keeps the rows past the loosest bound of any group (a
   * filter DuckDB pushes into the scan); each group's own bound is applied to its list after grouping (a
   * CASE per group, not per row).
   */
  tails(calcs: Array<{ i: number; upper: boolean; bound: number; byGroup: Array<[Literal[], number]> }>, shift = 0): Query {
    const past = (i: number, upper: boolean, bound: number): Expr => {
      const c = this.spec.calculations[i]!;
      const f = this.calcFilter(c, i);
      return and(cmp(upper ? '>=' : '<=', this.valuesOf(c).arg, lit(bound)), ...(f ? [f] : []));
    };
    const inner: Query = {
      from: TABLE, where: this.where(shift, or(...calcs.map((c) => past(c.i, c.upper, c.bound)))),
      // One list: the WHERE is its filter already (a FILTER per row doubled the statement's CPU).
      select: [...this.groupColumns(), ...calcs.map((c) => ({ as: `l${c.i}`, expr: agg('list', this.valuesOf(this.spec.calculations[c.i]!).arg, { filter: calcs.length > 1 ? past(c.i, c.upper, c.bound) : undefined }) }))],
      groupBy: this.groups,
    };
    const sameGroup = (vals: Literal[]) => and(...vals.map((v, j) => (v === null ? isNull(col(`g${j}`)) : cmp('=', col(`g${j}`), lit(v)))));
    const groups = this.groups.map((_, j) => ({ as: `g${j}`, expr: col(`g${j}`) }));
    // The bound as a column of its own, per group: inside the list filter's lambda DuckDB evaluated the CASE
    // once per element (227 against 113 ms of CPU for the P99 benchmark's tails).
    const bounds: Query = {
      from: { query: inner, alias: 'tails' },
      select: [...groups, ...calcs.flatMap((c) => [
        { as: `l${c.i}`, expr: col(`l${c.i}`) },
        { as: `b${c.i}`, expr: { k: 'case', whens: c.byGroup.map(([vals, b]) => [sameGroup(vals), lit(b)] as [Expr, Expr]) } as Expr },
      ])],
    };
    return {
      from: { query: bounds, alias: 'bounds' },
      select: [...groups, ...calcs.map((c) => ({ as: `l${c.i}`, expr: fn(c.upper ? 'listAtLeast' : 'listAtMost', col(`l${c.i}`), col(`b${c.i}`)) }))],
    };
  }

  /** The results' aggregates of the groups `keep`, without havings, orders or limit (tail-percentiles.ts' fallback). */
  resultsOf(keep: Literal[][] | null, shift = 0): Query {
    return { from: TABLE, where: this.where(shift, this.groupsIn(keep)), select: [...this.groupColumns(), ...this.calcColumns(false)], groupBy: this.groups };
  }

  /** Counts per bin (and group, and time bucket when `perBucket`). */
  heatmapBins(i: number, lower: number, upper: number, keep: Literal[][] | null, perBucket: boolean, shift = 0): Query {
    const c = this.spec.calculations[i]!;
    const x = this.columns.get(c.column!)!.expr;
    const bin: Expr = { k: 'widthBucket', arg: x, lower, upper, bins: HEATMAP_BINS };
    const bucket: Expr = { k: 'timeBucket', arg: col('start_ns'), granularity: this.spec.granularity, origin: this.origin(shift) };
    const f = this.calcFilter(c, i);
    const where = this.where(shift, and(isNull(x, true), this.groupsIn(keep), ...(f ? [f] : [])));
    const time = perBucket ? [{ as: 't', expr: bucket }] : [];
    return {
      from: TABLE, where,
      select: [...time, ...this.groupColumns(), { as: 'b', expr: bin }, { as: 'n', expr: agg('count') }],
      groupBy: [...(perBucket ? [bucket] : []), ...this.groups, bin],
    };
  }

  /** Rows whose groups are one of `keep` (TRUE without breakdowns, or when `keep` is null: all groups). */
  private groupsIn(keep: Literal[][] | null): Expr {
    if (this.groups.length === 0 || keep === null) return lit(true);
    if (keep.length === 0) return lit(false);
    // One breakdown: an IN list (a hash lookup) rather than an OR chain.
    if (this.groups.length === 1 && keep.every((v) => v[0] !== null)) return { k: 'in', arg: this.groups[0]!, list: keep.map((v) => lit(v[0]!)) };
    return or(...keep.map((vals) => and(...this.groups.map((g, j) => (vals[j] === null ? isNull(g) : cmp('=', g, lit(vals[j]!)))))));
  }

  keys(): string[] {
    return this.spec.calculations.map(calculationKey);
  }
}
