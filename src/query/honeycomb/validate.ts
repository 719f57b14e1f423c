/**
 * Checks a query spec the way Honeycomb's API does and fills in its defaults. Every problem is a 400 in
 * Honeycomb's error shape naming the field (`calculations[0].column`) and the problem. Column names are
 * checked against the resolver, so an unknown name never reaches the compiler.
 */
import { invalid } from './errors.js';
import { isNumeric, type ColumnResolver } from './columns.js';
import { compileFormula } from './formula/compile.js';
import { FormulaError } from './formula/parse.js';
import {
  CALCULATION_OPS, COMPARE_TIME_OFFSETS, FILTER_OPS, HAVING_OPS, calculationKey,
  type Calculation, type CalculationOp, type Filter, type Having, type Order, type QuerySpec,
} from './spec.js';

/** Validates a filter list on its own (BubbleUp selections use it). */
export function validateFilters(raw: unknown, columns: ColumnResolver, field: string): Filter[] {
  return arr(raw, field).map((f, i) => checkFilter(f, columns, `${field}[${i}]`));
}

export interface NormalizedSpec {
  calculations: Calculation[];
  filters: Filter[];
  filter_combination: 'AND' | 'OR';
  breakdowns: string[];
  orders: Order[];
  havings: Having[];
  limit: number;
  /** Unix seconds, [start, end). */
  start_time: number;
  end_time: number;
  time_range: number;
  granularity: number;
  calculated_fields: { name: string; expression: string }[];
  compare_time_offset_seconds?: number;
}

export const DEFAULT_TIME_RANGE = 7200;
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
/** With `disable_series` (query_results) Honeycomb allows up to 10,000 result rows. */
export const MAX_LIMIT_NO_SERIES = 10_000;
const MAX_BREAKDOWNS = 100;
const MAX_BUCKETS = 1000;
const NO_COLUMN_OPS: readonly CalculationOp[] = ['COUNT', 'CONCURRENCY'];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown, field: string): unknown[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(field, 'must be an array');
  return v;
};
const intIn = (v: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(field, `must be an integer between ${min} and ${max}`);
  return v;
};

/**
 * Validates `raw` (parsed JSON of unknown shape) against the columns; adds the spec's calculated fields to
 * `columns`. `now` is unix seconds; `maxLimit` is 1000, or 10,000 when series are disabled.
 */
