/**
 * X-Ray page (`/xray`): trace summaries by filter expression (POST /TraceSummaries) with their
 * response-time distribution (drag a band to filter, xray-distribution.ts) and each trace's segment
 * timeline (xray-segments.ts); groups (POST /Groups, /CreateGroup, /UpdateGroup, /DeleteGroup) and
 * sampling rules (xray-rules.ts). Filter expressions are checked live by the server's parser
 * (GET /api/xray/filter), with a caret at the mistake.
 */
import { xray, type FilterCheck, type XrayTraceSummary } from '../api.js';
import { debounce, el, errorHtml, isAbort, lookbackOptions, setTitle, type PageContext } from '../dom.js';
import { esc, formatAgo, formatDateTime, formatDuration, lookbackSeconds, plural } from '../format.js';
import { mountDistribution, withBand } from './xray-distribution.js';
import { mountSamplingRules } from './xray-rules.js';
import { segmentTimelineHtml } from './xray-segments.js';

export function renderXray(ctx: PageContext): () => void {
  setTitle('X-Ray');
  const q = ctx.url.searchParams;
  const filter = q.get('filter') ?? '';
  const lookback = q.get('lookback') ?? '1h';
  ctx.root.innerHTML = `
  <section class="page">
    <h1>X-Ray</h1>
    <div class="card">
      <h2>Trace summaries <small class="muted">GetTraceSummaries</small></h2>
      <form id="ts-form" class="filter-form" autocomplete="off">
        <label class="grow">Filter expression
          <input name="filter" id="ts-filter" class="mono" spellcheck="false" value="${esc(filter)}"
            placeholder='service("backend-flask") { fault } AND responsetime > 0.5'></label>
        <label>Lookback <select name="lookback">${lookbackOptions(lookback)}</select></label>
        <button type="submit" class="primary">Get summaries</button>
      </form>
      <div class="filter-status" id="ts-status" aria-live="polite"></div>
      <div class="rt-dist" id="ts-dist" title="Response time distribution: drag across a band to filter"></div>
      <div id="ts-results"></div>
    </div>
    <div class="columns">
      <div class="card">
        <h2>Groups <small class="muted">a group is a named filter expression</small></h2>
        <div id="groups"><div class="loading">Loading…</div></div>
        <form id="group-form" class="group-form" autocomplete="off">
          <h3 id="g-title">Create a group</h3>
          <label>Name <input name="name" id="g-name" required pattern="[A-Za-z0-9_\\-.]{1,32}" maxlength="32" placeholder="Cruddur"></label>
          <label>Filter expression
            <input name="filter" id="g-filter" class="mono" spellcheck="false" placeholder='service("backend-flask")'></label>
          <div class="filter-status" id="g-status" aria-live="polite"></div>
          <div class="form-actions"><button type="submit" class="primary" id="g-create">Create group</button>
            <button type="button" id="g-cancel" hidden>Cancel</button></div>
          <div id="g-result"></div>
        </form>
      </div>
      <div class="card">
        <h2>Sampling rules <small class="muted">GetSamplingRules</small></h2>
        <div id="rules-card"></div>
        <p class="muted small">The same rules the AWS CLI or SDK (<span class="mono">create-sampling-rule</span>) manage against this server.</p>
      </div>
    </div>
  </section>`;

  // Trace summaries.
  const tsForm = el<HTMLFormElement>(ctx.root, '#ts-form');
  const tsFilter = el<HTMLInputElement>(ctx.root, '#ts-filter');
  const tsResults = el(ctx.root, '#ts-results');
  const tsCheck = liveFilterCheck(tsFilter, el(ctx.root, '#ts-status'), ctx.signal);
  let shown: XrayTraceSummary[] = [];
  let destroyDist = () => {};
  const distEl = el(ctx.root, '#ts-dist');
  const search = async (expr: string, lb: string, token?: string) => {
    const end = Math.floor(Date.now() / 1000);
    if (!token) {
      tsResults.innerHTML = '<div class="loading">Searching…</div>';
      shown = [];
    }
    try {
      const r = await xray.traceSummaries(end - lookbackSeconds(lb), end, expr, token, ctx.signal);
      shown = shown.concat(r.summaries);
      tsResults.innerHTML = summariesHtml(shown, !!r.nextToken);
      destroyDist();
      destroyDist = mountDistribution(distEl, shown, (lo, hi) => {
        tsFilter.value = withBand(tsFilter.value, lo, hi);
        tsForm.requestSubmit();
      });
      tsResults.querySelector('#ts-more')?.addEventListener('click', () => void search(expr, lb, r.nextToken));
    } catch (err) {
      if (!isAbort(err)) tsResults.innerHTML = errorHtml(err);
    }
  };
  tsResults.addEventListener('click', async (e) => {
    const b = (e.target as Element).closest<HTMLButtonElement>('[data-segments]');
    if (!b) return;
    const row = b.closest('tr')!;
    const next = row.nextElementSibling;
    if (next?.classList.contains('seg-detail')) {
      next.remove();
      b.setAttribute('aria-expanded', 'false');
      return;
    }
    b.setAttribute('aria-expanded', 'true');
    row.insertAdjacentHTML('afterend', `<tr class="seg-detail"><td colspan="8"><div class="loading">Loading segments…</div></td></tr>`);
    const cell = row.nextElementSibling!.querySelector('td')!;
    cell.innerHTML = await segmentTimelineHtml(b.dataset.segments!, ctx.signal);
  });
  tsForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = new FormData(tsForm);
    const expr = String(d.get('filter') ?? '').trim();
    const lb = String(d.get('lookback'));
    const next = new URLSearchParams();
    if (expr) next.set('filter', expr);
    if (lb !== '1h') next.set('lookback', lb);
    ctx.setQuery(next);
    void search(expr, lb);
  });
  if (filter) tsCheck.check();
  void search(filter, lookback);

  // Groups.
  const groupsEl = el(ctx.root, '#groups');
  const loadGroups = async () => {
    try {
      const groups = await xray.groups(ctx.signal);
      groupsEl.innerHTML = `<table class="grid"><thead><tr><th>Name</th><th>Filter expression</th><th></th></tr></thead><tbody>${groups.map((g) => `
        <tr data-group="${esc(g.GroupName)}">
          <td><b>${esc(g.GroupName)}</b><div class="muted tiny mono">${esc(g.GroupARN)}</div></td>
          <td class="mono small">${g.FilterExpression ? esc(g.FilterExpression) : '<span class="muted">(all traces)</span>'}</td>
          <td class="actions">${g.GroupName === 'Default' ? '' : `<a href="/map?group=${encodeURIComponent(g.GroupName)}">map</a>
            <button type="button" class="link" data-edit="${esc(g.GroupName)}" data-filter="${esc(g.FilterExpression ?? '')}">edit</button>
            <button type="button" class="link danger" data-delete="${esc(g.GroupName)}">delete</button>`}</td>
        </tr>`).join('')}</tbody></table>`;
    } catch (err) {
      if (!isAbort(err)) groupsEl.innerHTML = errorHtml(err);
    }
  };
  groupsEl.addEventListener('click', async (e) => {
    const edit = (e.target as Element).closest<HTMLElement>('[data-edit]');
    if (edit) return setGroupEditing(edit.dataset.edit!, edit.dataset.filter ?? '');
    const b = (e.target as Element).closest<HTMLElement>('[data-delete]');
    if (!b || !confirm(`Delete group ${b.dataset.delete}?`)) return;
    try {
      await xray.deleteGroup(b.dataset.delete!);
    } catch (err) {
      groupsEl.insertAdjacentHTML('afterbegin', errorHtml(err));
    }
    void loadGroups();
  });
  void loadGroups();

  const gForm = el<HTMLFormElement>(ctx.root, '#group-form');
  const gFilter = el<HTMLInputElement>(ctx.root, '#g-filter');
  const gResult = el(ctx.root, '#g-result');
  const gButton = el<HTMLButtonElement>(ctx.root, '#g-create');
  const gCheck = liveFilterCheck(gFilter, el(ctx.root, '#g-status'), ctx.signal, (r) => { gButton.disabled = r !== null && !r.ok; });
  const gName = el<HTMLInputElement>(gForm, '#g-name');
  const gCancel = el<HTMLButtonElement>(ctx.root, '#g-cancel');
  let editingGroup: string | null = null;
  const setGroupEditing = (name: string | null, filterExpr = '') => {
    editingGroup = name;
    gForm.reset();
    gCheck.clear();
    gResult.innerHTML = '';
    gName.readOnly = name !== null;
    el(ctx.root, '#g-title').textContent = name ? `Edit group ${name}` : 'Create a group';
    gButton.textContent = name ? 'Save group' : 'Create group';
    gCancel.hidden = name === null;
    if (name) {
      gName.value = name;
      gFilter.value = filterExpr;
      void gCheck.check();
      gFilter.focus();
    }
  };
  gCancel.addEventListener('click', () => setGroupEditing(null));
  gForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = gName.value.trim();
    const expr = gFilter.value.trim();
    if (expr) {
      const r = await gCheck.check();
      if (r && !r.ok) return;
    }
    gResult.innerHTML = '';
    try {
      const g = editingGroup ? await xray.updateGroup(editingGroup, expr) : await xray.createGroup(name, expr);
      const verb = editingGroup ? 'saved' : 'created';
      setGroupEditing(null);
      gResult.innerHTML = `<div class="ok-box">Group <b>${esc(g.GroupName)}</b> ${verb}.</div>`;
      void loadGroups();
    } catch (err) {
      gResult.innerHTML = errorHtml(err);
    }
  });

  // Sampling rules.
  mountSamplingRules(el(ctx.root, '#rules-card'), ctx.signal);
  return () => destroyDist();
}

