/**
 * The trace model behind the trace page, pure (no DOM: it runs in node for the unit tests).
 *
 * Input is a trace as the Jaeger query API returns it (`/api/traces/{id}`); output is the span tree in
 * display order (depth-first, children by start time), each node with its depth, offset, self time,
 * error flag and its share of the critical path.
 */
import { assignColors } from './format.js';

export interface JaegerKeyValue { key: string; type: string; value: string | number | boolean }
export interface JaegerReference { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }
export interface JaegerLog { timestamp: number; fields: JaegerKeyValue[] }
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: JaegerReference[];
  /** Microseconds since the epoch. */
  startTime: number;
  /** Microseconds. */
  duration: number;
  tags: JaegerKeyValue[];
  logs: JaegerLog[];
  processID: string;
  warnings: string[] | null;
  flags?: number;
}
export interface JaegerProcess { serviceName: string; tags: JaegerKeyValue[] }
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, JaegerProcess>;
  warnings: string[] | null;
}

/** A time interval in microseconds since the epoch. */
export interface Interval { start: number; end: number }

export interface SpanNode {
  span: JaegerSpan;
  /** Position in `TraceModel.nodes` (depth-first display order). */
  index: number;
  service: string;
  process: JaegerProcess | undefined;
  parent: SpanNode | null;
  children: SpanNode[];
  /** 0 for a root. */
  depth: number;
  /** Number of nodes below this one (all levels). */
  descendants: number;
  /** Microseconds from the trace start. */
  offset: number;
  start: number;
  end: number;
  error: boolean;
  /** Microseconds of this span not covered by any child. */
  selfTime: number;
  /** Parts of this span on the trace's critical path (absolute µs). */
  critical: Interval[];
  /** Some tag (span or process) is `xray.*`: the span came from an X-Ray segment document. */
  xray: boolean;
}

export interface ServiceInfo { name: string; spans: number; errors: number; color: number }

export interface TraceModel {
  traceID: string;
  nodes: SpanNode[];
  roots: SpanNode[];
  /** The earliest root: what the trace is called after. */
  root: SpanNode;
  byId: Map<string, SpanNode>;
  start: number;
  end: number;
  duration: number;
  /** Levels of the tree (1 for a lone span). */
  depth: number;
  errors: number;
  /** In order of first appearance (display order); `color` is an index into the palette (assignColors). */
  services: ServiceInfo[];
  serviceIndex: Map<string, ServiceInfo>;
}

/** `error=true` (Jaeger's convention) or `otel.status_code=ERROR`. */
export function isErrorSpan(span: JaegerSpan): boolean {
  for (const t of span.tags) {
    if (t.key === 'error' && (t.value === true || t.value === 'true')) return true;
    if (t.key === 'otel.status_code' && t.value === 'ERROR') return true;
  }
  return false;
}

export function tagValue(span: JaegerSpan, key: string): string | number | boolean | undefined {
  return span.tags.find((t) => t.key === key)?.value;
}

function hasXrayTags(tags: JaegerKeyValue[] | undefined): boolean {
  return !!tags?.some((t) => t.key.startsWith('xray.'));
}

const byStart = (a: SpanNode, b: SpanNode) => a.start - b.start || a.end - b.end || (a.span.spanID < b.span.spanID ? -1 : a.span.spanID > b.span.spanID ? 1 : 0);

/** The columns of `GET /api/honeyray/traces/{id}/skeleton` (restated from src/store/store.ts `TraceSkeleton`). */
export interface SkeletonColumns {
  traceId: string; length: number; strings: string[]; spanId: string[]; parentSpanId: string[];
  service: number[]; name: number[]; kind: number[]; statusCode: number[]; startUs: number[]; durationUs: number[];
}

/**
 * A skeleton as a Jaeger trace with no tags but `error` (status 2 is what the Jaeger answer flags too):
 * `buildTraceModel` over it gives the same tree, order, times and errors as over the full trace, so the
 * waterfall drawn from it is the one the full trace later upgrades in place.
 */
