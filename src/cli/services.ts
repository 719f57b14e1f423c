/** `honeyray services [--operations]`: the services Honeyray has seen (Jaeger API `/api/services`). */
import { COMMON_HELP, type CommandDef, clientFor, flag, parseCommand, printJson } from './command.js';
import { painter, table } from './format.js';

interface Envelope<T> { data: T }

export const servicesCommand: CommandDef = {
  name: 'services',
  summary: 'list services (--operations: with their operations)',
  help: [
    'Usage: honeyray services [--operations] [--json] [--url <url>]',
    '',
    'Lists the services (OTel service.name, X-Ray segment names) with spans in Honeyray.',
    '',
    'Flags:',
    '  --operations           also list each service\'s operations (span names) with their span kinds',
    '  --json                 print JSON: ["svc", ...], or {"svc": [{"name", "spanKind"}, ...]} with --operations',
    COMMON_HELP,
    '',
    'Examples:',
    '  honeyray services',
    '  honeyray services --operations',
  ].join('\n'),
  async run(argv, out) {
    const p = parseCommand('services', argv, { operations: { type: 'boolean' }, json: { type: 'boolean' } });
    const client = clientFor(p);
    const services = ((await client.getJson('/api/services')) as Envelope<string[] | null>).data ?? [];
    if (services.length === 0 && !flag(p, 'json')) process.stderr.write(`no services yet at ${client.baseUrl}: send spans first (OTLP to :4318, X-Ray to :2000)\n`);
    if (!flag(p, 'operations')) {
      if (flag(p, 'json')) return printJson(out, services);
      for (const s of services) out.line(s);
      return;
    }
    const ops: Record<string, { name: string; spanKind: string }[]> = {};
    for (const s of services) {
      const r = (await client.getJson(`/api/operations?service=${encodeURIComponent(s)}`)) as Envelope<{ name: string; spanKind: string }[] | null>;
      ops[s] = r.data ?? [];
    }
    if (flag(p, 'json')) return printJson(out, ops);
    const paint = painter(out.color);
    for (const s of services) {
      out.line(paint('bold', s));
      for (const l of table(ops[s]!.map((o) => ['  ' + o.name, o.spanKind ? `(${o.spanKind})` : '']))) out.line(l);
    }
  },
};
