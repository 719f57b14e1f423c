/**
 * Trace page (`/trace/<id>`, any id form): header with the first error's message, minimap (drag to
 * zoom the waterfall to a time window), waterfall with a resizable name column, span detail. The
 * waterfall is virtual: only the rows in view (plus a margin) are in the DOM, drawn in one innerHTML
 * pass per scroll frame. Hand-written rather than Preact components: at 100,000 spans this string pass
 * is what keeps scrolling at frame rate (see src/ui/README.md).
 */
import { honeyray, jaeger, xray } from '../api.js';
import { debounce, el, errorHtml, isAbort, setTitle, type PageContext } from '../dom.js';
import { esc, formatDateTime, formatDuration, formatSpanDuration, plural, serviceColor } from '../format.js';
import { firstError } from '../span-exception.js';
import { ancestorIds, buildTraceModel, findSpans, skeletonToJaeger, visibleRows, xrayTraceId, type SpanNode, type TraceModel } from '../trace-model.js';
import { mountColumnResize } from './column-resize.js';
import { detailHtml, findSegment } from './trace-detail.js';
import { attrSummaryHtml } from './trace-attrs.js';
import { mountMinimap, type TimeWindow } from './trace-minimap.js';

const ROW = 26;
const OVERSCAN = 20;
const MAX_INDENT_LEVELS = 24;
/**
 * From this many spans the waterfall is drawn from the skeleton (`/api/honeyray/traces/{id}/skeleton`:
 * ids, names, times, ~1/10 of the full answer) while the full trace loads for the span details; below
 * it the full trace is fetched before the first draw (fast anyway, and no "loading details" state).
 */
const SKELETON_MIN_SPANS = 2_000;

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
      // Marks for `npm run bench:ui`: fetched (server + JSON), model built, first rows in the DOM.
      // trace:full is when the span details (the full trace) are in the model.
      performance.mark('trace:start');
      const skeleton = await honeyray.traceSkeleton(id, ctx.signal);
      if (ctx.signal.aborted) return;
      performance.mark('trace:fetched');
      if (skeleton.length < SKELETON_MIN_SPANS) {
        const model = buildTraceModel(await jaeger.trace(id, ctx.signal));
        if (ctx.signal.aborted) return;
        performance.mark('trace:model');
        cleanup = mountTrace(ctx, model, false).cleanup;
        performance.mark('trace:drawn');
        performance.mark('trace:full');
        return;
      }
      const model = buildTraceModel(skeletonToJaeger(skeleton));
      performance.mark('trace:model');
      const view = mountTrace(ctx, model, true);
      performance.mark('trace:drawn');
      cleanup = view.cleanup;
      jaeger.trace(id, ctx.signal).then((full) => {
        if (ctx.signal.aborted) return;
        view.upgrade(buildTraceModel(full));
        performance.mark('trace:full');
      }, (err) => { if (!isAbort(err)) view.detailsFailed(err as Error); });
    } catch (err) {
      if (isAbort(err)) return;
      ctx.root.innerHTML = `<section class="page narrow"><h1>Trace <span class="mono">${esc(id)}</span></h1>${errorHtml(err)}
        <p class="muted">Trace ids may be 32 or 16 hex characters, or X-Ray ids (<span class="mono">1-5f84c7a1-1234567890abcdef12345678</span>).
        Spans are searchable once committed, a moment after they are sent. <a href="/">Search traces</a></p></section>`;
    }
  })();
  return () => cleanup();
}

/** The header's content (title, ids, stats, error banner, attribute summary, legend): redrawn by `upgrade`. */
function headerHtml(m: TraceModel): string {
  const root = m.root;
  const xrayId = xrayTraceId(m.traceID);
  const color = (n: SpanNode) => serviceColor(m.serviceIndex.get(n.service)!.color);
  const err = firstError(m);
  return `
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
      ${err ? `<div class="error-banner" role="alert"><b>${plural(m.errors, 'error')}</b> · first in <a href="#" data-goto="${esc(err.spanID)}">${esc(err.service)}: ${esc(err.operation)}</a>: <span class="error-message">${esc(err.message)}</span></div>` : ''}
      <details class="attr-summary" id="attr-summary"><summary>Attributes by service</summary><div class="attr-summary-body"></div></details>
      <div class="legend">${m.services.map((s) => `<span class="chip"><i style="background:${serviceColor(s.color)}"></i>${esc(s.name)} <b>${s.spans}</b>${s.errors ? ` <span class="text-error">(${s.errors} err)</span>` : ''}</span>`).join('')}</div>
`;
}

