/**
 * One query calculation over time: a line per group (uPlot). Hovering shows every group's value in the
 * legend; clicking a legend entry hides or shows that group (uPlot's own legend toggling), so one series
 * can be isolated. Colours follow the groups' order in the results.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { PALETTE } from '../format.js';
import type { ChartSeries } from '../query-state.js';

export function SeriesChart({ title, data }: { title: string; data: ChartSeries }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const fmt = (v: number | null) => (v === null || v === undefined ? '–' : Number.isInteger(v) ? v.toLocaleString('en-US') : v.toPrecision(4));
    const u = new uPlot({
      width: Math.max(320, el.clientWidth),
      height: 220,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      series: [{}, ...data.groups.map((g, i) => ({
        label: g.label, stroke: PALETTE[i % PALETTE.length], width: 1.6, spanGaps: false, value: (_u: uPlot, v: number | null) => fmt(v),
        points: { show: data.times.length < 60 },
      }))],
    }, [data.times, ...data.groups.map((g) => g.values)] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(320, el.clientWidth), height: 220 }));
    ro.observe(el);
    return () => { ro.disconnect(); u.destroy(); };
  }, [data]);
  return (
    <div class="card chart-card" data-chart={title}>
      <h3 class="chart-title">{title}</h3>
      <div ref={host} />
    </div>
  );
}
