/**
 * The service map drawn as SVG from a dagre layout (map-layout.ts): nodes as circles sized by traffic
 * with X-Ray's health ring, edges routed by dagre with their labels where dagre reserved room for them.
 * The viewBox is the layout's bounds and the SVG scales to its box, so the whole graph (edges included)
 * starts inside the viewport; map-zoom.ts adds zoom and pan.
 */
import type { XrayService, XrayStats } from '../api.js';
import { esc, formatDuration, formatPercent, plural } from '../format.js';
import { healthOf, ringSegments, type HealthCounts } from '../map-health.js';
import { edgeKey, layoutMap, type Point } from '../map-layout.js';

export interface MapNode {
  svc: XrayService;
  stats: XrayStats | null;
  kind: 'client' | 'service' | 'remote';
}

const BOX_W = 176;
const LINE = 15;
const LABEL_H = 18;

export const avgUs = (s: XrayStats | null) => (s && s.TotalCount ? (s.TotalResponseTime / s.TotalCount) * 1e6 : NaN);

export function counts(s: XrayStats | null): HealthCounts {
  if (!s) return { ok: 0, error: 0, throttle: 0, fault: 0 };
  return { ok: s.OkCount, error: s.ErrorStatistics.OtherCount, throttle: s.ErrorStatistics.ThrottleCount, fault: s.FaultStatistics.TotalCount };
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const edgeText = (st: XrayStats) => `${st.TotalCount.toLocaleString('en-US')} · ${formatDuration(avgUs(st))}`;

/** From `a` toward `b`, stopping `r` short of `b`. */
function toward(a: Point, b: Point, r: number): Point {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const d = Math.hypot(dx, dy) || 1;
  return { x: b.x - (dx / d) * r, y: b.y - (dy / d) * r };
}

function curve(p: Point[]): string {
  let d = `M${p[0]!.x.toFixed(1)},${p[0]!.y.toFixed(1)}`;
  for (let i = 1; i < p.length - 1; i++) {
    const m = { x: (p[i]!.x + p[i + 1]!.x) / 2, y: (p[i]!.y + p[i + 1]!.y) / 2 };
    d += ` Q${p[i]!.x.toFixed(1)},${p[i]!.y.toFixed(1)} ${m.x.toFixed(1)},${m.y.toFixed(1)}`;
  }
  const last = p[p.length - 1]!;
  return `${d} L${last.x.toFixed(1)},${last.y.toFixed(1)}`;
}

export function mapSvg(nodes: Map<number, MapNode>): string {
  const all = [...nodes.values()];
  const maxReq = Math.max(1, ...all.map((n) => n.stats?.TotalCount ?? 0));
  const radius = (n: MapNode) => (n.kind === 'client' ? 18 : 18 + 18 * Math.sqrt((n.stats?.TotalCount ?? 0) / maxReq));
  const edgesIn = all.flatMap((from) => from.svc.Edges.filter((e) => nodes.has(e.ReferenceId)).map((e) => ({
    from: from.svc.ReferenceId, to: e.ReferenceId, st: e.SummaryStatistics,
    labelWidth: edgeText(e.SummaryStatistics).length * 6.6 + 14, labelHeight: LABEL_H,
  })));
  const first = all.filter((n) => n.kind === 'client' || n.svc.Root).map((n) => n.svc.ReferenceId);
  const lay = layoutMap(all.map((n) => ({ id: n.svc.ReferenceId, width: BOX_W, height: 2 * radius(n) + 3 * LINE + 8 })), edgesIn, first);

  // A node's circle sits at the top of its box, the text lines below it.
  const circleAt = (id: number): Point => {
    const n = nodes.get(id)!;
    const c = lay.nodes.get(id)!;
    const h = 2 * radius(n) + 3 * LINE + 8;
    return { x: c.x, y: c.y - h / 2 + radius(n) + 2 };
  };
  let edges = '';
  let labels = '';
  lay.edges.forEach((e, i) => {
    const st = edgesIn[i]!.st;
    const h = healthOf(counts(st));
    const a = circleAt(e.from);
    const b = circleAt(e.to);
    const mid = e.points.slice(1, -1);
    const pts = [toward(mid[0] ?? b, a, radius(nodes.get(e.from)!) + 1), ...mid, toward(mid[mid.length - 1] ?? a, b, radius(nodes.get(e.to)!) + 3)];
    const name = (id: number) => nodes.get(id)!.svc.Name;
    edges += `<path class="edge ${h}" d="${curve(pts)}" marker-end="url(#arrow-${h})" data-edge="${esc(edgeKey(e.from, e.to))}"><title>${esc(name(e.from))} → ${esc(name(e.to))}: ${plural(st.TotalCount, 'request')}, avg ${formatDuration(avgUs(st))}</title></path>`;
    const text = edgeText(st);
    const w = edgesIn[i]!.labelWidth;
    labels += `<g class="edge-label" data-edge="${esc(edgeKey(e.from, e.to))}" tabindex="0" role="button" aria-label="${esc(name(e.from))} to ${esc(name(e.to))}" transform="translate(${e.label.x.toFixed(1)},${e.label.y.toFixed(1)})"><rect x="${(-w / 2).toFixed(1)}" y="${-LABEL_H / 2}" width="${w.toFixed(1)}" height="${LABEL_H}" rx="9"></rect><text text-anchor="middle" y="4">${esc(text)}</text></g>`;
  });

  const nodeSvg = all.map((n) => {
    const s = n.stats;
    const c = circleAt(n.svc.ReferenceId);
    const r = radius(n);
    const cnt = counts(s);
    const h = n.kind === 'client' ? 'client' : healthOf(cnt);
    const circ = 2 * Math.PI * (r + 3);
    const ring = n.kind === 'client' ? '' : ringSegments(cnt).map((seg) =>
      `<circle class="ring ${seg.kind}" r="${(r + 3).toFixed(1)}" stroke-dasharray="${(seg.length * circ).toFixed(2)} ${circ.toFixed(2)}" stroke-dashoffset="${(-seg.start * circ).toFixed(2)}" transform="rotate(-90)"></circle>`).join('');
    const out = n.svc.Edges.reduce((sum, e) => sum + e.SummaryStatistics.TotalCount, 0);
    const line2 = n.kind === 'client' ? plural(out, 'request') : `${plural(s?.TotalCount ?? 0, 'req')} · avg ${formatDuration(avgUs(s))}`;
    const line3 = n.kind === 'client' || !s ? '' : `<tspan class="${cnt.error + cnt.throttle ? 'err' : ''}">errors ${formatPercent(s.ErrorStatistics.TotalCount, s.TotalCount)}</tspan> · <tspan class="${cnt.fault ? 'fault' : ''}">faults ${formatPercent(cnt.fault, s.TotalCount)}</tspan>`;
    const type = n.kind === 'remote' ? (n.svc.Type && n.svc.Type !== 'remote' ? n.svc.Type : 'remote') : n.svc.Type ?? '';
    const icon = n.kind === 'client' ? '⇢' : n.kind === 'remote' ? (type.startsWith('AWS::') ? 'AWS' : '◆') : '';
    const body = `${ring}<circle class="node-core" r="${r.toFixed(1)}"></circle>${icon ? `<text class="node-icon" text-anchor="middle" y="4">${esc(icon)}</text>` : ''}
      <text y="${(r + 16).toFixed(1)}" class="node-name" text-anchor="middle">${esc(truncate(n.svc.Name, 24))}</text>
      <text y="${(r + 16 + LINE).toFixed(1)}" class="node-line" text-anchor="middle">${esc(line2)}</text>
      ${n.kind === 'client' ? '' : `<text y="${(r + 16 + 2 * LINE).toFixed(1)}" class="node-line" text-anchor="middle">${line3 || esc(truncate(type, 26))}</text>`}
      <title>${esc(n.svc.Name)}${n.svc.Type ? ` (${esc(n.svc.Type)})` : ''}</title>`;
    const g = `<g class="node ${n.kind} ${h}" transform="translate(${c.x.toFixed(1)},${c.y.toFixed(1)})" data-service="${esc(n.svc.Name)}" data-id="${n.svc.ReferenceId}" tabindex="0" role="button" aria-label="${esc(n.svc.Name)}">${body}</g>`;
    return n.kind === 'service' ? `<a href="/?service=${encodeURIComponent(n.svc.Name)}">${g}</a>` : g;
  }).join('');
  const marker = (h: string) => `<marker id="arrow-${h}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow ${h}"></path></marker>`;
  const w = Math.max(lay.width, 200);
  const hgt = Math.max(lay.height, 120);
  return `<svg class="service-map" viewBox="0 0 ${w.toFixed(0)} ${hgt.toFixed(0)}" preserveAspectRatio="xMidYMid meet" role="img" aria-label="Service map" data-width="${w.toFixed(0)}" data-height="${hgt.toFixed(0)}">
    <defs>${['ok', 'warn', 'err', 'fault'].map(marker).join('')}</defs>
    <g class="viewport"><g class="edges">${edges}</g><g class="labels">${labels}</g><g class="nodes">${nodeSvg}</g></g></svg>`;
}
