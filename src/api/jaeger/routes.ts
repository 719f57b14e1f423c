import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkSearchLimit } from '../search-limit.js';
import type Router from 'find-my-way';
import { InvalidIdError, normalizeTraceId } from '../../model/ids.js';
import type { Store, TraceColumns, TraceSearch } from '../../store/store.js';
import { sendEncoded } from '../http-util.js';
import { envelope, isPretty, query, sendJaeger, sendJaegerError, type JaegerError } from './envelope.js';
import { jaegerEnvelopeJson, jaegerTextEnvelopeJson } from './jaeger-json.js';

export type ReadStore = Pick<Store, 'services' | 'operations' | 'getJaegerTrace' | 'getTracesColumns' | 'searchTraces'>;
type R = Router.Instance<Router.HTTPVersion.V1>;

/**
 * The Jaeger query API as Jaeger's UI and Grafana's Jaeger data source call it:
 * `/api/services`, `/api/services/:service/operations`, `/api/operations`, `/api/traces/:id`,
 * `/api/traces?service=&operation=&tags=&minDuration=&maxDuration=&start=&end=&limit=&lookback=`,
 * `/api/traces?traceID=a&traceID=b`. The rest of Jaeger's API is in more-routes.ts and api-v3.ts.
 */
export function mountJaeger(router: R, store: ReadStore): void {
  router.get('/api/services', async (req, res) => {
    sendJaeger(req, res, 200, envelope(await store.services()));
  });
  router.get('/api/services/:service/operations', async (req, res, params) => {
    const ops = await store.operations(params.service!);
    sendJaeger(req, res, 200, envelope([...new Set(ops.map((o) => o.name))]));
  });
  router.get('/api/operations', async (req, res) => {
    const q = query(req);
    const service = q.get('service');
    if (!service) return sendJaegerError(req, res, 400, "parameter 'service' is required");
    const kind = q.get('spanKind');
    const ops = (await store.operations(service)).filter((o) => !kind || o.spanKind === kind);
    sendJaeger(req, res, 200, envelope(ops));
  });
  router.get('/api/traces/:id', async (req, res, params) => {
    let id: string;
    try {
      id = normalizeTraceId(params.id!);
    } catch (err) {
      if (err instanceof InvalidIdError) return sendJaegerError(req, res, 400, err.message);
      throw err;
    }
    // A big trace comes as span text the engine wrote (store/duckdb/trace-text.ts), others as columns,
    // serialized as text (see jaeger-json.ts).
    const got = await store.getJaegerTrace(id);
    if (!got) return sendJaegerError(req, res, 404, 'trace not found');
    if ('columns' in got) return sendJaegerTraces(req, res, [id], [got.columns], null);
    sendJaegerBody(req, res, jaegerTextEnvelopeJson(got.text));
  });
  router.get('/api/traces', async (req, res) => {
    const q = query(req);
    if (q.getAll('traceID').length) return tracesByIds(req, res, store, q.getAll('traceID'));
    let search: TraceSearch;
    try {
      search = parseSearch(q);
    } catch (err) {
      return sendJaegerError(req, res, 400, (err as Error).message);
    }
    const ids = await store.searchTraces(search);
    sendJaegerTraces(req, res, ids, await store.getTracesColumns(ids), null);
  });
}

/**
 * `/api/traces?traceID=a&traceID=b` (Jaeger UI's compare view and its search-by-ids box): exactly those
 * traces, in the order asked; each miss is an entry of `errors` naming the trace, as Jaeger does.
 */
async function tracesByIds(req: IncomingMessage, res: ServerResponse, store: ReadStore, raw: string[]): Promise<void> {
  const ids: string[] = [];
  for (const r of raw) {
    try {
      ids.push(normalizeTraceId(r));
    } catch (err) {
      if (err instanceof InvalidIdError) return sendJaegerError(req, res, 400, err.message);
      throw err;
    }
  }
  const unique = [...new Set(ids)];
  const traces = await store.getTracesColumns(unique);
  const found = new Set(traces.map((t) => t.traceId));
  const errors: JaegerError[] = unique.filter((id) => !found.has(id)).map((id) => ({ msg: 'trace not found', traceID: id }));
  sendJaegerTraces(req, res, unique, traces, errors.length ? errors : null);
}

/** Traces in the order of `ids`, written from columns (jaeger-json.ts), in the envelope. */
function sendJaegerTraces(req: IncomingMessage, res: ServerResponse, ids: string[], traces: TraceColumns[], errors: JaegerError[] | null): void {
  sendJaegerBody(req, res, jaegerEnvelopeJson(ids, traces, errors));
}

function sendJaegerBody(req: IncomingMessage, res: ServerResponse, body: Buffer | Buffer[]): void {
  if (isPretty(req)) return sendJaeger(req, res, 200, JSON.parse((Array.isArray(body) ? Buffer.concat(body) : body).toString('utf8')));
  sendEncoded(res, 200, body, { 'content-type': 'application/json' });
}

/** Jaeger's search parameters; times in microseconds, durations like `1.2s`, `100ms`, `500us`. */
export function parseSearch(q: URLSearchParams): TraceSearch {
  const s: TraceSearch = {};
  const service = q.get('service');
  if (service) s.service = service;
  const op = q.get('operation');
  if (op && op !== 'all') s.operation = op;
  const tags: Record<string, string> = {};
  for (const t of q.getAll('tags')) {
    if (t.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(t);
    } catch {
      obj = logfmt(t);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Error(`malformed 'tags' parameter: ${t}`);
    for (const [k, v] of Object.entries(obj)) tags[k] = String(v);
  }
  for (const t of q.getAll('tag')) {
    const i = t.indexOf(':');
    if (i <= 0) throw new Error(`malformed 'tag' parameter, expecting key:value: ${t}`);
    tags[t.slice(0, i)] = t.slice(i + 1);
  }
  if (Object.keys(tags).length) s.tags = tags;
  const min = q.get('minDuration');
  if (min) s.minDurationNs = parseDuration(min);
  const max = q.get('maxDuration');
  if (max) s.maxDurationNs = parseDuration(max);
  const end = q.get('end');
  const start = q.get('start');
  const lookback = q.get('lookback');
  if (end) s.endNs = micros(end, 'end');
  if (start) s.startNs = micros(start, 'start');
  else if (lookback && lookback !== 'custom') s.startNs = (s.endNs ?? BigInt(Date.now()) * 1_000_000n) - parseDuration(lookback);
  const limit = q.get('limit');
  if (limit) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 0) throw new Error(`malformed 'limit' parameter: ${limit}`);
    if (n > 0) s.limit = checkSearchLimit(n, 'limit');
  }
  return s;
}

function micros(v: string, name: string): bigint {
  if (!/^\d+$/.test(v)) throw new Error(`malformed '${name}' parameter, expecting microseconds since epoch: ${v}`);
  return BigInt(v) * 1000n;
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9 };

/** Go-style durations (`1h30m`, `1.5s`, `250ms`) -> ns. */
export function parseDuration(v: string): bigint {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(v)) !== null) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== v.length || pos === 0) throw new Error(`malformed duration ${JSON.stringify(v)}: want e.g. 1.2s, 100ms, 500us`);
  return BigInt(Math.round(total));
}

function logfmt(s: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const part of s.trim().split(/\s+/)) {
    const i = part.indexOf('=');
    if (i <= 0) return null;
    out[part.slice(0, i)] = part.slice(i + 1).replace(/^"(.*)"$/, '$1');
  }
  return out;
}
