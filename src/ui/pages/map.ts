/**
 * Service map (`/map`): X-Ray GetServiceGraph (POST /ServiceGraph) over a time range (presets or an
 * absolute range, in the URL) and an optional X-Ray group, drawn by map-svg.ts (dagre layout, fits the
 * viewport, zoom and pan); clicking a node or an edge shows its numbers, response-time histogram and a
 * link to its traces (an X-Ray filter expression: `service("a")` or `edge("a", "b")`).
 */
import { h, render } from 'preact';
import { TimePicker } from '../components/time-picker.js';
import { rangeFromParams, rangeToUrl, type TimeRange } from '../time-range.js';
import { xray, type XrayService, type XrayStats } from '../api.js';
import { el, errorHtml, isAbort, setTitle, type PageContext } from '../dom.js';
import { esc, formatDuration, formatPercent, lookbackSeconds } from '../format.js';
import { edgePanelHtml, nodePanelHtml, mountHistogram } from './map-panel.js';
import { avgUs, mapSvg, type MapNode } from './map-svg.js';
import { mountZoom, type ZoomControl } from './map-zoom.js';

export function renderMap(ctx: PageContext): () => void {
  setTitle('Service map');
  const q = ctx.url.searchParams;
  const range: TimeRange = rangeFromParams(q);
  const group = q.get('group') ?? '';
  ctx.root.innerHTML = `
  <section class="page">
    <form class="card toolbar-form" id="map-form">
      <h1>Service map</h1>
      <span id="map-time"></span>
      <label class="inline">Group <select name="group" id="map-group"><option value="">All traces</option>${group ? `<option selected>${esc(group)}</option>` : ''}</select></label>
      <button type="submit" class="primary">Refresh</button>
      <span class="grow"></span>
      <span class="legend-health"><i class="ok"></i>OK <i class="err"></i>errors (4xx) <i class="throttle"></i>throttles (429) <i class="fault"></i>faults (5xx)</span>
    </form>
    <div class="map-wrap">
      <div id="map" class="card map-card"><div class="loading">Loading the service graph…</div></div>
      <aside id="map-panel" class="card map-panel" hidden></aside>
    </div>
    <div id="map-table"></div>
  </section>`;
  const form = el<HTMLFormElement>(ctx.root, '#map-form');
  const groupSel = el<HTMLSelectElement>(ctx.root, '#map-group');
  const mapEl = el(ctx.root, '#map');
  const tableEl = el(ctx.root, '#map-table');

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = new FormData(form);
    const next = new URLSearchParams();
    rangeToUrl(picked, next);
    if (d.get('group')) next.set('group', String(d.get('group')));
    const qs = next.toString();
    ctx.navigate(`/map${qs ? `?${qs}` : ''}`);
  });
  groupSel.addEventListener('change', () => form.requestSubmit());
  let picked = range;
  const timeSlot = el(ctx.root, '#map-time');
  render(h(TimePicker, { value: range, onChange: (r: TimeRange) => { picked = r; form.requestSubmit(); } }), timeSlot);

  void xray.groups(ctx.signal).then((groups) => {
    groupSel.innerHTML = `<option value="">All traces</option>` + groups.filter((g) => g.GroupName !== 'Default').map((g) =>
      `<option${g.GroupName === group ? ' selected' : ''} title="${esc(g.FilterExpression ?? '')}">${esc(g.GroupName)}</option>`).join('');
  }, (err) => { if (!isAbort(err)) console.warn('groups', err); });

  let zoom: ZoomControl | null = null;
  let destroyHist = () => {};
  const panel = el(ctx.root, '#map-panel');
  const end = range.kind === 'absolute' ? Math.ceil(range.endUs / 1e6) : Math.floor(Date.now() / 1000);
  const start = range.kind === 'absolute' ? Math.floor(range.startUs / 1e6) : end - lookbackSeconds(range.lookback);
  // The traces links carry the same range.
  const rangeQs = (() => { const x = new URLSearchParams(); rangeToUrl(range, x); return x.toString(); })();
  void (async () => {
    try {
      const services = await xray.serviceGraph(start, end, group || null, ctx.signal);
      if (ctx.signal.aborted) return;
      if (services.length === 0) {
        mapEl.innerHTML = `<div class="empty">No services in this time range${group ? ` for group ${esc(group)}` : ''}.</div>`;
        return;
      }
      const nodes = mapNodes(services);
      mapEl.innerHTML = `<div class="map-tools"><button type="button" data-zoom="in" aria-label="Zoom in">+</button><button type="button" data-zoom="out" aria-label="Zoom out">−</button><button type="button" data-zoom="fit">Fit</button></div>${mapSvg(nodes)}`;
      zoom = mountZoom(el<SVGSVGElement>(mapEl, 'svg'));
      tableEl.innerHTML = tableHtml(nodes);
      const unselect = () => {
        destroyHist();
        for (const g of mapEl.querySelectorAll('.node.selected, .edge.selected, .edge-label.selected')) g.classList.remove('selected');
      };
      const select = (id: number | null) => {
        unselect();
        const n = id === null ? undefined : nodes.get(id);
        panel.hidden = !n;
        if (!n) return;
        mapEl.querySelector(`.node[data-id="${id}"]`)?.classList.add('selected');
        panel.innerHTML = nodePanelHtml(n, nodes, rangeQs);
        destroyHist = mountHistogram(panel, n.svc.ResponseTimeHistogram);
      };
      const selectEdge = (key: string) => {
        unselect();
        const [from, to] = key.split('>').map(Number) as [number, number];
        const a = nodes.get(from);
        const b = nodes.get(to);
        const edge = a?.svc.Edges.find((e) => e.ReferenceId === to);
        panel.hidden = !(a && b && edge);
        if (!a || !b || !edge) return;
        for (const x of mapEl.querySelectorAll(`[data-edge="${CSS.escape(key)}"]`)) x.classList.add('selected');
        panel.innerHTML = edgePanelHtml(a, b, edge, rangeQs);
        destroyHist = mountHistogram(panel, edge.ResponseTimeHistogram);
      };
      mapEl.addEventListener('click', (e) => {
        const t = e.target as Element;
        const z = t.closest<HTMLElement>('[data-zoom]');
        if (z) return z.dataset.zoom === 'fit' ? zoom?.fit() : zoom?.zoomBy(z.dataset.zoom === 'in' ? 0.8 : 1.25);
        const g = t.closest<SVGGElement>('.node');
        e.preventDefault();
        const edge = g ? null : t.closest<SVGElement>('[data-edge]');
        if (edge) selectEdge(edge.dataset.edge!);
        else select(g ? Number(g.dataset.id) : null);
      });
      mapEl.addEventListener('keydown', (e) => {
        const g = (e.target as Element).closest<SVGGElement>('.node');
        const edge = (e.target as Element).closest<SVGElement>('.edge-label');
        if (g && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); select(Number(g.dataset.id)); }
        else if (edge && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); selectEdge(edge.dataset.edge!); }
        else if (e.key === '+' || e.key === '=') zoom?.zoomBy(0.8);
        else if (e.key === '-') zoom?.zoomBy(1.25);
        else if (e.key === '0') zoom?.fit();
      });
      panel.addEventListener('click', (e) => { if ((e.target as Element).closest('[data-close]')) select(null); });
    } catch (err) {
      if (!isAbort(err)) mapEl.innerHTML = errorHtml(err);
    }
  })();
  return () => { zoom?.destroy(); destroyHist(); render(null, timeSlot); };
}

