/**
 * A Jaeger-shaped trace (`GET /api/traces/:id` -> `data[0]`) as terminal lines: a header, the span tree
 * with one bar per span scaled to the trace's time range, and the tags of each span. Pure: no I/O, the
 * width and whether to color are given.
 */
import type { JaegerKeyValue, JaegerSpan, JaegerTrace } from '../api/jaeger/to-jaeger.js';
import { type ColorName, formatMicros, formatTime, padEnd, padStart, painter, tagText, truncate, width } from './format.js';

export interface WaterfallOptions {
  /** Columns available (the bar gets what the labels leave). */
  width: number;
  color: boolean;
  /** Tags and events of each span: in a section below the tree (default), under each tree line, or not at all. */
  tags?: 'below' | 'inline' | 'none';
}

/** What a one-line summary of a trace needs (the `traces` command). */
export interface TraceInfo {
  traceID: string;
  /** Epoch microseconds. */
  start: number;
  /** Microseconds, first span start to last span end. */
  duration: number;
  spanCount: number;
  services: string[];
  rootService: string;
  rootOperation: string;
  /** Spans with an error tag (Jaeger's `error=true`, or `otel.status_code=ERROR`). */
  errors: number;
  /** Spans whose parent is not in the trace. */
  orphans: number;
}

/** One line of the tree, in display order. */
export interface TreeRow {
  span: JaegerSpan;
  service: string;
  depth: number;
  /** Tree glyphs before the label (`├─ `, `│  └─ `...). */
  prefix: string;
  /** Glyphs for lines printed under this row (inline tags): keeps the tree's vertical lines going. */
  under: string;
  error: boolean;
  /** The parent's span id when the parent is not in the trace. */
  missingParent?: string;
}

type Span = JaegerSpan;

/** The CHILD_OF parent of a span (Jaeger puts it first; FOLLOWS_FROM references are links). */
export function parentOf(s: Span): string | undefined {
  return (s.references ?? []).find((r) => r.refType === 'CHILD_OF')?.spanID;
}

export function serviceOf(t: JaegerTrace, s: Span): string {
  const embedded = (s as Span & { process?: { serviceName?: string } }).process;
  return t.processes?.[s.processID]?.serviceName ?? embedded?.serviceName ?? 'unknown';
}

export function isErrorSpan(s: Span): boolean {
  return (s.tags ?? []).some((t) => (t.key === 'error' && (t.value === true || t.value === 'true')) || (t.key === 'otel.status_code' && t.value === 'ERROR'));
}

function bounds(t: JaegerTrace): { start: number; end: number } {
  let start = Infinity;
  let end = -Infinity;
  for (const s of t.spans) {
    start = Math.min(start, s.startTime);
    end = Math.max(end, s.startTime + s.duration);
  }
  return t.spans.length ? { start, end } : { start: 0, end: 0 };
}

const byStart = (a: Span, b: Span) => a.startTime - b.startTime;

/**
 * The span tree in display order: roots (and spans whose parent is missing) at the top level, children
 * under their parent, siblings by start time. Spans caught in a parent cycle are shown at the top level too.
 */
export function spanTree(t: JaegerTrace): TreeRow[] {
  const ids = new Set(t.spans.map((s) => s.spanID));
  const children = new Map<string, Span[]>();
  const tops: Span[] = [];
  for (const s of t.spans) {
    const p = parentOf(s);
    if (p && p !== s.spanID && ids.has(p)) (children.get(p) ?? children.set(p, []).get(p)!).push(s);
    else tops.push(s);
  }
  for (const list of children.values()) list.sort(byStart);
  // Roots first, then orphans, each by start.
  tops.sort((a, b) => Number(Boolean(parentOf(a))) - Number(Boolean(parentOf(b))) || byStart(a, b));

  const rows: TreeRow[] = [];
  const seen = new Set<Span>();
  const walk = (s: Span, depth: number, lead: string, last: boolean, top: boolean) => {
    seen.add(s);
    const kids = (children.get(s.spanID) ?? []).filter((k) => !seen.has(k));
    const prefix = top ? '' : lead + (last ? '└─ ' : '├─ ');
    const childLead = top ? '' : lead + (last ? '   ' : '│  ');
    const p = parentOf(s);
    rows.push({
      span: s, service: serviceOf(t, s), depth, prefix, under: childLead + (kids.length ? '│  ' : '   '),
      error: isErrorSpan(s), ...(top && p && !ids.has(p) ? { missingParent: p } : {}),
    });
    kids.forEach((k, i) => walk(k, depth + 1, childLead, i === kids.length - 1, false));
  };
  for (const s of tops) walk(s, 0, '', true, true);
  // A parent cycle leaves spans unreachable from any top: show them at the top level.
  for (const s of [...t.spans].sort(byStart)) if (!seen.has(s)) walk(s, 0, '', true, true);
  return rows;
}

