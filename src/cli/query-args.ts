/**
 * The one-line query forms of `honeyray query` and `honeyray bubbleup` -> Honeycomb spec parts:
 * `--calc 'P99(duration_ms)'`, `--where 'app.result_length > 3'`, `--order 'COUNT desc'`,
 * `--having 'COUNT > 10'`, `--calculated-field 'slow=IF(GTE($duration_ms, 500), "slow", "fast")'`.
 * The server validates the spec; this only splits the text (usage errors exit 2).
 */
import { CALCULATION_OPS, FILTER_OPS, HAVING_OPS, type Calculation, type Filter, type FilterValue, type Having, type Order } from '../query/honeycomb/spec.js';
import { parseDurationMicros } from './format.js';
import { CliError } from './http.js';

const usage = (flag: string, msg: string) => new CliError(`--${flag}: ${msg}`, 2);

/** `COUNT`, `P99(duration_ms)`, `heatmap(duration_ms)`. */
export function parseCalc(text: string, flag = 'calc'): Calculation {
  const m = /^\s*([A-Za-z0-9_]+)\s*(?:\(\s*(.*?)\s*\))?\s*$/.exec(text);
  const op = m?.[1]?.toUpperCase();
  if (!m || !CALCULATION_OPS.includes(op as never)) throw usage(flag, `want OP or OP(column) with OP one of ${CALCULATION_OPS.join(' ')}; got ${JSON.stringify(text)}`);
  return m[2] ? { op: op as Calculation['op'], column: m[2] } : { op: op as Calculation['op'] };
}

const WORD_OPS = FILTER_OPS.filter((o) => /^[a-z]/.test(o)).sort((a, b) => b.length - a.length);

/** `name = GET /home`, `app.result_length>3`, `user.handle in andrew,cat`, `error exists`. */
export function parseWhere(text: string, flag = 'where'): Filter {
  const t = text.trim();
  let m = new RegExp(`^(.+?)\\s+(${WORD_OPS.join('|')})(?:\\s+(.*))?$`).exec(t);
  if (!m) m = /^(.+?)\s*(!=|>=|<=|=|>|<)\s*(.*)$/.exec(t);
  if (!m) throw usage(flag, `want "column op value" (ops: ${FILTER_OPS.join(' ')}); got ${JSON.stringify(text)}`);
  const column = m[1]!.trim();
  const op = m[2] as Filter['op'];
  const raw = m[3]?.trim() ?? '';
  if (op === 'exists' || op === 'does-not-exist') {
    if (raw) throw usage(flag, `${op} takes no value`);
    return { column, op };
  }
  if (raw === '') throw usage(flag, `${op} needs a value`);
  if (op === 'in' || op === 'not-in') return { column, op, value: raw.split(',').map((v) => scalar(v.trim())) };
  return { column, op, value: scalar(raw) };
}

/** Numbers and booleans as such; quotes keep text as text (`"3"`). */
function scalar(v: string): FilterValue {
  if (/^(["']).*\1$/.test(v)) return v.slice(1, -1);
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v)) return Number(v);
  return v;
}

/** `COUNT desc`, `P99(duration_ms)`, `user.handle asc`. */
export function parseOrder(text: string): Order {
  const m = /^\s*(.+?)(?:\s+(asc|ascending|desc|descending))?\s*$/i.exec(text);
  if (!m) throw usage('order', `want "term [asc|desc]"; got ${JSON.stringify(text)}`);
  const order = m[2] && /^desc/i.test(m[2]) ? 'descending' : 'ascending';
  const term = m[1]!;
  const calc = /^[A-Za-z0-9_]+(\(.*\))?$/.test(term) && CALCULATION_OPS.includes(term.replace(/\(.*$/, '').toUpperCase() as never);
  if (calc) {
    const c = parseCalc(term, 'order');
    return { op: c.op, ...(c.column ? { column: c.column } : {}), order };
  }
  return { column: term, order };
}

/** `COUNT > 10`, `P99(duration_ms) >= 500`. */
export function parseHaving(text: string): Having {
  const m = /^\s*(.+?)\s*(!=|>=|<=|=|>|<)\s*(\S+)\s*$/.exec(text);
  if (!m || !HAVING_OPS.includes(m[2] as never) || !Number.isFinite(Number(m[3]))) throw usage('having', `want "CALC op number"; got ${JSON.stringify(text)}`);
  const c = parseCalc(m[1]!, 'having');
  return { calculate_op: c.op, ...(c.column ? { column: c.column } : {}), op: m[2] as Having['op'], value: Number(m[3]) };
}

/** `name=FORMULA`. */
export function parseCalculatedField(text: string): { name: string; expression: string } {
  const i = text.indexOf('=');
  if (i <= 0) throw usage('calculated-field', `want name=FORMULA; got ${JSON.stringify(text)}`);
  return { name: text.slice(0, i).trim(), expression: text.slice(i + 1).trim() };
}

/** `1h`, `90s`, `2d` -> whole seconds. */
export function parseSeconds(text: string, flag: string): number {
  const us = /^\d+$/.test(text) ? Number(text) * 1e6 : parseDurationMicros(text);
  if (us === null || us < 1e6) throw usage(flag, `want a duration of at least 1s such as 90s, 15m, 1h, 2d; got ${JSON.stringify(text)}`);
  return Math.round(us / 1e6);
}

/** Unix seconds, or an ISO date/time. */
export function parseTime(text: string, flag: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw usage(flag, `want unix seconds or an ISO time; got ${JSON.stringify(text)}`);
  return Math.floor(ms / 1000);
}

/** The heatmap rectangle of `bubbleup --select 'duration_ms 800..1200'`. */
export function parseRange(text: string): { column: string; lower: number; upper: number } {
  const m = /^\s*(.+?)\s+(-?[\d.]+(?:e[+-]?\d+)?)\s*\.\.\s*(-?[\d.]+(?:e[+-]?\d+)?)\s*$/i.exec(text);
  if (!m || !Number.isFinite(Number(m[2])) || !Number.isFinite(Number(m[3]))) throw usage('select', `want "column lower..upper", e.g. "duration_ms 800..1200"; got ${JSON.stringify(text)}`);
  return { column: m[1]!, lower: Number(m[2]), upper: Number(m[3]) };
}
