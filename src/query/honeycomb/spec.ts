/**
 * Honeycomb's query specification (https://docs.honeycomb.io/reference/query-specification/; enums as in
 * terraform-provider-honeycombio client/query_spec.go). These are the wire types; validate.ts checks them.
 */
export const CALCULATION_OPS = [
  'COUNT', 'CONCURRENCY', 'SUM', 'AVG', 'COUNT_DISTINCT', 'MAX', 'MIN',
  'P001', 'P01', 'P05', 'P10', 'P20', 'P25', 'P50', 'P75', 'P80', 'P90', 'P95', 'P99', 'P999',
  'HEATMAP', 'RATE_AVG', 'RATE_SUM', 'RATE_MAX',
] as const;
export type CalculationOp = (typeof CALCULATION_OPS)[number];

export const FILTER_OPS = [
  '=', '!=', '>', '>=', '<', '<=', 'starts-with', 'does-not-start-with', 'ends-with', 'does-not-end-with',
  'exists', 'does-not-exist', 'contains', 'does-not-contain', 'in', 'not-in',
] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export const HAVING_OPS = ['=', '!=', '>', '>=', '<', '<='] as const;
export type HavingOp = (typeof HAVING_OPS)[number];

export const COMPARE_TIME_OFFSETS = [1800, 3600, 7200, 28800, 86400, 604800, 2419200, 15724800] as const;

export type FilterValue = string | number | boolean;

export interface Filter {
  column: string;
  op: FilterOp;
  value?: FilterValue | FilterValue[];
}

export interface Calculation {
  op: CalculationOp;
  column?: string;
  /** Honeycomb's per-calculation name (result key override). */
  name?: string;
  filters?: Filter[];
  filter_combination?: 'AND' | 'OR';
}

export interface Order {
  op?: CalculationOp;
  column?: string;
  order?: 'ascending' | 'descending';
}

export interface Having {
  calculate_op: CalculationOp;
  column?: string;
  op: HavingOp;
  value: number;
}

export interface CalculatedField {
  name: string;
  expression: string;
}

export interface QuerySpec {
  calculations?: Calculation[];
  filters?: Filter[];
  filter_combination?: 'AND' | 'OR';
  breakdowns?: string[];
  orders?: Order[];
  havings?: Having[];
  limit?: number;
  time_range?: number;
  start_time?: number;
  end_time?: number;
  granularity?: number;
  calculated_fields?: CalculatedField[];
  compare_time_offset_seconds?: number;
}

/** Result key of a calculation, as Honeycomb writes it: `COUNT`, `P99(duration_ms)`, or its `name`. */
export function calculationKey(c: Pick<Calculation, 'op' | 'column' | 'name'>): string {
  if (c.name) return c.name;
  return c.op === 'COUNT' || c.op === 'CONCURRENCY' ? c.op : `${c.op}(${c.column ?? ''})`;
}

/** Percentile ops -> q: P001 = 0.1%, P01 = 1%, P999 = 99.9%. */
export function percentileOf(op: CalculationOp): number | undefined {
  const m = /^P(\d+)$/.exec(op);
  if (!m) return undefined;
  const digits = m[1]!;
  // Leading zero means "tenths": P001 -> 0.1, P01 -> 1, P05 -> 5; P999 -> 99.9.
  if (digits === '999') return 0.999;
  if (digits === '001') return 0.001;
  return Number(digits) / 100;
}