function summariesHtml(list: XrayTraceSummary[], more: boolean): string {
  if (!list.length) return '<div class="empty">No traces match in this time range.</div>';
  return `<div class="muted small">${plural(list.length, 'trace')}</div>
  <table class="grid summaries"><thead><tr><th>Trace</th><th>Start</th><th class="num">Response time</th><th class="num">Duration</th><th>HTTP</th><th>Status</th><th>Services</th></tr></thead><tbody>
  ${list.map((s) => {
    const start = (s.StartTime ?? 0) * 1e6;
    const http = s.Http ?? {};
    const flags = [s.HasFault ? '<span class="badge error">fault</span>' : '', s.HasError ? '<span class="badge warn">error</span>' : '', s.HasThrottle ? '<span class="badge warn">throttle</span>' : ''].join('');
    return `<tr data-trace-id="${esc(s.Id)}">
      <td><button type="button" class="tog" data-segments="${esc(s.Id)}" aria-expanded="false" aria-label="Segment timeline" title="Segment timeline">▸</button> <a class="mono" href="/trace/${esc(s.Id)}">${esc(s.Id)}</a></td>
      <td>${s.StartTime ? `${formatDateTime(start)} <span class="muted small">${formatAgo(start)}</span>` : ''}</td>
      <td class="num">${s.ResponseTime !== undefined ? formatDuration(s.ResponseTime * 1e6) : ''}</td>
      <td class="num">${s.Duration !== undefined ? formatDuration(s.Duration * 1e6) : ''}</td>
      <td class="small">${esc([http.HttpMethod, http.HttpURL].filter(Boolean).join(' '))}${http.HttpStatus ? ` <b>${http.HttpStatus}</b>` : ''}</td>
      <td>${flags || '<span class="badge ok">ok</span>'}</td>
      <td class="small">${esc((s.ServiceIds ?? []).map((x) => x.Name).join(', '))}</td>
    </tr>`;
  }).join('')}</tbody></table>
  ${more ? '<button type="button" id="ts-more">Load more</button>' : ''}`;
}

