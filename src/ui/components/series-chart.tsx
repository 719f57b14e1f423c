/**
 * One query calculation over time: a line per group (uPlot). Hovering shows every group's value in the
 * legend; clicking a legend entry isolates that group (again: all back; ctrl-click toggles one, uPlot's
 * `legend.isolate`). Clicking a point reports the bucket and the nearest shown group under the cursor
 * (the page lists the traces behind it). Colours follow the groups' order in the results.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { PALETTE } from '../format.js';
import type { ChartPoint, ChartSeries } from '../query-state.js';

/** The group drawn nearest to `y` (data units) at `idx`, among the shown series. */
function nearestGroup(u: uPlot, idx: number, y: number): number {
  let best = -1;
  let dist = Infinity;
  for (let i = 1; i < u.series.length; i++) {
    const v = u.data[i]![idx];
    if (!u.series[i]!.show || v === null || v === undefined) continue;
    if (Math.abs(v - y) < dist) { dist = Math.abs(v - y); best = i - 1; }
  }
  return best;
}

export function SeriesChart({ title, data, bucket, onPoint }: { title: string; data: ChartSeries; bucket: number; onPoint?(p: ChartPoint): void }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const fmt = (v: number | null) => (v === null || v === undefined ? '–' : Number.isInteger(v) ? v.toLocaleString('en-US') : v.toPrecision(4));
    const u = new uPlot({
      width: Math.max(320, el.clientWidth),
      height: 220,
      legend: { show: true, live: true, isolate: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      series: [{}, ...data.groups.map((g, i) => ({
        label: g.label, stroke: PALETTE[i % PALETTE.length], width: 1.6, spanGaps: false, value: (_u: uPlot, v: number | null) => fmt(v),
        points: { show: data.times.length < 60 },
      }))],
    }, [data.times, ...data.groups.map((g) => g.values)] as uPlot.AlignedData, el);
    const click = () => {
      const idx = u.cursor.idx;
      if (idx === null || idx === undefined || !onPoint) return;
      const g = nearestGroup(u, idx, u.posToVal(u.cursor.top ?? 0, 'y'));
      if (g < 0) return;
      const start = data.times[idx]!;
      onPoint({ start, end: start + bucket, group: data.groups[g]!.label, keys: data.groups[g]!.keys });
    };
    u.over.addEventListener('click', click);
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(320, el.clientWidth), height: 220 }));
    ro.observe(el);
    return () => { ro.disconnect(); u.destroy(); };
  }, [data]);
  return (
    <div class="card chart-card" data-chart={title} title={onPoint ? 'Click a point to list the traces behind it' : undefined}>
      <h3 class="chart-title">{title}</h3>
      <div ref={host} />
    </div>
  );
}
