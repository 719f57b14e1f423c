/**
 * The exception a span recorded, pure (no DOM): OTel's `exception` event (`exception.type`,
 * `exception.message`, `exception.stacktrace`), else the same keys as span tags (some SDKs and the X-Ray
 * mapping put them there), else nothing. The trace page shows it on the error banner and in the detail.
 */
import type { JaegerKeyValue, JaegerSpan, TraceModel } from './trace-model.js';

export interface SpanException { type?: string; message?: string; stacktrace?: string }

function fromFields(fields: JaegerKeyValue[]): SpanException | null {
  const get = (k: string) => {
    const v = fields.find((f) => f.key === k)?.value;
    return v === undefined ? undefined : String(v);
  };
  const ex = { type: get('exception.type'), message: get('exception.message'), stacktrace: get('exception.stacktrace') };
  return ex.type || ex.message || ex.stacktrace ? ex : null;
}

export function spanException(span: JaegerSpan): SpanException | null {
  for (const l of span.logs) {
    if (l.fields.some((f) => f.key === 'event' && f.value === 'exception')) {
      const ex = fromFields(l.fields);
      if (ex) return ex;
    }
  }
  return fromFields(span.tags);
}

/** The first error span (display order) and its exception or status message: what the banner shows. */
export function firstError(m: TraceModel): { spanID: string; service: string; operation: string; message: string } | null {
  const n = m.nodes.find((x) => x.error);
  if (!n) return null;
  const ex = spanException(n.span);
  const status = n.span.tags.find((t) => t.key === 'otel.status_description')?.value;
  const message = ex ? [ex.type, ex.message].filter(Boolean).join(': ') : status !== undefined ? String(status) : 'error';
  return { spanID: n.span.spanID, service: n.service, operation: n.span.operationName, message };
}