export function skeletonToJaeger(sk: SkeletonColumns): JaegerTrace {
  const processes: Record<string, JaegerProcess> = {};
  const spans = new Array<JaegerSpan>(sk.length);
  const errorTags = (): JaegerKeyValue[] => [{ key: 'error', type: 'bool', value: true }];
  for (let i = 0; i < sk.length; i++) {
    const pid = `p${sk.service[i]}`;
    processes[pid] ??= { serviceName: sk.strings[sk.service[i]!] ?? '', tags: [] };
    const parent = sk.parentSpanId[i]!;
    spans[i] = {
      traceID: sk.traceId, spanID: sk.spanId[i]!, operationName: sk.strings[sk.name[i]!] ?? '',
      references: parent ? [{ refType: 'CHILD_OF', traceID: sk.traceId, spanID: parent }] : [],
      startTime: sk.startUs[i]!, duration: sk.durationUs[i]!, tags: sk.statusCode[i] === 2 ? errorTags() : [],
      logs: [], processID: pid, warnings: null,
    };
  }
  return { traceID: sk.traceId, spans, processes, warnings: null };
}

export function buildTraceModel(trace: JaegerTrace): TraceModel {
  if (trace.spans.length === 0) throw new Error('trace has no spans');
  const nodes: SpanNode[] = trace.spans.map((span) => {
    const process = trace.processes[span.processID];
    return {
      span, index: -1, service: process?.serviceName ?? span.processID, process,
      parent: null, children: [], depth: 0, descendants: 0, offset: 0,
      start: span.startTime, end: span.startTime + Math.max(0, span.duration),
      error: isErrorSpan(span), selfTime: 0, critical: [],
      xray: hasXrayTags(span.tags) || hasXrayTags(process?.tags),
    };
  });
  const byId = new Map<string, SpanNode>();
  for (const n of nodes) if (!byId.has(n.span.spanID)) byId.set(n.span.spanID, n);

  for (const n of nodes) {
    for (const r of n.span.references) {
      if (r.refType !== 'CHILD_OF') continue;
      const p = byId.get(r.spanID);
      if (p && p !== n) { n.parent = p; break; }
    }
  }
  for (const n of nodes) n.parent?.children.push(n);
  for (const n of nodes) if (n.children.length > 1) n.children.sort(byStart);

  // Depth-first order from the roots; spans caught in a parent cycle (bad data) become roots too.
  const order: SpanNode[] = [];
  // Visited = placed in `order` (index set): no Set of 100,000 objects.
  const roots: SpanNode[] = nodes.filter((n) => n.parent === null).sort(byStart);
  const walk = (root: SpanNode) => {
    const stack: SpanNode[] = [root];
    while (stack.length) {
      const n = stack.pop()!;
      if (n.index >= 0) continue;
      n.index = order.length;
      n.depth = n.parent ? n.parent.depth + 1 : 0;
      order.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    }
  };
  for (const r of roots) walk(r);
  while (order.length < nodes.length) {
    const orphan = nodes.filter((n) => n.index < 0).sort(byStart)[0]!;
    orphan.parent!.children.splice(orphan.parent!.children.indexOf(orphan), 1);
    orphan.parent = null;
    roots.push(orphan);
    walk(orphan);
  }

  let start = Infinity;
  let end = -Infinity;
  for (const n of order) {
    if (n.start < start) start = n.start;
    if (n.end > end) end = n.end;
  }
  let depth = 0;
  let errors = 0;
  const serviceIndex = new Map<string, ServiceInfo>();
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]!;
    n.offset = n.start - start;
    if (n.parent) n.parent.descendants += n.descendants + 1;
  }
  for (const n of order) {
    if (n.depth + 1 > depth) depth = n.depth + 1;
    if (n.error) errors++;
    let s = serviceIndex.get(n.service);
    if (!s) serviceIndex.set(n.service, (s = { name: n.service, spans: 0, errors: 0, color: 0 }));
    s.spans++;
    if (n.error) s.errors++;
    n.selfTime = selfTime(n);
  }
  const colors = assignColors(serviceIndex.keys());
  for (const s of serviceIndex.values()) s.color = colors.get(s.name)!;
  computeCriticalPath(order, roots);
  return {
    traceID: trace.traceID, nodes: order, roots, root: roots[0]!, byId, start, end, duration: end - start,
    depth, errors, services: [...serviceIndex.values()], serviceIndex,
  };
}

