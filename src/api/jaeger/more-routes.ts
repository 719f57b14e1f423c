import type Router from 'find-my-way';
import type { SpanBatch } from '../../model/span-batch.js';
import { batchToSpans } from '../../model/batch-to-spans.js';
import type { Span } from '../../model/span.js';
import { serviceDependencies } from '../../query/jaeger/dependencies.js';
import type { Store } from '../../store/store.js';
import { HttpError, decodeContent, readBody } from '../http-util.js';
import { envelope, query, sendJaeger, sendJaegerError } from './envelope.js';
import { toJaegerTrace } from './to-jaeger.js';

type R = Router.Instance<Router.HTTPVersion.V1>;

export interface JaegerMoreDeps {
  store: Pick<Store, 'select'>;
  /** OTLP/JSON request -> batch (the receiver's decoder, passed in by app/ so api/ does not import receivers/). */
  decodeOtlpJson: (body: Uint8Array) => { batch: SpanBatch };
  maxBodyBytes: number;
}

const DAY_MS = 86_400_000;
/** Jaeger's disabled metrics store error text (plugin/metricstore/disabled), answered with 501. */
const METRICS_DISABLED = 'metrics querying is currently disabled';

/**
 * The rest of Jaeger's query API, as Jaeger UI 1.x/2.x calls it:
 * - `GET /api/dependencies?endTs=&lookback=` (ms): the System Architecture view, computed from spans;
 * - `GET /api/metrics/{latencies,calls,errors,minstep}` (the Monitor tab): 501 in the envelope, exactly
 *   what Jaeger answers without a metrics store (the UI then shows its "not configured" page);
 * - `POST /api/transform`: OTLP/JSON in, Jaeger JSON traces out (the UI's "upload OTLP" feature);
 * - any other `/api/...` path: 404 in the envelope instead of a bare not-found.
 */
export function mountJaegerMore(router: R, d: JaegerMoreDeps): void {
  router.get('/api/dependencies', async (req, res) => {
    const q = query(req);
    let endTs: number;
    let lookback: number;
    try {
      endTs = millis(q.get('endTs'), 'endTs', Date.now());
      lookback = millis(q.get('lookback'), 'lookback', DAY_MS);
    } catch (err) {
      return sendJaegerError(req, res, 400, (err as Error).message);
    }
    const end = BigInt(endTs) * 1_000_000n;
    let links = await serviceDependencies(d.store, end - BigInt(lookback) * 1_000_000n, end);
    const service = q.get('service');
    if (service) links = links.filter((l) => l.parent === service || l.child === service);
    sendJaeger(req, res, 200, envelope(links, null, 0));
  });

  router.get('/api/metrics/latencies', (req, res) => {
    const qv = query(req).get('quantile') ?? '';
    if (qv.trim() === '' || !Number.isFinite(Number(qv))) {
      return sendJaegerError(req, res, 400, `unable to parse param 'quantile': strconv.ParseFloat: parsing ${JSON.stringify(qv)}: invalid syntax`);
    }
    sendJaegerError(req, res, 501, METRICS_DISABLED);
  });
  for (const m of ['calls', 'errors', 'minstep']) router.get(`/api/metrics/${m}`, (req, res) => sendJaegerError(req, res, 501, METRICS_DISABLED));

  router.post('/api/transform', async (req, res) => {
    let spans: Span[];
    try {
      const body = await decodeContent(await readBody(req, d.maxBodyBytes), req.headers['content-encoding'], d.maxBodyBytes);
      spans = batchToSpans(d.decodeOtlpJson(body).batch);
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 400;
      return sendJaegerError(req, res, status, (err as Error).message);
    }
    const byTrace = new Map<string, Span[]>();
    for (const s of spans) {
      const list = byTrace.get(s.traceId);
      if (list) list.push(s);
      else byTrace.set(s.traceId, [s]);
    }
    const traces = [...byTrace.values()].map((list) => toJaegerTrace(list.sort((a, b) => (a.startUnixNano < b.startUnixNano ? -1 : a.startUnixNano > b.startUnixNano ? 1 : 0))));
    sendJaeger(req, res, 200, envelope(traces, null, 0));
  });

  router.all('/api/*', (req, res) =>
    sendJaegerError(req, res, 404, `404 page not found: ${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`));
}

/** A millisecond parameter (Jaeger's endTs / lookback); absent -> the default. */
function millis(v: string | null, name: string, dflt: number): number {
  if (v === null || v === '') return dflt;
  if (!/^\d+$/.test(v)) throw new Error(`unable to parse param '${name}': strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}
