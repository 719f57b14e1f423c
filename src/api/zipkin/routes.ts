import type Router from 'find-my-way';
import { checkSearchLimit } from '../search-limit.js';
import { InvalidIdError, normalizeTraceId } from '../../model/ids.js';
import type { Store, TraceSearch } from '../../store/store.js';
import { sendJson, sendText } from '../../http/http-util.js';
import { toZipkinSpan } from './to-zipkin.js';

type R = Router.Instance<Router.HTTPVersion.V1>;
export type ZipkinReadStore = Pick<Store, 'services' | 'operations' | 'getTrace' | 'getTraces' | 'searchTraces'>;

/**
 * Zipkin's read API (zipkin2-api.yaml) so the Zipkin UI and its clients can read what Honeyray holds:
 * `/api/v2/services`, `/api/v2/spans?serviceName=`, `/api/v2/remoteServices`, `/api/v2/traces?serviceName=
 * &spanName=&annotationQuery=&minDuration=&maxDuration=&endTs=&lookback=&limit=`, `/api/v2/trace/{id}`.
 * Durations are microseconds, times milliseconds, as Zipkin's. Errors are text/plain 400/404.
 */
export function mountZipkinRead(router: R, store: ZipkinReadStore): void {
  router.get('/api/v2/services', async (_req, res) => sendJson(res, 200, await store.services()));
  router.get('/api/v2/spans', async (req, res) => {
    const service = params(req.url).get('serviceName');
    if (!service) return sendText(res, 400, 'serviceName is required');
    sendJson(res, 200, [...new Set((await store.operations(service)).map((o) => o.name))].sort());
  });
  router.get('/api/v2/remoteServices', async (req, res) => {
    if (!params(req.url).get('serviceName')) return sendText(res, 400, 'serviceName is required');
    sendJson(res, 200, []);
  });
  router.get('/api/v2/trace/:id', async (_req, res, p) => {
    let id: string;
    try {
      id = normalizeTraceId(p.id!);
    } catch (err) {
      if (err instanceof InvalidIdError) return sendText(res, 400, err.message);
      throw err;
    }
    const spans = await store.getTrace(id);
    if (spans.length === 0) return sendText(res, 404, `${p.id} not found`);
    sendJson(res, 200, spans.map(toZipkinSpan));
  });
  router.get('/api/v2/traces', async (req, res) => {
    let q: TraceSearch;
    try {
      q = parseZipkinSearch(params(req.url));
    } catch (err) {
      return sendText(res, 400, (err as Error).message);
    }
    const ids = await store.searchTraces(q);
    const traces = await store.getTraces(ids);
    sendJson(res, 200, ids.filter((id) => traces[id]).map((id) => traces[id]!.map(toZipkinSpan)));
  });
}

function params(url: string | undefined): URLSearchParams {
  return new URL(url ?? '/', 'http://x').searchParams;
}

/** Zipkin's query parameters -> a trace search (`annotationQuery`: `key=value and key2=value2`). */
export function parseZipkinSearch(q: URLSearchParams): TraceSearch {
  const num = (name: string): number | undefined => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
    return n;
  };
  const endTs = num('endTs') ?? Date.now();
  const lookback = num('lookback') ?? 86_400_000;
  const limit = checkSearchLimit(num('limit') ?? 10, 'limit');
  const tags: Record<string, string> = {};
  for (const term of (q.get('annotationQuery') ?? '').split(/\s+and\s+/i)) {
    const eq = term.indexOf('=');
    if (eq > 0) tags[term.slice(0, eq).trim()] = term.slice(eq + 1).trim();
  }
  const min = num('minDuration');
  const max = num('maxDuration');
  const spanName = q.get('spanName');
  return {
    service: q.get('serviceName') || undefined,
    operation: spanName && spanName !== 'all' ? spanName : undefined,
    tags: Object.keys(tags).length > 0 ? tags : undefined,
    minDurationNs: min !== undefined ? BigInt(min) * 1000n : undefined,
    maxDurationNs: max !== undefined ? BigInt(max) * 1000n : undefined,
    startNs: BigInt(Math.max(0, endTs - lookback)) * 1_000_000n,
    endNs: BigInt(endTs) * 1_000_000n,
    limit: Math.max(limit, 1),
  };
}