/** Duration of `n` minus the union of its children's intervals (clipped to `n`). */
function selfTime(n: SpanNode): number {
  let covered = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const c of n.children) { // sorted by start
    const s = Math.max(c.start, n.start);
    const e = Math.min(c.end, n.end);
    if (e <= s) continue;
    if (s > curEnd) {
      if (curEnd > curStart) covered += curEnd - curStart;
      curStart = s;
      curEnd = e;
    } else if (e > curEnd) curEnd = e;
  }
  if (curEnd > curStart) covered += curEnd - curStart;
  return Math.max(0, n.end - n.start - covered);
}

/**
 * The critical path (as Jaeger computes it): from the end of a root, walk back in time; the time is
 * the parent's until the child that finished last (before that point) takes over, recursively; then
 * the walk continues from that child's start. Children are first clipped to their parent's interval.
 * Each node gets the intervals where it is the one on the path. `nodes` must be in depth-first order.
 */
export function computeCriticalPath(nodes: SpanNode[], roots: SpanNode[]): void {
  const clip = new Map<SpanNode, Interval>();
  for (const n of nodes) {
    n.critical = [];
    const p = n.parent ? clip.get(n.parent)! : null;
    const s = p ? Math.min(Math.max(n.start, p.start), p.end) : n.start;
    const e = p ? Math.max(Math.min(n.end, p.end), s) : n.end;
    clip.set(n, { start: s, end: e });
  }
  const work: { node: SpanNode; cursor: number }[] = roots.map((r) => ({ node: r, cursor: clip.get(r)!.end }));
  while (work.length) {
    const { node, cursor: from } = work.pop()!;
    const own = clip.get(node)!;
    let cursor = from;
    // Children by clipped end, latest first; each is considered once, in that order.
    const kids = node.children.map((c) => ({ c, iv: clip.get(c)! })).sort((a, b) => b.iv.end - a.iv.end || b.iv.start - a.iv.start);
    for (const { c, iv } of kids) {
      if (iv.end > cursor) continue; // overlaps the part already attributed
      if (cursor > iv.end) node.critical.push({ start: iv.end, end: cursor });
      work.push({ node: c, cursor: iv.end });
      cursor = iv.start;
      if (cursor <= own.start) break;
    }
    if (cursor > own.start) node.critical.push({ start: own.start, end: cursor });
    node.critical.reverse();
  }
}

/** Total critical-path time of a node (µs). */
export function criticalTime(n: SpanNode): number {
  let t = 0;
  for (const iv of n.critical) t += iv.end - iv.start;
  return t;
}

/** The rows to show when the nodes whose span ids are in `collapsed` have their subtrees hidden. */
export function visibleRows(model: TraceModel, collapsed: ReadonlySet<string>): SpanNode[] {
  const out: SpanNode[] = [];
  const nodes = model.nodes;
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    out.push(n);
    if (n.descendants > 0 && collapsed.has(n.span.spanID)) i += n.descendants;
  }
  return out;
}

/** Span ids of the ancestors of `n` (to expand so that `n` becomes visible). */
export function ancestorIds(n: SpanNode): string[] {
  const ids: string[] = [];
  for (let p = n.parent; p; p = p.parent) ids.push(p.span.spanID);
  return ids;
}

/** Nodes whose service, operation, span id or a tag/log value contains `text` (case-insensitive). */
export function findSpans(model: TraceModel, text: string): SpanNode[] {
  const q = text.trim().toLowerCase();
  if (!q) return [];
  const has = (v: unknown) => String(v).toLowerCase().includes(q);
  return model.nodes.filter((n) =>
    has(n.service) || has(n.span.operationName) || n.span.spanID === q
    || n.span.tags.some((t) => has(t.key) || has(t.value))
    || n.span.logs.some((l) => l.fields.some((f) => has(f.value))));
}

/** What a search result shows (from `GET /api/honeyray/trace-summaries`, see api.ts `summaryFromRow`). */
export interface TraceSummary {
  traceID: string;
  service: string;
  operation: string;
  start: number;
  duration: number;
  spans: number;
  errors: number;
  services: { name: string; spans: number }[];
}

/** `5f84c7a11234567890abcdef12345678` -> `1-5f84c7a1-1234567890abcdef12345678`; other ids: null. */
export function xrayTraceId(traceID: string): string | null {
  const hex = traceID.length === 16 ? traceID.padStart(32, '0') : traceID;
  return /^[0-9a-f]{32}$/.test(hex) ? `1-${hex.slice(0, 8)}-${hex.slice(8)}` : null;
}
