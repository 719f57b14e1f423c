/**
 * Trace page (`/trace/<id>`, any id form): header, waterfall, span detail. The waterfall is virtual:
 * only the rows in view (plus a margin) are in the DOM, drawn in one innerHTML pass per scroll frame,
 * so traces with thousands of spans scroll smoothly.
 */
import { jaeger } from '../api.js';
import { debounce, el, errorHtml, isAbort, setTitle, type PageContext } from '../dom.js';
import { esc, formatDateTime, formatDuration, plural, serviceColor } from '../format.js';
import {
  ancestorIds, buildTraceModel, criticalTime, findSpans, tagValue, visibleRows, xrayTraceId,
  type JaegerKeyValue, type SpanNode, type TraceModel,
} from '../trace-model.js';

const ROW = 26;
const OVERSCAN = 20;
const MAX_INDENT_LEVELS = 24;

export function renderTrace(ctx: PageContext): () => void {
  const raw = ctx.url.pathname.slice('/trace/'.length).replace(/\/+$/, '');
  let id = raw;
  try {
    id = decodeURIComponent(raw);
  } catch { /* keep it as typed: the API answers 400 */ }
  setTitle(`Trace ${id}`);
  ctx.root.innerHTML = `<section class="page"><div class="loading">Loading trace <span class="mono">${esc(id)}</span>…</div></section>`;
  let cleanup = () => {};
  void (async () => {
    try {
      const trace = await jaeger.trace(id, ctx.signal);
      if (ctx.signal.aborted) return;
      const t0 = performance.now();
      cleanup = mountTrace(ctx, buildTraceModel(trace));
      console.debug(`trace ${id}: ${trace.spans.length} spans rendered in ${(performance.now() - t0).toFixed(1)} ms`);
    } catch (err) {
      if (isAbort(err)) return;
      ctx.root.innerHTML = `<section class="page narrow"><h1>Trace <span class="mono">${esc(id)}</span></h1>${errorHtml(err)}
        <p class="muted">Trace ids may be 32 or 16 hex characters, or X-Ray ids (<span class="mono">1-5f84c7a1-1234567890abcdef12345678</span>).
        Spans are searchable once committed, a moment after they are sent. <a href="/">Search traces</a></p></section>`;
    }
  })();
  return () => cleanup();
}

