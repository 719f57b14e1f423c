/**
 * Query builder (`/query`), Honeycomb's: calculated fields, VISUALIZE / WHERE / GROUP BY / HAVING /
 * ORDER BY / LIMIT / granularity over a dataset and a time range, run by `POST /api/honeyray/query/{dataset}`;
 * a chart per calculation (a line per group, HEATMAP as a heatmap; click a point for the traces behind
 * it), the results table, BubbleUp from a heatmap selection. Column names autocomplete from
 * `/1/columns`, filter values from the column's most common values in the range. The whole query is in
 * the URL (share, reload, back button); recent queries are kept in localStorage.
 */
import { render } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { honeycomb, type BubbleUpResult, type Column, type QueryFilter, type QueryResult } from '../api.js';
import { BubbleUp } from '../components/bubble-up.js';
import { Heatmap, type HeatmapSelection } from '../components/heatmap.js';
import { SeriesChart } from '../components/series-chart.js';
import { TimePicker } from '../components/time-picker.js';
import { TracesBehind } from '../components/traces-behind.js';
import { isAbort, setTitle, type PageContext } from '../dom.js';
import { ApiError } from '../api.js';
import {
  ALL_DATASETS, calcKey, FILTER_OPS_WITHOUT_VALUE, formatFilterValue, groupLabel, OPS_WITHOUT_COLUMN, parseFilterValue,
  seriesFor, stateFromUrl, stateToUrl, toSpec, type ChartPoint, type QueryState,
} from '../query-state.js';
import { describeRange } from '../time-range.js';

const CALC_OPS = ['COUNT', 'COUNT_DISTINCT', 'SUM', 'AVG', 'MIN', 'MAX', 'P50', 'P75', 'P90', 'P95', 'P99', 'P999', 'HEATMAP', 'CONCURRENCY', 'RATE_AVG', 'RATE_SUM', 'RATE_MAX'];
const FILTER_OPS = ['=', '!=', '>', '>=', '<', '<=', 'exists', 'does-not-exist', 'contains', 'does-not-contain', 'starts-with', 'does-not-start-with', 'ends-with', 'does-not-end-with', 'in', 'not-in'];
const HAVING_OPS = ['>', '>=', '<', '<=', '=', '!='];
/** Granularity choices in seconds (0: the server's default for the range). */
const GRANULARITIES: [number, string][] = [[0, 'auto'], [10, '10 s'], [30, '30 s'], [60, '1 min'], [300, '5 min'], [900, '15 min'], [3600, '1 hour'], [86400, '1 day']];
const HISTORY_KEY = 'honeyray.queryHistory';

interface HistoryEntry { href: string; title: string; at: number }

function readHistory(): HistoryEntry[] {
  try { return JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]') as HistoryEntry[]; } catch { return []; }
}

function describe(s: QueryState): string {
  const parts = [s.calculations.map(calcKey).join(', ')];
  if (s.filters.length) parts.push(`WHERE ${s.filters.map((f) => `${f.column} ${f.op} ${formatFilterValue(f.value)}`.trim()).join(' AND ')}`);
  if (s.breakdowns.length) parts.push(`GROUP BY ${s.breakdowns.join(', ')}`);
  if (s.havings.length) parts.push(`HAVING ${s.havings.map((h) => `${calcKey({ op: h.calculate_op, column: h.column })} ${h.op} ${h.value}`).join(' AND ')}`);
  return `${parts.join(' ')} · ${s.dataset === ALL_DATASETS ? 'all datasets' : s.dataset} · ${describeRange(s.range)}`;
}

