/**
 * What differs between SQL engines, for the one compiler in query/ir/. The compiler writes portable SQL
 * (CASE, COALESCE, comparisons, arithmetic, AND/OR, GROUP BY, ORDER BY) and asks the dialect for everything
 * else: quoting, literals, functions whose names or semantics differ, and the engine's physical encodings
 * (ids as 64-bit halves, times in ns). Every method returns SQL text; arguments are SQL expressions the
 * compiler has already built (never user strings: those arrive only through `string()`/`number()`).
 *
 * Kept engine-neutral so a ClickHouse dialect can implement it (functions exist there under other names:
 * quantile(q)(x), uniqExact, match, positionUTF8, toStartOfInterval...). Must be structured-clone free:
 * Stores behind a worker proxy expose it by engine name (store/dialects.ts).
 */
/**
 * A correlated test "some row of `table` related to the current row exists" (X-Ray's trace-level filters):
 * see `Dialect.exists`.
 */
export interface ExistsQuery {
  /** Table to search, e.g. `spans`. */
  table: string;
  /** Alias of the searched table inside the subquery (unique within the whole statement). */
  alias: string;
  /**
   * Equalities that tie the subquery to the enclosing row: `[inner, outer]` pairs of SQL expressions, e.g.
   * `['c.trace_hi', 't.trace_hi']`. Only these may reference enclosing aliases.
   */
  keys: Array<[inner: string, outer: string]>;
  /** Extra condition on the searched rows (references `alias` only, or nested `exists` of its own). */
  where: string;
}

export interface Dialect {
  readonly name: string;

  // --- names and literals -------------------------------------------------------------------------
  /** A quoted identifier (table, column, alias); any text is safe. */
  ident(name: string): string;
  /** A string literal; any text is safe (NUL is dropped). */
  string(s: string): string;
  /** A numeric literal; NaN/Infinity are refused (throws). */
  number(n: number): string;
  bool(b: boolean): string;

  // --- scalar functions ---------------------------------------------------------------------------
  /** Substring tests; any NULL argument gives NULL. */
  contains(haystack: string, needle: string): string;
  startsWith(haystack: string, needle: string): string;
  endsWith(haystack: string, needle: string): string;
  /** True when `pattern` (RE2 syntax, as Honeycomb's REG_MATCH) matches anywhere in `expr`. */
  regexMatch(expr: string, pattern: string): string;
  /** Capture group `group` (0 = whole match) of `pattern`'s first match in `expr`; NULL when no match. */
  regexExtract(expr: string, pattern: string, group: number): string;
  /** Number from any scalar; NULL when it is not numeric text. */
  toDouble(expr: string): string;
  /** Integer (truncating) from any scalar; NULL when not numeric. */
  toInt(expr: string): string;
  /** Text form of any scalar (booleans as `true`/`false`). */
  toText(expr: string): string;
  /** Boolean from a scalar: booleans as they are, 'true'/'false' text, numbers != 0; else NULL. */
  toBool(expr: string): string;
  lower(expr: string): string;
  length(expr: string): string;
  concat(parts: string[]): string;
  floor(expr: string): string;
  log10(expr: string): string;
  /** Float division that gives NULL (not an error, not infinity) on a zero divisor. */
  divide(a: string, b: string): string;
  /** Float modulo, NULL on a zero divisor. */
  modulo(a: string, b: string): string;

  // --- the engine's encodings -----------------------------------------------------------------------
  /** 32 lowercase hex chars from the two signed 64-bit halves of a trace id. */
  traceIdHex(hi: string, lo: string): string;
  /** 16 lowercase hex chars from a signed 64-bit span id. */
  spanIdHex(id: string): string;
  /** Elements in a JSON array held as text (span events, links); 0 for NULL. */
  jsonArrayLength(expr: string): string;
  /** Unix ns (integer) -> milliseconds (float). */
  nsToMs(ns: string): string;
  /** Unix seconds (a JS number) -> the engine's ns literal. */
  secondsToNs(seconds: number): string;
  /**
   * Time bucket: the unix second (integer) at which the `granularity`-second bucket holding `ns` starts,
   * buckets aligned to `originSeconds` (the query's start), as Honeycomb aligns series to the time range.
   */
  timeBucket(ns: string, granularitySeconds: number, originSeconds: number): string;
  /** Histogram bin index 0..bins-1 of `expr` over [lower, upper] (upper itself lands in the last bin). */
  widthBucket(expr: string, lower: number, upper: number, bins: number): string;
  /** `widthBucket` of an integer `expr` over integer bounds, in integer arithmetic (no overflow for any bounds). */
  widthBucketInt(expr: string, lower: bigint, upper: bigint, bins: number): string;

