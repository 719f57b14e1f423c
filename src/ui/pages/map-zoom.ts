/**
 * Zoom (wheel, +/- keys and buttons) and pan (drag) for an SVG by changing its viewBox; `fit()` goes
 * back to the whole drawing. The viewBox, not a CSS transform, so that text stays crisp at any zoom.
 */
export interface ZoomControl { fit(): void; zoomBy(factor: number): void; destroy(): void }

export function mountZoom(svg: SVGSVGElement): ZoomControl {
  const full = { x: 0, y: 0, w: Number(svg.dataset.width), h: Number(svg.dataset.height) };
  let vb = { ...full };
  const apply = () => svg.setAttribute('viewBox', [vb.x, vb.y, vb.w, vb.h].map((v) => String(Math.round(v * 10) / 10)).join(' '));
  // SVG units per screen pixel (preserveAspectRatio meet: the larger ratio wins).
  const unit = () => {
    const r = svg.getBoundingClientRect();
    return Math.max(vb.w / (r.width || 1), vb.h / (r.height || 1));
  };
  const zoomAt = (factor: number, cx: number, cy: number) => {
    const w = Math.min(full.w * 4, Math.max(full.w / 12, vb.w * factor));
    const k = w / vb.w;
    vb = { x: cx - (cx - vb.x) * k, y: cy - (cy - vb.y) * k, w, h: vb.h * k };
    apply();
  };
  const toSvg = (e: { clientX: number; clientY: number }) => {
    const r = svg.getBoundingClientRect();
    const u = unit();
    // Centre of the drawn area (meet centres the viewBox in the element).
    return { x: vb.x + vb.w / 2 + (e.clientX - r.left - r.width / 2) * u, y: vb.y + vb.h / 2 + (e.clientY - r.top - r.height / 2) * u };
  };
  const wheel = (e: WheelEvent) => {
    e.preventDefault();
    const p = toSvg(e);
    zoomAt(Math.exp(e.deltaY * 0.0015), p.x, p.y);
  };
  let drag: { x: number; y: number; vx: number; vy: number; moved: boolean } | null = null;
  const down = (e: PointerEvent) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, vx: vb.x, vy: vb.y, moved: false };
  };
  const move = (e: PointerEvent) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) svg.setPointerCapture(e.pointerId);
    drag.moved = true;
    svg.classList.add('panning');
    const u = unit();
    vb = { ...vb, x: drag.vx - dx * u, y: drag.vy - dy * u };
    apply();
  };
  const up = (e: PointerEvent) => {
    const wasDrag = drag?.moved;
    drag = null;
    svg.classList.remove('panning');
    // A pan is not a click on the node under the pointer.
    if (wasDrag) svg.addEventListener('click', (c) => { c.preventDefault(); c.stopPropagation(); }, { once: true, capture: true });
    if (svg.hasPointerCapture(e.pointerId)) svg.releasePointerCapture(e.pointerId);
  };
  svg.addEventListener('wheel', wheel, { passive: false });
  svg.addEventListener('pointerdown', down);
  svg.addEventListener('pointermove', move);
  svg.addEventListener('pointerup', up);
  return {
    fit() { vb = { ...full }; apply(); },
    zoomBy(f) { zoomAt(f, vb.x + vb.w / 2, vb.y + vb.h / 2); },
    destroy() {
      svg.removeEventListener('wheel', wheel);
      svg.removeEventListener('pointerdown', down);
      svg.removeEventListener('pointermove', move);
      svg.removeEventListener('pointerup', up);
    },
  };
}
