/**
 * Exact high and low percentiles of a time-series query without a second full scan holding every value
 * (docs/querying.md, "How percentiles are computed"; figures in docs/benchmarks.md).
 *
 * The plain way (run.ts) is two grouped scans, each keeping every value of each group for `quantile`: the
 * results (per group) and the series (per time bucket and group). Here the series comes first, over every
 * group, and the results are derived from it: COUNT, SUM, CONCURRENCY, MIN and MAX add up or compare the
 * buckets' values; a percentile P (q >= 0.95, mirrored for q <= 0.05) comes from the group's tail only.
 *
 * Why the tail holds it: in a bucket of n_b values at most floor(q (n_b - 1)) lie below its lower P element,
 * so below t = the smallest of the group's bucket P values lie at most sum floor(q (n_b - 1)) <=
 * floor(q (n - 1)) values, and the group's P (both interpolation neighbours, indices floor and ceil of
 * q (n - 1)) is among the values >= t. The buckets' values are interpolated (at or above their lower
 * element), so this is not a guarantee here: what makes the answer exact is the check. With m values >= t
 * listed, the lowest of them is the group's (n - m)-th, so the neighbours are in the list exactly when
 * n - m <= floor(q (n - 1)); the list is sorted here and the engine's own interpolation
 * (`Dialect.quantileBetween`) gives its bits. A group that fails the check gets the engine's `quantile` from
 * one more statement limited to such groups. HAVING, ORDER BY and LIMIT of the results run here.
 *
 * Not used (run.ts's plain statements instead): without a series (`disableSeries`), for a calculation other
 * than COUNT/SUM/CONCURRENCY/MIN/MAX/P<=5/P>=95 (P50 and such: the "tail" is half the rows), for a SUM or
 * weighted COUNT that is not an integer sum (a sum of bucket sums of doubles is not the engine's sum to the
 * bit), when the series would hold more than `limit` groups' buckets (more groups than the results keep),
 * and past MAX_GROUPS groups.
 */
import type { Dialect } from '../../store/dialect.js';
import type { Literal, Query } from '../ir/ir.js';
import { isNumeric } from './columns.js';
import { percentileOf } from './spec.js';
import type { SpecPlanner } from './to-ir.js';

/** Rows as `Store.select` returns them, in the results / series shape (g<j>, c<i>, t, n<i>). */
type Row = Record<string, unknown>;

export interface TailPercentile {
  i: number;
  q: number;
  /** True: the upper tail (q >= 0.95); false: the lower head (q <= 0.05). */
  upper: boolean;
  /** The values are ns of a ms column (`duration_ms`): bounds in integer ns, results / 1e6. */
  ns: boolean;
}

const SAMPLE_RATE = 'meta.sample_rate';
/**
 * The tails statement names each group's bound in a CASE over the groups: past this many groups (or this
 * much literal text, ClickHouse's max_query_size is 256 KiB) the plain statements run instead.
 */
const MAX_GROUPS = 500;
const MAX_GROUP_TEXT = 100_000;
/** Outside [LOW, HIGH] the tail is small; between, listing it costs more than `quantile` (P50: half the rows). */
const LOW = 0.05;
const HIGH = 0.95;