export function traceInfo(t: JaegerTrace): TraceInfo {
  const { start, end } = bounds(t);
  const rows = spanTree(t);
  const root = rows[0];
  return {
    traceID: t.traceID,
    start,
    duration: end - start,
    spanCount: t.spans.length,
    services: [...new Set(rows.map((r) => r.service))],
    rootService: root?.service ?? '',
    rootOperation: root?.span.operationName ?? '',
    errors: rows.filter((r) => r.error).length,
    orphans: rows.filter((r) => r.missingParent).length,
  };
}

const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const PALETTE: ColorName[] = ['cyan', 'green', 'yellow', 'blue', 'magenta'];

/**
 * A span's duration as text. The Node X-Ray SDK stamps times in milliseconds, so its fast subsegments
 * arrive with start = end: "< 1ms" says that, where "0µs" would read as missing.
 */
export function spanDuration(s: Span): string {
  if (s.duration === 0 && s.tags.some((t) => t.key === 'xray.type')) return '< 1ms';
  return formatMicros(s.duration);
}

/** `[offset, offset + length)` of the trace, as a bar `cells` wide (eighth-cell precision at the end). */
export function bar(offset: number, length: number, total: number, cells: number): string {
  const scale = total > 0 ? cells / total : 0;
  const startCell = Math.min(cells - 1, Math.max(0, Math.floor(offset * scale)));
  const endF = Math.min(cells, total > 0 ? (offset + length) * scale : cells);
  const eighths = Math.min((cells - startCell) * 8, Math.max(1, Math.round((endF - startCell) * 8)));
  return ' '.repeat(startCell) + '█'.repeat(Math.floor(eighths / 8)) + PARTIAL[eighths % 8]!;
}

/** Tick labels over the bars: 0, quarters, total (fewer when narrow); each starts at its tick, the last ends there. */
export function ruler(total: number, cells: number): string {
  const n = cells >= 60 ? 4 : cells >= 24 ? 2 : 1;
  const line: string[] = Array.from({ length: cells }, () => ' ');
  let free = 0;
  for (let k = 0; k <= n; k++) {
    const label = k === 0 ? '0' : formatMicros((total * k) / n);
    const len = width(label);
    const at = k === n ? cells - len : Math.round((cells * k) / n);
    if (at < free || at < 0) continue;
    [...label].forEach((c, i) => (line[at + i] = c));
    free = at + len + 1;
  }
  return line.join('').trimEnd();
}

