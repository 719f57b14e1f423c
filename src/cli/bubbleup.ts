/** `honeyray bubbleup`: what sets a selection apart from the rest (POST /api/honeyray/bubbleup/{dataset}). */
import type { BubbleUpResult, ValueCount } from '../query/bubbleup/bubbleup.js';
import { COMMON_HELP, type CommandDef, clientFor, flag, intFlag, parseCommand, printJson, str, strs } from './command.js';
import { painter, tagText, truncate } from './format.js';
import { CliError } from './http.js';
import { buildSpec, QUERY_FLAGS_HELP, QUERY_OPTIONS } from './query.js';
import { parseRange, parseTime, parseWhere } from './query-args.js';

const pct = (f: number) => `${(f * 100).toFixed(f < 0.1 ? 1 : 0)}%`;
const show = (v: ValueCount['value']) => (v === null ? '(none)' : tagText(v));

export const bubbleupCommand: CommandDef = {
  name: 'bubbleup',
  summary: 'which columns set a selection (e.g. the slow band of a heatmap) apart from the rest',
  help: [
    'Usage: honeyray bubbleup [dataset] (--select "duration_ms 800..5000" | --select-where FILTER ...) [query flags] [--top 10]',
    '',
    'Honeycomb\'s BubbleUp: compares the selected events with the rest of the query\'s events (the baseline)',
    'column by column and lists the columns whose values differ most, with their top values on each side.',
    'Score: total variation distance of the two distributions (0 = alike, 1 = nothing in common).',
    '',
    'Flags:',
    '  --select <col lo..hi>  a heatmap band: events whose column is in [lo, hi]',
    '  --select-start <t>, --select-end <t>  and whose start is in this time range (unix s or ISO)',
    '  --select-where <filter>  or: events matching filters ("user.handle = cat"); repeat',
    '  --top <n>              columns to print (default 10)',
    QUERY_FLAGS_HELP,
    COMMON_HELP,
    '',
    'Examples:',
    '  honeyray bubbleup backend-flask --time-range 1h --select "duration_ms 500..100000"',
    '  honeyray bubbleup backend-flask --select-where "error = true" --json',
  ].join('\n'),
  async run(argv, out) {
    const p = parseCommand('bubbleup', argv, {
      ...QUERY_OPTIONS, select: { type: 'string' }, 'select-start': { type: 'string' }, 'select-end': { type: 'string' },
      'select-where': { type: 'string', multiple: true }, top: { type: 'string' },
    }, { min: 0, max: 1, name: 'dataset' });
    const dataset = p.positionals[0] ?? '__all__';
    const range = str(p, 'select');
    const wheres = strs(p, 'select-where');
    if (!range === !wheres.length) throw new CliError('give either --select "column lo..hi" or --select-where', 2);
    let selection: Record<string, unknown>;
    if (range) {
      selection = { ...parseRange(range) };
      const s = str(p, 'select-start');
      const e = str(p, 'select-end');
      if (s !== undefined) selection.start_time = parseTime(s, 'select-start');
      if (e !== undefined) selection.end_time = parseTime(e, 'select-end');
    } else {
      selection = { filters: wheres.map((w) => parseWhere(w, 'select-where')) };
    }
    const top = intFlag(p, 'top', 10)!;
    const result = (await clientFor(p).postJson(`/api/honeyray/bubbleup/${encodeURIComponent(dataset)}`, { query: buildSpec(p), selection })) as BubbleUpResult;
    if (flag(p, 'json')) return printJson(out, result);
    const paint = painter(out.color);
    out.line(paint('bold', `selection: ${result.selection_count} events · baseline: ${result.baseline_count} events`));
    for (const c of result.columns.slice(0, top)) {
      out.line('');
      out.line(`${paint('bold', c.column)}  ${paint('yellow', `score ${c.score.toFixed(2)}`)}`);
      const base = new Map(c.baseline.map((b) => [JSON.stringify(b.value), b]));
      for (const s of c.selection.slice(0, 5)) {
        const b = base.get(JSON.stringify(s.value));
        out.line(`  ${truncate(show(s.value), Math.max(20, out.width - 40)).padEnd(24)} ${pct(s.fraction).padStart(6)} of selection  ${paint('dim', `${b ? pct(b.fraction) : '0%'} of baseline`)}`);
      }
    }
    if (result.columns.length === 0) out.line('nothing selected: no events match the selection');
  },
};
