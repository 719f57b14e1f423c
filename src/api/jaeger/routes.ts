import type { IncomingMessage, ServerResponse } from 'node:http';
import type Router from 'find-my-way';
import { InvalidIdError, normalizeTraceId } from '../../model/ids.js';
import type { Store, TraceSearch } from '../../store/store.js';
import { sendJson } from '../http-util.js';
import { toJaegerTrace } from './to-jaeger.js';

type ReadStore = Pick<Store, 'services' | 'operations' | 'getTrace' | 'getTraces' | 'searchTraces'>;
type R = Router.Instance<Router.HTTPVersion.V1>;

/** Jaeger query-service envelope. */
function envelope(data: unknown, errors: { code: number; msg: string }[] | null = null) {
  return { data, total: Array.isArray(data) ? data.length : 0, limit: 0, offset: 0, errors };
}

function bad(res: ServerResponse, status: number, msg: string): void {
  sendJson(res, status, envelope(null, [{ code: status, msg }]));
}

/**
 * The Jaeger query API as Jaeger's UI and Grafana's Jaeger data source call it:
 * `/api/services`, `/api/services/:service/operations`, `/api/operations`, `/api/traces/:id`,
 * `/api/traces?service=&operation=&tags=&minDuration=&maxDuration=&start=&end=&limit=&lookback=`.
 */
export function mountJaeger(router: R, store: ReadStore): void {
  router.get('/api/services', async (_req, res) => {
    sendJson(res, 200, envelope(await store.services()));
  });
  router.get('/api/services/:service/operations', async (_req, res, params) => {
    const ops = await store.operations(params.service!);
    sendJson(res, 200, envelope([...new Set(ops.map((o) => o.name))]));
  });
  router.get('/api/operations', async (req, res) => {
    const q = query(req);
    const service = q.get('service');
    if (!service) return bad(res, 400, "parameter 'service' is required");
    const kind = q.get('spanKind');
    const ops = (await store.operations(service)).filter((o) => !kind || o.spanKind === kind);
    sendJson(res, 200, envelope(ops));
  });
  router.get('/api/traces/:id', async (_req, res, params) => {
    let id: string;
    try {
      id = normalizeTraceId(params.id!);
    } catch (err) {
      if (err instanceof InvalidIdError) return bad(res, 400, err.message);
      throw err;
    }
    const spans = await store.getTrace(id);
    if (spans.length === 0) return bad(res, 404, 'trace not found');
    sendJson(res, 200, envelope([toJaegerTrace(spans)]));
  });
  router.get('/api/traces', async (req, res) => {
    let search: TraceSearch;
    try {
      search = parseSearch(query(req));
    } catch (err) {
      return bad(res, 400, (err as Error).message);
    }
    const ids = await store.searchTraces(search);
    const traces = await store.getTraces(ids);
    sendJson(res, 200, envelope(ids.filter((id) => traces[id]).map((id) => toJaegerTrace(traces[id]!))));
  });
}

function query(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://x').searchParams;
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
    if (n > 0) s.limit = n;
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
