/**
 * Trace compare (`/compare?a=<id>&b=<id>`, any id forms): two traces side by side as one merged tree of
 * `service: operation` paths (trace-diff.ts), with span counts and durations of each and the change, as
 * Jaeger's comparison draws it: green only in B, red only in A, amber where the count differs. A string
 * template like the trace page; the tree is one table (a compare of 100k-span traces merges to far fewer
 * paths than spans).
 */
import { jaeger } from '../api.js';
import { el, errorHtml, isAbort, setTitle, type PageContext } from '../dom.js';
import { esc, formatDateTime, formatDuration, plural } from '../format.js';
import { durationChange, diffTraces, type DiffNode, type TraceDiff } from '../trace-diff.js';
import { buildTraceModel, type TraceModel } from '../trace-model.js';

export function renderCompare(ctx: PageContext): void {
  const a = ctx.url.searchParams.get('a')?.trim() ?? '';
  const b = ctx.url.searchParams.get('b')?.trim() ?? '';
  setTitle('Compare traces');
  ctx.root.innerHTML = `
  <section class="page compare-page">
    <form class="card toolbar-form" id="compare-form" autocomplete="off">
      <h1>Compare traces</h1>
      <label class="inline">A <input name="a" class="mono" size="34" value="${esc(a)}" placeholder="trace id" required></label>
      <button type="button" id="compare-swap" aria-label="Swap A and B">⇄</button>
      <label class="inline">B <input name="b" class="mono" size="34" value="${esc(b)}" placeholder="trace id" required></label>
      <button type="submit" class="primary">Compare</button>
      <label class="inline"><input type="checkbox" id="only-diff"> Only differences</label>
    </form>
    <div id="compare-body">${a && b ? '<div class="loading">Loading both traces…</div>' : '<p class="muted">Enter two trace ids (32 or 16 hex, or X-Ray ids).</p>'}</div>
  </section>`;
  const form = el<HTMLFormElement>(ctx.root, '#compare-form');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = new FormData(form);
    ctx.navigate(`/compare?${new URLSearchParams({ a: String(d.get('a')).trim(), b: String(d.get('b')).trim() })}`);
  });
  el(ctx.root, '#compare-swap').addEventListener('click', () => {
    const [ia, ib] = [form.elements.namedItem('a') as HTMLInputElement, form.elements.namedItem('b') as HTMLInputElement];
    [ia.value, ib.value] = [ib.value, ia.value];
    form.requestSubmit();
  });
  const body = el(ctx.root, '#compare-body');
  el<HTMLInputElement>(ctx.root, '#only-diff').addEventListener('change', (e) => body.classList.toggle('only-diff', (e.target as HTMLInputElement).checked));
  if (!a || !b) return;
  void (async () => {
    try {
      const [ta, tb] = await Promise.all([jaeger.trace(a, ctx.signal), jaeger.trace(b, ctx.signal)]);
      if (ctx.signal.aborted) return;
      const [ma, mb] = [buildTraceModel(ta), buildTraceModel(tb)];
      body.innerHTML = compareHtml(ma, mb, diffTraces(ma, mb));
    } catch (err) {
      if (!isAbort(err)) body.innerHTML = errorHtml(err);
    }
  })();
}

function sideHtml(side: 'A' | 'B', m: TraceModel): string {
  return `<div class="card compare-side" data-side="${side}">
    <div class="muted small">${side}</div>
    <h2><a href="/trace/${esc(m.traceID)}">${esc(m.root.service)}: ${esc(m.root.span.operationName)}</a></h2>
    <div class="mono small">${esc(m.traceID)}</div>
    <dl class="stats">
      <div><dt>Start</dt><dd>${formatDateTime(m.start)}</dd></div>
      <div><dt>Duration</dt><dd data-stat="duration">${formatDuration(m.duration)}</dd></div>
      <div><dt>Spans</dt><dd data-stat="spans">${m.nodes.length.toLocaleString('en-US')}</dd></div>
      <div><dt>Errors</dt><dd class="${m.errors ? 'text-error' : ''}">${m.errors}</dd></div>
    </dl></div>`;
}

const signed = (us: number) => `${us > 0 ? '+' : us < 0 ? '−' : '±'}${formatDuration(Math.abs(us))}`;

function rowHtml(d: DiffNode): string {
  const pct = durationChange(d);
  const slower = pct !== null && d.countB > 0 && Math.abs(pct) >= 20 && Math.abs(d.durB - d.durA) >= 1000;
  const side = (count: number, dur: number, errors: number) => (count
    ? `<td class="num">${count}</td><td class="num">${formatDuration(dur)}${errors ? ` <span class="text-error" title="errors">${errors}!</span>` : ''}</td>`
    : '<td class="num muted">–</td><td class="num muted">–</td>');
  const delta = d.countA && d.countB ? `${signed(d.durB - d.durA)}${pct !== null ? ` <small>(${pct > 0 ? '+' : ''}${pct.toFixed(0)}%)</small>` : ''}` : d.countB ? 'only in B' : 'only in A';
  const cls = `diff-${d.change}${slower ? (d.durB > d.durA ? ' slower' : ' faster') : ''}`;
  return `<tr class="${cls}" data-path="${esc(d.label)}" data-depth="${d.depth}">
    <td class="diff-name"><span class="indent" style="width:${Math.min(d.depth, 24) * 14}px"></span><span class="svc">${esc(d.service)}</span> <span class="op">${esc(d.operation)}</span></td>
    ${side(d.countA, d.durA, d.errorsA)}${side(d.countB, d.durB, d.errorsB)}
    <td class="num diff-delta">${delta}</td></tr>`;
}

function compareHtml(a: TraceModel, b: TraceModel, diff: TraceDiff): string {
  const summary = [
    `<span class="badge ok" data-summary="added">${plural(diff.added, 'span')} only in B</span>`,
    `<span class="badge error" data-summary="removed">${plural(diff.removed, 'span')} only in A</span>`,
    `<span class="badge warn" data-summary="changed">${plural(diff.changed, 'path')} with other counts</span>`,
    `<span class="badge" data-summary="duration">duration ${signed(b.duration - a.duration)}</span>`,
  ].join(' ');
  return `<div class="compare-sides">${sideHtml('A', a)}${sideHtml('B', b)}</div>
    <div class="card">
      <div class="compare-summary">${summary}</div>
      <table class="grid compare-table" id="compare-table">
        <thead><tr><th>Service &amp; operation</th><th class="num">A spans</th><th class="num">A time</th><th class="num">B spans</th><th class="num">B time</th><th class="num">B − A</th></tr></thead>
        <tbody>${diff.rows.map(rowHtml).join('')}</tbody>
      </table>
    </div>`;
}
