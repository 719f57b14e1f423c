/**
 * The SQL bits that differ between engines. The compiler (compile-sql.ts) only emits portable SQL
 * (CASE, COALESCE, comparisons, arithmetic, max/min) plus calls to this interface.
 */

/** A correlated test "some row of `table` related to the current row exists", see `Dialect.exists`. */
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
  /** Boolean literals. */
  readonly TRUE: string;
  readonly FALSE: string;
  /** Aggregate: true when `pred` is true for at least one row of the group (DuckDB `bool_or`, ClickHouse `max`). */
  anyTrue(pred: string): string;
  /** `pred`, with NULL read as false (the result is never NULL). */
  isTrue(pred: string): string;
  /** Substring tests; `needle` is an SQL string literal. Any NULL argument gives NULL. */
  contains(haystack: string, needle: string): string;
  startsWith(haystack: string, needle: string): string;
  endsWith(haystack: string, needle: string): string;
  /** Number from any scalar; NULL when it is not numeric text. */
  toDouble(expr: string): string;
  /** Text form of any scalar (booleans as `true`/`false`). */
  toText(expr: string): string;
  lower(expr: string): string;
  /**
   * True when a row exists (never NULL). DuckDB: a correlated `EXISTS (…)`. An engine without correlated
   * subqueries can render `(outer…) IN (SELECT inner… FROM … WHERE where)` instead: `where` never references
   * the enclosing query, only `keys` do.
   */
  exists(q: ExistsQuery): string;
  /** Scalar subquery: `max(expr)` over the related rows (NULL when there are none). Same contract as `exists`. */
  maxOf(q: ExistsQuery & { expr: string }): string;
}

const keyConds = (q: ExistsQuery) => q.keys.map(([inner, outer]) => `${inner} = ${outer}`);

/** DuckDB (also close to PostgreSQL). */
export const duckdbDialect: Dialect = {
  name: 'duckdb',
  TRUE: 'TRUE',
  FALSE: 'FALSE',
  anyTrue: (pred) => `bool_or(${pred})`,
  isTrue: (pred) => `((${pred}) IS TRUE)`,
  contains: (h, n) => `contains(${h}, ${n})`,
  startsWith: (h, n) => `starts_with(${h}, ${n})`,
  endsWith: (h, n) => `ends_with(${h}, ${n})`,
  toDouble: (e) => `TRY_CAST(${e} AS DOUBLE)`,
  toText: (e) => `CAST(${e} AS VARCHAR)`,
  lower: (e) => `lower(${e})`,
  exists: (q) => `EXISTS (SELECT 1 FROM ${q.table} ${q.alias} WHERE ${[...keyConds(q), `(${q.where})`].join(' AND ')})`,
  maxOf: (q) => `(SELECT max(${q.expr}) FROM ${q.table} ${q.alias} WHERE ${[...keyConds(q), `(${q.where})`].join(' AND ')})`,
};

/**
 * DuckDB again, but with `exists` written as an uncorrelated `(…) IN (SELECT …)`: the shape an engine without
 * correlated subqueries (ClickHouse) needs. Used by the tests to check that the compiler keeps to the
 * `ExistsQuery` contract. `maxOf` stays correlated (ClickHouse would need a JOIN there).
 */
export const duckdbUncorrelatedDialect: Dialect = {
  ...duckdbDialect,
  name: 'duckdb-uncorrelated',
  exists: (q) =>
    `((${q.keys.map((k) => k[1]).join(', ')}) IN (SELECT ${q.keys.map((k) => k[0]).join(', ')} FROM ${q.table} ${q.alias} WHERE ${q.where}))`,
};
