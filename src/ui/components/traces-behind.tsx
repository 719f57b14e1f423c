/**
 * The traces behind a point of a query chart: the query re-run for that group and time bucket with one
 * row per trace id (query-state.ts `tracesBehindSpec`), slowest first, each a link to its trace.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { honeycomb, type QueryResult } from '../api.js';
import { isAbort } from '../dom.js';
import { formatDateTime, formatDuration } from '../format.js';
import { tracesBehindSpec, type ChartPoint, type QueryState } from '../query-state.js';

export function TracesBehind({ ran, point, signal, onClose }: { ran: QueryState; point: ChartPoint; signal: AbortSignal; onClose(): void }) {
  const [rows, setRows] = useState<QueryResult['results'] | null>(null);
  const [error, setError] = useState('');
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.scrollIntoView({ block: 'nearest' });
    setRows(null);
    setError('');
    honeycomb.query(ran.dataset, tracesBehindSpec(ran, point), signal).then((r) => setRows(r.results), (e) => { if (!isAbort(e)) setError(String((e as Error).message)); });
  }, [point]);
  return (
    <div ref={box} class="card traces-behind" role="region" aria-label="Traces behind the point">
      <div class="detail-head">
        <h3>Traces behind <b>{point.group}</b> · {formatDateTime(point.start * 1e6)} + {formatDuration((point.end - point.start) * 1e6)}</h3>
        <button type="button" class="close" aria-label="Close" onClick={onClose}>×</button>
      </div>
      {error && <div class="error-box" role="alert">{error}</div>}
      {!rows && !error && <div class="loading">Finding the traces…</div>}
      {rows && rows.length === 0 && <p class="muted">No traces in this bucket.</p>}
      {rows && rows.length > 0 && (
        <table class="grid"><thead><tr><th>Trace</th><th class="num">Matching spans</th><th class="num">Slowest span</th></tr></thead>
          <tbody>{rows.map((r) => {
            const id = String(r.data['trace.trace_id']);
            return <tr key={id} data-trace-id={id}><td><a class="mono" href={`/trace/${id}`}>{id}</a></td>
              <td class="num">{Number(r.data.COUNT).toLocaleString('en-US')}</td><td class="num">{formatDuration(Number(r.data['MAX(duration_ms)']) * 1000)}</td></tr>;
          })}</tbody></table>
      )}
    </div>
  );
}
