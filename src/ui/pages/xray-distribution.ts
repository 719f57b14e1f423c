/**
 * The X-Ray page's response-time distribution, as the console draws it above its trace list: the
 * summaries' response times in bins (uPlot bars). Dragging across a band of it narrows the filter
 * expression to `responsetime >= lo AND responsetime <= hi` (seconds, X-Ray's keyword) and reruns it.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { XrayTraceSummary } from '../api.js';
import { formatDuration } from '../format.js';

const BINS = 40;

/** Response times (s) in BINS equal bins from 0 to the largest: bin starts and counts. */
export function responseTimeBins(list: XrayTraceSummary[]): { xs: number[]; ys: number[]; width: number } {
  const rts = list.map((s) => s.ResponseTime).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const max = Math.max(0.001, ...rts);
  const width = max / BINS;
  const ys = new Array<number>(BINS).fill(0);
  for (const v of rts) ys[Math.min(BINS - 1, Math.floor(v / width))]!++;
  return { xs: ys.map((_, i) => i * width), ys, width };
}

/** Draws the chart into `host`; `onBand(lo, hi)` on a drag. Returns its teardown. */
export function mountDistribution(host: HTMLElement, list: XrayTraceSummary[], onBand: (lo: number, hi: number) => void): () => void {
  host.innerHTML = '';
  if (!list.length) return () => {};
  const { xs, ys, width } = responseTimeBins(list);
  const plot = new uPlot({
    width: Math.max(300, host.clientWidth || 600),
    height: 130,
    legend: { show: false },
    cursor: { drag: { x: true, y: false, setScale: false } },
    scales: { x: { time: false, range: [0, xs[xs.length - 1]! + width] } },
    axes: [{ values: (_u, vals) => vals.map((v) => formatDuration(v * 1e6)), size: 28 }, { size: 36 }],
    series: [{}, { label: 'traces', stroke: '#2463d6', fill: 'rgba(36, 99, 214, .35)', paths: uPlot.paths.bars!({ size: [0.95, 40], align: 1 }), points: { show: false } }],
    hooks: {
      setSelect: [(u) => {
        if (u.select.width < 3) return;
        const lo = Math.max(0, u.posToVal(u.select.left, 'x'));
        const hi = u.posToVal(u.select.left + u.select.width, 'x');
        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        onBand(Number(lo.toFixed(3)), Number(hi.toFixed(3)));
      }],
    },
  }, [xs, ys], host);
  return () => plot.destroy();
}

/** The expression narrowed to a response-time band. */
export function withBand(expr: string, lo: number, hi: number): string {
  const band = `responsetime >= ${lo} AND responsetime <= ${hi}`;
  const rest = expr.trim().replace(/^\((.*)\) AND responsetime >= [\d.]+ AND responsetime <= [\d.]+$/, '$1').replace(/^responsetime >= [\d.]+ AND responsetime <= [\d.]+$/, '');
  return rest ? `(${rest}) AND ${band}` : band;
}
