/** Formatting helpers shared by the pages; pure (no DOM). */

/** Escapes text for HTML content and attribute values. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Microseconds -> `850µs`, `12.3ms`, `1.25s`, `2m 5s`, `1h 2m`. */
export function formatDuration(us: number): string {
  if (!Number.isFinite(us)) return '–';
  const a = Math.abs(us);
  if (a < 1) return '0µs';
  if (a < 1000) return `${Math.round(us)}µs`;
  if (a < 1_000_000) return `${trim(us / 1000)}ms`;
  if (a < 60_000_000) return `${trim(us / 1_000_000)}s`;
  const s = Math.round(us / 1_000_000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function trim(x: number): string {
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return String(Number(x.toFixed(digits)));
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * A span's duration. X-Ray SDKs stamp times in milliseconds (the Node SDK) or as float seconds, so a
 * fast (sub)segment arrives as 0 or a rounding artefact: "< 1 ms" says that, as the X-Ray console
 * does, where "0µs" reads as missing and "412µs" claims a precision the document does not have.
 */
export function formatSpanDuration(us: number, xray: boolean): string {
  return xray && us < 1000 ? '< 1 ms' : formatDuration(us);
}

/** Epoch µs -> local `2024-05-01 12:34:56.789`. */
export function formatDateTime(us: number): string {
  const d = new Date(us / 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Epoch µs -> `12:34:56`. */
export function formatTime(us: number): string {
  const d = new Date(us / 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Epoch µs -> `just now`, `5m ago`, `3h ago`, `2d ago`. */
export function formatAgo(us: number, nowMs = Date.now()): string {
  const s = Math.round((nowMs - us / 1000) / 1000);
  if (s < 10) return 'just now';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** `1.5` -> `1.5%`, tiny non-zero values keep one significant digit. */
export function formatPercent(part: number, total: number): string {
  if (!total) return '0%';
  const p = (100 * part) / total;
  return `${p === 0 ? 0 : p < 0.1 ? p.toPrecision(1) : Number(p.toFixed(1))}%`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}

/** Lookback choices (Jaeger's `lookback` values) and their length in seconds. */
export const LOOKBACKS: [string, string, number][] = [
  ['15m', 'Last 15 minutes', 900],
  ['1h', 'Last hour', 3600],
  ['6h', 'Last 6 hours', 21600],
  ['24h', 'Last 24 hours', 86400],
  ['7d', 'Last 7 days', 604800],
];

export function lookbackSeconds(v: string | null, fallback = 3600): number {
  return LOOKBACKS.find((l) => l[0] === v)?.[2] ?? fallback;
}

/** Service colors: distinct, readable on white, for bars and chips. */
export const PALETTE = [
  '#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948',
  '#9c755f', '#ff9da7', '#5f9ed1', '#8cd17d', '#d4a6c8', '#bab0ac',
];

export function serviceColor(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

function nameHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return h;
}

/**
 * Palette indexes for the services of one trace: each name keeps its own (hashed) color unless another
 * service of the trace has it already (then the next free one, names taken in sorted order). The same
 * set of services gets the same colors on every page; up to 12 services never share a color.
 */
export function assignColors(names: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  const used = new Set<number>();
  for (const name of [...new Set(names)].sort()) {
    let c = nameHash(name) % PALETTE.length;
    for (let k = 0; k < PALETTE.length && used.has(c); k++) c = (c + 1) % PALETTE.length;
    used.add(c);
    out.set(name, c);
  }
  return out;
}
