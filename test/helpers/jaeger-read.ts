/** Reads a trace back through the Jaeger API, waiting briefly for it to be committed. */
export interface JaegerTag { key: string; type?: string; value: unknown }
export interface JaegerSpan {
  traceID: string; spanID: string; operationName: string; duration: number; startTime: number; processID: string;
  references: { refType: string; traceID: string; spanID: string }[]; tags: JaegerTag[]; logs: { timestamp: number; fields: JaegerTag[] }[];
}
export interface JaegerTrace { traceID: string; spans: JaegerSpan[]; processes: Record<string, { serviceName: string; tags: JaegerTag[] }> }

/**
 * `ready` (optional) is polled too: a read just after a commit that created new attribute columns may not
 * see those columns yet (the store's readers refresh their column list on their own schedule).
 */
export async function jaegerTrace(httpBase: string, id: string, minSpans = 1, ready: (t: JaegerTrace) => boolean = () => true, headers: Record<string, string> = {}): Promise<JaegerTrace> {
  let last: JaegerTrace | undefined;
  for (let i = 0; i < 50; i++) {
    const r = await fetch(`${httpBase}/api/traces/${id}`, { headers });
    if (r.ok) {
      last = ((await r.json()) as { data: JaegerTrace[] }).data[0]!;
      if (last.spans.length >= minSpans && ready(last)) return last;
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  if (last) return last;
  throw new Error(`trace ${id} not found`);
}

/** The value of a span's (or process's) tag. */
export function tagOf(s: { tags: JaegerTag[] }, key: string): unknown {
  return s.tags.find((t) => t.key === key)?.value;
}