export function validateSpec(raw: unknown, columns: ColumnResolver, now: number, maxLimit = MAX_LIMIT): NormalizedSpec {
  if (!isObj(raw)) throw invalid('query', 'must be a JSON object');
  const known = new Set(['calculations', 'filters', 'filter_combination', 'breakdowns', 'orders', 'havings', 'limit', 'time_range', 'start_time', 'end_time', 'granularity', 'calculated_fields', 'compare_time_offset_seconds', 'formulas', 'id', 'query_id']);
  for (const k of Object.keys(raw)) if (!known.has(k)) throw invalid(k, 'unknown field', 'unknown');

  // Calculated fields first: the other parts may name them.
  const calculated_fields = arr(raw.calculated_fields, 'calculated_fields').map((cf, i) => {
    const f = `calculated_fields[${i}]`;
    if (!isObj(cf) || typeof cf.name !== 'string' || cf.name === '' || typeof cf.expression !== 'string') throw invalid(f, 'want {"name": string, "expression": string}');
    if (columns.has(cf.name)) throw invalid(`${f}.name`, `${JSON.stringify(cf.name)} is already a column`, 'conflict');
    addCalculatedField(columns, cf.name, cf.expression, `${f}.expression`);
    return { name: cf.name, expression: cf.expression };
  });

  const column = (name: unknown, field: string) => checkColumn(columns, name, field);

  const combination = (v: unknown, field: string): 'AND' | 'OR' => {
    if (v === undefined || v === null || v === '') return 'AND';
    if (v !== 'AND' && v !== 'OR') throw invalid(field, 'must be "AND" or "OR"');
    return v;
  };

  const filter = (f: unknown, field: string): Filter => checkFilter(f, columns, field);

  const calculations: Calculation[] = arr(raw.calculations, 'calculations').map((c, i) => {
    const f = `calculations[${i}]`;
    if (!isObj(c)) throw invalid(f, 'must be an object {op, column}');
    if (!CALCULATION_OPS.includes(c.op as never)) throw invalid(`${f}.op`, `unknown calculation op ${JSON.stringify(c.op)}`);
    const op = c.op as CalculationOp;
    const out: Calculation = { op };
    if (NO_COLUMN_OPS.includes(op)) {
      if (c.column !== undefined && c.column !== null) throw invalid(`${f}.column`, `${op} takes no column`);
    } else {
      const col = column(c.column, `${f}.column`);
      if (op !== 'COUNT_DISTINCT' && !isNumeric(col.type)) throw invalid(`${f}.column`, `${op} needs a numeric column; ${JSON.stringify(col.name)} is ${col.type}`);
      out.column = col.name;
    }
    if (c.name !== undefined) {
      if (typeof c.name !== 'string' || c.name === '') throw invalid(`${f}.name`, 'must be a non-empty string');
      out.name = c.name;
    }
    if (c.filters !== undefined) out.filters = arr(c.filters, `${f}.filters`).map((x, j) => filter(x, `${f}.filters[${j}]`));
    if (c.filter_combination !== undefined) out.filter_combination = combination(c.filter_combination, `${f}.filter_combination`);
    return out;
  });
  if (calculations.length === 0) calculations.push({ op: 'COUNT' });
  const keys = new Set<string>();
  calculations.forEach((c, i) => {
    const k = calculationKey(c);
    if (keys.has(k)) throw invalid(`calculations[${i}]`, `${k} appears twice (give one a "name")`, 'conflict');
    keys.add(k);
  });

  const filters = arr(raw.filters, 'filters').map((f, i) => filter(f, `filters[${i}]`));
  const breakdowns = arr(raw.breakdowns, 'breakdowns').map((b, i) => column(b, `breakdowns[${i}]`).name);
  if (breakdowns.length > MAX_BREAKDOWNS) throw invalid('breakdowns', `at most ${MAX_BREAKDOWNS} breakdowns`);
  if (new Set(breakdowns).size !== breakdowns.length) throw invalid('breakdowns', 'a column appears twice');

  const matchCalc = (op: unknown, col: unknown) =>
    calculations.find((c) => c.op === op && (c.column ?? undefined) === (col === null || col === '' ? undefined : col));

  const orders: Order[] = arr(raw.orders, 'orders').map((o, i) => {
    const f = `orders[${i}]`;
    if (!isObj(o)) throw invalid(f, 'must be an object {op?, column?, order}');
    const order = o.order ?? 'ascending';
    if (order !== 'ascending' && order !== 'descending') throw invalid(`${f}.order`, 'must be "ascending" or "descending"');
    if (o.op !== undefined && o.op !== null) {
      if (o.op === 'HEATMAP') throw invalid(`${f}.op`, 'cannot order by HEATMAP');
      if (!matchCalc(o.op, o.column)) throw invalid(f, 'an order by a calculation must name one of the calculations (op and column)');
      return { op: o.op as CalculationOp, ...(o.column ? { column: o.column as string } : {}), order };
    }
    if (typeof o.column !== 'string' || !breakdowns.includes(o.column)) throw invalid(`${f}.column`, 'an order by a column must name one of the breakdowns');
    return { column: o.column, order };
  });

  const havings: Having[] = arr(raw.havings, 'havings').map((h, i) => {
    const f = `havings[${i}]`;
    if (!isObj(h)) throw invalid(f, 'must be an object {calculate_op, column, op, value}');
    if (h.calculate_op === 'HEATMAP') throw invalid(`${f}.calculate_op`, 'HEATMAP is not allowed in havings');
    if (!matchCalc(h.calculate_op, h.column)) throw invalid(f, 'calculate_op and column must name one of the calculations');
    if (!HAVING_OPS.includes(h.op as never)) throw invalid(`${f}.op`, `must be one of ${HAVING_OPS.join(' ')}`);
    if (typeof h.value !== 'number' || !Number.isFinite(h.value)) throw invalid(`${f}.value`, 'must be a number');
    return { calculate_op: h.calculate_op as CalculationOp, ...(h.column ? { column: h.column as string } : {}), op: h.op as Having['op'], value: h.value };
  });

  const limit = raw.limit === undefined || raw.limit === null ? DEFAULT_LIMIT : intIn(raw.limit, 'limit', 1, maxLimit);

  // Time: time_range may go with start_time or with end_time, not both (Honeycomb's rule). Without an end,
  // the range ends after the current second (end is exclusive): an event sent this second is in "the last hour".
  const has = (k: string) => raw[k] !== undefined && raw[k] !== null;
  if (has('time_range') && has('start_time') && has('end_time')) throw invalid('time_range', 'give time_range with start_time or with end_time, not with both', 'conflict');
  let start: number;
  let end: number;
  if (has('start_time') && has('end_time')) {
    start = intIn(raw.start_time, 'start_time', 0);
    end = intIn(raw.end_time, 'end_time', 0);
  } else {
    const range = has('time_range') ? intIn(raw.time_range, 'time_range', 1) : DEFAULT_TIME_RANGE;
    if (has('start_time')) { start = intIn(raw.start_time, 'start_time', 0); end = start + range; }
    else { end = has('end_time') ? intIn(raw.end_time, 'end_time', 0) : Math.floor(now) + 1; start = end - range; }
  }
  if (end <= start) throw invalid('end_time', 'must be after start_time');
  const timeRange = end - start;
  const minGranularity = Math.max(1, Math.ceil(timeRange / MAX_BUCKETS));
  const granularity = has('granularity') ? intIn(raw.granularity, 'granularity', minGranularity, timeRange) : defaultGranularity(timeRange);

  let compare: number | undefined;
  if (has('compare_time_offset_seconds')) {
    if (!COMPARE_TIME_OFFSETS.includes(raw.compare_time_offset_seconds as never)) throw invalid('compare_time_offset_seconds', `must be one of ${COMPARE_TIME_OFFSETS.join(', ')}`);
    compare = raw.compare_time_offset_seconds as number;
  }

  return {
    calculations, filters, filter_combination: combination(raw.filter_combination, 'filter_combination'), breakdowns, orders, havings, limit,
    start_time: start, end_time: end, time_range: timeRange, granularity, calculated_fields, compare_time_offset_seconds: compare,
  };
}