/** The percentiles the shortcut computes, or null when the plain statements must run. */
export function tailPlan(p: SpecPlanner, disableSeries: boolean): TailPercentile[] | null {
  const spec = p.spec;
  const columns = p.columns;
  if (disableSeries) return null;
  const integerColumn = (name: string | undefined) => {
    const c = name ? columns.get(name) : undefined;
    return c !== undefined && c.type === 'integer' && !c.derived;
  };
  const rate = columns.get(SAMPLE_RATE);
  const weightedOk = rate === undefined || integerColumn(SAMPLE_RATE);
  const out: TailPercentile[] = [];
  for (let i = 0; i < spec.calculations.length; i++) {
    const c = spec.calculations[i]!;
    const q = percentileOf(c.op);
    if (q !== undefined) {
      if (q > LOW && q < HIGH) return null;
      out.push({ i, q, upper: q >= HIGH, ns: p.valuesOf(c).ns });
      continue;
    }
    if (c.op === 'MIN' || c.op === 'MAX' || c.op === 'CONCURRENCY') continue;
    if (c.op === 'COUNT' && weightedOk) continue;
    if (c.op === 'SUM' && integerColumn(c.column) && weightedOk) continue;
    return null;
  }
  return out.length ? out : null;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const keyOf = (vals: unknown[]) => JSON.stringify(vals);

/**
 * SQL's order of two values of one column as the engines sort them (NULLS LAST for both directions is the
 * caller's): numbers numerically, text by its UTF-8 bytes (DuckDB's and ClickHouse's binary order, not JS's
 * UTF-16 order), false before true.
 */
export function compareSql(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = Number(a);
  const y = Number(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y)); // NaN sorts last
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface TailRun {
  run(q: Query): Promise<Row[]>;
}

/**
 * The results (as the plain results statement returns them, havings, order and limit applied) and the series
 * rows of the groups kept; null when the series is too big for this way (run.ts then runs the plain way).
 */
export async function resultsFromSeries(
  runner: TailRun, p: SpecPlanner, pcts: TailPercentile[], dialect: Pick<Dialect, 'quantileBetween'>, shift: number,
): Promise<{ resultRows: Row[]; seriesRows: Row[] } | null> {
  const spec = p.spec;
  const columns = p.columns;
  // Numeric breakdowns as numbers (ClickHouse sends 64-bit integers as text): keys, literals and order.
  const numeric = spec.breakdowns.map((b) => isNumeric(columns.get(b)!.type));
  const norm = (v: unknown, j: number): unknown => (typeof v === 'bigint' || (numeric[j] && typeof v === 'string') ? Number(v) : v);
  let buckets = 0;
  for (let t = p.origin(shift); t < spec.end_time - shift; t += spec.granularity) buckets++;
  // More rows than `limit` groups' buckets means more groups than the results keep: the plain way filters the
  // series to the kept groups instead of listing all of them.
  const cap = spec.limit * Math.max(buckets, 1);
  const seriesAll = await runner.run(p.series(null, shift, { counts: pcts.map((c) => c.i), limit: cap + 1 }));
  if (seriesAll.length > cap) return null;

  const nb = spec.breakdowns.length;
  const groupsOfRow = (r: Row) => Array.from({ length: nb }, (_, j) => r[`g${j}`]);
  const keyOfRow = (r: Row) => keyOf(groupsOfRow(r).map(norm));
  interface Group { raw: unknown[]; vals: Literal[]; rows: Row[] }
  const groups = new Map<string, Group>();
  for (const r of seriesAll) {
    const raw = groupsOfRow(r);
    const vals = raw.map(norm) as Literal[];
    const k = keyOf(vals);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { raw, vals, rows: [] }));
    g.rows.push(r);
  }
  // Without breakdowns there is one result row even over no span (COUNT 0), as the plain statement gives.
  if (nb === 0 && groups.size === 0) groups.set(keyOf([]), { raw: [], vals: [], rows: [] });
  // Group values the engine could not be given back exactly as literals (64-bit integers past 2^53): plain way.
  for (const g of groups.values()) if (g.vals.some((v) => typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v))) return null;
  if (groups.size > MAX_GROUPS) return null;
  let text = 0;
  for (const g of groups.values()) for (const v of g.vals) text += String(v).length + 16;
  if (text > MAX_GROUP_TEXT) return null;

  // COUNT, SUM, CONCURRENCY, MIN, MAX from the buckets.
  const values = new Map<string, Row>();
  for (const [k, g] of groups) {
    const row: Row = {};
    g.raw.forEach((v, j) => (row[`g${j}`] = v));
    spec.calculations.forEach((c, i) => {
      if (percentileOf(c.op) !== undefined) return;
      const xs = g.rows.map((r) => num(r[`c${i}`])).filter((v): v is number => v !== null);
      if (c.op === 'MIN') row[`c${i}`] = xs.length ? Math.min(...xs) : null;
      else if (c.op === 'MAX') row[`c${i}`] = xs.length ? Math.max(...xs) : null;
      else if (c.op === 'COUNT') row[`c${i}`] = xs.reduce((a, b) => a + b, 0);
      else row[`c${i}`] = xs.length ? xs.reduce((a, b) => a + b, 0) : null; // SUM, CONCURRENCY: NULL over no value
    });
    values.set(k, row);
  }

  // Per percentile and group: n, and the bound (the most extreme bucket value on the far side of the tail).
  const need = pcts.map((c) => {
    const byGroup: Array<[Literal[], number]> = [];
    const n = new Map<string, number>();
    for (const [k, g] of groups) {
      const count = g.rows.reduce((a, r) => a + (num(r[`n${c.i}`]) ?? 0), 0);
      n.set(k, count);
      const vs = g.rows.map((r) => num(r[`c${c.i}`])).filter((v): v is number => v !== null && Number.isFinite(v));
      if (count === 0 || vs.length < 2) continue; // one bucket: its value is the group's (below)
      let b = c.upper ? Math.min(...vs) : Math.max(...vs);
      // The bucket values of a ns column are ms (ns / 1e6): back to integer ns, rounded outwards.
      if (c.ns) b = c.upper ? Math.floor(b * 1e6) - 1 : Math.ceil(b * 1e6) + 1;
      byGroup.push([g.vals, b]);
    }
    const bounds = byGroup.map(([, b]) => b);
    return { ...c, n, byGroup, bound: bounds.length ? (c.upper ? Math.min(...bounds) : Math.max(...bounds)) : null };
  });

  const listed = need.filter((c) => c.bound !== null) as Array<(typeof need)[number] & { bound: number }>;
  const lists = new Map<string, Row>();
  if (listed.length) {
    for (const r of await runner.run(p.tails(listed, shift))) lists.set(keyOfRow(r), r);
  }
  const failed = new Map<string, Literal[]>();
  for (const c of need) {
    for (const [k, g] of groups) {
      const n = c.n.get(k)!;
      const row = values.get(k)!;
      if (n === 0) {
        row[`c${c.i}`] = null;
        continue;
      }
      // All of the group's values in one bucket: that bucket's percentile is the group's (the same values).
      const filled = g.rows.filter((r) => (num(r[`n${c.i}`]) ?? 0) > 0);
      if (filled.length === 1) {
        row[`c${c.i}`] = num(filled[0]![`c${c.i}`]);
        continue;
      }
      const list = ((lists.get(k)?.[`l${c.i}`] as unknown[] | null | undefined) ?? []).map(Number);
      const index = (n - 1) * c.q;
      const lo = Math.floor(index);
      const hi = Math.ceil(index);
      const m = list.length;
      // The list holds the top (or bottom) m values of the group: sorted ascending, its first is the group's
      // (n - m)-th (upper), or its k-th is the group's k-th (lower).
      const start = c.upper ? n - m : 0;
      if (lo < start || hi > start + m - 1) {
        failed.set(k, g.vals);
        continue;
      }
      const sorted = Float64Array.from(list).sort();
      const v = dialect.quantileBetween(sorted[lo - start]!, sorted[hi - start]!, index);
      row[`c${c.i}`] = c.ns ? v / 1e6 : v;
    }
  }
  if (failed.size) {
    // Every group, no filter: an OR of one AND per failed group would be evaluated on every row.
    for (const r of await runner.run(p.resultsOf(null, shift))) {
      if (!failed.has(keyOfRow(r))) continue;
      const row = values.get(keyOfRow(r));
      if (row) for (const c of pcts) row[`c${c.i}`] = r[`c${c.i}`];
    }
  }

  const resultRows = limitAndOrder(p, [...values.values()], norm);
  const kept = new Set(resultRows.map(keyOfRow));
  const seriesRows = seriesAll.filter((r) => kept.has(keyOfRow(r)));
  return { resultRows, seriesRows };
}

