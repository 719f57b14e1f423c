/** The trace header's "Attributes by service" panel as HTML (attr-summary.ts computes it). */
import { summarizeAttributes } from '../attr-summary.js';
import { esc } from '../format.js';
import type { SpanNode, TraceModel } from '../trace-model.js';

export function attrSummaryHtml(m: TraceModel, color: (n: SpanNode) => string): string {
  const firstOf = new Map<string, SpanNode>();
  for (const n of m.nodes) if (!firstOf.has(n.service)) firstOf.set(n.service, n);
  return summarizeAttributes(m).map((s) => `<section class="attr-service" data-service="${esc(s.service)}">
    <h3><i class="dot" style="background:${color(firstOf.get(s.service)!)}"></i>${esc(s.service)} <small>${s.spans.toLocaleString('en-US')} span${s.spans === 1 ? '' : 's'}</small></h3>
    <table class="grid small"><thead><tr><th>Attribute</th><th class="num">Spans</th><th class="num">Values</th><th>Most common</th></tr></thead><tbody>
    ${s.keys.map((k) => `<tr data-key="${esc(k.key)}"><td class="mono">${esc(k.key)}</td><td class="num">${k.spans.toLocaleString('en-US')}</td><td class="num">${k.distinct.toLocaleString('en-US')}</td>
      <td class="attr-top">${k.top.map((t) => `<span class="chip" title="${esc(t.value)}">${esc(t.value.length > 60 ? `${t.value.slice(0, 59)}…` : t.value)} <b>${t.count}</b></span>`).join(' ')}</td></tr>`).join('')}
    </tbody></table></section>`).join('') || '<p class="muted small">no attributes</p>';
}