/**
 * The trace page over a model. `partial`: the model is the skeleton's (no tags, events or processes):
 * the page says "loading span details" until `upgrade` swaps in the full trace's model, keeping the
 * scroll position, collapsed spans, selection, find and zoom.
 */
function mountTrace(ctx: PageContext, m: TraceModel, partial: boolean): { cleanup: () => void; upgrade: (full: TraceModel) => void; detailsFailed: (err: Error) => void } {
  let xrayId = xrayTraceId(m.traceID);
  setTitle(`${m.root.service}: ${m.root.span.operationName}`, 'Trace');
  const color = (n: SpanNode) => serviceColor(m.serviceIndex.get(n.service)!.color);

  ctx.root.innerHTML = `
  <section class="page trace-page">
    <header class="card trace-header">${headerHtml(m)}</header>
    <div class="toolbar">
      <button type="button" id="expand-all">Expand all</button>
      <button type="button" id="collapse-all">Collapse all</button>
      <label class="inline"><input type="checkbox" id="show-critical" checked> Critical path</label>
      <button type="button" id="zoom-reset" hidden>Reset zoom</button>
      <span id="zoom-label" class="muted small"></span>
      <form class="compare-with" id="compare-with" autocomplete="off"><input name="b" class="mono" placeholder="Compare with trace id…" aria-label="Compare with another trace"><button type="submit">Compare</button></form>
      <span class="grow"></span>
      <span id="details-state" class="details-state muted small" role="status"${partial ? ' data-loading' : ' hidden'}>${partial ? 'Loading span details…' : ''}</span>
      <input type="search" id="find" placeholder="Find spans: service, operation, tag…" aria-label="Find spans">
      <span id="find-count" class="muted"></span>
    </div>
    <div class="trace-body">
      <div class="waterfall" id="waterfall">
        <div class="minimap" id="minimap" title="Drag across to zoom the waterfall to a time window; click to reset"></div>
        <div class="wf-head">
          <div class="wf-name">Service &amp; operation<span class="wf-resize" id="wf-resize" role="separator" aria-orientation="vertical" aria-label="Resize the name column" tabindex="0"></span></div>
          <div class="wf-time wf-ruler" id="wf-ruler"></div>
        </div>
        <div class="wf-scroll" id="wf-scroll" tabindex="0" aria-label="Spans">
          <div class="wf-spacer" id="wf-spacer"><div id="wf-rows"></div></div>
        </div>
      </div>
      <aside class="detail card" id="detail" hidden></aside>
    </div>
  </section>`;

  const header = el(ctx.root, '.trace-header');
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
  const ruler = el(ctx.root, '#wf-ruler');
  const zoomReset = el<HTMLButtonElement>(ctx.root, '#zoom-reset');
  const zoomLabel = el(ctx.root, '#zoom-label');
  const whole: TimeWindow = { from: 0, to: m.duration };
  let view: TimeWindow = whole;

  const pct = (us: number) => { const span = view.to - view.from; return span > 0 ? (100 * (us - view.from)) / span : 0; };
  const drawRuler = () => {
    const span = view.to - view.from;
    ruler.innerHTML = [0, 0.25, 0.5, 0.75, 1].map((k) => `<span style="left:${k * 100}%"${k === 1 ? ' class="last"' : ''}>${view.from === 0 && k === 0 ? '0' : formatDuration(view.from + span * k)}</span>`).join('');
  };

  const rowHtml = (n: SpanNode, r: number): string => {
    const dur = n.end - n.start;
    const left = pct(n.offset);
    const width = Math.max(pct(n.offset + dur) - left, 0.15);
    const crit = n.critical.map((iv) => {
      const l = dur > 0 ? (100 * (iv.start - n.start)) / dur : 0;
      const w = dur > 0 ? (100 * (iv.end - iv.start)) / dur : 100;
      return `<i class="crit" style="left:${l.toFixed(3)}%;width:${w.toFixed(3)}%"></i>`;
    }).join('');
    const label = formatSpanDuration(dur, n.xray);
    // Duration label: right of the bar, else left of it, else inside it (a bar across the whole trace).
    const inside = left + width >= 85 && left <= 12;
    const labelPos = left + width < 85 ? `left:calc(${(left + width).toFixed(3)}% + 4px)`
      : !inside ? `right:calc(${(100 - left).toFixed(3)}% + 4px)` : `right:calc(${(100 - left - width).toFixed(3)}% + 6px)`;
    const isCollapsed = n.descendants > 0 && collapsed.has(n.span.spanID);
    const indent = Math.min(n.depth, MAX_INDENT_LEVELS) * 14;
    const cls = `wf-row${n === selected ? ' selected' : ''}${n.error ? ' error' : ''}${matchSet.has(n) ? ' match' : ''}`;
    return `<div class="${cls}" data-i="${n.index}" data-r="${r}" style="top:${r * ROW}px" role="row" aria-selected="${n === selected}">
      <div class="wf-name" title="${esc(`${n.service}: ${n.span.operationName} (depth ${n.depth})`)}">
        <span class="indent" style="width:${indent}px"></span>
        ${n.descendants > 0 ? `<button type="button" class="tog" data-tog aria-label="${isCollapsed ? 'Expand' : 'Collapse'}" aria-expanded="${!isCollapsed}">${isCollapsed ? '▸' : '▾'}</button>` : '<span class="tog"></span>'}
        <i class="svc-mark" style="background:${color(n)}"></i>
        <span class="svc">${esc(n.service)}</span><span class="op">${esc(n.span.operationName)}</span>
        ${n.error ? '<span class="err-icon" title="error">!</span>' : ''}
        ${isCollapsed ? `<span class="hidden-count" title="hidden spans">+${n.descendants}</span>` : ''}
      </div>
      <div class="wf-time">
        <div class="bar" style="left:${left.toFixed(3)}%;width:${width.toFixed(3)}%;background:${n.error ? 'var(--error)' : color(n)}">${crit}</div>
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
    const was = drawn;
    drawn = { first, last };
    const t0 = performance.now();
    // A scroll keeps the rows still in view and writes only those that came in (~12 of ~115 per frame
    // at 300 px/frame): the browser styles and lays out those alone (rows are absolutely placed and
    // contained, so DOM order does not matter). A forced draw (selection, zoom, find, tree change)
    // writes them all.
    if (force) rowsEl.textContent = '';
    else {
      for (const e of [...rowsEl.children] as HTMLElement[]) {
        const r = Number(e.dataset.r);
        if (r < first || r >= last) e.remove();
      }
    }
    let html = '';
    for (let r = first; r < last; r++) if (force || r < was.first || r >= was.last) html += rowHtml(rows[r]!, r);
    rowsEl.insertAdjacentHTML('beforeend', html);
    // For `npm run bench:ui`: script time of a redraw (style and layout come after, in the frame).
    performance.measure('wf:draw', { start: t0 });
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
    detail.innerHTML = (partial ? '<p class="details-loading muted small">Tags, events and process load with the full trace…</p>' : '') + detailHtml(m, n, color(n));
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

  // The raw X-Ray segment loads when its block opens (`toggle` does not bubble: capture it).
  detail.addEventListener('toggle', (e) => {
    const d = e.target as HTMLDetailsElement;
    if (!d.open || !d.dataset.rawSegment || d.dataset.loaded || !xrayId) return;
    d.dataset.loaded = '1';
    const pre = d.querySelector('pre')!;
    xray.segments(xrayId, ctx.signal).then((segs) => {
      for (const seg of segs) {
        const found = findSegment(JSON.parse(seg.Document) as Record<string, unknown>, d.dataset.rawSegment!);
        if (found) return void (pre.textContent = JSON.stringify(found, null, 2));
      }
      pre.textContent = 'No segment document with this id.';
    }, (err) => { if (!isAbort(err)) pre.textContent = String((err as Error).message); });
  }, true);
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

  let minimap = mountMinimap(el(ctx.root, '#minimap'), m, color, (w) => zoom(w));
  const zoom = (w: TimeWindow | null) => {
    view = w && w.to - w.from > 0 ? w : whole;
    const zoomed = view !== whole;
    zoomReset.hidden = !zoomed;
    zoomLabel.textContent = zoomed ? `${formatDuration(view.from)} – ${formatDuration(view.to)} of ${formatDuration(m.duration)}` : '';
    waterfall.classList.toggle('zoomed', zoomed);
    minimap.show(view);
    drawRuler();
    draw(true);
  };
  zoomReset.addEventListener('click', () => zoom(null));
  const compareForm = el<HTMLFormElement>(ctx.root, '#compare-with');
  compareForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const other = String(new FormData(compareForm).get('b') ?? '').trim();
    if (other) ctx.navigate(`/compare?${new URLSearchParams({ a: m.traceID, b: other })}`);
  });
  const resize = mountColumnResize(waterfall, el(ctx.root, '#wf-resize'), () => draw(true));
  const detailsState = el(ctx.root, '#details-state');
  /** The full trace's model replaces the skeleton's: same spans, now with tags, events and processes. */
  const upgrade = (full: TraceModel) => {
    const sel = selected?.span.spanID;
    const wasOpen = el<HTMLDetailsElement>(header, '#attr-summary').open;
    m = full;
    partial = false;
    xrayId = xrayTraceId(m.traceID);
    header.innerHTML = headerHtml(m);
    if (wasOpen) el<HTMLDetailsElement>(header, '#attr-summary').open = true;
    detailsState.hidden = true;
    detailsState.removeAttribute('data-loading');
    detailsState.textContent = '';
    selected = sel ? m.byId.get(sel) ?? null : null;
    // Find again over the full model (tags now count), keeping the cursor on the span it was on.
    const cursorOn = matches[matchCursor]?.span.spanID;
    foundFor = null;
    if (findInput.value.trim()) {
      runFind();
      const k = cursorOn ? matches.findIndex((x) => x.span.spanID === cursorOn) : -1;
      if (k >= 0) {
        matchCursor = k;
        findCount.textContent = `${k + 1} of ${plural(matches.length, 'match', 'matches')}`;
      }
    } else { matches = []; matchSet = new Set(); }
    minimap.destroy();
    minimap = mountMinimap(el(ctx.root, '#minimap'), m, color, (w) => zoom(w));
    minimap.show(view);
    rows = visibleRows(m, collapsed);
    spacer.style.height = `${rows.length * ROW}px`;
    if (selected) detail.innerHTML = detailHtml(m, selected, color(selected));
    draw(true);
  };
  const detailsFailed = (err: Error) => {
    detailsState.removeAttribute('data-loading');
    detailsState.classList.add('text-error');
    detailsState.textContent = `Span details failed to load: ${err.message}`;
  };
  header.addEventListener('click', (e) => {
    const go = (e.target as Element).closest<HTMLElement>('[data-goto]');
    if (!go) return;
    e.preventDefault();
    const n = m.byId.get(go.dataset.goto!);
    if (n) select(n, { scroll: true });
  });

  // The header is redrawn by `upgrade`: its <details> (whose toggle does not bubble) is listened to by capture.
  header.addEventListener('toggle', (e) => {
    const attrs = e.target as HTMLDetailsElement;
    if (attrs.id !== 'attr-summary') return;
    const body = el(attrs, '.attr-summary-body');
    if (attrs.open && !body.innerHTML) body.innerHTML = partial ? '<p class="muted small">Attributes load with the span details…</p>' : attrSummaryHtml(m, color);
  }, true);

  drawRuler();
  relayout();
  const wanted = ctx.url.searchParams.get('span');
  const initial = wanted ? m.byId.get(wanted) : undefined;
  if (initial) select(initial, { scroll: true });

  const cleanup = () => {
    minimap.destroy();
    resize();
    window.removeEventListener('resize', onResize);
    if (raf) cancelAnimationFrame(raf);
  };
  return { cleanup, upgrade, detailsFailed };
}
