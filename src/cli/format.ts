/**
 * Text helpers shared by the terminal commands: durations, times, columns, ANSI colors (only when
 * asked for: the commands ask when stdout is a TTY).
 */

/** Microseconds -> `850µs`, `12.34ms`, `1.5s`, `2m3.4s`. */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return '?';
  if (us < 0) return '-' + formatMicros(-us);
  if (us < 1000) return `${Math.round(us)}µs`;
  if (us < 1_000_000) return `${trim((us / 1000).toFixed(2))}ms`;
  if (us < 60_000_000) return `${trim((us / 1_000_000).toFixed(2))}s`;
  const m = Math.floor(us / 60_000_000);
  if (m >= 60) return `${Math.floor(m / 60)}h${m % 60}m`;
  return `${m}m${trim(((us % 60_000_000) / 1_000_000).toFixed(1))}s`;
}

/** Seconds (X-Ray's unit) -> the same style. */
export function formatSeconds(s: number): string {
  return formatMicros(s * 1e6);
}

function trim(n: string): string {
  return n.includes('.') ? n.replace(/\.?0+$/, '') : n;
}

/** Epoch microseconds -> local `2024-05-01 12:00:00.123`. */
export function formatTime(us: number): string {
  const d = new Date(us / 1000);
  if (Number.isNaN(d.getTime())) return '?';
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

const UNITS: Record<string, number> = { ns: 1e-3, us: 1, µs: 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6, d: 86400e6 };

/** Go-style durations as the Jaeger API takes them (`1h30m`, `1.5s`, `250ms`) -> microseconds; null if malformed. */
export function parseDurationMicros(v: string): number | null {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(v)) !== null) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  return pos === v.length && pos > 0 ? total : null;
}

/** Display width, counting code points (good enough for the text we print). */
export function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Cuts to `w` columns, ending with `…` when cut. */
export function truncate(s: string, w: number): string {
  if (w <= 0) return '';
  const cps = [...s];
  return cps.length <= w ? s : cps.slice(0, Math.max(0, w - 1)).join('') + '…';
}

export function padEnd(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}

export function padStart(s: string, w: number): string {
  return ' '.repeat(Math.max(0, w - width(s))) + s;
}

/** Aligns rows of cells into columns (the last column is not padded). */
export function table(rows: string[][], align: ('l' | 'r')[] = []): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, width(c))));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 && align[i] !== 'r' ? c : align[i] === 'r' ? padStart(c, widths[i]!) : padEnd(c, widths[i]!))).join('  ').trimEnd());
}

export type ColorName = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'dim' | 'bold';
const CODES: Record<ColorName, [number, number]> = {
  red: [31, 39], green: [32, 39], yellow: [33, 39], blue: [34, 39], magenta: [35, 39], cyan: [36, 39], dim: [2, 22], bold: [1, 22],
};

/** `paint(on)('red', text)`: ANSI codes when `on`, the text unchanged otherwise. */
export function painter(on: boolean): (color: ColorName, text: string) => string {
  return (color, text) => (on && text ? `\u001b[${CODES[color][0]}m${text}\u001b[${CODES[color][1]}m` : text);
}

/** Colors for stdout: a TTY, unless NO_COLOR is set or TERM=dumb; FORCE_COLOR=1 forces them on. */
export function useColor(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}

/** Terminal width for bars: `process.stdout.columns`, 100 when not a terminal. */
export function terminalWidth(stream: { columns?: number } = process.stdout): number {
  return stream.columns && stream.columns > 0 ? stream.columns : 100;
}

/** A tag value as text (strings as they are, the rest as JSON). */
export function tagText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
}