export function renderWaterfall(t: JaegerTrace, opts: WaterfallOptions): string[] {
  const paint = painter(opts.color);
  const mode = opts.tags ?? 'below';
  const info = traceInfo(t);
  const rows = spanTree(t);
  const { start } = bounds(t);
  const total = info.duration;
  const colorOf = serviceColors(info.services);
  const out: string[] = [];

  // Header.
  const full = /^[0-9a-f]{32}$/.test(t.traceID) ? t.traceID : undefined;
  const xray = full ? `  (X-Ray 1-${full.slice(0, 8)}-${full.slice(8)})` : '';
  out.push(paint('bold', `Trace ${t.traceID}`) + xray);
  const facts = [
    `${info.rootService}: ${info.rootOperation}`,
    formatTime(info.start),
    formatMicros(total),
    plural(info.spanCount, 'span'),
    plural(info.services.length, 'service'),
    ...(info.errors ? [paint('red', plural(info.errors, 'error'))] : []),
  ];
  out.push(facts.join('  ·  '));
  if (info.orphans) {
    out.push(paint('yellow', `⋯ ${plural(info.orphans, 'span')} whose parent is not in the trace (not received yet, or lost): shown at the top level, marked ⋯`));
  }
  out.push('');

  // Tree with bars.
  const labels = rows.map((r) => r.prefix + (r.missingParent ? '⋯ ' : '') + r.service + ' ' + r.span.operationName);
  const durs = rows.map((r) => spanDuration(r.span));
  const durW = Math.max(6, ...durs.map(width));
  const labelW = Math.min(Math.max(12, ...labels.map(width)), Math.max(24, Math.floor(opts.width * 0.45)));
  const fixed = labelW + 1 + 1 + 1 + durW + 1;
  const barW = Math.max(10, opts.width - fixed);
  out.push(' '.repeat(fixed) + paint('dim', ruler(total, barW)));
  rows.forEach((r, i) => {
    const s = r.span;
    const color: ColorName = r.error ? 'red' : colorOf(r.service);
    const label = truncate(labels[i]!, labelW);
    const plain = label.slice(0, r.prefix.length);
    const rest = label.slice(r.prefix.length);
    const svcLen = Math.min(rest.length, (r.missingParent ? 2 : 0) + r.service.length);
    const styled = paint('dim', plain) + paint(color, rest.slice(0, svcLen)) + rest.slice(svcLen);
    const mark = r.error ? paint('red', '✗') : ' ';
    const pad = ' '.repeat(Math.max(0, labelW - width(label)));
    out.push(`${styled}${pad} ${mark} ${padStart(durs[i]!, durW)} ${paint(color, bar(s.startTime - start, s.duration, total, barW))}`.trimEnd());
    if (mode === 'inline') for (const l of details(s, start, paint)) out.push(paint('dim', r.under) + '  ' + l);
  });

  if (mode === 'below') {
    out.push('');
    out.push(paint('bold', 'Tags'));
    for (const r of rows) {
      const s = r.span;
      const where = `span ${s.spanID}, at +${formatMicros(s.startTime - start)}, ${spanDuration(s)}`;
      const orphan = r.missingParent ? `, parent ${r.missingParent} not in the trace` : '';
      out.push('');
      out.push(`${paint(r.error ? 'red' : colorOf(r.service), r.service)} ${s.operationName}  ${paint('dim', `(${where}${orphan})`)}${r.error ? ' ' + paint('red', '✗') : ''}`);
      for (const l of details(s, start, paint)) out.push('    ' + l);
    }
  }
  return out;
}

/** `key = value` lines (values' extra lines indented under the value), then events, then warnings. */
function details(s: Span, traceStart: number, paint: ReturnType<typeof painter>): string[] {
  const out: string[] = [];
  const tags = s.tags ?? [];
  const keyW = Math.min(32, Math.max(0, ...tags.map((t) => width(t.key))));
  for (const t of tags) out.push(...kv(t, keyW, paint));
  for (const log of s.logs ?? []) {
    const fields = log.fields ?? [];
    const name = fields.find((f) => f.key === 'event')?.value;
    const rest = fields.filter((f) => f.key !== 'event').map((f) => `${f.key}=${tagText(f.value)}`).join(' ');
    out.push(paint('dim', `event at +${formatMicros(log.timestamp - traceStart)}:`) + ` ${name !== undefined ? tagText(name) : ''}${rest ? '  ' + rest : ''}`.replace(/\n/g, '\n      '));
  }
  for (const w of s.warnings ?? []) out.push(paint('yellow', `warning: ${w}`));
  return out.flatMap((l) => l.split('\n'));
}

function kv(t: JaegerKeyValue, keyW: number, paint: ReturnType<typeof painter>): string[] {
  const [first, ...more] = tagText(t.value).split('\n');
  const lead = `${padEnd(t.key, keyW)} = `;
  const styledLead = paint('dim', padEnd(t.key, keyW)) + ' = ';
  return [styledLead + first, ...more.map((m) => ' '.repeat(width(lead)) + m)];
}

function serviceColors(services: string[]): (service: string) => ColorName {
  const m = new Map(services.map((s, i) => [s, PALETTE[i % PALETTE.length]!]));
  return (s) => m.get(s) ?? 'cyan';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
