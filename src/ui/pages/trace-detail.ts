/**
 * The span detail panel of the trace page, as HTML: facts, the exception (type, message and a stack
 * trace in full width, monospace, collapsible), tags, process, events, references. Stack traces get
 * their own block because in a key/value table they wrap into a narrow column and become unreadable.
 */
import { esc, formatDateTime, formatDuration, formatSpanDuration } from '../format.js';
import { criticalTime, tagValue, xrayTraceId, type JaegerKeyValue, type SpanNode, type TraceModel } from '../trace-model.js';
import { spanException, type SpanException } from '../span-exception.js';

/** Values shown as a collapsible monospace block rather than a table cell. */
const BLOCK_KEYS = new Set(['exception.stacktrace', 'error.stack', 'stack', 'xray.cause', 'db.statement', 'db.query.text']);
const isBlock = (t: JaegerKeyValue) => BLOCK_KEYS.has(t.key) || (typeof t.value === 'string' && t.value.length > 160 && t.value.includes('\n'));

function blockHtml(t: JaegerKeyValue): string {
  const lines = String(t.value).split('\n').length;
  return `<details class="block-value"${lines <= 30 ? ' open' : ''}><summary><span class="mono">${esc(t.key)}</span> <span class="muted">${lines} line${lines === 1 ? '' : 's'}</span></summary><pre class="stack">${esc(t.value)}</pre></details>`;
}

export function kvTable(rows: JaegerKeyValue[], cls = ''): string {
  if (!rows.length) return '<p class="muted small">none</p>';
  const inline = rows.filter((t) => !isBlock(t));
  const blocks = rows.filter(isBlock);
  const table = inline.length ? `<table class="kv ${cls}"><tbody>${inline.map((t) => {
    const hot = (t.key === 'error' && (t.value === true || t.value === 'true')) || (t.key === 'otel.status_code' && t.value === 'ERROR');
    return `<tr${hot ? ' class="hot"' : ''}><th>${esc(t.key)}</th><td class="t-${esc(t.type)}">${esc(t.value)}</td></tr>`;
  }).join('')}</tbody></table>` : '';
  return table + blocks.map(blockHtml).join('');
}

export function exceptionHtml(ex: SpanException): string {
  return `<div class="exception" role="note">
    <div class="exception-head"><b>${esc(ex.type ?? 'Error')}</b>${ex.message ? `: <span class="exception-message">${esc(ex.message)}</span>` : ''}</div>
    ${ex.stacktrace ? `<details class="block-value" open><summary>Stack trace <span class="muted">${ex.stacktrace.split('\n').length} lines</span></summary><pre class="stack">${esc(ex.stacktrace)}</pre></details>` : ''}
  </div>`;
}

/**
 * An X-Ray span's own sections: its annotations (the keys `xray.annotation_keys` lists; the values are
 * plain tags), its metadata (`metadata.<namespace>.<key>` tags), and the raw segment document as
 * BatchGetTraces returns it, fetched when the block is opened (trace.ts).
 */
function xrayHtml(s: SpanNode['span']): string {
  let annotationKeys: string[] = [];
  try {
    const raw = s.tags.find((t) => t.key === 'xray.annotation_keys')?.value;
    if (typeof raw === 'string') annotationKeys = (JSON.parse(raw) as unknown[]).map(String);
  } catch { /* not a JSON list: no annotations shown */ }
  const annotations = annotationKeys.map((k) => s.tags.find((t) => t.key === k)).filter((t): t is JaegerKeyValue => !!t).sort((a, b) => a.key.localeCompare(b.key));
  const metadata = s.tags.filter((t) => t.key.startsWith('metadata.')).map((t) => ({ ...t, key: t.key.slice('metadata.'.length) })).sort((a, b) => a.key.localeCompare(b.key));
  return `<section class="xray-sections">
    <h3>Annotations <small>${annotations.length}</small></h3>${kvTable(annotations, 'annotations')}
    <h3>Metadata <small>${metadata.length}</small></h3>${kvTable(metadata, 'metadata')}
    <details class="block-value xray-raw" data-raw-segment="${esc(s.spanID)}"><summary>Raw segment JSON <span class="muted">BatchGetTraces</span></summary><pre class="stack">Loading…</pre></details>
  </section>`;
}

/** The (sub)segment with `id` inside a segment document, searched through its subsegments. */
export function findSegment(doc: Record<string, unknown>, id: string): Record<string, unknown> | null {
  const stack = [doc];
  while (stack.length) {
    const d = stack.pop()!;
    if (d.id === id) return d;
    if (Array.isArray(d.subsegments)) stack.push(...(d.subsegments as Record<string, unknown>[]));
  }
  return null;
}

