/**
 * BubbleUp results: every column the server ranked (most different first), each with its top values as
 * paired bars, selection against baseline, as Honeycomb draws them. A value's buttons add it to the
 * query as a filter or a group-by.
 */
import type { BubbleUpResult } from '../api.js';

const pct = (f: number) => `${(100 * f).toFixed(f < 0.01 && f > 0 ? 2 : 1)}%`;

export function BubbleUp({ result, onFilter, onGroup }: {
  result: BubbleUpResult; onFilter(column: string, value: unknown): void; onGroup(column: string): void;
}) {
  return (
    <div class="card bubbleup">
      <h2>BubbleUp <small>{result.selection_count.toLocaleString('en-US')} events selected · {result.baseline_count.toLocaleString('en-US')} in the baseline</small></h2>
      {result.columns.length === 0 && <p class="muted">No column differs between the selection and the baseline.</p>}
      <div class="bubbleup-grid">
        {result.columns.slice(0, 24).map((c) => {
          const values = [...new Set([...c.selection.map((x) => String(x.value)), ...c.baseline.map((x) => String(x.value))])].slice(0, 6);
          const frac = (list: { value: unknown; fraction: number }[], v: string) => list.find((x) => String(x.value) === v)?.fraction ?? 0;
          return (
            <section class="bubbleup-col" data-column={c.column} key={c.column}>
              <header><b>{c.column}</b> <span class="muted small">score {c.score.toFixed(2)}</span>
                <button type="button" class="link" data-group={c.column} onClick={() => onGroup(c.column)}>group by</button></header>
              <ul>
                {values.map((v) => (
                  <li key={v} data-value={v}>
                    <span class="bu-value" title={v}>{v}</span>
                    <span class="bu-bars">
                      <i class="sel" style={{ width: pct(frac(c.selection, v)) }} title={`selection ${pct(frac(c.selection, v))}`} />
                      <i class="base" style={{ width: pct(frac(c.baseline, v)) }} title={`baseline ${pct(frac(c.baseline, v))}`} />
                    </span>
                    <span class="bu-pct">{pct(frac(c.selection, v))} <span class="muted">vs {pct(frac(c.baseline, v))}</span></span>
                    {!/^-?[\d.e+-]+\.\.-?[\d.e+-]+$/.test(v) && <button type="button" class="link" data-filter={v} onClick={() => onFilter(c.column, c.selection.find((x) => String(x.value) === v)?.value ?? c.baseline.find((x) => String(x.value) === v)?.value)}>filter</button>}
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
      </div>
    </div>
  );
}
