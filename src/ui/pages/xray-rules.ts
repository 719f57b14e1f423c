/**
 * The X-Ray page's sampling rules card: the rules (GetSamplingRules) and a form that creates, edits
 * (UpdateSamplingRule) and deletes them. Validation is the API's: its message is shown under the form
 * as the server wrote it, so what the UI accepts is exactly what `aws xray create-sampling-rule` does.
 */
import { xray, type SamplingRule } from '../api.js';
import { el, errorHtml, isAbort } from '../dom.js';
import { esc } from '../format.js';

const FIELDS: [keyof SamplingRule, string, string][] = [
  ['ServiceName', 'Service', '*'], ['ServiceType', 'Service type', '*'], ['Host', 'Host', '*'],
  ['HTTPMethod', 'HTTP method', '*'], ['URLPath', 'URL path', '*'], ['ResourceARN', 'Resource ARN', '*'],
];

export function mountSamplingRules(root: HTMLElement, signal: AbortSignal): void {
  root.innerHTML = `<div id="rules"><div class="loading">Loading…</div></div>
    <form id="rule-form" class="group-form rule-form" autocomplete="off" novalidate>
      <h3 id="r-title">Create a sampling rule</h3>
      <div class="form-grid">
        <label>Name <input name="RuleName" id="r-name" maxlength="32" placeholder="checkout"></label>
        <label>Priority <input name="Priority" id="r-priority" type="number" value="1000"></label>
        <label>Reservoir (/s) <input name="ReservoirSize" id="r-reservoir" type="number" value="1"></label>
        <label>Rate (%) <input name="FixedRate" id="r-rate" type="number" step="any" value="5"></label>
        ${FIELDS.map(([k, label, v]) => `<label>${label} <input name="${k}" value="${v}" class="mono"></label>`).join('')}
      </div>
      <div class="form-actions"><button type="submit" class="primary" id="r-save">Create rule</button>
        <button type="button" id="r-cancel" hidden>Cancel</button></div>
      <div id="r-result" aria-live="polite"></div>
    </form>`;
  const list = el(root, '#rules');
  const form = el<HTMLFormElement>(root, '#rule-form');
  const result = el(root, '#r-result');
  const save = el<HTMLButtonElement>(root, '#r-save');
  const cancel = el<HTMLButtonElement>(root, '#r-cancel');
  let rules: SamplingRule[] = [];
  let editing: string | null = null;

  const setEditing = (r: SamplingRule | null) => {
    editing = r?.RuleName ?? null;
    form.reset();
    const name = el<HTMLInputElement>(form, '#r-name');
    name.readOnly = !!r;
    el(root, '#r-title').textContent = r ? `Edit rule ${r.RuleName}` : 'Create a sampling rule';
    save.textContent = r ? 'Save rule' : 'Create rule';
    cancel.hidden = !r;
    if (!r) return;
    for (const [k] of [['RuleName'], ['Priority'], ['ReservoirSize'], ...FIELDS] as [keyof SamplingRule][]) {
      (form.elements.namedItem(k) as HTMLInputElement).value = String(r[k] ?? '');
    }
    (form.elements.namedItem('FixedRate') as HTMLInputElement).value = String(+(r.FixedRate * 100).toFixed(6));
  };
  const load = async () => {
    try {
      rules = await xray.samplingRules(signal);
      rules.sort((a, b) => a.Priority - b.Priority || a.RuleName.localeCompare(b.RuleName));
      list.innerHTML = `<table class="grid"><thead><tr><th>Rule</th><th class="num">Priority</th><th class="num">Reservoir</th><th class="num">Rate</th><th>Matches</th><th></th></tr></thead><tbody>${rules.map((r) => {
        const match = FIELDS.map(([k]) => [k, r[k]] as const).filter(([, v]) => v && v !== '*').map(([k, v]) => `${k}=<span class="mono">${esc(v)}</span>`).join(' ');
        return `<tr data-rule="${esc(r.RuleName)}"><td><b>${esc(r.RuleName)}</b></td><td class="num">${r.Priority}</td>
          <td class="num">${r.ReservoirSize}/s</td><td class="num">${+(r.FixedRate * 100).toFixed(2)}%</td>
          <td class="small">${match || '<span class="muted">every request</span>'}</td>
          <td class="actions"><button type="button" class="link" data-edit="${esc(r.RuleName)}">edit</button>
          ${r.RuleName === 'Default' ? '' : `<button type="button" class="link danger" data-delete="${esc(r.RuleName)}">delete</button>`}</td></tr>`;
      }).join('')}</tbody></table>`;
    } catch (err) {
      if (!isAbort(err)) list.innerHTML = errorHtml(err);
    }
  };
  list.addEventListener('click', async (e) => {
    const t = e.target as Element;
    const edit = t.closest<HTMLElement>('[data-edit]');
    if (edit) {
      setEditing(rules.find((r) => r.RuleName === edit.dataset.edit) ?? null);
      result.innerHTML = '';
      el<HTMLInputElement>(form, '#r-priority').focus();
      return;
    }
    const del = t.closest<HTMLElement>('[data-delete]');
    if (!del || !confirm(`Delete sampling rule ${del.dataset.delete}?`)) return;
    try {
      await xray.deleteSamplingRule(del.dataset.delete!);
      result.innerHTML = `<div class="ok-box">Rule <b>${esc(del.dataset.delete)}</b> deleted.</div>`;
      if (editing === del.dataset.delete) setEditing(null);
    } catch (err) {
      result.innerHTML = errorHtml(err);
    }
    void load();
  });
  cancel.addEventListener('click', () => { setEditing(null); result.innerHTML = ''; });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = new FormData(form);
    // Numbers as typed (an empty or malformed one goes to the API as is: its message says what is wrong).
    const num = (k: string) => { const v = String(d.get(k) ?? '').trim(); return v === '' ? undefined : Number(v); };
    const rate = num('FixedRate');
    const rule = {
      RuleName: String(d.get('RuleName') ?? '').trim(),
      Priority: num('Priority'), ReservoirSize: num('ReservoirSize'), FixedRate: rate === undefined ? undefined : rate / 100,
      ...Object.fromEntries(FIELDS.map(([k]) => [k, String(d.get(k) ?? '')])),
    } as SamplingRule;
    try {
      // The reserved Default rule takes only its rate and reservoir (the API refuses the rest).
      const update = editing === 'Default' ? { RuleName: editing, FixedRate: rule.FixedRate, ReservoirSize: rule.ReservoirSize } : { ...rule, RuleName: editing ?? '' };
      const saved = editing ? await xray.updateSamplingRule(update) : await xray.createSamplingRule({ ...rule, Version: 1 });
      result.innerHTML = `<div class="ok-box">Rule <b>${esc(saved.RuleName)}</b> ${editing ? 'saved' : 'created'}.</div>`;
      setEditing(null);
      void load();
    } catch (err) {
      result.innerHTML = errorHtml(err);
    }
  });
  void load();
}
