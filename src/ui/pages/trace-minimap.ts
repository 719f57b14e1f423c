/**
 * The trace page's minimap: every span of the trace drawn once on a canvas (one thin bar per row, in
 * display order, red for errors), with the waterfall's time window shaded. Dragging across it picks a
 * new window (drag-to-zoom); a click without a drag, or `reset()`, goes back to the whole trace.
 * A canvas, not DOM: at 100,000 spans it is one paint of ~100k rects (tens of ms) instead of 100k nodes.
 */
import type { SpanNode, TraceModel } from '../trace-model.js';

export interface TimeWindow { from: number; to: number }

export interface Minimap {
  /** Shades the waterfall's current window (µs offsets from the trace start). */
  show(w: TimeWindow): void;
  destroy(): void;
}

const HEIGHT = 56;
const ERROR = '#d1242f';

export function mountMinimap(host: HTMLElement, m: TraceModel, color: (n: SpanNode) => string, onZoom: (w: TimeWindow | null) => void): Minimap {
  host.innerHTML = `<canvas class="mm-canvas" height="${HEIGHT}" aria-hidden="true"></canvas>
    <div class="mm-shade mm-left"></div><div class="mm-shade mm-right"></div><div class="mm-brush" hidden></div>`;
  const canvas = host.querySelector('canvas')!;
  const left = host.querySelector<HTMLElement>('.mm-left')!;
  const right = host.querySelector<HTMLElement>('.mm-right')!;
  const brush = host.querySelector<HTMLElement>('.mm-brush')!;
  const total = Math.max(1, m.duration);
  let shown: TimeWindow = { from: 0, to: total };

  const paint = () => {
    const w = host.clientWidth || 800;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(HEIGHT * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${HEIGHT}px`;
    const g = canvas.getContext('2d');
    if (!g) return;
    g.scale(dpr, dpr);
    g.clearRect(0, 0, w, HEIGHT);
    const nodes = m.nodes;
    const rowH = Math.max(HEIGHT / nodes.length, 0.5);
    // One path per colour, errors last so that they stay visible where rows overlap. Filling one path
    // of rects per colour instead of a fillRect per span (whose fillStyle changes nearly every span when
    // services interleave): bench:ui's profile had this paint at ~0.5 s of the first draw at 100k spans.
    const byFill = new Map<string, number[]>();
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      const c = n.error ? ERROR : color(n);
      let list = byFill.get(c);
      if (!list) byFill.set(c, (list = []));
      list.push(i);
    }
    const errors = byFill.get(ERROR);
    byFill.delete(ERROR);
    if (errors) byFill.set(ERROR, errors);
    for (const [fill, list] of byFill) {
      const h = Math.max(rowH, fill === ERROR ? 1.5 : 0.5);
      g.fillStyle = fill;
      g.beginPath();
      for (const i of list) {
        const n = nodes[i]!;
        g.rect((n.offset / total) * w, (i / nodes.length) * HEIGHT, Math.max(((n.end - n.start) / total) * w, 1), h);
      }
      g.fill();
    }
  };
  const place = () => {
    const l = (100 * shown.from) / total;
    const r = (100 * shown.to) / total;
    left.style.width = `${l}%`;
    right.style.left = `${r}%`;
  };

  let drag: { x0: number; id: number } | null = null;
  const frac = (e: PointerEvent) => {
    const r = host.getBoundingClientRect();
    return Math.min(1, Math.max(0, (e.clientX - r.left) / (r.width || 1)));
  };
  const onDown = (e: PointerEvent) => {
    if (e.button !== 0) return;
    host.setPointerCapture(e.pointerId);
    drag = { x0: frac(e), id: e.pointerId };
    brush.hidden = false;
    brush.style.left = `${drag.x0 * 100}%`;
    brush.style.width = '0';
  };
  const onMove = (e: PointerEvent) => {
    if (!drag) return;
    const x = frac(e);
    brush.style.left = `${Math.min(x, drag.x0) * 100}%`;
    brush.style.width = `${Math.abs(x - drag.x0) * 100}%`;
  };
  const onUp = (e: PointerEvent) => {
    if (!drag) return;
    const a = Math.min(drag.x0, frac(e));
    const b = Math.max(drag.x0, frac(e));
    drag = null;
    brush.hidden = true;
    const px = (b - a) * (host.clientWidth || 1);
    onZoom(px < 4 ? null : { from: a * total, to: b * total });
  };
  host.addEventListener('pointerdown', onDown);
  host.addEventListener('pointermove', onMove);
  host.addEventListener('pointerup', onUp);
  const ro = new ResizeObserver(() => paint());
  ro.observe(host);
  paint();
  place();
  return {
    show(w) {
      shown = w;
      place();
    },
    destroy() {
      ro.disconnect();
    },
  };
}