  /** True for a deterministic pseudo-random `fraction` of the values of `exprs` (a hash of them). */
  sample(exprs: string[], fraction: number): string;
  /**
   * Select-list items that turn each row into one row per value: `k` (0-based index of the value) and `v`
   * (the value, text, NULL kept), named by the quoted `k` and `v` given. With `when` (a boolean), only rows
   * where it is true are unpivoted; the others give no row (NULL counts as false). A dialect with
   * `unpivotWhenInWhere` is never given one.
   */
  unpivot(textValues: string[], k: string, v: string, when?: string): string;
  /**
   * True when the compiler should put an unpivot's row condition into the WHERE instead (the same rows): for
   * an engine that reads the other columns only for rows its WHERE keeps whatever the condition (ClickHouse
   * moves it to PREWHERE), so rows it drops never build their unpivot arrays. DuckDB (false) keeps a
   * condition over several columns out of its scan, and then reads every block of every column.
   */
  readonly unpivotWhenInWhere?: boolean;

  // --- aggregates -----------------------------------------------------------------------------------
  /**
   * An aggregate over the group's rows where `filter` holds (all rows without it; DuckDB `FILTER (WHERE)`,
   * ClickHouse's `-If` combinator). `arg` is null for count. `quantile` is the continuous (interpolated)
   * percentile at `q` in [0,1]; `any_true` is true when the boolean `arg` holds for some row; `list` the
   * values (see AggregateKind; an empty group gives an empty list or NULL).
   */
  aggregate(kind: AggregateKind, arg: string | null, opts?: { q?: number; filter?: string }): string;
  /**
   * The elements of the list `list` (from `aggregate('list', …)`) that are `>=` (`atLeast`) or `<=` (not
   * `atLeast`) the scalar `bound` (a column or expression of the same row), in any order; NULL elements never.
   */
  listFilter(list: string, atLeast: boolean, bound: string): string;
  /**
   * The JS twin of `aggregate('quantile')`'s interpolation, to the last bit: the value at fractional index
   * `index` (= q (n - 1)) between the sorted neighbours `lo` (at floor(index)) and `hi` (at ceil(index)).
   * Percentiles computed from listed values (query/honeycomb/tail-percentiles.ts) equal the engine's own.
   */
  quantileBetween(lo: number, hi: number, index: number): number;

  // --- subqueries (X-Ray filter expressions) ---------------------------------------------------------
  /** `pred`, with NULL read as false (the result is never NULL). */
  isTrue(pred: string): string;
  /**
   * True when a row exists (never NULL). DuckDB: a correlated `EXISTS (…)`. An engine without correlated
   * subqueries can render `(outer…) IN (SELECT inner… FROM … WHERE where)` instead: `where` never references
   * the enclosing query, only `keys` do.
   */
  exists(q: ExistsQuery): string;
  /** Scalar subquery: `max(expr)` over the related rows (NULL when there are none). Same contract as `exists`. */
  maxOf(q: ExistsQuery & { expr: string }): string;
}

/**
 * `list`: the group's values of `arg` as one list, in any order (DuckDB `list`, ClickHouse `groupArray`);
 * NULLs may be in it or not (DuckDB keeps them, ClickHouse drops them): `listFilter` drops them.
 */
export type AggregateKind = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'count_distinct' | 'approx_count_distinct' | 'quantile' | 'any_true' | 'list';

/** Functions every engine spells the same: used by dialects to fill the portable parts. */
export const portable = {
  concat: (parts: string[]) => (parts.length ? parts.map((p) => `COALESCE(${p}, '')`).join(' || ') : `''`),
  floor: (e: string) => `floor(${e})`,
  log10: (e: string) => `log10(${e})`,
  divide: (a: string, b: string) => `(CAST(${a} AS DOUBLE) / NULLIF(CAST(${b} AS DOUBLE), 0))`,
  nsToMs: (ns: string) => `(${ns} / 1e6)`,
};
