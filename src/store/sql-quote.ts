/**
 * ANSI SQL quoting, valid in every engine we support (DuckDB, ClickHouse): the only way a name or a
 * user string may enter SQL text. Engine-specific SQL lives in store/<engine>/; these two are not.
 */

/** A quoted identifier: `"` doubled inside. */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** A string literal: `'` doubled; NUL removed (no engine accepts it in a literal). */
export function quoteString(s: string): string {
  return "'" + s.replace(/'/g, "''").replace(/\0/g, '') + "'";
}
