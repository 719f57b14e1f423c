/** `honeyray trace <id>`: one trace as a waterfall (Jaeger API `GET /api/traces/:id`). */
import type { JaegerTrace } from '../api/jaeger/to-jaeger.js';
import { InvalidIdError, normalizeTraceId } from '../model/ids.js';
import { COMMON_HELP, type CommandDef, clientFor, flag, parseCommand, printJson } from './command.js';
import { ApiError, CliError } from './http.js';
import { renderWaterfall } from './waterfall.js';

export const traceCommand: CommandDef = {
  name: 'trace',
  summary: 'show one trace as a waterfall (span tree with timing bars, then tags)',
  help: [
    'Usage: honeyray trace <trace-id> [--tags | --no-tags] [--width <columns>] [--json] [--url <url>]',
    '',
    'Prints one trace: a header (root, start, duration, span and service counts, errors), the span tree',
    '(children under their parent, by start time) with service, operation, duration and a bar showing when',
    'each span ran within the trace (✗ marks error spans), then the tags and events of each span.',
    'Spans whose parent is missing are shown at the top level, marked ⋯.',
    'The id may be 32 hex chars (W3C/OTel), 16 hex chars (a 64-bit Jaeger id) or an X-Ray id (1-5f84c7a1-...).',
    '',
    'Flags:',
    '  --tags                 print each span\'s tags right under its line in the tree instead of below it',
    '  --no-tags              print the tree only',
    '  --width <columns>      line width for the bars (default: the terminal\'s width, 100 when not a terminal)',
    '  --json                 print the trace as the Jaeger API returns it',
    COMMON_HELP,
    '',
    'Examples:',
    '  honeyray trace 5f84c7a11234567890abcdef12345678',
    '  honeyray trace 1-5f84c7a1-1234567890abcdef12345678 --tags',
    '  honeyray trace 5f84c7a11234567890abcdef12345678 | less -R',
  ].join('\n'),
  async run(argv, out) {
    const p = parseCommand('trace', argv, {
      tags: { type: 'boolean' }, 'no-tags': { type: 'boolean' }, width: { type: 'string' }, json: { type: 'boolean' },
    }, { min: 1, max: 1, name: 'trace id (honeyray trace <trace-id>)' });
    const id = p.positionals[0]!;
    try {
      normalizeTraceId(id);
    } catch (err) {
      if (err instanceof InvalidIdError) throw new CliError(`not a trace id: ${JSON.stringify(id)} (want 32 or 16 hex chars, or an X-Ray id like 1-5f84c7a1-1234567890abcdef12345678)`, 2);
      throw err;
    }
    if (flag(p, 'tags') && flag(p, 'no-tags')) throw new CliError('--tags and --no-tags: pick one', 2);
    let columns = out.width;
    const w = p.values.width;
    if (typeof w === 'string') {
      columns = Number(w);
      if (!/^\d+$/.test(w) || columns < 40 || columns > 1000) throw new CliError(`--width: want 40..1000 columns, got ${JSON.stringify(w)}`, 2);
    }
    const client = clientFor(p);
    let res: { data: JaegerTrace[] | null };
    try {
      res = (await client.getJson(`/api/traces/${encodeURIComponent(id.trim())}`)) as typeof res;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw new CliError(`trace ${id} not found at ${client.baseUrl} (spans may take a moment to arrive; \`honeyray traces\` lists recent ones)`);
      throw err;
    }
    const trace = res.data?.[0];
    if (!trace || !Array.isArray(trace.spans) || trace.spans.length === 0) throw new CliError(`trace ${id} not found at ${client.baseUrl}`);
    if (flag(p, 'json')) return printJson(out, trace);
    const tags = flag(p, 'tags') ? 'inline' : flag(p, 'no-tags') ? 'none' : 'below';
    for (const line of renderWaterfall(trace, { width: columns, color: out.color, tags })) out.line(line);
  },
};
