import { SPAN_KIND_NAMES, type AttrScalar, type SpanEvent, type SpanLink } from '../../model/span.js';
import type { JaegerTraceText, TraceColumns } from '../../store/store.js';
import type { JaegerError } from './envelope.js';
import { jaegerLogs, jaegerTraceId, toTags, type JaegerTrace } from './to-jaeger.js';
import { dedupeSharedSpanIds } from '../../model/shared-span-ids.js';

/**
 * Jaeger JSON of traces straight from their columns, written as UTF-8 into one growing Buffer: the same
 * document `toJaegerTrace` builds (test/store/trace-reads.test.ts checks they agree), with no `Span` or
 * Jaeger object per span and no giant JS string. Why hand-written: for a 100,000-span trace the object
 * route (row objects, a copy between threads, Jaeger objects, JSON.stringify) took tens of seconds on
 * the busy dev machine, and a first string-concatenation version spent most of its time in the garbage
 * collector (74 MB of JS strings, flattened again by Buffer.from); the buffer is handed to compression as is.
 */
class JsonWriter {
  buf = Buffer.allocUnsafe(1 << 16);
  pos = 0;
  /**
   * Text not yet in `buf`. Each `buf.write` is a call into C++ (~30 per span: 3M for a 100,000-span trace,
   * most of the writer's time in a profile); appending short strings is cheap in V8 (a rope), so they are
   * gathered here and written ~16 KB at a time. Never the whole document: that was the GC-bound version.
   */
  private pending = '';

