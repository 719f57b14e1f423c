import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkSearchLimit } from '../search-limit.js';
import type Router from 'find-my-way';
import { InvalidIdError, normalizeTraceId } from '../../model/ids.js';
import type { Span } from '../../model/span.js';
import type { Store, TraceSearch } from '../../store/store.js';
import { query, sendJaeger } from './envelope.js';
import { parseDuration } from './routes.js';
import { toOtlpJson } from './to-otlp-json.js';

type R = Router.Instance<Router.HTTPVersion.V1>;
type V3Store = Pick<Store, 'services' | 'operations' | 'getTrace' | 'getTraces' | 'searchTraces'>;

/** api_v3's error shape (grpc-gateway's `GRPCGatewayError`): `{"error":{"httpCode":n,"message":"..."}}`. */
function v3Error(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  sendJaeger(req, res, status, { error: { httpCode: status, message } });
}

/**
 * Jaeger's api_v3 over HTTP (cmd/query/app/apiv3/http_gateway.go), what Jaeger UI >= 2.15 calls:
 * `GET /api/v3/services` -> `{"services":[...]}`, `GET /api/v3/operations?service=&span_kind=` ->
 * `{"operations":[{"name","spanKind"}]}`, `GET /api/v3/traces/{trace_id}` and `GET /api/v3/traces?query.*`
 * -> `{"result":{"resourceSpans":[...]}}` (OTLP/JSON). Errors in grpc-gateway's shape.
 */
export function mountJaegerV3(router: R, store: V3Store): void {
  router.get('/api/v3/services', async (req, res) => {
    sendJaeger(req, res, 200, { services: await store.services() });
  });
  router.get('/api/v3/operations', async (req, res) => {
    const q = query(req);
    const service = q.get('service') ?? '';
    const kind = q.get('span_kind') ?? '';
    const ops = service ? await store.operations(service) : [];
    sendJaeger(req, res, 200, { operations: ops.filter((o) => !kind || o.spanKind === kind).map((o) => ({ name: o.name, spanKind: o.spanKind })) });
  });
  router.get('/api/v3/traces/:trace_id', async (req, res, params) => {
    let id: string;
    try {
      id = normalizeTraceId(params.trace_id!);
    } catch (err) {
      if (err instanceof InvalidIdError) return v3Error(req, res, 400, `malformed parameter trace_id: ${err.message}`);
      throw err;
    }
    const spans = await store.getTrace(id);
    if (spans.length === 0) return v3Error(req, res, 404, 'trace not found');
    sendJaeger(req, res, 200, { result: toOtlpJson(spans) });
  });
  router.get('/api/v3/traces', async (req, res) => {
    let search: TraceSearch;
    try {
      search = parseV3Search(query(req));
    } catch (err) {
      return v3Error(req, res, 400, (err as Error).message);
    }
    const ids = await store.searchTraces(search);
    const traces = await store.getTraces(ids);
    const spans: Span[] = ids.flatMap((id) => traces[id] ?? []);
    if (spans.length === 0) return v3Error(req, res, 404, 'trace not found');
    sendJaeger(req, res, 200, { result: toOtlpJson(spans) });
  });
}

/** `query.service_name`, `query.operation_name`, `query.start_time_min/max` (RFC 3339, required), `query.duration_min/max`, `query.num_traces`, `query.attributes`. */
export function parseV3Search(q: URLSearchParams): TraceSearch {
  const s: TraceSearch = {};
  const service = q.get('query.service_name');
  if (service) s.service = service;
  const op = q.get('query.operation_name');
  if (op) s.operation = op;
  const min = q.get('query.start_time_min');
  const max = q.get('query.start_time_max');
  if (!min || !max) throw new Error('query.start_time_min and query.start_time_max are required');
  s.startNs = rfc3339(min, 'query.start_time_min');
  s.endNs = rfc3339(max, 'query.start_time_max');
  const n = q.get('query.num_traces') ?? q.get('query.search_depth');
  if (n) {
    if (!/^\d+$/.test(n)) throw new Error(`malformed parameter query.num_traces: strconv.Atoi: parsing ${JSON.stringify(n)}: invalid syntax`);
    if (Number(n) > 0) s.limit = checkSearchLimit(Number(n), 'query.num_traces');
  }
  for (const [param, key] of [['query.duration_min', 'minDurationNs'], ['query.duration_max', 'maxDurationNs']] as const) {
    const v = q.get(param);
    if (!v) continue;
    try {
      s[key] = parseDuration(v);
    } catch (err) {
      throw new Error(`malformed parameter ${param}: ${(err as Error).message}`);
    }
  }
  const attrs = q.get('query.attributes');
  if (attrs) {
    let obj: unknown;
    try {
      obj = JSON.parse(attrs);
    } catch {
      throw new Error('malformed parameter query.attributes: want a JSON object of key: value');
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('malformed parameter query.attributes: want a JSON object of key: value');
    s.tags = Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, String(v)]));
  }
  return s;
}

function rfc3339(v: string, name: string): bigint {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/i.exec(v);
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || !Number.isFinite(ms)) throw new Error(`malformed parameter ${name}: want an RFC 3339 time like 2026-01-02T15:04:05.999Z, got ${JSON.stringify(v)}`);
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0') || '0');
}