/**
 * Checks the input's expression on the server as the user types; shows the normalized form, or the
 * error with a caret under the mistake. `check()` runs now and returns the answer (null when empty).
 */
function liveFilterCheck(input: HTMLInputElement, status: HTMLElement, signal: AbortSignal, onResult?: (r: FilterCheck | null) => void) {
  let seq = 0;
  const show = (r: FilterCheck | null) => {
    input.classList.toggle('invalid', r !== null && !r.ok);
    input.setAttribute('aria-invalid', String(r !== null && !r.ok));
    if (r === null) status.innerHTML = '';
    else if (r.ok) status.innerHTML = `<div class="filter-ok"><b>✓ valid</b> <span class="mono">${esc(r.normalized)}</span></div>`;
    else {
      const caret = (r.caret ?? '').split('\n').slice(1).join('\n');
      status.innerHTML = `<div class="filter-error" data-position="${r.position ?? ''}"><b>✗ ${esc(r.error)}</b>${r.position !== undefined && !/position/.test(r.error) ? ` <span class="pos">at position ${r.position}</span>` : ''}
        ${caret ? `<pre class="caret">${esc(caret)}</pre>` : ''}</div>`;
    }
    onResult?.(r);
  };
  const check = async (): Promise<FilterCheck | null> => {
    const expr = input.value;
    const mine = ++seq;
    if (!expr.trim()) {
      show(null);
      return null;
    }
    try {
      const r = await xray.checkFilter(expr, signal);
      if (mine === seq) show(r);
      return r;
    } catch (err) {
      if (!isAbort(err) && mine === seq) status.innerHTML = errorHtml(err);
      return null;
    }
  };
  input.addEventListener('input', debounce(() => void check(), 150));
  return { check, clear: () => { seq++; show(null); } };
}
