/**
 * Duration over time, one point per trace (errors red), above the search results, as Jaeger's search
 * page draws it: hover names the trace, click opens it, drag across a time span narrows the search to
 * it. uPlot draws it (canvas, axes and drag-select built in; see src/ui/README.md); the result list
 * below stays the keyboard path to every trace.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatDateTime, formatDuration, plural } from '../format.js';
import type { TraceSummary } from '../trace-model.js';

interface Props {
  traces: TraceSummary[];
  onOpen(traceID: string): void;
  /** A dragged time span, epoch µs. */
  onBrush(startUs: number, endUs: number): void;
}

export function DurationScatter({ traces, onOpen, onBrush }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const [tip, setTip] = useState<{ t: TraceSummary; left: number; top: number } | null>(null);
  // The latest callbacks, read by the chart's hooks (created once per data set).
  const cb = useRef({ onOpen, onBrush });
  cb.current = { onOpen, onBrush };

  useEffect(() => {
    const el = host.current;
    if (!el || traces.length === 0) return;
    const sorted = [...traces].sort((a, b) => a.start - b.start);
    const xs = sorted.map((t) => t.start / 1e6);
    const ok = sorted.map((t) => (t.errors ? null : t.duration / 1000));
    const bad = sorted.map((t) => (t.errors ? t.duration / 1000 : null));
    const noLine = () => null;
    let hovered = -1;
    const u = new uPlot({
      width: Math.max(300, el.clientWidth),
      height: 170,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 10 } },
      // Room around the first and last points; durations from zero.
      scales: {
        x: { time: true, range: (_u, min, max) => { const pad = Math.max((max - min) * 0.04, 1); return [min - pad, max + pad]; } },
        y: { range: (_u, _min, max) => [0, (max || 1) * 1.15] },
      },
      axes: [{ size: 30 }, { size: 56, values: (_u, vals) => vals.map((v) => formatDuration(v * 1000)) }],
      series: [
        {},
        { label: 'ok', stroke: '#2463d6', fill: '#2463d6', paths: noLine, points: { show: true, size: 7, fill: 'rgba(36, 99, 214, .65)' } },
        { label: 'error', stroke: '#d1242f', fill: '#d1242f', paths: noLine, points: { show: true, size: 8, fill: 'rgba(209, 36, 47, .8)' } },
      ],
      hooks: {
        setCursor: [(p) => {
          const i = p.cursor.idx;
          hovered = i ?? -1;
          if (i === null || i === undefined || p.cursor.left === undefined || p.cursor.left < 0) return setTip(null);
          const t = sorted[i]!;
          setTip({ t, left: p.over.offsetLeft + p.valToPos(xs[i]!, 'x'), top: p.over.offsetTop + p.valToPos(t.duration / 1000, 'y') });
        }],
        setSelect: [(p) => {
          if (p.select.width < 5) return;
          const a = p.posToVal(p.select.left, 'x');
          const b = p.posToVal(p.select.left + p.select.width, 'x');
          p.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          cb.current.onBrush(Math.floor(a * 1e6), Math.ceil(b * 1e6));
        }],
      },
    }, [xs, ok, bad], el);
    // A click without a drag opens the trace under the cursor.
    let downX = 0;
    u.over.addEventListener('mousedown', (e) => { downX = e.clientX; });
    u.over.addEventListener('mouseup', (e) => {
      if (Math.abs(e.clientX - downX) < 5 && hovered >= 0) cb.current.onOpen(sorted[hovered]!.traceID);
    });
    u.over.addEventListener('mouseleave', () => setTip(null));
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(300, el.clientWidth), height: 170 }));
    ro.observe(el);
    return () => { ro.disconnect(); u.destroy(); };
  }, [traces]);

  if (traces.length === 0) return null;
  return (
    <div class="card scatter-card">
      <div class="scatter-head"><b>Duration over time</b> <span class="muted small">click a point to open its trace · drag across to narrow the time range</span></div>
      <div class="scatter">
        <div ref={host} />
        {tip && (
          <div class="scatter-tip" data-trace-id={tip.t.traceID} style={{ left: `${tip.left + 12}px`, top: `${Math.max(0, tip.top - 10)}px` }}>
            <b>{tip.t.service}: {tip.t.operation}</b><br />{formatDuration(tip.t.duration)} · {plural(tip.t.spans, 'span')}{tip.t.errors ? ` · ${plural(tip.t.errors, 'error')}` : ''}<br />
            <span class="muted">{formatDateTime(tip.t.start)}</span>
          </div>
        )}
      </div>
    </div>
  );
}
