/** `honeyray query`: a Honeycomb query from the terminal (POST /api/honeyray/query/{dataset}). */
import { readFileSync } from 'node:fs';
import type { QueryOutput } from '../query/honeycomb/run.js';
import { calculationKey, type QuerySpec } from '../query/honeycomb/spec.js';
import { COMMON_HELP, type CommandDef, type Parsed, clientFor, flag, intFlag, parseCommand, printJson, str, strs } from './command.js';
import { painter, table, tagText } from './format.js';
import { CliError } from './http.js';
import { parseCalc, parseCalculatedField, parseHaving, parseOrder, parseSeconds, parseTime, parseWhere } from './query-args.js';

export const QUERY_OPTIONS = {
  calc: { type: 'string', multiple: true }, where: { type: 'string', multiple: true }, any: { type: 'boolean' },
  'group-by': { type: 'string', multiple: true }, order: { type: 'string', multiple: true }, having: { type: 'string', multiple: true },
  limit: { type: 'string' }, 'time-range': { type: 'string' }, start: { type: 'string' }, end: { type: 'string' },
  granularity: { type: 'string' }, 'calculated-field': { type: 'string', multiple: true }, spec: { type: 'string' }, json: { type: 'boolean' },
} as const;

export const QUERY_FLAGS_HELP = [
  '  --calc <CALC>          COUNT, P99(duration_ms), HEATMAP(duration_ms), AVG(x), COUNT_DISTINCT(x)...; repeat',
  '  --where <filter>       "column op value": = != > >= < <= contains starts-with ends-with in not-in',
  '                         exists does-not-exist (and does-not-...); repeat (all must hold, --any: one)',
  '  --group-by <column>    a breakdown; repeat or comma-separate',
  '  --order <term>         "COUNT desc", "P99(duration_ms)", "user.handle asc"; repeat',
  '  --having <cond>        "COUNT > 10"; repeat',
  '  --limit <n>            at most n groups (default 100)',
  '  --time-range <d>       how far back from now (or from --start / to --end): 15m, 1h, 2d (default 2h)',
  '  --start <t>, --end <t> unix seconds or ISO time',
  '  --granularity <d>      time bucket of the series, e.g. 1m (default: range / 60)',
  '  --calculated-field <name=FORMULA>  e.g. \'slow=IF(GTE($duration_ms, 500), "slow", "fast")\'; repeat',
  '  --spec <file>          a Honeycomb query spec as JSON ("-" = stdin); flags add to it',
  '  --json                 print the result as JSON',
].join('\n');

/** The spec the flags describe (on top of --spec). */
export function buildSpec(p: Parsed): QuerySpec {
  const file = str(p, 'spec');
  let spec: QuerySpec = {};
  if (file !== undefined) {
    try {
      spec = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8')) as QuerySpec;
    } catch (err) {
      throw new CliError(`--spec: cannot read a JSON spec from ${file}: ${(err as Error).message}`, 2);
    }
  }
  const add = <K extends keyof QuerySpec>(k: K, items: NonNullable<QuerySpec[K]>) => {
    if ((items as unknown[]).length) (spec[k] as unknown[]) = [...((spec[k] as unknown[] | undefined) ?? []), ...(items as unknown[])];
  };
  add('calculations', strs(p, 'calc').map((c) => parseCalc(c)));
  add('filters', strs(p, 'where').map((w) => parseWhere(w)));
  add('breakdowns', strs(p, 'group-by').flatMap((g) => g.split(',').map((s) => s.trim()).filter(Boolean)));
  add('orders', strs(p, 'order').map(parseOrder));
  add('havings', strs(p, 'having').map(parseHaving));
  add('calculated_fields', strs(p, 'calculated-field').map(parseCalculatedField));
  if (flag(p, 'any')) spec.filter_combination = 'OR';
  const limit = intFlag(p, 'limit', undefined);
  if (limit !== undefined) spec.limit = limit;
  const range = str(p, 'time-range');
  if (range !== undefined) spec.time_range = parseSeconds(range, 'time-range');
  const start = str(p, 'start');
  const end = str(p, 'end');
  if (start !== undefined) spec.start_time = parseTime(start, 'start');
  if (end !== undefined) spec.end_time = parseTime(end, 'end');
  const g = str(p, 'granularity');
  if (g !== undefined) spec.granularity = parseSeconds(g, 'granularity');
  return spec;
}

const SPARK = '▁▂▃▄▅▆▇█';

