/** What every terminal command shares: its definition, flag parsing (node:util parseArgs) and output. */
import { parseArgs } from 'node:util';
import { CliError, HoneyrayClient, resolveBaseUrl } from './http.js';

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

export interface CommandDef {
  name: string;
  /** One line for `honeyray --help`. */
  summary: string;
  /** The whole `honeyray <name> --help` text. */
  help: string;
  run(argv: string[], out: Output): Promise<void>;
}

/** Where a command writes; `color` and `width` describe stdout. */
export interface Output {
  line(s?: string): void;
  color: boolean;
  width: number;
}

/** Flags every command takes. */
export const COMMON_OPTIONS = {
  url: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, OptionSpec>;

export const COMMON_HELP = [
  '  --url <url>            Honeyray\'s HTTP API (env HONEYRAY_URL, default http://127.0.0.1:16686)',
  '  -h, --help             this text',
].join('\n');

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Thrown for `--help`: the runner prints the help and exits 0. */
export class HelpRequested extends Error {}

/** parseArgs, strict; mistakes become usage errors (exit 2) naming the command. */
export function parseCommand(cmd: string, argv: string[], options: Record<string, OptionSpec>, positionals: { min: number; max: number; name?: string } = { min: 0, max: 0 }): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''), 2);
  }
  if (parsed.values.help) throw new HelpRequested();
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new CliError(`missing ${positionals.name ?? 'argument'}`, 2);
  if (n > positionals.max) throw new CliError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals.max])}`, 2);
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
}

export function clientFor(p: Parsed): HoneyrayClient {
  return new HoneyrayClient(resolveBaseUrl(p.values.url as string | undefined));
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function strs(p: Parsed, name: string): string[] {
  const v = p.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function flag(p: Parsed, name: string): boolean {
  return p.values[name] === true;
}

/** A positive integer flag, or a usage error. */
export function intFlag(p: Parsed, name: string, dflt: number | undefined, min = 1): number | undefined {
  const v = str(p, name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new CliError(`--${name}: want an integer >= ${min}, got ${JSON.stringify(v)}`, 2);
  return n;
}

export function printJson(out: Output, v: unknown): void {
  out.line(JSON.stringify(v, null, 2));
}
