/**
 * A BubbleUp selection as the API receives it: a rectangle drawn on a HEATMAP (time range x value range of
 * one numeric column) or extra Honeycomb filters. Becomes an IR boolean over the query's rows.
 */
import { and, cmp, col, type Expr } from '../ir/ir.js';
import { isNumeric, type ColumnResolver } from '../honeycomb/columns.js';
import { invalid } from '../honeycomb/errors.js';
import { filtersExpr } from '../honeycomb/filters.js';
import type { Filter } from '../honeycomb/spec.js';
import { validateFilters } from '../honeycomb/validate.js';

export interface HeatmapSelection {
  start_time?: number;
  end_time?: number;
  column: string;
  lower: number;
  upper: number;
}
export interface FilterSelection {
  filters: Filter[];
  filter_combination?: 'AND' | 'OR';
}
export type Selection = HeatmapSelection | FilterSelection;

const finite = (v: unknown, field: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(field, 'must be a number');
  return v;
};

/** The selection's predicate, and the column it selected on (left out of the ranking: it differs by construction). */
export function selectionExpr(raw: unknown, columns: ColumnResolver): { expr: Expr; column?: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('selection', 'must be an object: {start_time, end_time, column, lower, upper} or {filters}', 'missing');
  const s = raw as Record<string, unknown>;
  if (s.filters !== undefined) {
    const filters = validateFilters(s.filters, columns, 'selection.filters');
    if (filters.length === 0) throw invalid('selection.filters', 'must hold at least one filter');
    const comb = s.filter_combination === 'OR' ? 'OR' : 'AND';
    return { expr: filtersExpr(filters, comb, columns, 'selection.filters')! };
  }
  if (typeof s.column !== 'string') throw invalid('selection.column', 'must name the heatmap column', 'missing');
  const c = columns.get(s.column);
  if (!c) throw invalid('selection.column', `unknown column ${JSON.stringify(s.column)}`, 'unknown');
  if (!isNumeric(c.type)) throw invalid('selection.column', `${JSON.stringify(s.column)} is not numeric`);
  const lower = finite(s.lower, 'selection.lower');
  const upper = finite(s.upper, 'selection.upper');
  if (upper < lower) throw invalid('selection.upper', 'must not be below lower');
  const parts: Expr[] = [cmp('>=', c.expr, { k: 'lit', value: lower }), cmp('<=', c.expr, { k: 'lit', value: upper })];
  if (s.start_time !== undefined) parts.push(cmp('>=', col('start_ns'), { k: 'time', seconds: finite(s.start_time, 'selection.start_time') }));
  if (s.end_time !== undefined) parts.push(cmp('<', col('start_ns'), { k: 'time', seconds: finite(s.end_time, 'selection.end_time') }));
  return { expr: and(...parts), column: c.name };
}
