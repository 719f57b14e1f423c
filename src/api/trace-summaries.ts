import type Router from 'find-my-way';
import { compileFilterExpression } from '../query/xray-filter/compile-sql.js';
import { FilterSyntaxError, formatError } from '../query/xray-filter/parser.js';
import type { SpanFilter, Store, TraceSummaryQuery, TraceSummarySort } from '../store/store.js';
import { sendJson } from './http-util.js';
import { parseSearch } from './jaeger/routes.js';

type R = Router.Instance<Router.HTTPVersion.V1>;

const SORTS: readonly TraceSummarySort[] = ['newest', 'oldest', 'slowest', 'fastest', 'most_spans', 'errors'];
const OPS = new Set(['=', '!=', '>', '>=', '<', '<=', 'contains', 'exists', 'not-exists']);

/**
 * `GET /api/honeyray/trace-summaries`: one row per matching trace (root service and name, start,
 * duration, span and error counts, services), computed in the engine, sorted over the whole result.
 * Parameters are Jaeger's search parameters (service, operation, tags, minDuration, maxDuration,
 * start, end, lookback, limit) plus `sort`, `where` (a JSON any-span filter, see `SpanFilter`) and
 * `filter` (an X-Ray filter expression, as GetTraceSummaries takes; groups are not resolved here).
 */
export function mountTraceSummaries(router: R, store: Pick<Store, 'traceSummaries' | 'columns' | 'dialect'>): void {
  router.get('/api/honeyray/trace-summaries', async (req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    let query: TraceSummaryQuery;
    try {
      query = parseSearch(q);
      const sort = q.get('sort');
      if (sort) {
        if (!SORTS.includes(sort as TraceSummarySort)) throw new Error(`malformed 'sort' parameter: ${sort}; want one of ${SORTS.join(', ')}`);
        query.sort = sort as TraceSummarySort;
      }
      const where = q.get('where');
      if (where) query.where = parseWhere(where);
      const filter = q.get('filter');
      if (filter && filter.trim() !== '') query.having = await compileXrayFilter(store, filter);
    } catch (err) {
      return sendJson(res, 400, { error: (err as Error).message });
    }
    sendJson(res, 200, await store.traceSummaries(query));
  });
}

/** `where=` JSON -> a checked `SpanFilter` (a bad shape is a 400 naming the place). */
export function parseWhere(text: string): SpanFilter {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`malformed 'where' parameter: not JSON`);
  }
  return checkFilter(v, 'where');
}

function checkFilter(v: unknown, at: string): SpanFilter {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`malformed ${at}: want {"and":[...]}, {"or":[...]} or {"key","op","value"}`);
  const o = v as Record<string, unknown>;
  for (const comb of ['and', 'or'] as const) {
    if (comb in o) {
      if (!Array.isArray(o[comb])) throw new Error(`malformed ${at}.${comb}: want an array`);
      const list = (o[comb] as unknown[]).map((x, i) => checkFilter(x, `${at}.${comb}[${i}]`));
      return comb === 'and' ? { and: list } : { or: list };
    }
  }
  if (typeof o.key !== 'string' || o.key === '') throw new Error(`malformed ${at}.key: want a non-empty string`);
  const op = o.op ?? '=';
  if (typeof op !== 'string' || !OPS.has(op)) throw new Error(`malformed ${at}.op: want one of ${[...OPS].join(' ')}`);
  const value = o.value;
  if (op !== 'exists' && op !== 'not-exists' && !['string', 'number', 'boolean'].includes(typeof value)) throw new Error(`malformed ${at}.value: want a string, number or boolean`);
  if (['>', '>=', '<', '<='].includes(op) && !Number.isFinite(Number(value))) throw new Error(`malformed ${at}.value: ${op} wants a number`);
  return { key: o.key, op: op as Extract<SpanFilter, { key: string }>['op'], ...(value !== undefined ? { value: value as string | number | boolean } : {}) };
}

/** An X-Ray filter expression -> the trace-level SQL condition, over the committed catalog's columns. */
async function compileXrayFilter(store: Pick<Store, 'columns' | 'dialect'>, expr: string): Promise<string> {
  const columns = new Map((await store.columns()).map((c) => [c.key, c]));
  try {
    return compileFilterExpression(expr, {
      column: (key) => {
        const c = columns.get(key);
        return c ? { sql: store.dialect.ident(c.column), type: c.type } : null;
      },
      quote: store.dialect.string,
      dialect: store.dialect,
    });
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw new Error(`malformed 'filter' parameter: ${formatError(expr, err)}`);
    throw err;
  }
}
