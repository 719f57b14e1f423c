/**
 * Search page (`/`): Jaeger-style trace search with a time picker (presets or an absolute range) and a
 * duration-over-time scatter of the results (Preact components mounted into this page); the query
 * string holds the search.
 */
import { h, render } from 'preact';
import { honeyray, jaeger, summaryFromRow } from '../api.js';
import { DurationScatter } from '../components/duration-scatter.js';
import { TimePicker } from '../components/time-picker.js';
import { el, errorHtml, isAbort, setTitle, type PageContext } from '../dom.js';
import { assignColors, esc, formatAgo, formatDateTime, formatDuration, plural, serviceColor } from '../format.js';
import { rangeFromParams, rangeToApi, rangeToUrl, type TimeRange } from '../time-range.js';
import type { TraceSummary } from '../trace-model.js';

const FIELDS = ['service', 'operation', 'tags', 'filter', 'minDuration', 'maxDuration', 'limit'] as const;
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d))+$/;
/** The server's sort orders (over the whole result, not the fetched page). */
const SORTS: [string, string][] = [
  ['newest', 'Newest first'], ['oldest', 'Oldest first'], ['slowest', 'Longest first'], ['fastest', 'Shortest first'],
  ['most_spans', 'Most spans'], ['errors', 'Most errors'],
];


export function renderSearch(ctx: PageContext): () => void {
  setTitle('Search');
  const q = ctx.url.searchParams;
  const v = (k: string, d = '') => q.get(k) ?? d;
  const service = v('service');
  const sort = v('sort', 'newest');
  ctx.root.innerHTML = `
  <section class="page">
    <form class="card search-form" id="search-form" autocomplete="off">
      <label>Service
        <select name="service" id="f-service"><option value="">All services</option>${service ? `<option value="${esc(service)}" selected>${esc(service)}</option>` : ''}</select></label>
      <label>Operation
        <select name="operation" id="f-operation"><option value="">All operations</option>${v('operation') ? `<option value="${esc(v('operation'))}" selected>${esc(v('operation'))}</option>` : ''}</select></label>
      <label class="span2">Tags <small>k=v, space separated, on any span</small>
        <input name="tags" value="${esc(v('tags'))}" placeholder="http.response.status_code=500 error=true"></label>
      <label class="span2">X-Ray filter expression
        <input name="filter" value="${esc(v('filter'))}" placeholder='service("backend") { fault } AND responsetime > 1' spellcheck="false"></label>
      <div class="field">Time range <div id="f-time"></div></div>
      <label>Min duration
        <input name="minDuration" value="${esc(v('minDuration'))}" placeholder="e.g. 100ms" pattern="${DURATION.source}" title="e.g. 250ms, 1.5s, 2m"></label>
      <label>Max duration
        <input name="maxDuration" value="${esc(v('maxDuration'))}" placeholder="e.g. 2s" pattern="${DURATION.source}" title="e.g. 250ms, 1.5s, 2m"></label>
      <label>Limit
        <input name="limit" type="number" min="1" max="1000" value="${esc(v('limit', '20'))}"></label>
      <div class="form-actions"><button type="submit" class="primary">Find traces</button></div>
    </form>
    <div class="results-head">
      <h2 id="result-count">Searching…</h2>
      <button type="button" id="compare-picked" disabled title="Tick two traces to compare them">Compare</button>
      <label class="inline">Sort <select id="f-sort">${SORTS.map(([k, label]) => `<option value="${k}"${k === sort ? ' selected' : ''}>${label}</option>`).join('')}</select></label>
    </div>
    <div id="scatter"></div>
    <div id="results" class="results" aria-live="polite"></div>
  </section>`;

  const form = el<HTMLFormElement>(ctx.root, '#search-form');
  const svcSel = el<HTMLSelectElement>(ctx.root, '#f-service');
  const opSel = el<HTMLSelectElement>(ctx.root, '#f-operation');
  const sortSel = el<HTMLSelectElement>(ctx.root, '#f-sort');
  const results = el(ctx.root, '#results');
  const count = el(ctx.root, '#result-count');
  const scatter = el(ctx.root, '#scatter');
  const timeSlot = el(ctx.root, '#f-time');
  let summaries: TraceSummary[] = [];
  let range: TimeRange = rangeFromParams(q);
  const drawPicker = () => render(h(TimePicker, { value: range, onChange: (r: TimeRange) => { range = r; drawPicker(); form.requestSubmit(); } }), timeSlot);

  const fillOperations = async (svc: string, selected: string) => {
    opSel.innerHTML = `<option value="">All operations</option>`;
    if (!svc) return;
    try {
      const ops = (await jaeger.operations(svc, ctx.signal)).sort();
      opSel.innerHTML = `<option value="">All operations</option>` + ops.map((o) => `<option value="${esc(o)}"${o === selected ? ' selected' : ''}>${esc(o)}</option>`).join('');
    } catch (err) {
      if (!isAbort(err)) console.warn('operations', err);
    }
  };
  void (async () => {
    try {
      const services = await jaeger.services(ctx.signal);
      if (service && !services.includes(service)) services.push(service);
      svcSel.innerHTML = `<option value="">All services</option>` + services.map((s) => `<option value="${esc(s)}"${s === service ? ' selected' : ''}>${esc(s)}</option>`).join('');
      if (services.length === 0) {
        count.textContent = 'No traces yet';
        results.innerHTML = `<div class="empty card">Honeyray has not received any spans yet. Point an OpenTelemetry SDK at
          <code>${esc(location.protocol)}//${esc(location.hostname)}:4318/v1/traces</code> (OTLP/HTTP) or an X-Ray SDK at the daemon
          address <code>127.0.0.1:2000</code>, then search again.</div>`;
      }
    } catch (err) {
      if (!isAbort(err)) results.innerHTML = errorHtml(err);
    }
  })();
  void fillOperations(service, v('operation'));
  svcSel.addEventListener('change', () => void fillOperations(svcSel.value, ''));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    for (const k of FIELDS) {
      const val = String(data.get(k) ?? '').trim();
      if (val && !(k === 'limit' && val === '20')) next.set(k, val);
    }
    rangeToUrl(range, next);
    if (sortSel.value !== 'newest') next.set('sort', sortSel.value);
    const qs = next.toString();
    ctx.navigate(qs ? `/?${qs}` : '/');
  });
  // Sorting asks the server again: it sorts every matching trace, not the page fetched.
  sortSel.addEventListener('change', () => form.requestSubmit());

  // Compare: tick two results (Jaeger's flow). The tick is inside the result's link: its click is taken
  // here (default prevented, so main.ts does not navigate) and the state kept in `picked`.
  const picked: string[] = [];
  const compareBtn = el<HTMLButtonElement>(ctx.root, '#compare-picked');
  const showPicked = () => {
    compareBtn.disabled = picked.length !== 2;
    compareBtn.textContent = picked.length ? `Compare (${picked.length}/2)` : 'Compare';
    for (const box of results.querySelectorAll<HTMLElement>('[data-pick]')) {
      const on = picked.includes(box.dataset.pick!);
      box.setAttribute('aria-checked', String(on));
      box.classList.toggle('on', on);
    }
  };
  results.addEventListener('click', (e) => {
    const box = (e.target as Element).closest<HTMLElement>('[data-pick]');
    if (!box) return;
    e.preventDefault();
    const id = box.dataset.pick!;
    const at = picked.indexOf(id);
    if (at >= 0) picked.splice(at, 1);
    else {
      picked.push(id);
      if (picked.length > 2) picked.shift();
    }
    showPicked();
  });
  results.addEventListener('keydown', (e) => {
    if ((e.key === ' ' || e.key === 'Enter') && (e.target as Element).closest('[data-pick]')) { e.preventDefault(); (e.target as HTMLElement).click(); }
  });
  compareBtn.addEventListener('click', () => {
    if (picked.length === 2) ctx.navigate(`/compare?${new URLSearchParams({ a: picked[0]!, b: picked[1]! })}`);
  });

  let total = 0;
  const show = () => {
    count.textContent = total > summaries.length ? `${plural(summaries.length, 'trace')} of ${total.toLocaleString('en-US')}` : plural(summaries.length, 'trace');
    if (summaries.length === 0) {
      results.innerHTML = `<div class="empty card">No traces match. Widen the time range or remove some criteria.</div>`;
      return;
    }
    const longest = Math.max(...summaries.map((x) => x.duration), 1);
    results.innerHTML = summaries.map((x) => resultHtml(x, longest)).join('');
    showPicked();
  };
  const drawScatter = () => render(h(DurationScatter, {
    traces: summaries,
    onOpen: (id: string) => ctx.navigate(`/trace/${encodeURIComponent(id)}`),
    onBrush: (startUs: number, endUs: number) => { range = { kind: 'absolute', startUs, endUs }; drawPicker(); form.requestSubmit(); },
  }), scatter);

  // Run the search the URL describes (the landing page shows the latest traces of every service).
  const params = new URLSearchParams();
  for (const k of FIELDS) {
    const val = q.get(k);
    if (val) params.set(k, val);
  }
  rangeToApi(range, params);
  if (!params.has('limit')) params.set('limit', '20');
  void (async () => {
    try {
      if (sort !== 'newest') params.set('sort', sort);
      const r = await honeyray.traceSummaries(params, ctx.signal);
      summaries = r.data.map(summaryFromRow);
      total = r.total;
      show();
      drawScatter();
    } catch (err) {
      if (isAbort(err)) return;
      count.textContent = 'Search failed';
      results.innerHTML = errorHtml(err);
    }
  })();
  drawPicker();
  // Unmount the components (their listeners and charts) when the page goes.
  return () => { render(null, timeSlot); render(null, scatter); };
}

