import { SPAN_KIND_NAMES, type AttrScalar, type SpanEvent, type SpanLink } from '../../model/span.js';
import type { TraceColumns } from '../../store/store.js';
import { jaegerLogs, jaegerTraceId, toTags, type JaegerTrace } from './to-jaeger.js';

/**
 * Jaeger JSON text of one trace straight from its columns: the same document `toJaegerTrace` builds
 * (test/api/jaeger-json.test.ts checks they agree), written as strings without a `Span` or Jaeger
 * object per span. Why hand-written: for a 100,000-span trace the object route (row objects, a copy
 * between threads, Jaeger objects, JSON.stringify) took seconds; this one is one pass over the columns.
 */
export function jaegerTraceJson(c: TraceColumns): string {
  const traceID = jaegerTraceId(c.traceId);
  const tid = JSON.stringify(traceID);
  const spanAttrs = c.attrs.filter((a) => !a.resource).map((a) => ({ key: JSON.stringify(a.key), values: a.values }));
  const resAttrs = c.attrs.filter((a) => a.resource);

  // Processes: one per (service, resource attributes), numbered in order of first appearance.
  const processes: JaegerTrace['processes'] = {};
  const pids = new Map<string, string>();
  const processOf = (r: number): string => {
    const resource: Record<string, AttrScalar> = {};
    for (const a of resAttrs) {
      const v = a.values[r];
      if (v !== null && v !== undefined) resource[a.key] = v;
    }
    const key = c.dataset[r] + '\u0000' + JSON.stringify(resource);
    let pid = pids.get(key);
    if (!pid) {
      pid = `p${pids.size + 1}`;
      pids.set(key, pid);
      processes[pid] = { serviceName: c.dataset[r]!, tags: toTags(resource) };
    }
    return pid;
  };

  const ids = new Set(c.spanId);
  const out: string[] = new Array(c.length);
  for (let r = 0; r < c.length; r++) {
    const parent = c.parentSpanId[r]!;
    let refs = parent ? `{"refType":"CHILD_OF","traceID":${tid},"spanID":"${parent}"}` : '';
    const linksText = c.links[r];
    if (linksText) {
      for (const l of JSON.parse(linksText) as SpanLink[]) {
        refs += `${refs ? ',' : ''}{"refType":"FOLLOWS_FROM","traceID":${JSON.stringify(jaegerTraceId(l.traceId))},"spanID":${JSON.stringify(l.spanId)}}`;
      }
    }
    let tags = '';
    const overflow = c.overflow[r];
    if (overflow) {
      // Rare (past the column cap): merge as rowToSpan does, then the common writer.
      const attrs: Record<string, AttrScalar> = {};
      for (const a of spanAttrs) {
        const v = a.values[r];
        if (v !== null && v !== undefined) attrs[JSON.parse(a.key) as string] = v;
      }
      Object.assign(attrs, JSON.parse(overflow) as Record<string, AttrScalar>);
      for (const [k, v] of Object.entries(attrs)) tags += (tags ? ',' : '') + tag(JSON.stringify(k), v);
    } else {
      for (const a of spanAttrs) {
        const v = a.values[r];
        if (v !== null && v !== undefined) tags += (tags ? ',' : '') + tag(a.key, v);
      }
    }
    tags = fixedTags(c, r, tags);
    const eventsText = c.events[r];
    const logs = eventsText ? JSON.stringify(jaegerLogs(JSON.parse(eventsText) as SpanEvent[])) : '[]';
    const warnings = parent && !ids.has(parent) ? JSON.stringify([`invalid parent span IDs=${parent}; skipping clock skew adjustment`]) : 'null';
    out[r] = `{"traceID":${tid},"spanID":"${c.spanId[r]}","operationName":${JSON.stringify(c.name[r])},"references":[${refs}],` +
      `"startTime":${c.startUs[r]},"duration":${c.durationUs[r]},"tags":[${tags}],"logs":${logs},` +
      `"processID":"${processOf(r)}","warnings":${warnings},"flags":${c.flags[r]! & 0xff}}`;
  }
  return `{"traceID":${tid},"spans":[${out.join(',')}],"processes":${JSON.stringify(processes)},"warnings":null}`;
}

function tag(key: string, v: AttrScalar): string {
  if (typeof v === 'boolean') return `{"key":${key},"type":"bool","value":${v}}`;
  if (typeof v === 'number') return `{"key":${key},"type":"${Number.isInteger(v) ? 'int64' : 'float64'}","value":${JSON.stringify(v)}}`;
  return `{"key":${key},"type":"string","value":${JSON.stringify(String(v))}}`;
}

/** The tags to-jaeger.ts's fixedTags adds, appended to `tags`. */
function fixedTags(c: TraceColumns, r: number, tags: string): string {
  const add = (k: string, v: string | boolean) => { tags += (tags ? ',' : '') + tag(JSON.stringify(k), v); };
  const kind = c.kind[r]!;
  if (kind !== 0) add('span.kind', SPAN_KIND_NAMES[kind] ?? '');
  const status = c.statusCode[r];
  if (status === 1) add('otel.status_code', 'OK');
  if (status === 2) {
    add('otel.status_code', 'ERROR');
    add('error', true);
  }
  if (c.statusMessage[r]) add('otel.status_description', c.statusMessage[r]!);
  if (c.scopeName[r]) add('otel.scope.name', c.scopeName[r]!);
  if (c.scopeVersion[r]) add('otel.scope.version', c.scopeVersion[r]!);
  if (c.traceState[r]) add('w3c.tracestate', c.traceState[r]!);
  return tags;
}
