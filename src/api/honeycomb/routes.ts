/**
 * Honeycomb's API on the HTTP port (shapes as https://docs.honeycomb.io/api/): `/1/auth`, `/1/datasets`,
 * `/1/columns`, `/1/queries`, `/1/query_results`, `/1/calculated_fields` (and `/1/derived_columns`),
 * `/1/markers`; and Honeyray's one-round-trip extensions for the UI and CLI, `POST /api/honeyray/query/{dataset}`
 * and `POST /api/honeyray/bubbleup/{dataset}`. Errors are Honeycomb's problem JSON (http.ts).
 */
import type Router from 'find-my-way';
import { bubbleUp } from '../../query/bubbleup/bubbleup.js';
import { selectionExpr } from '../../query/bubbleup/selection.js';
import { HoneycombApiError, invalid } from '../../query/honeycomb/errors.js';
import { runSpec } from '../../query/honeycomb/run.js';
import { SpecPlanner } from '../../query/honeycomb/to-ir.js';
import { validateSpec } from '../../query/honeycomb/validate.js';
import { checkField, deleteField, getField, putField, resolverForDataset, savedFields } from './calculated-fields.js';
import { checkDataset, listColumns, listDatasets, type HoneycombStore } from './datasets.js';
import { baseUrl, honeycombRoute, readJson, sendJson, type Handler } from './http.js';
import { checkMarker, deleteMarker, getMarker, listMarkers, putMarker } from './markers.js';
import { QueryService } from './queries.js';

type R = Router.Instance<Router.HTTPVersion.V1>;

export interface HoneycombDeps {
  store: HoneycombStore;
  apiKeys: readonly string[];
  onError(err: unknown): void;
}

const AUTH = {
  id: 'local', type: 'configuration',
  api_key_access: { events: true, markers: true, triggers: false, boards: false, queries: true, columns: true, createDatasets: true, slos: false, recipients: false, privateBoards: false },
  environment: { name: 'local', slug: 'local' },
  team: { name: 'honeyray', slug: 'honeyray' },
};

export function mountHoneycomb(router: R, deps: HoneycombDeps): void {
  const { store } = deps;
  const queries = new QueryService(store);
  // X-Honeycomb-Team guards Honeycomb's /1 API only; the /api/honeyray extensions are, like the Jaeger
  // API beside them, for the UI and CLI on the same host, which hold no Honeycomb key.
  const on = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, fn: Handler) =>
    router.on(method, path, honeycombRoute(path.startsWith('/1/') ? deps : { ...deps, apiKeys: [] }, fn) as never);
  /** Routes under a dataset: 404 unless it exists. */
  const onDataset = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, fn: Handler) =>
    on(method, path, async (req, res, p) => {
      await checkDataset(store, p.dataset!);
      await fn(req, res, p);
    });

  on('GET', '/1/auth', async (_req, res) => sendJson(res, 200, AUTH));
  on('GET', '/1/datasets', async (_req, res) => sendJson(res, 200, await listDatasets(store)));
  on('GET', '/1/datasets/:dataset', async (_req, res, p) => {
    const d = (await listDatasets(store)).find((x) => x.slug === p.dataset);
    if (!d) throw new HoneycombApiError(404, `Dataset ${JSON.stringify(p.dataset)} not found`);
    sendJson(res, 200, d);
  });
  onDataset('GET', '/1/columns/:dataset', async (req, res, p) => {
    const cols = await listColumns(store, p.dataset!);
    const key = new URL(req.url ?? '/', 'http://x').searchParams.get('key_name');
    if (key === null) return sendJson(res, 200, cols);
    const c = cols.find((x) => x.key_name === key);
    if (!c) return sendJson(res, 404, { error: 'column not found' });
    sendJson(res, 200, c);
  });

  onDataset('POST', '/1/queries/:dataset', async (req, res, p) => sendJson(res, 200, await queries.create(p.dataset!, await readJson(req))));
  onDataset('GET', '/1/queries/:dataset/:id', async (_req, res, p) => sendJson(res, 200, await queries.get(p.dataset!, p.id!)));
  onDataset('POST', '/1/query_results/:dataset', async (req, res, p) => sendJson(res, 201, await queries.run(p.dataset!, await readJson(req), baseUrl(req))));
  onDataset('GET', '/1/query_results/:dataset/:id', async (_req, res, p) => sendJson(res, 200, queries.result(p.dataset!, p.id!)));

  for (const base of ['/1/calculated_fields', '/1/derived_columns']) {
    onDataset('GET', `${base}/:dataset`, async (_req, res, p) => sendJson(res, 200, await savedFields(store, p.dataset!)));
    onDataset('POST', `${base}/:dataset`, async (req, res, p) => {
      const f = await checkField(store, p.dataset!, await readJson(req));
      await putField(store, p.dataset!, f);
      sendJson(res, 201, f);
    });
    onDataset('GET', `${base}/:dataset/:id`, async (_req, res, p) => sendJson(res, 200, await getField(store, p.dataset!, p.id!)));
    onDataset('PUT', `${base}/:dataset/:id`, async (req, res, p) => {
      const f = await checkField(store, p.dataset!, await readJson(req), await getField(store, p.dataset!, p.id!));
      await putField(store, p.dataset!, f);
      sendJson(res, 200, f);
    });
    onDataset('DELETE', `${base}/:dataset/:id`, async (_req, res, p) => {
      await deleteField(store, p.dataset!, p.id!);
      res.writeHead(204).end();
    });
  }

  onDataset('GET', '/1/markers/:dataset', async (_req, res, p) => sendJson(res, 200, await listMarkers(store, p.dataset!)));
  onDataset('POST', '/1/markers/:dataset', async (req, res, p) => {
    const m = checkMarker(p.dataset!, await readJson(req));
    await putMarker(store, m);
    sendJson(res, 201, m);
  });
  onDataset('PUT', '/1/markers/:dataset/:id', async (req, res, p) => {
    const m = checkMarker(p.dataset!, await readJson(req), await getMarker(store, p.dataset!, p.id!));
    await putMarker(store, m);
    sendJson(res, 200, m);
  });
  onDataset('DELETE', '/1/markers/:dataset/:id', async (_req, res, p) => sendJson(res, 200, await deleteMarker(store, p.dataset!, p.id!)));

  // Honeyray's extensions: a spec in, the result out, in one round trip.
  onDataset('POST', '/api/honeyray/query/:dataset', async (req, res, p) => {
    const columns = await resolverForDataset(store, p.dataset!);
    const spec = validateSpec(await readJson(req), columns, Date.now() / 1000);
    const out = await runSpec(store, new SpecPlanner(spec, columns, p.dataset!), false);
    sendJson(res, 200, out);
  });
  onDataset('POST', '/api/honeyray/bubbleup/:dataset', async (req, res, p) => {
    const body = await readJson(req);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'must be {"query": spec, "selection": ...}');
    const b = body as Record<string, unknown>;
    const columns = await resolverForDataset(store, p.dataset!);
    const spec = validateSpec(b.query ?? {}, columns, Date.now() / 1000);
    const sel = selectionExpr(b.selection, columns);
    sendJson(res, 200, await bubbleUp(store, new SpecPlanner(spec, columns, p.dataset!), columns, sel.expr, sel.column));
  });
}