export function detailHtml(m: TraceModel, n: SpanNode, color: string): string {
  const s = n.span;
  const dur = n.end - n.start;
  const tags = [...s.tags].sort((a, b) => a.key.localeCompare(b.key));
  const kind = tagValue(s, 'span.kind');
  const statusMsg = tagValue(s, 'otel.status_description');
  const ex = spanException(s);
  const parent = n.parent;
  const xrayId = xrayTraceId(m.traceID);
  const facts: [string, string][] = [
    ['Service', esc(n.service)],
    ['Operation', esc(s.operationName)],
    ['Span ID', `<span class="mono">${esc(s.spanID)}</span>`],
    ['Parent', parent ? `<a href="#" data-goto="${esc(parent.span.spanID)}" class="mono">${esc(parent.span.spanID)}</a> <span class="muted">${esc(parent.service)}: ${esc(parent.span.operationName)}</span>` : '<span class="muted">none (root)</span>'],
    ['Trace ID', `<span class="mono">${esc(s.traceID)}</span>`],
    ['Start', `+${formatDuration(n.offset)} <span class="muted">${formatDateTime(n.start)}</span>`],
    ['Duration', `${formatSpanDuration(dur, n.xray)}${m.duration > 0 ? ` <span class="muted">${((100 * dur) / m.duration).toFixed(1)}% of the trace</span>` : ''}`],
    ['Self time', formatDuration(n.selfTime)],
    ['Critical path', criticalTime(n) > 0 ? formatDuration(criticalTime(n)) : '<span class="muted">not on the critical path</span>'],
    ...(kind !== undefined ? [['Kind', esc(kind)] as [string, string]] : []),
    ['Children', `${n.children.length}${n.descendants > n.children.length ? ` <span class="muted">(${n.descendants} below)</span>` : ''}`],
  ];
  const logs = s.logs.map((l) => {
    const name = l.fields.find((f) => f.key === 'event')?.value;
    const fields = l.fields.filter((f) => f.key !== 'event');
    return `<div class="log"><div class="log-head"><b>${esc(name ?? 'log')}</b>
      <span class="muted">+${formatDuration(l.timestamp - m.start)} <small>(${formatDuration(l.timestamp - n.start)} into the span)</small></span></div>
      ${fields.length ? kvTable(fields) : ''}</div>`;
  }).join('');
  const refs = s.references.map((r) => {
    const local = m.byId.get(r.spanID);
    const sameTrace = r.traceID === s.traceID || r.traceID === m.traceID;
    const target = sameTrace && local
      ? `<a href="#" data-goto="${esc(r.spanID)}" class="mono">${esc(r.spanID)}</a> <span class="muted">${esc(local.service)}: ${esc(local.span.operationName)}</span>`
      : `<a href="/trace/${esc(r.traceID)}?span=${esc(r.spanID)}" class="mono">${esc(r.traceID)}</a> / <span class="mono">${esc(r.spanID)}</span>${sameTrace ? ' <span class="muted">(not in this trace)</span>' : ''}`;
    return `<li><span class="badge">${r.refType === 'CHILD_OF' ? 'child of' : 'link (follows from)'}</span> ${target}</li>`;
  }).join('');
  return `
    <div class="detail-head">
      <div><h2><i class="dot" style="background:${color}"></i>${esc(n.service)}</h2><div class="detail-op">${esc(s.operationName)}</div></div>
      <button type="button" class="close" data-close aria-label="Close detail">×</button>
    </div>
    ${n.error ? `<div class="note error-note"><b>Error</b>${statusMsg !== undefined ? `: ${esc(statusMsg)}` : ''}</div>` : ''}
    ${ex ? exceptionHtml(ex) : ''}
    ${n.xray ? `<div class="note xray-note"><b>X-Ray document.</b> This span was stored from an X-Ray segment document: its segment fields are the
      <span class="mono">xray.*</span> tags (origin, namespace, fault/error/throttle) next to OpenTelemetry names.${xrayId ? ` X-Ray clients see it in trace <span class="mono">${esc(xrayId)}</span>.` : ''}</div>` : ''}
    ${n.xray ? xrayHtml(s) : ''}
    <table class="kv facts"><tbody>${facts.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</tbody></table>
    <h3>Tags <small>${tags.length}</small></h3>${kvTable(tags, 'tags')}
    <h3>Process <small>${esc(n.process?.serviceName ?? '')}</small></h3>${kvTable(n.process?.tags ?? [], 'process')}
    <h3>Events &amp; logs <small>${s.logs.length}</small></h3>${logs || '<p class="muted small">none</p>'}
    <h3>References <small>${s.references.length}</small></h3>${refs ? `<ul class="refs">${refs}</ul>` : '<p class="muted small">none</p>'}
    ${s.warnings?.length ? `<h3>Warnings</h3><ul class="warnings">${s.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}`;
}
