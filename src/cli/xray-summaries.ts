/** `honeyray xray-summaries`: X-Ray GetTraceSummaries (`POST /TraceSummaries`), all pages. */
import { COMMON_HELP, type CommandDef, clientFor, flag, intFlag, parseCommand, printJson, str } from './command.js';
import { formatSeconds, formatTime, painter, parseDurationMicros, table } from './format.js';
import { CliError } from './http.js';

interface Summary {
  Id: string;
  StartTime?: number;
  Duration?: number;
  ResponseTime?: number;
  HasFault?: boolean;
  HasError?: boolean;
  HasThrottle?: boolean;
  IsPartial?: boolean;
  Http?: { HttpURL?: string; HttpStatus?: number; HttpMethod?: string };
  EntryPoint?: { Name?: string };
}
interface Page { TraceSummaries?: Summary[]; NextToken?: string }

const TIME_RANGE_TYPES = ['Event', 'TraceId', 'Service'];

export const xraySummariesCommand: CommandDef = {
  name: 'xray-summaries',
  summary: 'X-Ray GetTraceSummaries with a filter expression: one line per trace',
  help: [
    'Usage: honeyray xray-summaries [--filter <expression>] [--lookback 1h] [--time-range-type Event]',
    '                               [--limit <n>] [--json] [--url <url>]',
    '',
    'Runs X-Ray\'s GetTraceSummaries against Honeyray (as `aws xray get-trace-summaries` does, without AWS) and',
    'prints one line per trace: X-Ray id, start, duration, response time, fault/error/throttle marks and the',
    'root\'s HTTP method, status and URL. Follows NextToken through every page.',
    '',
    'Flags:',
    '  --filter <expression>  X-Ray filter expression, e.g. \'service("backend-flask")\' or \'responsetime > 1\'',
    '  --lookback <duration>  time range back from now, e.g. 10m, 1h, 2d (default 1h)',
    '  --time-range-type <t>  Event (default), TraceId or Service',
    '  --limit <n>            stop after n traces (default: all pages)',
    '  --json                 print the TraceSummaries (all pages) as a JSON array',
    COMMON_HELP,
    '',
    'Marks: F fault (5xx), E error (4xx), T throttle (429), P partial.',
    '',
    'Examples:',
    '  honeyray xray-summaries --filter \'service("backend-flask")\'',
    '  honeyray xray-summaries --filter \'service("backend-flask") { fault }\' --lookback 24h',
    '  honeyray xray-summaries --filter \'http.url CONTAINS "/api/activities" AND responsetime > 0.5\'',
  ].join('\n'),
  async run(argv, out) {
    const p = parseCommand('xray-summaries', argv, {
      filter: { type: 'string' }, lookback: { type: 'string' }, 'time-range-type': { type: 'string' },
      limit: { type: 'string' }, json: { type: 'boolean' },
    });
    const lookback = str(p, 'lookback') ?? '1h';
    const us = parseDurationMicros(lookback);
    if (us === null) throw new CliError(`--lookback: malformed duration ${JSON.stringify(lookback)}: want e.g. 10m, 1h, 2d`, 2);
    const rangeType = str(p, 'time-range-type') ?? 'Event';
    if (!TIME_RANGE_TYPES.includes(rangeType)) throw new CliError(`--time-range-type: want Event, TraceId or Service, got ${JSON.stringify(rangeType)}`, 2);
    const limit = intFlag(p, 'limit', undefined);
    const end = Date.now() / 1000;
    const body: Record<string, unknown> = { StartTime: end - us / 1e6, EndTime: end, TimeRangeType: rangeType };
    const filter = str(p, 'filter');
    if (filter !== undefined && filter.trim() !== '') body.FilterExpression = filter;

    const client = clientFor(p);
    const all: Summary[] = [];
    let token: string | undefined;
    do {
      const page = (await client.postJson('/TraceSummaries', token ? { ...body, NextToken: token } : body)) as Page;
      all.push(...(page.TraceSummaries ?? []));
      token = page.NextToken || undefined;
    } while (token && (limit === undefined || all.length < limit));
    const shown = limit === undefined ? all : all.slice(0, limit);

    if (flag(p, 'json')) return printJson(out, shown);
    if (shown.length === 0) {
      process.stderr.write(`no traces matched in the last ${lookback}${filter ? ` for ${filter}` : ''}\n`);
      return;
    }
    const paint = painter(out.color);
    const rows = [['ID', 'START', 'DURATION', 'RESPONSE', 'MARKS', 'HTTP'], ...shown.map((s) => [
      s.Id,
      s.StartTime !== undefined ? formatTime(s.StartTime * 1e6) : '',
      s.Duration !== undefined ? formatSeconds(s.Duration) : '',
      s.ResponseTime !== undefined ? formatSeconds(s.ResponseTime) : '',
      marks(s),
      [s.Http?.HttpMethod, s.Http?.HttpStatus, s.Http?.HttpURL].filter((x) => x !== undefined && x !== '').join(' '),
    ])];
    table(rows, ['l', 'l', 'r', 'r', 'l', 'l']).forEach((line, i) => {
      if (i === 0) return out.line(paint('dim', line));
      const s = shown[i - 1]!;
      out.line(s.HasFault || s.HasError || s.HasThrottle ? line.replace(marks(s), paint(s.HasFault ? 'red' : 'yellow', marks(s))) : line);
    });
  },
};

/** `F E T P` columns (fault, error, throttle, partial), `-` where not set. */
function marks(s: Summary): string {
  return [s.HasFault ? 'F' : '-', s.HasError ? 'E' : '-', s.HasThrottle ? 'T' : '-', s.IsPartial ? 'P' : '-'].join('');
}
