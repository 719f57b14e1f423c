/**
 * The relational IR every query language compiles to (Honeycomb specs, calculated fields, BubbleUp; later
 * X-Ray filters, Jaeger search). It names physical columns and values, never SQL text: compile.ts turns it
 * into SQL for a store's `Dialect`, so user strings reach SQL only as literals the dialect escapes and
 * identifiers the dialect quotes.
 */
import type { AggregateKind } from '../../store/dialect.js';

export type Literal = string | number | boolean | null;
export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** Scalar functions with one meaning in every engine (the dialect spells them). */
export type ScalarFn =
  | 'contains' | 'startsWith' | 'endsWith' | 'regexMatch'
  | 'toDouble' | 'toInt' | 'toText' | 'toBool' | 'lower' | 'length' | 'concat' | 'floor' | 'log10'
  | 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'neg' | 'coalesce' | 'least' | 'greatest'
  | 'traceIdHex' | 'spanIdHex' | 'nsToMs' | 'jsonArrayLength'
  /** (list, bound): the list's elements >= bound / <= bound (a list from `agg('list')`). */
  | 'listAtLeast' | 'listAtMost';

export type Expr =
  /** A physical column of the FROM relation (unquoted; quoted by the dialect). */
  | { k: 'col'; column: string }
  | { k: 'lit'; value: Literal }
  /** A unix time (seconds) in the engine's time encoding (ns). */
  | { k: 'time'; seconds: number }
  | { k: 'fn'; fn: ScalarFn; args: Expr[] }
  | { k: 'regexExtract'; arg: Expr; pattern: string; group: number }
  | { k: 'cmp'; op: CompareOp; l: Expr; r: Expr }
  | { k: 'and' | 'or'; args: Expr[] }
  | { k: 'not'; arg: Expr }
  | { k: 'isNull'; arg: Expr; negate?: boolean }
  | { k: 'in'; arg: Expr; list: Expr[]; negate?: boolean }
  | { k: 'case'; whens: Array<[when: Expr, then: Expr]>; else?: Expr }
  /** Aggregate over the group's rows, optionally only those where `filter` holds. */
  | { k: 'agg'; fn: AggregateKind; arg?: Expr; q?: number; filter?: Expr }
  /** The start (unix s) of the `granularity`-second bucket holding the ns time `arg`, aligned to `origin`. */
  | { k: 'timeBucket'; arg: Expr; granularity: number; origin: number }
  /** Histogram bin 0..bins-1 of `arg` over [lower, upper]. */
  | { k: 'widthBucket'; arg: Expr; lower: number; upper: number; bins: number }
  /** An output column of the same query by its alias (ORDER BY, HAVING). */
  | { k: 'ref'; alias: string }
  /** True for a deterministic pseudo-random `fraction` of the values of `arg` (a hash; same value, same answer). */
  | { k: 'sample'; args: Expr[]; fraction: number };

export interface OutputColumn {
  /** Alias of the output column; becomes the key in the rows `Store.select` returns. */
  as: string;
  expr: Expr;
}

export interface Query {
  /** A table, or a nested query (per-trace rollups), aliased `alias`. */
  from: { table: string } | { query: Query; alias: string };
  where?: Expr;
  select: OutputColumn[];
  groupBy?: Expr[];
  having?: Expr;
  orderBy?: Array<{ expr: Expr; desc?: boolean }>;
  limit?: number;
  /**
   * Unpivot: every row becomes one row per expression of the list, with two more output columns, `k` (the
   * expression's index) and `v` (its value as text, NULL when NULL). One scan serves many columns (BubbleUp).
   */
  unpivot?: Expr[];
  /**
   * With `unpivot`: only rows where this holds are unpivoted, the others give no row. Unlike a WHERE
   * condition it never joins the scan's filters, so a WHERE that the engine pushes into its scan (and skips
   * whole blocks by) stays pushed when this condition spans several columns (BubbleUp's per-row sample).
   * For a dialect with `unpivotWhenInWhere` (ClickHouse) the compiler ANDs it into the WHERE instead.
   */
  unpivotWhen?: Expr;
}

// Small constructors: the front ends read better with them.
export const col = (column: string): Expr => ({ k: 'col', column });
export const lit = (value: Literal): Expr => ({ k: 'lit', value });
export const fn = (name: ScalarFn, ...args: Expr[]): Expr => ({ k: 'fn', fn: name, args });
export const cmp = (op: CompareOp, l: Expr, r: Expr): Expr => ({ k: 'cmp', op, l, r });
export const and = (...args: Expr[]): Expr => (args.length === 1 ? args[0]! : { k: 'and', args });
export const or = (...args: Expr[]): Expr => (args.length === 1 ? args[0]! : { k: 'or', args });
export const not = (arg: Expr): Expr => ({ k: 'not', arg });
export const isNull = (arg: Expr, negate = false): Expr => ({ k: 'isNull', arg, negate });
export const agg = (name: AggregateKind, arg?: Expr, opts: { q?: number; filter?: Expr } = {}): Expr => ({ k: 'agg', fn: name, arg, ...opts });
export const ref = (alias: string): Expr => ({ k: 'ref', alias });
