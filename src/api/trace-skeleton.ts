import type Router from 'find-my-way';
import { InvalidIdError, normalizeTraceId } from '../model/ids.js';
import type { Store } from '../store/store.js';
import { sendJson } from './http-util.js';

type R = Router.Instance<Router.HTTPVersion.V1>;

/**
 * `GET /api/honeyray/traces/{id}/skeleton`: the waterfall's first screen of a trace (store.ts
 * `TraceSkeleton`: per span its ids, service, name, kind, status and times; strings in a dictionary),
 * columnar JSON compressed by Accept-Encoding. The UI draws a big trace from it, then loads the full
 * trace (`/api/traces/{id}`) for span details. Any id form `/api/traces/{id}` takes; errors are
 * `{"error": "..."}` like the other `/api/honeyray` routes (400 bad id, 404 unknown trace).
 */
export function mountTraceSkeleton(router: R, store: Pick<Store, 'getTraceSkeleton'>): void {
  router.get('/api/honeyray/traces/:id/skeleton', async (_req, res, params) => {
    let id: string;
    try {
      id = normalizeTraceId(params.id!);
    } catch (err) {
      if (err instanceof InvalidIdError) return sendJson(res, 400, { error: err.message });
      throw err;
    }
    const skeleton = await store.getTraceSkeleton(id);
    if (!skeleton) return sendJson(res, 404, { error: `trace not found: ${id}` });
    sendJson(res, 200, skeleton);
  });
}
