/**
 * Home (`/home`): per dataset (service) over the chosen range: requests, error rate, P50/P95/P99 with
 * sparklines, then the top operations, the latest and the slowest traces, all computed by the engine
 * (`POST /api/honeyray/query/__all__`, `GET /api/honeyray/trace-summaries` for the latest). With no data yet, a "send your
 * first trace" panel with copy-paste settings that turns into the data view when spans arrive.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { honeycomb, honeyray, summaryFromRow, type QueryResult, type QuerySpecIn } from '../api.js';
import { Sparkline } from '../components/sparkline.js';
import { TimePicker } from '../components/time-picker.js';
import { isAbort, setTitle, type PageContext } from '../dom.js';
import { formatDuration, formatPercent, formatAgo } from '../format.js';
import { ALL_DATASETS, seriesFor, toSpec, emptyState } from '../query-state.js';
import { rangeFromParams, rangeToUrl, type TimeRange } from '../time-range.js';
import type { TraceSummary } from '../trace-model.js';

const ms = (v: unknown) => (typeof v === 'number' ? formatDuration(v * 1000) : '–');
const spec = (range: TimeRange, s: QuerySpecIn): QuerySpecIn => ({ ...toSpec({ ...emptyState(), range }), ...s });

interface Data { perService: QueryResult; errors: QueryResult; ops: QueryResult; slow: QueryResult; latest: TraceSummary[] }

function FirstTrace() {
  const host = location.hostname;
  return (
    <div class="card first-trace" id="first-trace">
      <h1>Send your first trace</h1>
      <p>Honeyray has not received any spans yet. This page turns into the overview as soon as some arrive.</p>
      <h3>OpenTelemetry SDK (OTLP/HTTP)</h3>
      <pre class="stack">{`export OTEL_SERVICE_NAME=backend-flask
export OTEL_EXPORTER_OTLP_ENDPOINT=http://${host}:4318
export OTEL_EXPORTER_OTLP_HEADERS="x-honeycomb-team=anything"`}</pre>
      <h3>AWS X-Ray SDK (daemon)</h3>
      <pre class="stack">{`export AWS_XRAY_DAEMON_ADDRESS=${host}:2000`}</pre>
      <h3>AWS CLI</h3>
      <pre class="stack">{`export AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=y AWS_REGION=us-east-1
aws xray get-trace-summaries --endpoint-url http://${host}:2000 \\
   --start-time $(($(date +%s)-600)) --end-time $(date +%s)`}</pre>
    </div>
  );
}

function Home({ ctx }: { ctx: PageContext }) {
  const [range, setRange] = useState<TimeRange>(() => rangeFromParams(ctx.url.searchParams));
  const [empty, setEmpty] = useState<boolean | null>(null);
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState('');

  // Wait for data: poll the datasets every 3 s while there are none.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = () => honeycomb.datasets(ctx.signal).then((d) => {
      setEmpty(d.length === 0);
      if (d.length === 0) timer = setTimeout(check, 3000);
    }, (e) => { if (!isAbort(e)) setError(String((e as Error).message)); });
    void check();
    return () => clearTimeout(timer);
  }, []);

  useEffect(() => {
    if (empty !== false) return;
    const q = (s: QuerySpecIn) => honeycomb.query(ALL_DATASETS, spec(range, s), ctx.signal);
    const latest = new URLSearchParams({ limit: '8' });
    if (range.kind === 'absolute') { latest.set('lookback', 'custom'); latest.set('start', String(range.startUs)); latest.set('end', String(range.endUs)); } else latest.set('lookback', range.lookback);
    Promise.all([
      q({ calculations: [{ op: 'COUNT' }, { op: 'P50', column: 'duration_ms' }, { op: 'P95', column: 'duration_ms' }, { op: 'P99', column: 'duration_ms' }], breakdowns: ['service.name'], limit: 50 }),
      q({ calculations: [{ op: 'COUNT' }], filters: [{ column: 'error', op: '=', value: true }], breakdowns: ['service.name'], limit: 50 }),
      q({ calculations: [{ op: 'COUNT' }, { op: 'P99', column: 'duration_ms' }], breakdowns: ['service.name', 'name'], orders: [{ op: 'COUNT', order: 'descending' }], limit: 10 }),
      q({ calculations: [{ op: 'MAX', column: 'duration_ms' }], filters: [{ column: 'is_root', op: '=', value: true }], breakdowns: ['trace.trace_id', 'service.name', 'name'], orders: [{ op: 'MAX', column: 'duration_ms', order: 'descending' }], limit: 8 }),
      honeyray.traceSummaries(latest, ctx.signal).then((t) => t.data.map(summaryFromRow)),
    ]).then(([perService, errors, ops, slow, latest]) => setData({ perService, errors, ops, slow, latest }), (e) => {
      if (!isAbort(e)) setError(String((e as Error).message));
    });
  }, [empty, range]);

  const changeRange = (r: TimeRange) => {
    setRange(r);
    const q = new URLSearchParams();
    rangeToUrl(r, q);
    ctx.setQuery(q, { replace: true });
  };

  if (error) return <section class="page narrow"><div class="error-box" role="alert">{error}</div></section>;
  if (empty === null) return <section class="page"><div class="loading">Loading…</div></section>;
  if (empty) return <section class="page narrow"><FirstTrace /></section>;
  const errs = new Map((data?.errors.results ?? []).map((r) => [String(r.data['service.name']), Number(r.data.COUNT)]));
  const series = (key: string) => (data ? seriesFor(data.perService, ['service.name'], key) : null);
  const count = series('COUNT');
  const p99 = series('P99(duration_ms)');
  const spark = (s: typeof count, name: string) => s?.groups.find((g) => g.label === name)?.values ?? [];
  return (
    <section class="page home">
      <div class="home-head"><h1>Overview</h1><span class="grow" /><TimePicker value={range} onChange={changeRange} /></div>
      {!data ? <div class="loading">Loading…</div> : (
        <>
          <div class="card"><table class="grid" id="home-datasets">
            <thead><tr><th>Dataset</th><th class="num">Requests</th><th>Over time</th><th class="num">Error rate</th><th class="num">P50</th><th class="num">P95</th><th class="num">P99</th><th>P99 over time</th></tr></thead>
            <tbody>{data.perService.results.map((r) => {
              const name = String(r.data['service.name']);
              const n = Number(r.data.COUNT);
              return (
                <tr key={name} data-dataset={name}>
                  <td><a href={`/query?dataset=${encodeURIComponent(name)}&q=${encodeURIComponent(JSON.stringify({ calculations: [{ op: 'COUNT' }, { op: 'HEATMAP', column: 'duration_ms' }] }))}`}>{name}</a></td>
                  <td class="num">{n.toLocaleString('en-US')}</td>
                  <td><Sparkline values={spark(count, name)} label={`requests of ${name}`} /></td>
                  <td class={`num${errs.get(name) ? ' text-error' : ''}`}>{formatPercent(errs.get(name) ?? 0, n)}</td>
                  <td class="num">{ms(r.data['P50(duration_ms)'])}</td><td class="num">{ms(r.data['P95(duration_ms)'])}</td><td class="num">{ms(r.data['P99(duration_ms)'])}</td>
                  <td><Sparkline values={spark(p99, name)} color="#b35900" label={`P99 of ${name}`} /></td>
                </tr>
              );
            })}</tbody>
          </table></div>
          <div class="home-cols">
            <div class="card"><h2>Top operations</h2><table class="grid" id="home-ops"><tbody>{data.ops.results.map((r) => (
              <tr key={`${r.data['service.name']}${r.data.name}`}><td><a href={`/?service=${encodeURIComponent(String(r.data['service.name']))}&operation=${encodeURIComponent(String(r.data.name))}`}>{String(r.data['service.name'])}: {String(r.data.name)}</a></td>
                <td class="num">{Number(r.data.COUNT).toLocaleString('en-US')}</td><td class="num">p99 {ms(r.data['P99(duration_ms)'])}</td></tr>
            ))}</tbody></table></div>
            <div class="card"><h2>Latest traces</h2><table class="grid" id="home-latest"><tbody>{data.latest.map((t) => (
              <tr key={t.traceID}><td><a href={`/trace/${t.traceID}`}>{t.service}: {t.operation}</a>{t.errors ? <span class="badge error">error</span> : null}</td><td class="num">{formatDuration(t.duration)}</td><td class="num muted">{formatAgo(t.start)}</td></tr>
            ))}</tbody></table></div>
            <div class="card"><h2>Slowest traces</h2><table class="grid" id="home-slow"><tbody>{data.slow.results.map((r) => (
              <tr key={String(r.data['trace.trace_id'])}><td><a href={`/trace/${String(r.data['trace.trace_id'])}`}>{String(r.data['service.name'])}: {String(r.data.name)}</a></td><td class="num">{ms(r.data['MAX(duration_ms)'])}</td></tr>
            ))}</tbody></table></div>
          </div>
        </>
      )}
    </section>
  );
}

export function renderHome(ctx: PageContext): () => void {
  setTitle('Home');
  render(<Home ctx={ctx} />, ctx.root);
  return () => render(null, ctx.root);
}
