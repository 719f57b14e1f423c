/**
 * A draggable (and keyboard-movable) column edge: sets `--name-w` in px on `container`, remembered in
 * localStorage. Pixels, not a percentage, so that opening the span detail narrows the timeline, never
 * the names.
 */
const KEY = 'honeyray.nameColumnPx';
const MIN = 160;

export function mountColumnResize(container: HTMLElement, handle: HTMLElement, onChange: () => void): () => void {
  const max = () => Math.max(MIN, container.clientWidth - 200);
  const set = (px: number, save = true) => {
    const w = Math.round(Math.min(max(), Math.max(MIN, px)));
    container.style.setProperty('--name-w', `${w}px`);
    handle.setAttribute('aria-valuenow', String(w));
    if (save) try { localStorage.setItem(KEY, String(w)); } catch { /* private mode: not remembered */ }
    onChange();
  };
  const saved = Number(localStorage.getItem(KEY));
  if (saved > 0) set(saved, false);

  let start: { x: number; w: number } | null = null;
  const width = () => (container.querySelector('.wf-head .wf-name') as HTMLElement | null)?.offsetWidth ?? 360;
  const down = (e: PointerEvent) => {
    e.preventDefault();
    e.stopPropagation();
    handle.setPointerCapture(e.pointerId);
    start = { x: e.clientX, w: width() };
    container.classList.add('resizing');
  };
  const move = (e: PointerEvent) => { if (start) set(start.w + e.clientX - start.x, false); };
  const up = () => {
    if (!start) return;
    start = null;
    container.classList.remove('resizing');
    set(width());
  };
  const key = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    set(width() + (e.key === 'ArrowRight' ? 24 : -24));
  };
  handle.addEventListener('pointerdown', down);
  handle.addEventListener('pointermove', move);
  handle.addEventListener('pointerup', up);
  handle.addEventListener('keydown', key);
  return () => {
    handle.removeEventListener('pointerdown', down);
    handle.removeEventListener('pointermove', move);
    handle.removeEventListener('pointerup', up);
    handle.removeEventListener('keydown', key);
  };
}
