/**
 * The service map's side panel for the selected node or edge: its numbers (requests, latency, ok /
 * error / throttle / fault shares), a link to its traces (X-Ray filter expressions on the Traces page),
 * its calls, and its response-time histogram drawn by uPlot (bars; canvas, 50 KB, see src/ui/README.md).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { XrayHistogramBin, XrayService, XrayStats } from '../api.js';
import { esc, formatDuration, formatPercent, plural } from '../format.js';
import { healthOf } from '../map-health.js';
import { avgUs, counts, type MapNode } from './map-svg.js';

/** The numbers of a node or an edge: requests, average latency, and the four outcomes. */
function statsTable(s: XrayStats | null): string {
  const c = counts(s);
  const total = s?.TotalCount ?? 0;
  const row = (label: string, v: number, cls: string) => `<tr><th><i class="swatch ${cls}"></i>${label}</th><td class="num">${v.toLocaleString('en-US')}</td><td class="num">${formatPercent(v, total)}</td></tr>`;
  return `<table class="kv facts"><tbody>
      <tr><th>Requests</th><td class="num">${total.toLocaleString('en-US')}</td><td></td></tr>
      <tr><th>Avg latency</th><td class="num">${formatDuration(avgUs(s))}</td><td></td></tr>
      ${row('OK', c.ok, 'ok')}${row('Errors (4xx)', c.error, 'err')}${row('Throttles (429)', c.throttle, 'throttle')}${row('Faults (5xx)', c.fault, 'fault')}
    </tbody></table>`;
}

const quote = (name: string) => JSON.stringify(name);
const tracesHref = (filter: string, rangeQs: string) => `/?filter=${encodeURIComponent(filter)}${rangeQs ? `&${rangeQs}` : ''}`;

/** An edge: caller -> callee, its numbers, traces through it (`edge("a", "b")`), its histogram. */
export function edgePanelHtml(from: MapNode, to: MapNode, edge: XrayService['Edges'][number], rangeQs: string): string {
  const st = edge.SummaryStatistics;
  const traces = from.kind === 'client'
    ? `<a class="button primary" data-traces href="${esc(tracesHref(`service(${quote(to.svc.Name)})`, rangeQs))}">View traces</a>`
    : `<a class="button primary" data-traces href="${esc(tracesHref(`edge(${quote(from.svc.Name)}, ${quote(to.svc.Name)})`, rangeQs))}">View traces</a>`;
  return `<div class="detail-head"><div><h2>${esc(from.svc.Name)} → ${esc(to.svc.Name)}</h2><div class="muted small">edge · health ${healthOf(counts(st))}</div></div>
      <button type="button" class="close" data-close aria-label="Close">×</button></div>
    ${statsTable(st)}${traces}
    <h3>Response time distribution</h3><div class="histogram" data-histogram></div>`;
}

export function nodePanelHtml(n: MapNode, nodes: Map<number, MapNode>, rangeQs: string): string {
  const s = n.stats;
  const c = counts(s);
  const traces = n.kind === 'service'
    ? `<a class="button primary" data-traces href="/?service=${encodeURIComponent(n.svc.Name)}${rangeQs ? `&${rangeQs}` : ''}">View traces</a>`
    : '';
  const calls = n.svc.Edges.map((e) => {
    const to = nodes.get(e.ReferenceId);
    return to ? `<li>${esc(to.svc.Name)} <span class="muted">${plural(e.SummaryStatistics.TotalCount, 'call')} · avg ${formatDuration(avgUs(e.SummaryStatistics))}</span></li>` : '';
  }).join('');
  return `<div class="detail-head"><div><h2>${esc(n.svc.Name)}</h2><div class="muted small">${esc(n.svc.Type ?? n.kind)} · health ${healthOf(c)}</div></div>
      <button type="button" class="close" data-close aria-label="Close">×</button></div>
    ${n.kind === 'client' ? '' : statsTable(s)}
    ${traces}
    <h3>Response time distribution</h3><div class="histogram" data-histogram></div>
    <h3>Calls <small>${n.svc.Edges.length}</small></h3>${calls ? `<ul class="refs">${calls}</ul>` : '<p class="muted small">none</p>'}`;
}

/** Draws a node's or edge's ResponseTimeHistogram into `[data-histogram]`; returns its teardown. */
export function mountHistogram(panel: HTMLElement, histogram: XrayHistogramBin[] | undefined): () => void {
  const host = panel.querySelector<HTMLElement>('[data-histogram]');
  const bins = [...(histogram ?? [])].sort((a, b) => a.Value - b.Value);
  if (!host) return () => {};
  if (!bins.length) {
    host.innerHTML = '<p class="muted small">no response times in this range</p>';
    return () => {};
  }
  const xs = bins.map((b) => b.Value * 1000);
  const ys = bins.map((b) => b.Count);
  const plot = new uPlot({
    width: Math.max(200, host.clientWidth || 300),
    height: 150,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false } },
    axes: [
      { values: (_u, vals) => vals.map((v) => formatDuration(v * 1000)), size: 28 },
      { size: 40 },
    ],
    series: [{}, { label: 'requests', stroke: '#2463d6', fill: 'rgba(36, 99, 214, .35)', paths: uPlot.paths.bars!({ size: [0.9, 24] }), points: { show: false } }],
  }, [xs, ys], host);
  return () => plot.destroy();
}
