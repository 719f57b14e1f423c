/**
 * HEATMAP(column) as a heatmap: time on x, the column's buckets on y, colour by count (canvas; a few
 * hundred cells, drawn by hand in ~30 lines, where a chart library's heatmap would cost 200 KB, see
 * src/ui/README.md). Dragging a rectangle selects a time span and a value band: `onSelect` gets it in
 * the units BubbleUp takes (epoch seconds, column values).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { HeatmapValue, QueryResult } from '../api.js';

export interface HeatmapSelection { start_time: number; end_time: number; lower: number; upper: number }

const H = 220;
const PAD_L = 56;
const PAD_B = 22;

export function Heatmap({ title, result, keyName, onSelect }: {
  title: string; result: QueryResult; keyName: string; onSelect(s: HeatmapSelection): void;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [drag, setDrag] = useState<{ x0: number; y0: number; x1: number; y1: number } | null>(null);
  // Cells summed over groups: time bucket x value bucket.
  const times = [...new Set(result.series.map((p) => Date.parse(p.time) / 1000))].sort((a, b) => a - b);
  const step = times.length > 1 ? times[1]! - times[0]! : 60;
  let lo = Infinity;
  let hi = -Infinity;
  const cells: { t: number; lower: number; upper: number; count: number }[] = [];
  for (const p of result.series) {
    const v = p.data[keyName] as HeatmapValue | null | undefined;
    for (const b of v?.buckets ?? []) {
      if (!b.count) continue;
      cells.push({ t: Date.parse(p.time) / 1000, ...b });
      lo = Math.min(lo, b.lower);
      hi = Math.max(hi, b.upper);
    }
  }
  const t0 = times[0] ?? 0;
  const t1 = (times[times.length - 1] ?? 0) + step;
  if (!(hi > lo)) { lo = 0; hi = 1; }
  const maxCount = Math.max(1, ...cells.map((c) => c.count));

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const w = c.parentElement!.clientWidth || 600;
    const dpr = window.devicePixelRatio || 1;
    c.width = w * dpr;
    c.height = H * dpr;
    c.style.width = `${w}px`;
    c.style.height = `${H}px`;
    const g = c.getContext('2d')!;
    g.scale(dpr, dpr);
    g.clearRect(0, 0, w, H);
    const pw = w - PAD_L - 8;
    const ph = H - PAD_B - 6;
    const X = (t: number) => PAD_L + ((t - t0) / (t1 - t0 || 1)) * pw;
    const Y = (v: number) => 6 + ph - ((v - lo) / (hi - lo)) * ph;
    for (const cell of cells) {
      const k = Math.sqrt(cell.count / maxCount);
      g.fillStyle = `rgba(36, 99, 214, ${0.12 + 0.88 * k})`;
      g.fillRect(X(cell.t), Y(cell.upper), Math.max(1, X(cell.t + step) - X(cell.t) - 1), Math.max(1, Y(cell.lower) - Y(cell.upper)));
    }
    g.fillStyle = getComputedStyle(c).color;
    g.font = '11px system-ui, sans-serif';
    g.textAlign = 'right';
    for (let i = 0; i <= 4; i++) {
      const v = lo + ((hi - lo) * i) / 4;
      g.fillText(Number(v.toPrecision(3)).toLocaleString('en-US'), PAD_L - 6, Y(v) + 4);
    }
    g.textAlign = 'center';
    for (let i = 0; i <= 4; i++) {
      const t = t0 + ((t1 - t0) * i) / 4;
      g.fillText(new Date(t * 1000).toTimeString().slice(0, 5), Math.min(w - 20, Math.max(PAD_L + 14, X(t))), H - 6);
    }
  }, [result, keyName]);

  const local = (e: PointerEvent) => {
    const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top, w: r.width };
  };
  const finish = (e: PointerEvent) => {
    if (!drag) return;
    const p = local(e);
    const d = { ...drag, x1: p.x, y1: p.y };
    setDrag(null);
    if (Math.abs(d.x1 - d.x0) < 4 || Math.abs(d.y1 - d.y0) < 4) return;
    const pw = p.w - PAD_L - 8;
    const ph = H - PAD_B - 6;
    const T = (x: number) => t0 + ((Math.min(Math.max(x, PAD_L), PAD_L + pw) - PAD_L) / pw) * (t1 - t0);
    const V = (y: number) => lo + ((6 + ph - Math.min(Math.max(y, 6), 6 + ph)) / ph) * (hi - lo);
    onSelect({
      start_time: Math.floor(T(Math.min(d.x0, d.x1))), end_time: Math.ceil(T(Math.max(d.x0, d.x1))),
      lower: V(Math.max(d.y0, d.y1)), upper: V(Math.min(d.y0, d.y1)),
    });
  };
  return (
    <div class="card chart-card" data-chart={title}>
      <h3 class="chart-title">{title} <small class="muted">drag a rectangle to BubbleUp what is different inside it</small></h3>
      <div class="heatmap" onPointerDown={(e) => { const p = local(e); (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId); setDrag({ x0: p.x, y0: p.y, x1: p.x, y1: p.y }); }}
        onPointerMove={(e) => { if (drag) { const p = local(e); setDrag({ ...drag, x1: p.x, y1: p.y }); } }} onPointerUp={finish}>
        <canvas ref={canvas} />
        {drag && <div class="heatmap-brush" style={{ left: `${Math.min(drag.x0, drag.x1)}px`, top: `${Math.min(drag.y0, drag.y1)}px`, width: `${Math.abs(drag.x1 - drag.x0)}px`, height: `${Math.abs(drag.y1 - drag.y0)}px` }} />}
      </div>
    </div>
  );
}