  private flush(): void {
    const s = this.pending;
    this.pending = '';
    const need = this.pos + s.length * 3;
    if (need > this.buf.length) this.grow(need);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Text that is already JSON. */
  raw(s: string): void {
    this.pending += s;
    if (this.pending.length >= 1 << 14) this.flush();
  }

  /** A JSON string literal. */
  str(s: string): void {
    this.raw(JSON.stringify(s));
  }

  done(): Buffer {
    this.flush();
    return this.buf.subarray(0, this.pos);
  }
}

/** `{"data":[traces...],"total":n,"limit":0,"offset":0,"errors":...}` for the traces in the order of `ids`. */
export function jaegerEnvelopeJson(ids: readonly string[], traces: readonly TraceColumns[], errors: JaegerError[] | null): Buffer {
  const byId = new Map(traces.map((t) => [t.traceId, t]));
  const w = new JsonWriter();
  w.raw('{"data":[');
  let n = 0;
  for (const id of ids) {
    const t = byId.get(id);
    if (!t) continue;
    if (n++) w.raw(',');
    writeTrace(w, t);
  }
  w.raw(`],"total":${n},"limit":0,"offset":0,"errors":${JSON.stringify(errors)}}`);
  return w.done();
}

/**
 * The envelope of one trace whose span text the engine wrote (store `getJaegerTrace`, JaegerTraceText): the
 * same document as `jaegerEnvelopeJson` of its columns, in pieces (the engine's blobs as they are: copying
 * 74 MB into one buffer was ~80 ms of the main thread per 100,000-span trace); only the processes' tags
 * and span events (as Jaeger logs) are written here.
 */
export function jaegerTextEnvelopeJson(t: JaegerTraceText): Buffer[] {
  const out: Buffer[] = [Buffer.from(`{"data":[{"traceID":${JSON.stringify(jaegerTraceId(t.traceId))},"spans":[`)];
  const view = (b: Uint8Array, from = 0, to = b.length) => Buffer.from(b.buffer, b.byteOffset + from, to - from);
  let ev = 0;
  t.spans.forEach((text, i) => {
    if (i) out.push(COMMA);
    let from = 0;
    for (let at = ev < t.events.length ? text.indexOf(1) : -1; at >= 0; at = ev < t.events.length ? text.indexOf(1, from) : -1) {
      out.push(view(text, from, at), Buffer.from(JSON.stringify(jaegerLogs(JSON.parse(t.events[ev++]!) as SpanEvent[]))));
      from = at + 1;
    }
    out.push(view(text, from));
  });
  const processes: JaegerTrace['processes'] = {};
  t.processes.forEach((json, i) => {
    const [service, ...values] = JSON.parse(json) as [string, ...(AttrScalar | null)[]];
    const resource: Record<string, AttrScalar> = {};
    t.resourceKeys.forEach((k, j) => {
      const v = values[j];
      if (v !== null && v !== undefined) resource[k] = v;
    });
    processes[`p${i + 1}`] = { serviceName: service, tags: toTags(resource) };
  });
  out.push(Buffer.from(`],"processes":${JSON.stringify(processes)},"warnings":null}],"total":1,"limit":0,"offset":0,"errors":null}`));
  return out;
}

const COMMA = Buffer.from(',');

/** One trace's Jaeger JSON as text (tests and small callers). */
export function jaegerTraceJson(c: TraceColumns): string {
  const w = new JsonWriter();
  writeTrace(w, c);
  return w.done().toString('utf8');
}

function writeTrace(w: JsonWriter, c: TraceColumns): void {
  dedupeSharedSpanIds(c.spanId, c.parentSpanId, c.kind); // Zipkin shared spans, as Jaeger's query service shows them
  const tid = JSON.stringify(jaegerTraceId(c.traceId));
  const spanAttrs = c.attrs.filter((a) => !a.resource).map((a) => ({ key: JSON.stringify(a.key), values: a.values }));
  const resAttrs = c.attrs.filter((a) => a.resource);

  // Processes: one per (service, resource attributes), numbered in order of first appearance. The map
  // key is built from the raw values (cheap); the process object only when the key is new.
  const processes: JaegerTrace['processes'] = {};
  const pids = new Map<string, string>();
  // Spans of one resource come in runs: a row whose service and resource values are those of the row
  // before has its process, with no key to build (4 concatenations and a map lookup per span otherwise).
  let lastRow = -1;
  let lastPid = '';
  const sameResource = (r: number): boolean =>
    lastRow === r - 1 && c.dataset[r] === c.dataset[lastRow] && resAttrs.every((a) => a.values[r] === a.values[lastRow]);
  const processOf = (r: number): string => {
    if (lastRow >= 0 && sameResource(r)) {
      lastRow = r;
      return lastPid;
    }
    lastRow = r;
    lastPid = processKeyed(r);
    return lastPid;
  };
  const processKeyed = (r: number): string => {
    let key = c.dataset[r]!;
    for (const a of resAttrs) key += '\u0000' + (a.values[r] === null ? '\u0001' : typeof a.values[r] + String(a.values[r]));
    let pid = pids.get(key);
    if (!pid) {
      const resource: Record<string, AttrScalar> = {};
      for (const a of resAttrs) {
        const v = a.values[r];
        if (v !== null && v !== undefined) resource[a.key] = v;
      }
      pid = `p${pids.size + 1}`;
      pids.set(key, pid);
      processes[pid] = { serviceName: c.dataset[r]!, tags: toTags(resource) };
    }
    return pid;
  };

  const ids = new Set(c.spanId);
  w.raw(`{"traceID":${tid},"spans":[`);
  for (let r = 0; r < c.length; r++) {
    if (r) w.raw(',');
    const parent = c.parentSpanId[r]!;
    w.raw(`{"traceID":${tid},"spanID":"${c.spanId[r]}","operationName":`);
    w.str(c.name[r]!);
    w.raw(',"references":[');
    if (parent) w.raw(`{"refType":"CHILD_OF","traceID":${tid},"spanID":"${parent}"}`);
    const linksText = c.links[r];
    if (linksText) {
      let first = !parent;
      for (const l of JSON.parse(linksText) as SpanLink[]) {
        w.raw(`${first ? '' : ','}{"refType":"FOLLOWS_FROM","traceID":${JSON.stringify(jaegerTraceId(l.traceId))},"spanID":${JSON.stringify(l.spanId)}}`);
        first = false;
      }
    }
    w.raw(`],"startTime":${c.startUs[r]},"duration":${c.durationUs[r]},"tags":[`);
    let any = false;
    const tag = (key: string, v: AttrScalar) => {
      w.raw(any ? ',{"key":' : '{"key":');
      any = true;
      w.raw(key);
      if (typeof v === 'boolean') w.raw(`,"type":"bool","value":${v}}`);
      else if (typeof v === 'number') w.raw(`,"type":"${Number.isInteger(v) ? 'int64' : 'float64'}","value":${JSON.stringify(v)}}`);
      else {
        w.raw(',"type":"string","value":');
        w.str(String(v));
        w.raw('}');
      }
    };
    const overflow = c.overflow[r];
    if (overflow) {
      // Rare (past the column cap): merge as rowToSpan does.
      const attrs: Record<string, AttrScalar> = {};
      for (const a of spanAttrs) {
        const v = a.values[r];
        if (v !== null && v !== undefined) attrs[JSON.parse(a.key) as string] = v;
      }
      Object.assign(attrs, JSON.parse(overflow) as Record<string, AttrScalar>);
      for (const [k, v] of Object.entries(attrs)) tag(JSON.stringify(k), v);
    } else {
      for (const a of spanAttrs) {
        const v = a.values[r];
        if (v !== null && v !== undefined) tag(a.key, v);
      }
    }
    fixedTags(c, r, tag);
    const eventsText = c.events[r];
    w.raw('],"logs":');
    w.raw(eventsText ? JSON.stringify(jaegerLogs(JSON.parse(eventsText) as SpanEvent[])) : '[]');
    w.raw(`,"processID":"${processOf(r)}","warnings":`);
    w.raw(parent && !ids.has(parent) ? JSON.stringify([`invalid parent span IDs=${parent}; skipping clock skew adjustment`]) : 'null');
    w.raw(`,"flags":${c.flags[r]! & 0xff}}`);
  }
  w.raw(`],"processes":${JSON.stringify(processes)},"warnings":null}`);
}

/** The tags to-jaeger.ts's fixedTags adds, in the same order. */
function fixedTags(c: TraceColumns, r: number, tag: (key: string, v: string | boolean) => void): void {
  const kind = c.kind[r]!;
  if (kind !== 0) tag('"span.kind"', SPAN_KIND_NAMES[kind] ?? '');
  const status = c.statusCode[r];
  if (status === 1) tag('"otel.status_code"', 'OK');
  if (status === 2) {
    tag('"otel.status_code"', 'ERROR');
    tag('"error"', true);
  }
  if (c.statusMessage[r]) tag('"otel.status_description"', c.statusMessage[r]!);
  if (c.scopeName[r]) tag('"otel.scope.name"', c.scopeName[r]!);
  if (c.scopeVersion[r]) tag('"otel.scope.version"', c.scopeVersion[r]!);
  if (c.traceState[r]) tag('"w3c.tracestate"', c.traceState[r]!);
}