function resultHtml(s: TraceSummary, longest: number): string {
  const pct = Math.max(0.5, (100 * s.duration) / longest);
  const colors = assignColors(s.services.map((x) => x.name));
  const colorForName = (name: string) => serviceColor(colors.get(name) ?? 0);
  const chips = s.services.slice(0, 8).map((x) =>
    `<span class="chip"><i style="background:${colorForName(x.name)}"></i>${esc(x.name)}${x.spans ? ` <b>${x.spans}</b>` : ''}</span>`).join('');
  return `<a class="result" href="/trace/${esc(s.traceID)}" data-trace-id="${esc(s.traceID)}">
    <span class="pick" role="checkbox" tabindex="0" aria-checked="false" aria-label="Pick for compare" title="Pick for compare" data-pick="${esc(s.traceID)}"></span>
    <div class="result-main">
      <div class="result-title"><i class="dot" style="background:${colorForName(s.service)}"></i><span class="title-text"><b>${esc(s.service)}:</b> ${esc(s.operation)}</span>
        ${s.errors ? `<span class="badge error">${plural(s.errors, 'error')}</span>` : ''}</div>
      <div class="result-meta"><span class="mono">${esc(s.traceID)}</span><span>${plural(s.spans, 'span')}</span>${chips}${s.services.length > 8 ? `<span>+${s.services.length - 8}</span>` : ''}</div>
    </div>
    <div class="result-dur"><span class="dur-text">${formatDuration(s.duration)}</span><span class="dur-bar"><i style="width:${pct.toFixed(2)}%"></i></span></div>
    <div class="result-time"><time>${formatDateTime(s.start)}</time><small>${formatAgo(s.start)}</small></div>
  </a>`;
}
