/** A tiny inline SVG line of a series (nulls as gaps), for tables: no axes, no library needed. */
export function Sparkline({ values, width = 120, height = 26, color = '#2463d6', label }: { values: (number | null)[]; width?: number; height?: number; color?: string; label: string }) {
  const nums = values.filter((v): v is number => v !== null);
  const max = Math.max(1e-9, ...nums);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) { pen = false; return; }
    d += `${pen ? 'L' : 'M'}${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`;
    pen = true;
  });
  return (
    <svg class="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
      <path d={d} fill="none" stroke={color} stroke-width="1.5" />
    </svg>
  );
}