function mountTrace(ctx: PageContext, m: TraceModel): () => void {
  const root = m.root;
  const xrayId = xrayTraceId(m.traceID);
  setTitle(`${root.service}: ${root.span.operationName}`, 'Trace');
  const color = (n: SpanNode) => serviceColor(m.serviceIndex.get(n.service)!.color);
  const ticks = [0, 0.25, 0.5, 0.75, 1];

  ctx.root.innerHTML = `
  <section class="page trace-page">
    <header class="card trace-header">
      <div class="trace-title">
        <h1><i class="dot" style="background:${color(root)}"></i><span>${esc(root.service)}:</span> ${esc(root.span.operationName)}</h1>
        ${m.errors ? `<span class="badge error">${plural(m.errors, 'error')}</span>` : ''}
        <a class="raw-link" href="/api/traces/${esc(m.traceID)}" target="_blank" rel="noopener">JSON</a>
      </div>
      <div class="trace-ids"><span class="mono" title="trace id">${esc(m.traceID)}</span>
        ${xrayId ? `<span class="muted">X-Ray</span> <span class="mono" title="X-Ray trace id">${esc(xrayId)}</span>` : ''}</div>
      <dl class="stats">
        <div><dt>Start</dt><dd>${formatDateTime(m.start)}</dd></div>
        <div><dt>Duration</dt><dd>${formatDuration(m.duration)}</dd></div>
        <div><dt>Spans</dt><dd id="stat-spans">${m.nodes.length.toLocaleString('en-US')}</dd></div>
        <div><dt>Services</dt><dd id="stat-services">${m.services.length}</dd></div>
        <div><dt>Depth</dt><dd id="stat-depth">${m.depth}</dd></div>
        <div><dt>Errors</dt><dd class="${m.errors ? 'text-error' : ''}">${m.errors}</dd></div>
      </dl>
      <div class="legend">${m.services.map((s) => `<span class="chip"><i style="background:${serviceColor(s.color)}"></i>${esc(s.name)} <b>${s.spans}</b>${s.errors ? ` <span class="text-error">(${s.errors} err)</span>` : ''}</span>`).join('')}</div>
    </header>
    <div class="toolbar">
      <button type="button" id="expand-all">Expand all</button>
      <button type="button" id="collapse-all">Collapse all</button>
      <label class="inline"><input type="checkbox" id="show-critical" checked> Critical path</label>
      <span class="grow"></span>
      <input type="search" id="find" placeholder="Find spans: service, operation, tag…" aria-label="Find spans">
      <span id="find-count" class="muted"></span>
    </div>
    <div class="trace-body">
      <div class="waterfall" id="waterfall">
        <div class="wf-head">
          <div class="wf-name">Service &amp; operation</div>
          <div class="wf-time wf-ruler">${ticks.map((k) => `<span style="left:${k * 100}%"${k === 1 ? ' class="last"' : ''}>${k === 0 ? '0' : formatDuration(m.duration * k)}</span>`).join('')}</div>
        </div>
        <div class="wf-scroll" id="wf-scroll" tabindex="0" aria-label="Spans">
          <div class="wf-spacer" id="wf-spacer"><div id="wf-rows"></div></div>
        </div>
      </div>
      <aside class="detail card" id="detail" hidden></aside>
    </div>
  </section>`;

  const scroll = el(ctx.root, '#wf-scroll');
  const spacer = el(ctx.root, '#wf-spacer');
  const rowsEl = el(ctx.root, '#wf-rows');
  const detail = el(ctx.root, '#detail');
  const waterfall = el(ctx.root, '#waterfall');
  const findInput = el<HTMLInputElement>(ctx.root, '#find');
  const findCount = el(ctx.root, '#find-count');

  const collapsed = new Set<string>();
  let rows = visibleRows(m, collapsed);
  let selected: SpanNode | null = null;
  let matches: SpanNode[] = [];
  let matchSet = new Set<SpanNode>();
  let matchCursor = -1;
  let drawn = { first: -1, last: -1 };

  const pct = (us: number) => (m.duration > 0 ? (100 * us) / m.duration : 0);

  const rowHtml = (n: SpanNode, r: number): string => {
    const left = pct(n.offset);
    const width = Math.max(pct(n.end - n.start), 0.15);
    const dur = n.end - n.start;
    const crit = n.critical.map((iv) => {
      const l = dur > 0 ? (100 * (iv.start - n.start)) / dur : 0;
      const w = dur > 0 ? (100 * (iv.end - iv.start)) / dur : 100;
      return `<i class="crit" style="left:${l.toFixed(3)}%;width:${w.toFixed(3)}%"></i>`;
    }).join('');
    const label = formatDuration(dur);
    // Duration label: right of the bar, else left of it, else inside it (a bar across the whole trace).
    const inside = left + width >= 85 && left <= 12;
    const labelPos = left + width < 85 ? `left:calc(${(left + width).toFixed(3)}% + 4px)`
      : !inside ? `right:calc(${(100 - left).toFixed(3)}% + 4px)` : `right:calc(${(100 - left - width).toFixed(3)}% + 6px)`;
    const isCollapsed = n.descendants > 0 && collapsed.has(n.span.spanID);
    const indent = Math.min(n.depth, MAX_INDENT_LEVELS) * 14;
    const cls = `wf-row${n === selected ? ' selected' : ''}${n.error ? ' error' : ''}${matchSet.has(n) ? ' match' : ''}`;
    return `<div class="${cls}" data-i="${n.index}" style="top:${r * ROW}px" role="row" aria-selected="${n === selected}">
      <div class="wf-name" title="${esc(`${n.service}: ${n.span.operationName} (depth ${n.depth})`)}">
        <span class="indent" style="width:${indent}px"></span>
        ${n.descendants > 0 ? `<button type="button" class="tog" data-tog aria-label="${isCollapsed ? 'Expand' : 'Collapse'}" aria-expanded="${!isCollapsed}">${isCollapsed ? '▸' : '▾'}</button>` : '<span class="tog"></span>'}
        <i class="svc-mark" style="background:${color(n)}"></i>
        <span class="svc">${esc(n.service)}</span><span class="op">${esc(n.span.operationName)}</span>
        ${n.error ? '<span class="err-icon" title="error">!</span>' : ''}
        ${isCollapsed ? `<span class="hidden-count" title="hidden spans">+${n.descendants}</span>` : ''}
      </div>
      <div class="wf-time">
        <div class="bar" style="left:${left.toFixed(3)}%;width:${width.toFixed(3)}%;background:${color(n)}">${crit}</div>
        <span class="bar-label" style="${labelPos}"${inside ? ' data-inside' : ''}>${label}</span>
      </div>
    </div>`;
  };

  const draw = (force = false) => {
    const top = scroll.scrollTop;
    const height = scroll.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const last = Math.min(rows.length, Math.ceil((top + height) / ROW) + OVERSCAN);
    if (!force && first === drawn.first && last === drawn.last) return;
    drawn = { first, last };
    let html = '';
    for (let r = first; r < last; r++) html += rowHtml(rows[r]!, r);
    rowsEl.innerHTML = html;
  };
  const relayout = () => {
    rows = visibleRows(m, collapsed);
    spacer.style.height = `${rows.length * ROW}px`;
    draw(true);
  };

  const scrollToNode = (n: SpanNode) => {
    const r = rows.indexOf(n);
    if (r < 0) return;
    const top = r * ROW;
    if (top < scroll.scrollTop || top + ROW > scroll.scrollTop + scroll.clientHeight) {
      scroll.scrollTop = Math.max(0, top - scroll.clientHeight / 3);
    }
    draw(true);
  };
  const reveal = (n: SpanNode) => {
    let changed = false;
    for (const a of ancestorIds(n)) changed = collapsed.delete(a) || changed;
    if (changed) relayout();
  };

  const select = (n: SpanNode | null, opts: { scroll?: boolean } = {}) => {
    selected = n;
    const q = new URLSearchParams(location.search);
    if (n) q.set('span', n.span.spanID);
    else q.delete('span');
    ctx.setQuery(q, { replace: true });
    if (!n) {
      detail.hidden = true;
      detail.innerHTML = '';
      draw(true);
      return;
    }
    reveal(n);
    detail.hidden = false;
    detail.innerHTML = detailHtml(m, n, color(n));
    detail.scrollTop = 0;
    if (opts.scroll) scrollToNode(n);
    else draw(true);
  };

  const toggle = (n: SpanNode) => {
    if (collapsed.has(n.span.spanID)) collapsed.delete(n.span.spanID);
    else collapsed.add(n.span.spanID);
    relayout();
  };

  rowsEl.addEventListener('click', (e) => {
    const t = e.target as Element;
    const row = t.closest<HTMLElement>('.wf-row');
    if (!row) return;
    const n = m.nodes[Number(row.dataset.i)]!;
    if (t.closest('[data-tog]')) toggle(n);
    else select(n === selected ? null : n);
    scroll.focus({ preventScroll: true });
  });
  scroll.addEventListener('keydown', (e) => {
    const r = selected ? rows.indexOf(selected) : -1;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = rows[Math.min(rows.length - 1, Math.max(0, r + (e.key === 'ArrowDown' ? 1 : -1)))];
      if (next) select(next, { scroll: true });
    } else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && selected && selected.descendants > 0) {
      e.preventDefault();
      if (collapsed.has(selected.span.spanID) === (e.key === 'ArrowRight')) toggle(selected);
    } else if (e.key === 'Escape') select(null);
  });
  let raf = 0;
  scroll.addEventListener('scroll', () => {
    if (!raf) raf = requestAnimationFrame(() => { raf = 0; draw(); });
  }, { passive: true });
  const onResize = () => draw(true);
  window.addEventListener('resize', onResize);

  detail.addEventListener('click', (e) => {
    const t = e.target as HTMLElement;
    if (t.closest('[data-close]')) return select(null);
    const go = t.closest<HTMLElement>('[data-goto]');
    if (go) {
      e.preventDefault();
      const n = m.byId.get(go.dataset.goto!);
      if (n) select(n, { scroll: true });
    }
  });

  el(ctx.root, '#expand-all').addEventListener('click', () => { collapsed.clear(); relayout(); });
  el(ctx.root, '#collapse-all').addEventListener('click', () => {
    for (const n of m.nodes) if (n.descendants > 0 && n.depth >= 1) collapsed.add(n.span.spanID);
    relayout();
  });
  el<HTMLInputElement>(ctx.root, '#show-critical').addEventListener('change', (e) => {
    waterfall.classList.toggle('no-crit', !(e.target as HTMLInputElement).checked);
  });

  let foundFor: string | null = null;
  const runFind = () => {
    // Enter runs the search at once; the debounced input handler that follows must not reset the cursor.
    if (findInput.value === foundFor) return;
    foundFor = findInput.value;
    matches = findSpans(m, findInput.value);
    matchSet = new Set(matches);
    matchCursor = -1;
    findCount.textContent = findInput.value.trim() ? plural(matches.length, 'match', 'matches') : '';
    draw(true);
  };
  findInput.addEventListener('input', debounce(runFind, 120));
  findInput.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    runFind();
    if (!matches.length) return;
    matchCursor = (matchCursor + (e.shiftKey ? matches.length - 1 : 1)) % matches.length;
    findCount.textContent = `${matchCursor + 1} of ${plural(matches.length, 'match', 'matches')}`;
    select(matches[matchCursor]!, { scroll: true });
  });

  relayout();
  const wanted = ctx.url.searchParams.get('span');
  const initial = wanted ? m.byId.get(wanted) : undefined;
  if (initial) select(initial, { scroll: true });

  return () => {
    window.removeEventListener('resize', onResize);
    if (raf) cancelAnimationFrame(raf);
  };
}

