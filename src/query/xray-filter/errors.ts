/**
 * Syntax errors of X-Ray filter expressions, and a renderer that points at the offending character.
 */

/** A filter expression that does not parse. `position` is a 0-based character offset into the expression. */
export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
  constructor(
    message: string,
    /** 0-based character offset of the problem (the expression's length for "unexpected end"). */
    readonly position: number,
  ) {
    super(message);
  }
}

/**
 * Renders `err` for humans: the message, the expression line that holds the error and a caret under the
 * position, e.g.
 * ```
 * unexpected ')' at position 17: expected a value
 * http.url CONTAINS )
 *                   ^
 * ```
 */
export function formatError(expr: string, err: FilterSyntaxError): string {
  const pos = Math.max(0, Math.min(err.position, expr.length));
  const lineStart = expr.lastIndexOf('\n', pos - 1) + 1;
  let lineEnd = expr.indexOf('\n', pos);
  if (lineEnd < 0) lineEnd = expr.length;
  const line = expr.slice(lineStart, lineEnd);
  // Tabs keep their width so that the caret lines up.
  const pad = line.slice(0, pos - lineStart).replace(/[^\t]/g, ' ');
  return `${err.message}\n${line}\n${pad}^`;
}