/** A text sparkline of numbers (nulls as spaces). */
export function sparkline(values: (number | null)[]): string {
  const nums = values.filter((v): v is number => typeof v === 'number');
  if (nums.length === 0) return '';
  const lo = Math.min(...nums);
  const hi = Math.max(...nums);
  return values.map((v) => (typeof v !== 'number' ? ' ' : SPARK[hi === lo ? (v > 0 ? 3 : 0) : Math.round(((v - lo) / (hi - lo)) * 7)])).join('');
}

function cell(v: unknown): string {
  if (v && typeof v === 'object' && 'buckets' in v) {
    const b = (v as { buckets: { lower: number; upper: number; count: number }[] }).buckets;
    if (b.length === 0) return '(no values)';
    return `${num(b[0]!.lower)} ${sparkline(b.map((x) => x.count))} ${num(b[b.length - 1]!.upper)}`;
  }
  if (typeof v === 'number') return num(v);
  return v === null || v === undefined ? '-' : tagText(v);
}

const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4).replace(/\.?0+$/, '').replace(/\.?0+e/, 'e'));

/** The result as a table: groups, calculations, and a sparkline of the first calculation over time. */
export function renderResult(out: QueryOutput, spec: { breakdowns: string[]; calcKeys: string[] }, color: boolean): string[] {
  const paint = painter(color);
  const trendKey = spec.calcKeys.find((k) => !k.startsWith('HEATMAP('));
  const groupOf = (d: Record<string, unknown>) => JSON.stringify(spec.breakdowns.map((b) => d[b] ?? null));
  const trends = new Map<string, (number | null)[]>();
  if (trendKey) for (const s of out.series) {
    const k = groupOf(s.data);
    const list = trends.get(k) ?? [];
    list.push(typeof s.data[trendKey] === 'number' ? (s.data[trendKey] as number) : null);
    trends.set(k, list);
  }
  const head = [...spec.breakdowns, ...spec.calcKeys, ...(trendKey ? [`${trendKey} over time`] : [])];
  const rows = out.results.map((r) => [
    ...spec.breakdowns.map((b) => cell(r.data[b])), ...spec.calcKeys.map((k) => cell(r.data[k])),
    ...(trendKey ? [sparkline(trends.get(groupOf(r.data)) ?? [])] : []),
  ]);
  const align = head.map((_, i) => (i >= spec.breakdowns.length && i < spec.breakdowns.length + spec.calcKeys.length ? 'r' : 'l') as 'l' | 'r');
  const lines = table([head, ...rows], align);
  lines[0] = paint('bold', lines[0]!);
  lines.push(paint('dim', `${out.results.length} row${out.results.length === 1 ? '' : 's'} · ${out.meta.sql_ms} ms in the engine`));
  return lines;
}

export const queryCommand: CommandDef = {
  name: 'query',
  summary: 'run a Honeycomb query (COUNT, P99, HEATMAP... by any column) and print a table',
  help: [
    'Usage: honeyray query [dataset] [--calc CALC ...] [--where FILTER ...] [--group-by COL ...] [--time-range 1h] [--json]',
    '',
    'Runs a Honeycomb query spec (https://docs.honeycomb.io/reference/query-specification/) on a dataset',
    '(a service name; default __all__, every service) and prints one row per group with a sparkline of the',
    'first calculation over the time range. Columns: duration_ms, name, service.name, error, span.kind,',
    'status_code, is_root, trace.trace_id... and every attribute (honeyray query --help lists the ops).',
    '',
    'Flags:',
    QUERY_FLAGS_HELP,
    COMMON_HELP,
    '',
    'Examples:',
    '  honeyray query backend-flask --calc COUNT --calc "HEATMAP(duration_ms)" --time-range 1h',
    '  honeyray query backend-flask --calc "P99(duration_ms)" --group-by name --time-range 1h',
    '  honeyray query backend-flask --where "app.result_length > 3" --group-by user.handle',
    '  honeyray query --calc "P99(duration_ms)" --calc COUNT --where "name = http-home-activities" --group-by user.handle --time-range 1h',
    '  honeyray query backend-flask --spec query.json --json',
  ].join('\n'),
  async run(argv, out) {
    const p = parseCommand('query', argv, QUERY_OPTIONS, { min: 0, max: 1, name: 'dataset' });
    const dataset = p.positionals[0] ?? '__all__';
    const spec = buildSpec(p);
    const result = (await clientFor(p).postJson(`/api/honeyray/query/${encodeURIComponent(dataset)}`, spec)) as QueryOutput;
    if (flag(p, 'json')) return printJson(out, result);
    const calcs = spec.calculations?.length ? spec.calculations : [{ op: 'COUNT' as const }];
    for (const line of renderResult(result, { breakdowns: spec.breakdowns ?? [], calcKeys: calcs.map(calculationKey) }, out.color)) out.line(line);
  },
};
