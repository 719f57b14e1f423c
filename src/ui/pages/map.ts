/** Service map (`/map`): X-Ray GetServiceGraph (POST /ServiceGraph) as an SVG graph, layered left to right. */
import { xray, type XrayService, type XrayStats } from '../api.js';
import { el, errorHtml, isAbort, lookbackOptions, setTitle, type PageContext } from '../dom.js';
import { esc, formatDuration, formatPercent, lookbackSeconds, plural } from '../format.js';
import { edgeKey, layeredLayout } from '../map-layout.js';

const W = 200;
const H = 74;
const GAP_X = 110;
const GAP_Y = 34;
const PAD = 30;

interface Node {
  svc: XrayService;
  stats: XrayStats | null;
  kind: 'client' | 'service' | 'remote';
  x: number;
  y: number;
}

export function renderMap(ctx: PageContext): void {
  setTitle('Service map');
  const q = ctx.url.searchParams;
  const lookback = q.get('lookback') ?? '1h';
  const group = q.get('group') ?? '';
  ctx.root.innerHTML = `
  <section class="page">
    <form class="card toolbar-form" id="map-form">
      <h1>Service map</h1>
      <label class="inline">Lookback <select name="lookback">${lookbackOptions(lookback)}</select></label>
      <label class="inline">Group <select name="group" id="map-group"><option value="">All traces</option>${group ? `<option selected>${esc(group)}</option>` : ''}</select></label>
      <button type="submit" class="primary">Refresh</button>
      <span class="grow"></span>
      <span class="legend-health"><i class="ok"></i>OK <i class="err"></i>errors (4xx) <i class="fault"></i>faults (5xx)</span>
    </form>
    <div id="map" class="card map-card"><div class="loading">Loading the service graph…</div></div>
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
    if (d.get('lookback') !== '1h') next.set('lookback', String(d.get('lookback')));
    if (d.get('group')) next.set('group', String(d.get('group')));
    const qs = next.toString();
    ctx.navigate(`/map${qs ? `?${qs}` : ''}`);
  });
  groupSel.addEventListener('change', () => form.requestSubmit());
  form.querySelector('select[name=lookback]')!.addEventListener('change', () => form.requestSubmit());

  void xray.groups(ctx.signal).then((groups) => {
    groupSel.innerHTML = `<option value="">All traces</option>` + groups.filter((g) => g.GroupName !== 'Default').map((g) =>
      `<option${g.GroupName === group ? ' selected' : ''} title="${esc(g.FilterExpression ?? '')}">${esc(g.GroupName)}</option>`).join('');
  }, (err) => { if (!isAbort(err)) console.warn('groups', err); });

  const end = Math.floor(Date.now() / 1000);
  const start = end - lookbackSeconds(lookback);
  void (async () => {
    try {
      const services = await xray.serviceGraph(start, end, group || null, ctx.signal);
      if (ctx.signal.aborted) return;
      if (services.length === 0) {
        mapEl.innerHTML = `<div class="empty">No services in this time range${group ? ` for group ${esc(group)}` : ''}.</div>`;
        return;
      }
      const nodes = layout(services);
      mapEl.innerHTML = svgHtml(nodes);
      tableEl.innerHTML = tableHtml(nodes);
    } catch (err) {
      if (!isAbort(err)) mapEl.innerHTML = errorHtml(err);
    }
  })();
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

function layout(services: XrayService[]): Map<number, Node> {
  const nodes = new Map<number, Node>();
  for (const s of services) {
    const kind = s.Type === 'client' || (s.Name === 'client' && !s.SummaryStatistics) ? 'client' : s.SummaryStatistics ? 'service' : 'remote';
    nodes.set(s.ReferenceId, { svc: s, stats: s.SummaryStatistics ?? null, kind, x: 0, y: 0 });
  }
  // Inferred (remote) nodes have no segments: their numbers are those of the calls into them.
  for (const s of services) {
    for (const e of s.Edges) {
      const t = nodes.get(e.ReferenceId);
      if (t && t.kind === 'remote') t.stats = addStats(t.stats, e.SummaryStatistics);
    }
  }
  const ids = [...nodes.values()].sort((a, b) => a.svc.Name.localeCompare(b.svc.Name)).map((n) => n.svc.ReferenceId);
  const edges = services.flatMap((s) => s.Edges.map((e) => [s.ReferenceId, e.ReferenceId] as [number, number]));
  const first = [...nodes.values()].filter((n) => n.kind === 'client').map((n) => n.svc.ReferenceId)
    .concat(services.filter((s) => s.Root).map((s) => s.ReferenceId));
  const { layers } = layeredLayout(ids, edges, first);
  const tallest = Math.max(...layers.map((l) => l.length));
  layers.forEach((layer, li) => {
    const offset = ((tallest - layer.length) * (H + GAP_Y)) / 2;
    layer.forEach((id, k) => {
      const n = nodes.get(id)!;
      n.x = PAD + li * (W + GAP_X);
      n.y = PAD + offset + k * (H + GAP_Y);
    });
  });
  return nodes;
}

const avgUs = (s: XrayStats | null) => (s && s.TotalCount ? (s.TotalResponseTime / s.TotalCount) * 1e6 : NaN);

function health(s: XrayStats | null): 'ok' | 'err' | 'fault' {
  if (s?.FaultStatistics.TotalCount) return 'fault';
  if (s?.ErrorStatistics.TotalCount) return 'err';
  return 'ok';
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function svgHtml(nodes: Map<number, Node>): string {
  const all = [...nodes.values()];
  const width = Math.max(...all.map((n) => n.x + W)) + PAD;
  const height = Math.max(...all.map((n) => n.y + H)) + PAD + 40;
  const layerOf = (n: Node) => Math.round((n.x - PAD) / (W + GAP_X));
  let edges = '';
  let labels = '';
  for (const from of all) {
    for (const e of from.svc.Edges) {
      const to = nodes.get(e.ReferenceId);
      if (!to) continue;
      const forward = layerOf(to) > layerOf(from);
      let d: string;
      let mx: number;
      let my: number;
      if (forward) {
        const [x0, y0, x3, y3] = [from.x + W, from.y + H / 2, to.x, to.y + H / 2];
        const c = (x3 - x0) / 2;
        d = `M${x0},${y0} C${x0 + c},${y0} ${x3 - c},${y3} ${x3},${y3}`;
        [mx, my] = [(x0 + x3) / 2, (y0 + y3) / 2];
      } else {
        // Back or same-layer edge: a loop below the nodes.
        const [x0, y0, x3, y3] = [from.x + W / 2 + 12, from.y + H, to.x + W / 2 - 12, to.y + H];
        const drop = 40 + Math.abs(x3 - x0) / 6;
        d = `M${x0},${y0} C${x0},${Math.max(y0, y3) + drop} ${x3},${Math.max(y0, y3) + drop} ${x3},${y3}`;
        [mx, my] = [(x0 + x3) / 2, Math.max(y0, y3) + drop * 0.75];
      }
      const st = e.SummaryStatistics;
      const h = health(st);
      edges += `<path class="edge ${h}" d="${d}" marker-end="url(#arrow-${h})" data-edge="${esc(edgeKey(from.svc.ReferenceId, e.ReferenceId))}"><title>${esc(from.svc.Name)} → ${esc(to.svc.Name)}: ${plural(st.TotalCount, 'request')}, avg ${formatDuration(avgUs(st))}</title></path>`;
      const text = `${st.TotalCount.toLocaleString('en-US')} · ${formatDuration(avgUs(st))}`;
      labels += `<g class="edge-label" transform="translate(${mx.toFixed(1)},${my.toFixed(1)})"><rect x="${-text.length * 3.4 - 6}" y="-10" width="${text.length * 6.8 + 12}" height="18" rx="9"></rect><text text-anchor="middle" y="3">${esc(text)}</text></g>`;
    }
  }
  const nodeSvg = all.map((n) => {
    const s = n.stats;
    const h = n.kind === 'client' ? 'client' : health(s);
    const name = truncate(n.svc.Name, 26);
    const out = n.svc.Edges.reduce((sum, e) => sum + e.SummaryStatistics.TotalCount, 0);
    const line2 = n.kind === 'client' ? plural(out, 'request') : `${plural(s?.TotalCount ?? 0, 'req')} · avg ${formatDuration(avgUs(s))}`;
    const errPct = s ? formatPercent(s.ErrorStatistics.TotalCount, s.TotalCount) : '0%';
    const faultPct = s ? formatPercent(s.FaultStatistics.TotalCount, s.TotalCount) : '0%';
    const line3 = n.kind === 'client' ? '' : `<tspan class="${s?.ErrorStatistics.TotalCount ? 'err' : ''}">errors ${errPct}</tspan> · <tspan class="${s?.FaultStatistics.TotalCount ? 'fault' : ''}">faults ${faultPct}</tspan>`;
    const type = n.kind === 'remote' ? truncate(n.svc.Type && n.svc.Type !== 'remote' ? n.svc.Type : 'remote', 28) : n.svc.Type ?? '';
    const body = `<rect class="node-box" width="${W}" height="${H}" rx="10"></rect><rect class="node-stripe" width="6" height="${H}" rx="3"></rect>
      <text x="16" y="22" class="node-name">${esc(name)}</text>
      <text x="16" y="41" class="node-line">${esc(line2)}</text>
      ${n.kind === 'client' ? '' : `<text x="16" y="59" class="node-line">${line3 || esc(type)}</text>`}
      ${type && n.kind !== 'client' ? `<text x="${W - 10}" y="22" class="node-type" text-anchor="end">${esc(truncate(type, 14))}</text>` : ''}
      <title>${esc(n.svc.Name)}${n.svc.Type ? ` (${esc(n.svc.Type)})` : ''}</title>`;
    const g = `<g class="node ${n.kind} ${h}" transform="translate(${n.x},${n.y})" data-service="${esc(n.svc.Name)}">${body}</g>`;
    return n.kind === 'service' ? `<a href="/?service=${encodeURIComponent(n.svc.Name)}">${g}</a>` : g;
  }).join('');
  const marker = (h: string) => `<marker id="arrow-${h}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrow ${h}"></path></marker>`;
  return `<div class="map-scroll"><svg class="service-map" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Service map">
    <defs>${marker('ok')}${marker('err')}${marker('fault')}</defs>
    <g class="edges">${edges}</g><g class="labels">${labels}</g><g class="nodes">${nodeSvg}</g></svg></div>`;
}

function tableHtml(nodes: Map<number, Node>): string {
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
