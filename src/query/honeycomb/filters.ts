/**
 * Honeycomb filters -> IR booleans. Values are coerced to the column's type (a bad value is a 400 naming
 * the field). Negative ops (`!=`, `does-not-*`, `not-in`) also match events where the column is absent,
 * as Honeycomb's do: they are written as NOT(COALESCE(positive, FALSE)).
 */
import { and, cmp, fn, isNull, lit, not, or, type Expr, type Literal } from '../ir/ir.js';
import { isNumeric, type ColumnResolver, type HcColumn } from './columns.js';
import { invalid } from './errors.js';
import type { Filter, FilterValue } from './spec.js';

export function filtersExpr(filters: readonly Filter[], combination: 'AND' | 'OR', columns: ColumnResolver, field: string): Expr | undefined {
  if (filters.length === 0) return undefined;
  const parts = filters.map((f, i) => filterExpr(f, columns, `${field}[${i}]`));
  return combination === 'OR' ? or(...parts) : and(...parts);
}

export function filterExpr(f: Filter, columns: ColumnResolver, field: string): Expr {
  const c = columns.get(f.column);
  if (!c) throw invalid(`${field}.column`, `unknown column ${JSON.stringify(f.column)}`, 'unknown');
  const text = c.type === 'string' ? c.expr : fn('toText', c.expr);
  const negate = (e: Expr) => not(fn('coalesce', e, lit(false)));
  const one = () => coerce(c, f.value as FilterValue, `${field}.value`);
  switch (f.op) {
    case 'exists': return isNull(c.expr, true);
    case 'does-not-exist': return isNull(c.expr);
    case '=': return eq(c, one());
    case '!=': return negate(eq(c, one()));
    case '>': case '>=': case '<': case '<=': {
      const v = f.value as FilterValue;
      if (isNumeric(c.type) || (c.type === 'string' && typeof v === 'number')) {
        const n = typeof v === 'number' ? v : Number(v);
        if (typeof v === 'boolean' || !Number.isFinite(n) || v === '') throw invalid(`${field}.value`, `${f.op} on ${JSON.stringify(c.name)} needs a number`);
        return cmp(f.op, isNumeric(c.type) ? c.expr : fn('toDouble', c.expr), lit(n));
      }
      return cmp(f.op, text, lit(String(v)));
    }
    case 'starts-with': return fn('startsWith', text, lit(String(f.value)));
    case 'does-not-start-with': return negate(fn('startsWith', text, lit(String(f.value))));
    case 'ends-with': return fn('endsWith', text, lit(String(f.value)));
    case 'does-not-end-with': return negate(fn('endsWith', text, lit(String(f.value))));
    case 'contains': return fn('contains', text, lit(String(f.value)));
    case 'does-not-contain': return negate(fn('contains', text, lit(String(f.value))));
    case 'in':
    case 'not-in': {
      const list = (f.value as FilterValue[]).map((v, i) => lit(coerce(c, v, `${field}.value[${i}]`)));
      const e: Expr = { k: 'in', arg: c.expr, list };
      return f.op === 'in' ? e : negate(e);
    }
  }
}

function eq(c: HcColumn, v: Literal): Expr {
  return cmp('=', c.expr, lit(v));
}

/** A filter value as the column's type; numbers given as text and booleans as "true"/"false" are accepted. */
export function coerce(c: HcColumn, v: FilterValue, field: string): Literal {
  if (isNumeric(c.type)) {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n)) throw invalid(field, `${JSON.stringify(c.name)} is ${c.type}: ${JSON.stringify(v)} is not a number`);
    return n;
  }
  if (c.type === 'boolean') {
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw invalid(field, `${JSON.stringify(c.name)} is boolean: want true or false`);
  }
  return String(v);
}
