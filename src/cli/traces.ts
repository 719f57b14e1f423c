/** `honeyray traces`: search traces, one line each (Jaeger API `GET /api/traces`). */
import type { JaegerTrace } from '../api/jaeger/to-jaeger.js';
import { COMMON_HELP, type CommandDef, clientFor, flag, intFlag, parseCommand, printJson, str, strs } from './command.js';
import { formatMicros, formatTime, painter, parseDurationMicros, table, truncate } from './format.js';
import { CliError } from './http.js';
import { traceInfo } from './waterfall.js';

export const tracesCommand: CommandDef = {
  name: 'traces',
  summary: 'search traces: one line per trace, newest first',
  help: [
    'Usage: honeyray traces [--service S] [--operation O] [--tag k=v ...] [--lookback 1h]',
    '                       [--min-duration 100ms] [--max-duration 2s] [--limit 20] [--json] [--url <url>]',
    '',
    'Searches traces like Jaeger\'s search page and prints one line per trace: start time, trace id, root',
    'service and operation, duration, span count and errors. `honeyray trace <id>` shows one of them.',
    'A trace matches when one of its spans has the service, operation and duration asked for, and each',
    '--tag is on some span of the trace.',
    '',
    'Flags:',
    '  --service <name>       spans of this service',
    '  --operation <name>     spans with this operation (span name)',
    '  --tag <key=value>      a span tag (attribute) value; repeat for more tags (all must match)',
    '  --lookback <duration>  how far back from now, e.g. 15m, 1h, 2d, or "all" (default 1h)',
    '  --min-duration <d>     spans at least this long, e.g. 100ms, 1.5s, 500us',
    '  --max-duration <d>     spans at most this long',
    '  --limit <n>            at most n traces (default 20)',
    '  --json                 print the traces as the Jaeger API returns them (a JSON array)',
    COMMON_HELP,
    '',
    'Examples:',
    '  honeyray traces --service backend-flask',
    '  honeyray traces --service backend-flask --operation "GET /api/activities/home" --min-duration 100ms',
    '  honeyray traces --tag http.status_code=500 --lookback 24h --limit 50',
  ].join('\n'),
  async run(argv, out) {
    const p = parseCommand('traces', argv, {
      service: { type: 'string' }, operation: { type: 'string' }, tag: { type: 'string', multiple: true },
      lookback: { type: 'string' }, 'min-duration': { type: 'string' }, 'max-duration': { type: 'string' },
      limit: { type: 'string' }, json: { type: 'boolean' },
    });
    const q = new URLSearchParams();
    const service = str(p, 'service');
    const operation = str(p, 'operation');
    if (service) q.set('service', service);
    if (operation) q.set('operation', operation);
    const tags: Record<string, string> = {};
    for (const t of strs(p, 'tag')) {
      const i = t.indexOf('=');
      if (i <= 0) throw new CliError(`--tag: want key=value, got ${JSON.stringify(t)}`, 2);
      tags[t.slice(0, i)] = t.slice(i + 1);
    }
    if (Object.keys(tags).length) q.set('tags', JSON.stringify(tags));
    const lookback = str(p, 'lookback') ?? '1h';
    if (lookback !== 'all') q.set('lookback', duration(lookback, 'lookback'));
    for (const name of ['min-duration', 'max-duration'] as const) {
      const v = str(p, name);
      if (v !== undefined) q.set(name === 'min-duration' ? 'minDuration' : 'maxDuration', duration(v, name));
    }
    q.set('limit', String(intFlag(p, 'limit', 20)));

    const client = clientFor(p);
    const res = (await client.getJson(`/api/traces?${q}`)) as { data: JaegerTrace[] | null };
    const traces = res.data ?? [];
    if (flag(p, 'json')) return printJson(out, traces);
    if (traces.length === 0) {
      process.stderr.write(`no traces found${lookback !== 'all' ? ` in the last ${lookback} (--lookback to look further back)` : ''}\n`);
      return;
    }
    const paint = painter(out.color);
    const infos = traces.map(traceInfo).sort((a, b) => b.start - a.start);
    const rows = [['START', 'TRACE ID', 'ROOT', 'DURATION', 'SPANS', 'ERRORS'], ...infos.map((t) => [
      formatTime(t.start), t.traceID, truncate(`${t.rootService}: ${t.rootOperation}`, 60), formatMicros(t.duration),
      String(t.spanCount), t.errors ? `✗ ${t.errors}` : '',
    ])];
    table(rows, ['l', 'l', 'l', 'r', 'r', 'l']).forEach((line, i) => {
      if (i === 0) out.line(paint('dim', line));
      else out.line(infos[i - 1]!.errors ? line.replace(/✗ \d+/, (m) => paint('red', m)) : line);
    });
  },
};

function duration(v: string, name: string): string {
  if (parseDurationMicros(v) === null) throw new CliError(`--${name}: malformed duration ${JSON.stringify(v)}: want e.g. 1.2s, 100ms, 500us, 1h30m`, 2);
  return v;
}
