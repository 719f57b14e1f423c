/**
 * Honeycomb's Query Data API: `POST /1/queries/{dataset}` saves a spec (id = a hash of dataset + spec, so
 * the same spec gets the same id, as Honeycomb does), `POST /1/query_results/{dataset}` runs one, `GET`
 * fetches either. Results are computed at once (the POST answers `complete: true` with the data) and kept
 * in memory for polling; saved specs live in the store's meta table.
 */
import { createHash, randomBytes } from 'node:crypto';
import { HoneycombApiError, invalid } from '../../query/honeycomb/errors.js';
import { runSpec, type QueryOutput } from '../../query/honeycomb/run.js';
import { SpecPlanner } from '../../query/honeycomb/to-ir.js';
import { MAX_LIMIT, MAX_LIMIT_NO_SERIES, validateSpec } from '../../query/honeycomb/validate.js';
import { resolverForDataset } from './calculated-fields.js';
import type { HoneycombStore } from './datasets.js';

const kind = (dataset: string) => `honeycomb.query:${dataset}`;
const KEEP_RESULTS = 500;

export interface QueryResult {
  id: string;
  complete: boolean;
  query_id: string;
  data?: Omit<QueryOutput, 'meta'>;
  links: { query_url: string; graph_image_url: string };
}

export class QueryService {
  private readonly results = new Map<string, QueryResult>();

  constructor(private readonly store: HoneycombStore) {}

  /** Validates against the dataset's columns and saves; returns `{id, ...spec}`. */
  async create(dataset: string, raw: unknown): Promise<Record<string, unknown>> {
    const columns = await resolverForDataset(this.store, dataset);
    validateSpec(raw, columns, Date.now() / 1000, MAX_LIMIT_NO_SERIES);
    const spec = { ...(raw as Record<string, unknown>) };
    delete spec.id;
    const id = createHash('sha256').update(dataset + '\0' + JSON.stringify(spec)).digest('base64url').slice(0, 11);
    await this.store.putMeta(kind(dataset), id, spec);
    return { id, ...spec };
  }

  async get(dataset: string, id: string): Promise<Record<string, unknown>> {
    const spec = await this.store.getMeta<Record<string, unknown>>(kind(dataset), id);
    if (!spec) throw new HoneycombApiError(404, 'query not found');
    return { id, ...spec };
  }

  /** Runs a saved query now (relative time ranges end now). */
  async run(dataset: string, body: unknown, base: string): Promise<QueryResult> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'must be a JSON object {query_id, disable_series, limit}');
    const b = body as Record<string, unknown>;
    if (typeof b.query_id !== 'string' || b.query_id === '') throw invalid('query_id', 'must name a query created with POST /1/queries', 'missing');
    if (b.disable_series !== undefined && typeof b.disable_series !== 'boolean') throw invalid('disable_series', 'must be a boolean');
    const disableSeries = b.disable_series === true;
    const maxLimit = disableSeries ? MAX_LIMIT_NO_SERIES : MAX_LIMIT;
    if (b.limit !== undefined && (typeof b.limit !== 'number' || !Number.isInteger(b.limit) || b.limit < 1 || b.limit > MAX_LIMIT_NO_SERIES)) {
      throw invalid('limit', `must be an integer between 1 and ${MAX_LIMIT_NO_SERIES}`);
    }
    const saved = await this.store.getMeta<Record<string, unknown>>(kind(dataset), b.query_id);
    if (!saved) throw new HoneycombApiError(404, 'query not found');
    const spec = { ...saved };
    // The result's own limit caps the spec's (Honeycomb: up to 10,000 rows with disable_series).
    if (typeof b.limit === 'number') spec.limit = Math.min(b.limit, maxLimit, typeof saved.limit === 'number' ? saved.limit : Infinity);
    const columns = await resolverForDataset(this.store, dataset);
    const normalized = validateSpec(spec, columns, Date.now() / 1000, maxLimit);
    const out = await runSpec(this.store, new SpecPlanner(normalized, columns, dataset), disableSeries);
    const id = randomBytes(8).toString('base64url');
    const url = `${base}/query?dataset=${encodeURIComponent(dataset)}&query_id=${encodeURIComponent(b.query_id)}`;
    const result: QueryResult = {
      id, complete: true, query_id: b.query_id,
      data: { series: out.series, results: out.results, ...(out.compare ? { compare: out.compare } : {}) },
      links: { query_url: url, graph_image_url: `${url}&result_id=${id}` },
    };
    this.results.set(`${dataset}\0${id}`, result);
    // Bounded: the oldest results go first (Map keeps insertion order).
    while (this.results.size > KEEP_RESULTS) this.results.delete(this.results.keys().next().value!);
    return result;
  }

  result(dataset: string, id: string): QueryResult {
    const r = this.results.get(`${dataset}\0${id}`);
    if (!r) throw new HoneycombApiError(404, 'query result not found');
    return r;
  }
}