function kvTable(rows: JaegerKeyValue[], cls = ''): string {
  if (!rows.length) return '<p class="muted small">none</p>';
  return `<table class="kv ${cls}"><tbody>${rows.map((t) => {
    const hot = (t.key === 'error' && (t.value === true || t.value === 'true')) || (t.key === 'otel.status_code' && t.value === 'ERROR');
    return `<tr${hot ? ' class="hot"' : ''}><th>${esc(t.key)}</th><td class="t-${esc(t.type)}">${esc(t.value)}</td></tr>`;
  }).join('')}</tbody></table>`;
}

function detailHtml(m: TraceModel, n: SpanNode, color: string): string {
  const s = n.span;
  const dur = n.end - n.start;
  const tags = [...s.tags].sort((a, b) => a.key.localeCompare(b.key));
  const kind = tagValue(s, 'span.kind');
  const statusMsg = tagValue(s, 'otel.status_description');
  const parent = n.parent;
  const xrayId = xrayTraceId(m.traceID);
  const facts: [string, string][] = [
    ['Service', esc(n.service)],
    ['Operation', esc(s.operationName)],
    ['Span ID', `<span class="mono">${esc(s.spanID)}</span>`],
    ['Parent', parent ? `<a href="#" data-goto="${esc(parent.span.spanID)}" class="mono">${esc(parent.span.spanID)}</a> <span class="muted">${esc(parent.service)}: ${esc(parent.span.operationName)}</span>` : '<span class="muted">none (root)</span>'],
    ['Trace ID', `<span class="mono">${esc(s.traceID)}</span>`],
    ['Start', `+${formatDuration(n.offset)} <span class="muted">${formatDateTime(n.start)}</span>`],
    ['Duration', `${formatDuration(dur)}${m.duration > 0 ? ` <span class="muted">${((100 * dur) / m.duration).toFixed(1)}% of the trace</span>` : ''}`],
    ['Self time', formatDuration(n.selfTime)],
    ['Critical path', criticalTime(n) > 0 ? formatDuration(criticalTime(n)) : '<span class="muted">not on the critical path</span>'],
    ...(kind !== undefined ? [['Kind', esc(kind)] as [string, string]] : []),
    ['Children', `${n.children.length}${n.descendants > n.children.length ? ` <span class="muted">(${n.descendants} below)</span>` : ''}`],
  ];
  const logs = s.logs.map((l) => {
    const name = l.fields.find((f) => f.key === 'event')?.value;
    const fields = l.fields.filter((f) => f.key !== 'event');
    return `<div class="log"><div class="log-head"><b>${esc(name ?? 'log')}</b>
      <span class="muted">+${formatDuration(l.timestamp - m.start)} <small>(${formatDuration(l.timestamp - n.start)} into the span)</small></span></div>
      ${fields.length ? kvTable(fields) : ''}</div>`;
  }).join('');
  const refs = s.references.map((r) => {
    const local = m.byId.get(r.spanID);
    const sameTrace = r.traceID === s.traceID || r.traceID === m.traceID;
    const target = sameTrace && local
      ? `<a href="#" data-goto="${esc(r.spanID)}" class="mono">${esc(r.spanID)}</a> <span class="muted">${esc(local.service)}: ${esc(local.span.operationName)}</span>`
      : `<a href="/trace/${esc(r.traceID)}?span=${esc(r.spanID)}" class="mono">${esc(r.traceID)}</a> / <span class="mono">${esc(r.spanID)}</span>${sameTrace ? ' <span class="muted">(not in this trace)</span>' : ''}`;
    return `<li><span class="badge">${r.refType === 'CHILD_OF' ? 'child of' : 'link (follows from)'}</span> ${target}</li>`;
  }).join('');
  return `
    <div class="detail-head">
      <div><h2><i class="dot" style="background:${color}"></i>${esc(n.service)}</h2><div class="detail-op">${esc(s.operationName)}</div></div>
      <button type="button" class="close" data-close aria-label="Close detail">×</button>
    </div>
    ${n.error ? `<div class="note error-note"><b>Error</b>${statusMsg !== undefined ? `: ${esc(statusMsg)}` : ''}</div>` : ''}
    ${n.xray ? `<div class="note xray-note"><b>X-Ray document.</b> This span was stored from an X-Ray segment document: its segment fields are the
      <span class="mono">xray.*</span> tags (origin, namespace, fault/error/throttle) next to OpenTelemetry names.${xrayId ? ` X-Ray clients see it in trace <span class="mono">${esc(xrayId)}</span>.` : ''}</div>` : ''}
    <table class="kv facts"><tbody>${facts.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</tbody></table>
    <h3>Tags <small>${tags.length}</small></h3>${kvTable(tags, 'tags')}
    <h3>Process <small>${esc(n.process?.serviceName ?? '')}</small></h3>${kvTable(n.process?.tags ?? [], 'process')}
    <h3>Events &amp; logs <small>${s.logs.length}</small></h3>${logs || '<p class="muted small">none</p>'}
    <h3>References <small>${s.references.length}</small></h3>${refs ? `<ul class="refs">${refs}</ul>` : '<p class="muted small">none</p>'}
    ${s.warnings?.length ? `<h3>Warnings</h3><ul class="warnings">${s.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}`;
}