function addStats(a: XrayStats | null, b: XrayStats): XrayStats {
  if (!a) return structuredClone(b);
  return {
    OkCount: a.OkCount + b.OkCount,
    ErrorStatistics: {
      ThrottleCount: a.ErrorStatistics.ThrottleCount + b.ErrorStatistics.ThrottleCount,
      OtherCount: a.ErrorStatistics.OtherCount + b.ErrorStatistics.OtherCount,
      TotalCount: a.ErrorStatistics.TotalCount + b.ErrorStatistics.TotalCount,
    },
    FaultStatistics: { OtherCount: a.FaultStatistics.OtherCount + b.FaultStatistics.OtherCount, TotalCount: a.FaultStatistics.TotalCount + b.FaultStatistics.TotalCount },
    TotalCount: a.TotalCount + b.TotalCount,
    TotalResponseTime: a.TotalResponseTime + b.TotalResponseTime,
  };
}

function mapNodes(services: XrayService[]): Map<number, MapNode> {
  const nodes = new Map<number, MapNode>();
  for (const s of services) {
    const kind = s.Type === 'client' || (s.Name === 'client' && !s.SummaryStatistics) ? 'client' : s.SummaryStatistics ? 'service' : 'remote';
    nodes.set(s.ReferenceId, { svc: s, stats: s.SummaryStatistics ?? null, kind });
  }
  // Inferred (remote) nodes have no segments: their numbers are those of the calls into them.
  for (const s of services) {
    for (const e of s.Edges) {
      const t = nodes.get(e.ReferenceId);
      if (t && t.kind === 'remote') t.stats = addStats(t.stats, e.SummaryStatistics);
    }
  }
  return nodes;
}

function tableHtml(nodes: Map<number, MapNode>): string {
  const rows = [...nodes.values()].filter((n) => n.kind !== 'client').sort((a, b) => (b.stats?.TotalCount ?? 0) - (a.stats?.TotalCount ?? 0));
  const name = (id: number) => nodes.get(id)?.svc.Name ?? String(id);
  return `<div class="card"><table class="grid">
    <thead><tr><th>Service</th><th>Type</th><th class="num">Requests</th><th class="num">Avg latency</th><th class="num">Errors</th><th class="num">Faults</th><th class="num">Throttles</th><th>Calls</th></tr></thead>
    <tbody>${rows.map((n) => {
      const s = n.stats;
      return `<tr data-service="${esc(n.svc.Name)}">
        <td>${n.kind === 'service' ? `<a href="/?service=${encodeURIComponent(n.svc.Name)}">${esc(n.svc.Name)}</a>` : esc(n.svc.Name)}</td>
        <td class="muted">${esc(n.svc.Type ?? n.kind)}</td>
        <td class="num">${(s?.TotalCount ?? 0).toLocaleString('en-US')}</td>
        <td class="num">${formatDuration(avgUs(s))}</td>
        <td class="num${s?.ErrorStatistics.TotalCount ? ' text-warn' : ''}">${s ? formatPercent(s.ErrorStatistics.TotalCount, s.TotalCount) : '–'}</td>
        <td class="num${s?.FaultStatistics.TotalCount ? ' text-error' : ''}">${s ? formatPercent(s.FaultStatistics.TotalCount, s.TotalCount) : '–'}</td>
        <td class="num">${s?.ErrorStatistics.ThrottleCount ?? 0}</td>
        <td class="small">${n.svc.Edges.map((e) => `${esc(name(e.ReferenceId))} <span class="muted">(${e.SummaryStatistics.TotalCount})</span>`).join(', ') || '<span class="muted">–</span>'}</td>
      </tr>`;
    }).join('')}</tbody></table></div>`;
}