function checkFilter(f: unknown, columns: ColumnResolver, field: string): Filter {
  if (!isObj(f)) throw invalid(field, 'must be an object {column, op, value}');
  checkColumn(columns, f.column, `${field}.column`);
  if (!FILTER_OPS.includes(f.op as never)) throw invalid(`${field}.op`, `unknown filter op ${JSON.stringify(f.op)}; one of ${FILTER_OPS.join(' ')}`);
  const op = f.op as Filter['op'];
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  if (op === 'exists' || op === 'does-not-exist') {
    return { column: f.column as string, op };
  }
  if (op === 'in' || op === 'not-in') {
    if (!Array.isArray(f.value) || f.value.length === 0 || !f.value.every(scalar)) throw invalid(`${field}.value`, `${op} takes a non-empty array of values`);
    return { column: f.column as string, op, value: f.value as Filter['value'] };
  }
  if (!scalar(f.value)) throw invalid(`${field}.value`, `${op} takes one value (string, number or boolean)`, 'missing');
  if (typeof f.value === 'number' && !Number.isFinite(f.value)) throw invalid(`${field}.value`, 'must be a finite number');
  return { column: f.column as string, op, value: f.value as Filter['value'] };
}

function checkColumn(columns: ColumnResolver, name: unknown, field: string) {
  if (typeof name !== 'string' || name === '') throw invalid(field, 'must be a column name', 'missing');
  const c = columns.get(name);
  if (!c) throw invalid(field, `unknown column ${JSON.stringify(name)}`, 'unknown');
  return c;
}

/** About 60 buckets (what a Honeycomb graph shows), on a whole second. */
function defaultGranularity(range: number): number {
  return Math.max(1, Math.ceil(range / 60));
}

/** Compiles a calculated field into `columns`; a bad formula is a 400 on `field`. */
export function addCalculatedField(columns: ColumnResolver, name: string, expression: string, field: string): void {
  try {
    const t = compileFormula(expression, columns);
    columns.addDerived(name, t.type === 'null' ? 'string' : t.type, t.expr);
  } catch (err) {
    if (err instanceof FormulaError) throw invalid(field, err.message);
    throw err;
  }
}
