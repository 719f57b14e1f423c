/**
 * Time picker: the preset lookbacks, or a custom absolute range (two local date-times), as Honeycomb's
 * and Grafana's pickers offer. A Preact component; `onChange` gets the new range when a preset is
 * picked or the custom range is applied (with the custom range checked: start before end).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { LOOKBACKS } from '../format.js';
import { describeRange, fromLocalInput, toLocalInput, type TimeRange } from '../time-range.js';

export function TimePicker({ value, onChange }: { value: TimeRange; onChange(r: TimeRange): void }) {
  const [open, setOpen] = useState(false);
  const now = Date.now() * 1000;
  const [from, setFrom] = useState(toLocalInput(value.kind === 'absolute' ? value.startUs : now - 3600e6));
  const [to, setTo] = useState(toLocalInput(value.kind === 'absolute' ? value.endUs : now));
  const [error, setError] = useState('');
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: Event) => { if (!root.current?.contains(e.target as Node)) setOpen(false); };
    const esc = (e: KeyboardEvent) => { if (e.key === 'Escape') setOpen(false); };
    document.addEventListener('pointerdown', close);
    document.addEventListener('keydown', esc);
    return () => { document.removeEventListener('pointerdown', close); document.removeEventListener('keydown', esc); };
  }, [open]);

  const pick = (r: TimeRange) => { setOpen(false); onChange(r); };
  const apply = (e: Event) => {
    e.preventDefault();
    const s = fromLocalInput(from);
    const t = fromLocalInput(to);
    if (s === null || t === null) return setError('Enter both date-times.');
    if (t <= s) return setError('The end must be after the start.');
    setError('');
    pick({ kind: 'absolute', startUs: s, endUs: t });
  };

  return (
    <div class="time-picker" ref={root}>
      <button type="button" class="time-picker-button" aria-haspopup="dialog" aria-expanded={open} onClick={() => setOpen(!open)}>
        {describeRange(value)} <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div class="time-picker-pop card" role="dialog" aria-label="Time range">
          <ul class="time-presets">
            {LOOKBACKS.map(([k, label]) => (
              <li key={k}><button type="button" data-lookback={k} class={value.kind === 'relative' && value.lookback === k ? 'active' : ''} onClick={() => pick({ kind: 'relative', lookback: k })}>{label}</button></li>
            ))}
          </ul>
          <div class="time-custom">
            <b>Custom range</b>
            <label>From <input type="datetime-local" step="1" name="range-start" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} /></label>
            <label>To <input type="datetime-local" step="1" name="range-end" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} /></label>
            {error && <div class="filter-error" role="alert">{error}</div>}
            <button type="button" class="primary" data-apply onClick={apply}>Apply</button>
          </div>
        </div>
      )}
    </div>
  );
}