function QueryPage({ ctx }: { ctx: PageContext }) {
  const initial = useMemo(() => stateFromUrl(ctx.url.searchParams), []);
  const [s, setS] = useState<QueryState>(initial);
  const [datasets, setDatasets] = useState<string[]>([]);
  const [columns, setColumns] = useState<Column[]>([]);
  const [result, setResult] = useState<QueryResult | null>(null);
  const [ran, setRan] = useState<QueryState | null>(null);
  const [error, setError] = useState('');
  const [running, setRunning] = useState(false);
  const [bubble, setBubble] = useState<BubbleUpResult | null>(null);
  const [bubbleError, setBubbleError] = useState('');
  const [history] = useState(readHistory);
  const [point, setPoint] = useState<ChartPoint | null>(null);
  // Filter values as typed ("1." or "a, " must survive a re-render; the state holds the parsed value).
  const [drafts, setDrafts] = useState<Record<number, string>>({});
  // Value autocompletion: a column's most common values in the range, asked once per column.
  const [values, setValues] = useState<Record<string, string[]>>({});
  const asked = useRef(new Set<string>());
  const loadValues = (column: string) => {
    const key = `${s.dataset}\u0000${column}`;
    if (!column || asked.current.has(key)) return;
    asked.current.add(key);
    const spec = toSpec({ ...s, calculations: [{ op: 'COUNT' }], filters: [], breakdowns: [column], orders: [], havings: [], limit: 50, granularity: undefined });
    honeycomb.query(s.dataset, spec, ctx.signal).then((r) => {
      setValues((v) => ({ ...v, [key]: r.results.map((x) => x.data[column]).filter((x) => x !== null && x !== undefined).map(String) }));
    }, () => { asked.current.delete(key); });
  };

  useEffect(() => {
    honeycomb.datasets(ctx.signal).then((d) => setDatasets(d.map((x) => x.slug || x.name)), (e) => { if (!isAbort(e)) setError(String((e as Error).message)); });
  }, []);
  useEffect(() => {
    honeycomb.columns(s.dataset, ctx.signal).then((c) => setColumns(c.filter((x) => !x.hidden)), (e) => { if (!isAbort(e)) setColumns([]); });
  }, [s.dataset]);
  // The URL's query runs on arrival (a shared link, reload, back button).
  useEffect(() => {
    if (!ctx.url.searchParams.has('q')) return;
    setRunning(true);
    honeycomb.query(initial.dataset, toSpec(initial), ctx.signal).then((r) => {
      setResult(r);
      setRan(initial);
      setRunning(false);
      const entry = { href: location.pathname + location.search, title: describe(initial), at: Date.now() };
      const next = [entry, ...readHistory().filter((h) => h.href !== entry.href)].slice(0, 20);
      try { localStorage.setItem(HISTORY_KEY, JSON.stringify(next)); } catch { /* not remembered */ }
    }, (e) => {
      if (isAbort(e)) return;
      setRunning(false);
      setError(e instanceof ApiError ? `${e.message} (HTTP ${e.status})` : String((e as Error).message));
    });
  }, []);

  const run = (next: QueryState = s) => ctx.navigate(`/query?${stateToUrl(next)}`);
  const update = (f: (d: QueryState) => void) => setS((prev) => { const d = structuredClone(prev); f(d); return d; });
  const numeric = columns.filter((c) => c.type === 'integer' || c.type === 'float');

  const onSelect = (sel: HeatmapSelection, column: string) => {
    if (!ran) return;
    setBubble(null);
    setBubbleError('');
    honeycomb.bubbleUp(ran.dataset, toSpec(ran), { ...sel, column }, ctx.signal).then(setBubble, (e) => { if (!isAbort(e)) setBubbleError(String((e as Error).message)); });
  };
  const addFilter = (column: string, value: unknown) => {
    const next = structuredClone(ran ?? s);
    next.filters.push({ column, op: '=', value: value as QueryFilter['value'] });
    run(next);
  };
  const addGroup = (column: string) => {
    const next = structuredClone(ran ?? s);
    if (!next.breakdowns.includes(column)) next.breakdowns.push(column);
    run(next);
  };

  return (
    <section class="page query-page">
      <datalist id="q-columns">{columns.map((c) => <option key={c.key_name} value={c.key_name}>{c.type}</option>)}
        {s.calculatedFields.filter((f) => f.name).map((f) => <option key={`cf:${f.name}`} value={f.name}>calculated</option>)}</datalist>
      <datalist id="q-numeric-columns">{numeric.map((c) => <option key={c.key_name} value={c.key_name} />)}</datalist>
      <form class="card query-form" id="query-form" onSubmit={(e) => { e.preventDefault(); run(); }}>
        <div class="q-row"><span class="q-label">Dataset</span>
          <select id="q-dataset" value={s.dataset} onChange={(e) => update((d) => { d.dataset = (e.target as HTMLSelectElement).value; })}>
            <option value={ALL_DATASETS}>All datasets</option>
            {[...new Set([...datasets, ...(s.dataset !== ALL_DATASETS ? [s.dataset] : [])])].map((d) => <option key={d} value={d}>{d}</option>)}
          </select>
          <span class="grow" />
          <TimePicker value={s.range} onChange={(r) => update((d) => { d.range = r; })} />
        </div>
        <div class="q-row"><span class="q-label" title="Calculated fields: a name and a formula over columns, usable everywhere below">Fields</span>
          {s.calculatedFields.map((f, i) => (
            <span class="q-clause q-calc-field" key={i}>
              <input class="q-cf-name" aria-label="Calculated field name" placeholder="name" value={f.name} onInput={(e) => update((d) => { d.calculatedFields[i]!.name = (e.target as HTMLInputElement).value; })} />
              <span class="muted">=</span>
              <input class="q-cf-expr mono" aria-label="Calculated field formula" placeholder="IF(GTE($duration_ms, 100), 1, 0)" size={34} value={f.expression} onInput={(e) => update((d) => { d.calculatedFields[i]!.expression = (e.target as HTMLInputElement).value; })} />
              <button type="button" class="x" aria-label="Remove calculated field" onClick={() => update((d) => { d.calculatedFields.splice(i, 1); })}>×</button>
            </span>
          ))}
          <button type="button" id="q-add-field" title="Add a calculated field" onClick={() => update((d) => { d.calculatedFields.push({ name: '', expression: '' }); })}>+</button>
        </div>
        <div class="q-row"><span class="q-label">Visualize</span>
          {s.calculations.map((c, i) => (
            <span class="q-clause q-calc" key={i}>
              <select class="q-calc-op" aria-label="Calculation" value={c.op} onChange={(e) => update((d) => { d.calculations[i]!.op = (e.target as HTMLSelectElement).value; })}>
                {CALC_OPS.map((o) => <option key={o}>{o}</option>)}
              </select>
              {!OPS_WITHOUT_COLUMN.has(c.op) && <input class="q-calc-col" aria-label="Column" list={c.op === 'COUNT_DISTINCT' ? 'q-columns' : 'q-numeric-columns'} placeholder="column" value={c.column ?? ''}
                onInput={(e) => update((d) => { d.calculations[i]!.column = (e.target as HTMLInputElement).value; })} />}
              {s.calculations.length > 1 && <button type="button" class="x" aria-label="Remove" onClick={() => update((d) => { d.calculations.splice(i, 1); })}>×</button>}
            </span>
          ))}
          <button type="button" id="q-add-calc" onClick={() => update((d) => { d.calculations.push({ op: 'P99', column: 'duration_ms' }); })}>+</button>
        </div>
        <div class="q-row"><span class="q-label">Where</span>
          {s.filters.map((f, i) => (
            <span class="q-clause q-filter" key={i}>
              <input class="q-filter-col" aria-label="Filter column" list="q-columns" placeholder="column" value={f.column} onInput={(e) => update((d) => { d.filters[i]!.column = (e.target as HTMLInputElement).value; })} />
              <select class="q-filter-op" aria-label="Filter operator" value={f.op} onChange={(e) => update((d) => { const op = (e.target as HTMLSelectElement).value; d.filters[i]!.op = op; d.filters[i]!.value = parseFilterValue(op, formatFilterValue(d.filters[i]!.value)); })}>
                {FILTER_OPS.map((o) => <option key={o}>{o}</option>)}
              </select>
              {!FILTER_OPS_WITHOUT_VALUE.has(f.op) && <input class="q-filter-value" aria-label="Filter value" placeholder="value" list={`q-values-${i}`} onFocus={() => loadValues(f.column)} value={drafts[i] ?? formatFilterValue(f.value)}
                onInput={(e) => { const text = (e.target as HTMLInputElement).value; setDrafts((x) => ({ ...x, [i]: text })); update((d) => { d.filters[i]!.value = parseFilterValue(f.op, text); }); }} />}
              <datalist id={`q-values-${i}`}>{(values[`${s.dataset}\u0000${f.column}`] ?? []).map((v) => <option key={v} value={v} />)}</datalist>
              <button type="button" class="x" aria-label="Remove filter" onClick={() => { setDrafts({}); update((d) => { d.filters.splice(i, 1); }); }}>×</button>
            </span>
          ))}
          <button type="button" id="q-add-filter" onClick={() => update((d) => { d.filters.push({ column: '', op: '=', value: '' }); })}>+</button>
        </div>
        <div class="q-row"><span class="q-label">Group by</span>
          {s.breakdowns.map((b, i) => (
            <span class="q-clause" key={i}>
              <input class="q-group" aria-label="Group by column" list="q-columns" placeholder="column" value={b} onInput={(e) => update((d) => { d.breakdowns[i] = (e.target as HTMLInputElement).value; })} />
              <button type="button" class="x" aria-label="Remove group" onClick={() => update((d) => { d.breakdowns.splice(i, 1); })}>×</button>
            </span>
          ))}
          <button type="button" id="q-add-group" onClick={() => update((d) => { d.breakdowns.push(''); })}>+</button>
        </div>
        <div class="q-row"><span class="q-label">Having</span>
          {s.havings.map((h, i) => (
            <span class="q-clause q-having" key={i}>
              <select class="q-having-calc" aria-label="Having calculation" value={`${h.calculate_op}|${h.column ?? ''}`} onChange={(e) => update((d) => { const [op, column] = (e.target as HTMLSelectElement).value.split('|'); d.havings[i] = { ...d.havings[i]!, calculate_op: op!, ...(column ? { column } : { column: undefined }) }; })}>
                {s.calculations.filter((c) => c.op !== 'HEATMAP').map((c) => <option key={calcKey(c)} value={`${c.op}|${OPS_WITHOUT_COLUMN.has(c.op) ? '' : c.column ?? ''}`}>{calcKey(c)}</option>)}
              </select>
              <select class="q-having-op" aria-label="Having operator" value={h.op} onChange={(e) => update((d) => { d.havings[i]!.op = (e.target as HTMLSelectElement).value; })}>
                {HAVING_OPS.map((o) => <option key={o}>{o}</option>)}
              </select>
              <input class="q-having-value" type="number" step="any" aria-label="Having value" value={h.value} onInput={(e) => update((d) => { d.havings[i]!.value = Number((e.target as HTMLInputElement).value); })} />
              <button type="button" class="x" aria-label="Remove having" onClick={() => update((d) => { d.havings.splice(i, 1); })}>×</button>
            </span>
          ))}
          <button type="button" id="q-add-having" onClick={() => update((d) => { const c = d.calculations.find((x) => x.op !== 'HEATMAP') ?? { op: 'COUNT' }; d.havings.push({ calculate_op: c.op, ...(OPS_WITHOUT_COLUMN.has(c.op) ? {} : { column: c.column }), op: '>', value: 0 }); })}>+</button>
        </div>
        <div class="q-row"><span class="q-label">Order by</span>
          <select id="q-order" aria-label="Order by" value={s.orders[0] ? `${s.orders[0].op ?? ''}|${s.orders[0].column ?? ''}|${s.orders[0].order ?? 'descending'}` : ''}
            onChange={(e) => update((d) => { const v = (e.target as HTMLSelectElement).value; if (!v) { d.orders = []; return; } const [op, column, order] = v.split('|'); d.orders = [{ ...(op ? { op } : {}), ...(column ? { column } : {}), order: order as 'ascending' | 'descending' }]; })}>
            <option value="">default</option>
            {s.calculations.flatMap((c) => ['descending', 'ascending'].map((o) => <option key={`${calcKey(c)}${o}`} value={`${c.op}|${OPS_WITHOUT_COLUMN.has(c.op) ? '' : c.column ?? ''}|${o}`}>{calcKey(c)} {o === 'descending' ? '↓' : '↑'}</option>))}
          </select>
          <span class="q-label">Limit</span>
          <input id="q-limit" type="number" min="1" max="1000" placeholder="100" value={s.limit ?? ''} onInput={(e) => update((d) => { const v = Number((e.target as HTMLInputElement).value); d.limit = v > 0 ? v : undefined; })} />
          <span class="q-label">Granularity</span>
          <select id="q-granularity" aria-label="Granularity" value={s.granularity ?? 0} onChange={(e) => update((d) => { const v = Number((e.target as HTMLSelectElement).value); d.granularity = v > 0 ? v : undefined; })}>
            {GRANULARITIES.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
          </select>
          <span class="grow" />
          <button type="submit" class="primary" id="q-run">Run query</button>
        </div>
      </form>
      {error && <div class="error-box" role="alert">{error}</div>}
      {running && <div class="loading">Running…</div>}
      {result && ran && <Results result={result} ran={ran} onSelect={onSelect} onPoint={setPoint} />}
      {point && ran && <TracesBehind ran={ran} point={point} signal={ctx.signal} onClose={() => setPoint(null)} />}
      {bubbleError && <div class="error-box" role="alert">{bubbleError}</div>}
      {bubble && <BubbleUp result={bubble} onFilter={addFilter} onGroup={addGroup} />}
      {history.length > 0 && (
        <details class="card q-history"><summary>Recent queries <small>{history.length}</small></summary>
          <ul>{history.map((h) => <li key={h.href}><a href={h.href}>{h.title}</a> <small class="muted">{new Date(h.at).toLocaleString()}</small></li>)}</ul>
        </details>
      )}
    </section>
  );
}

function Results({ result, ran, onSelect, onPoint }: { result: QueryResult; ran: QueryState; onSelect(sel: HeatmapSelection, column: string): void; onPoint(p: ChartPoint): void }) {
  const keys = ran.calculations.map(calcKey);
  const times = [...new Set(result.series.map((p) => Date.parse(p.time) / 1000))].sort((a, b) => a - b);
  const bucket = ran.granularity ?? (times.length > 1 ? times[1]! - times[0]! : 60);
  // Once per result: a new series object would redraw the charts (and drop an isolated series).
  const series = useMemo(() => keys.map((k) => seriesFor(result, ran.breakdowns, k)), [result, ran]);
  const cell = (v: unknown) => (v === null || v === undefined ? '–' : typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toPrecision(4)) : typeof v === 'object' ? '▦' : String(v));
  return (
    <div class="q-results">
      <div class="muted small q-meta">{result.results.length} group{result.results.length === 1 ? '' : 's'}{result.meta ? ` · ${result.meta.rows.toLocaleString('en-US')} rows · ${result.meta.sql_ms} ms in the engine` : ''}</div>
      {ran.calculations.map((c, i) => c.op === 'HEATMAP'
        ? <Heatmap key={i} title={keys[i]!} result={result} keyName={keys[i]!} onSelect={(sel) => onSelect(sel, c.column ?? 'duration_ms')} />
        : <SeriesChart key={i} title={keys[i]!} data={series[i]!} bucket={bucket} onPoint={onPoint} />)}
      {(ran.breakdowns.length > 0 || ran.calculations.some((c) => c.op !== 'HEATMAP')) && <div class="card"><table class="grid" id="q-table">
        <thead><tr>{ran.breakdowns.map((b) => <th key={b}>{b}</th>)}{keys.filter((_k, i) => ran.calculations[i]!.op !== 'HEATMAP').map((k) => <th key={k} class="num">{k}</th>)}</tr></thead>
        <tbody>{result.results.map((r) => (
          <tr key={groupLabel(r.data, ran.breakdowns)}>{ran.breakdowns.map((b) => <td key={b}>{cell(r.data[b])}</td>)}
            {keys.filter((_k, i) => ran.calculations[i]!.op !== 'HEATMAP').map((k) => <td key={k} class="num">{cell(r.data[k])}</td>)}</tr>
        ))}</tbody>
      </table></div>}
    </div>
  );
}

export function renderQuery(ctx: PageContext): () => void {
  setTitle('Query');
  render(<QueryPage ctx={ctx} />, ctx.root);
  return () => render(null, ctx.root);
}
