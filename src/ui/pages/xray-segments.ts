/**
 * The X-Ray page's segment timeline for one trace (BatchGetTraces): every segment and subsegment as a
 * bar on the trace's time axis, indented by nesting, each with its raw JSON (collapsible), as the X-Ray
 * console's trace view lists them. The trace page has the full waterfall; this is the documents' view.
 */
import { xray } from '../api.js';
import { errorHtml, isAbort } from '../dom.js';
import { esc, formatSpanDuration } from '../format.js';

interface Seg { id?: string; name?: string; start_time?: number; end_time?: number; in_progress?: boolean; fault?: boolean; error?: boolean; throttle?: boolean; subsegments?: Seg[] }

export async function segmentTimelineHtml(traceId: string, signal: AbortSignal): Promise<string> {
  try {
    const docs = (await xray.segments(traceId, signal)).map((s) => JSON.parse(s.Document) as Seg);
    const rows: { seg: Seg; depth: number }[] = [];
    const walk = (s: Seg, depth: number) => {
      rows.push({ seg: s, depth });
      for (const c of s.subsegments ?? []) walk(c, depth + 1);
    };
    for (const d of docs.sort((a, b) => (a.start_time ?? 0) - (b.start_time ?? 0))) walk(d, 0);
    if (!rows.length) return '<p class="muted small">No segment documents.</p>';
    const t0 = Math.min(...rows.map((r) => r.seg.start_time ?? Infinity));
    const t1 = Math.max(...rows.map((r) => r.seg.end_time ?? r.seg.start_time ?? -Infinity));
    const span = Math.max(t1 - t0, 1e-6);
    return `<div class="seg-timeline">${rows.map(({ seg, depth }) => {
      const start = seg.start_time ?? t0;
      const end = seg.end_time ?? start;
      const left = (100 * (start - t0)) / span;
      const width = Math.max((100 * (end - start)) / span, 0.3);
      const status = seg.fault ? 'fault' : seg.throttle ? 'throttle' : seg.error ? 'error' : 'ok';
      const { subsegments: _omit, ...own } = seg;
      return `<div class="seg-row ${status}" data-segment-id="${esc(seg.id)}">
        <div class="seg-name" style="padding-left:${Math.min(depth, 12) * 14}px"><span>${esc(seg.name)}</span> <span class="muted small">${depth ? 'subsegment' : 'segment'}</span></div>
        <div class="seg-bar-wrap"><i class="seg-bar" style="left:${left.toFixed(2)}%;width:${width.toFixed(2)}%"></i></div>
        <div class="seg-dur num">${seg.in_progress ? 'in progress' : formatSpanDuration((end - start) * 1e6, true)}</div>
        <details class="block-value seg-raw"><summary>Raw JSON</summary><pre class="stack">${esc(JSON.stringify(depth ? seg : own, null, 2))}</pre></details>
      </div>`;
    }).join('')}</div>`;
  } catch (err) {
    return isAbort(err) ? '' : errorHtml(err);
  }
}