/** HAVING, ORDER BY (default: the first calculation, descending; ties by the groups) and LIMIT, as SpecPlanner.results writes them. */
function limitAndOrder(p: SpecPlanner, rows: Row[], norm: (v: unknown, j: number) => unknown): Row[] {
  const s = p.spec;
  const calcIndex = (op: string, column?: string) => s.calculations.findIndex((c) => c.op === op && (c.column ?? undefined) === (column || undefined));
  const holds = (v: number | null, op: string, x: number) => {
    if (v === null) return false;
    switch (op) {
      case '=': return v === x;
      case '!=': return v !== x;
      case '<': return v < x;
      case '<=': return v <= x;
      case '>': return v > x;
      default: return v >= x;
    }
  };
  const kept = rows.filter((r) => s.havings.every((h) => holds(num(r[`c${calcIndex(h.calculate_op, h.column)}`]), h.op, h.value)));
  let order = s.orders.map((o) => (o.op ? { key: `c${calcIndex(o.op, o.column)}`, j: -1 } : { key: `g${s.breakdowns.indexOf(o.column!)}`, j: s.breakdowns.indexOf(o.column!) })).map((o, n) => ({ ...o, desc: s.orders[n]!.order === 'descending' }));
  if (order.length === 0) order = [{ key: `c${s.calculations.findIndex((c) => c.op !== 'HEATMAP')}`, j: -1, desc: true }];
  order.push(...s.breakdowns.map((_, j) => ({ key: `g${j}`, j, desc: false })));
  kept.sort((a, b) => {
    for (const o of order) {
      const x = o.j >= 0 ? norm(a[o.key], o.j) : a[o.key];
      const y = o.j >= 0 ? norm(b[o.key], o.j) : b[o.key];
      const xNull = x === null || x === undefined;
      const yNull = y === null || y === undefined;
      if (xNull || yNull) {
        if (xNull !== yNull) return xNull ? 1 : -1; // NULLS LAST either way
        continue;
      }
      const c = compareSql(x, y);
      if (c !== 0) return o.desc ? -c : c;
    }
    return 0;
  });
  return kept.slice(0, s.limit);
}
