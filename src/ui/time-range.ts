/**
 * The time range of a search, pure (no DOM): a preset lookback (`1h`) or an absolute range, as the URL
 * holds it: `lookback=1h`, or `start=<epoch µs>&end=<epoch µs>` (Jaeger's units, so the same values go
 * to `/api/traces` with `lookback=custom`).
 */
import { formatDateTime, LOOKBACKS } from './format.js';

export type TimeRange = { kind: 'relative'; lookback: string } | { kind: 'absolute'; startUs: number; endUs: number };

const DEFAULT_LOOKBACK = '1h';
export const DEFAULT_RANGE: TimeRange = { kind: 'relative', lookback: DEFAULT_LOOKBACK };

export function rangeFromParams(q: URLSearchParams): TimeRange {
  const start = Number(q.get('start'));
  const end = Number(q.get('end'));
  if (q.has('start') && q.has('end') && Number.isFinite(start) && Number.isFinite(end) && end > start) {
    return { kind: 'absolute', startUs: start, endUs: end };
  }
  const lookback = q.get('lookback');
  return lookback && LOOKBACKS.some((l) => l[0] === lookback) ? { kind: 'relative', lookback } : DEFAULT_RANGE;
}

/** Writes the range into `q` (the page's URL: the default range adds nothing). */
export function rangeToUrl(r: TimeRange, q: URLSearchParams): void {
  q.delete('lookback');
  q.delete('start');
  q.delete('end');
  if (r.kind === 'absolute') {
    q.set('start', String(Math.round(r.startUs)));
    q.set('end', String(Math.round(r.endUs)));
  } else if (r.lookback !== DEFAULT_LOOKBACK) q.set('lookback', r.lookback);
}

/** The Jaeger API's parameters for the range. */
export function rangeToApi(r: TimeRange, q: URLSearchParams): void {
  if (r.kind === 'absolute') {
    q.set('lookback', 'custom');
    q.set('start', String(Math.round(r.startUs)));
    q.set('end', String(Math.round(r.endUs)));
  } else q.set('lookback', r.lookback);
}

export function describeRange(r: TimeRange): string {
  if (r.kind === 'relative') return LOOKBACKS.find((l) => l[0] === r.lookback)?.[1] ?? r.lookback;
  return `${formatDateTime(r.startUs).slice(0, 19)} → ${formatDateTime(r.endUs).slice(0, 19)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Epoch µs -> the value of an `<input type="datetime-local" step="1">` (local time). */
export function toLocalInput(us: number): string {
  const d = new Date(us / 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The value of a datetime-local input -> epoch µs, or null when empty or invalid. */
export function fromLocalInput(v: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) return null;
  const ms = new Date(v).getTime();
  return Number.isFinite(ms) ? ms * 1000 : null;
}
