import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, mediaType, readDecodedBody, sendJson } from '../../http/http-util.js';
import type { IngestPayload } from '../../pipeline/payload.js';
import { headerValue, type Receiver, type ReceiverDeps } from '../receiver.js';
import { EVENTS_KINDS } from './codec.js';

const MSGPACK_TYPES = new Set(['application/msgpack', 'application/x-msgpack']);
const RETRY_AFTER_S = '1';

/**
 * Honeycomb's Events API (libhoney, the Beelines): `POST /1/events/{dataset}` (one event; time and sample rate
 * in `X-Honeycomb-Event-Time` / `X-Honeycomb-Samplerate`) and `POST /1/batch/{dataset}` (JSON or msgpack
 * array; answered 200 with one `{"status":202}` or `{"status":400,"error":"..."}` per event, in order).
 * Errors are `{"error": "..."}` as Honeycomb writes them; a full pipeline is 429 + Retry-After.
 */
export const honeycombEventsReceiver: Receiver = {
  name: 'Honeycomb Events API',
  routes(router, d) {
    const route = (batch: boolean) => (req: IncomingMessage, res: ServerResponse, params: Record<string, string | undefined>) => {
      handle(d, req, res, params.dataset ?? '', batch).catch((err: unknown) => {
        d.log.error(`Events API request failed: ${(err as Error)?.stack ?? err}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    };
    router.post('/1/events/:dataset', route(false));
    router.post('/1/batch/:dataset', route(true));
  },
};

async function handle(d: ReceiverDeps, req: IncomingMessage, res: ServerResponse, rawDataset: string, batch: boolean): Promise<void> {
  const fail = (status: number, error: string, headers: Record<string, string> = {}) => { req.resume(); sendJson(res, status, { error }, headers); };
  if (d.apiKeys.length > 0) {
    const key = headerValue(req.headers, 'x-honeycomb-team');
    if (!key) return fail(401, "missing 'x-honeycomb-team' header");
    if (!d.apiKeys.includes(key)) return fail(401, 'unknown API key - check your credentials');
  }
  const dataset = rawDataset.trim();
  if (dataset === '') return fail(400, 'dataset name is empty');
  if (d.full()) return fail(429, 'write pipeline is full, retry later', { 'retry-after': RETRY_AFTER_S });
  const type = mediaType(req.headers['content-type']);
  const msgpack = MSGPACK_TYPES.has(type);
  if (msgpack && !batch) return fail(415, 'msgpack is accepted on /1/batch only');
  const body = await readDecodedBody(req, d.maxBodyBytes, res);
  if (body instanceof HttpError) return body.status === 503 ? fail(429, body.message, { 'retry-after': RETRY_AFTER_S }) : fail(body.status, body.message);
  const payload: IngestPayload = {
    kind: batch ? (msgpack ? EVENTS_KINDS['batch-msgpack'] : EVENTS_KINDS['batch-json']) : EVENTS_KINDS['event-json'],
    body,
    dataset,
    params: batch ? undefined : { time: headerValue(req.headers, 'x-honeycomb-event-time'), sampleRate: headerValue(req.headers, 'x-honeycomb-samplerate') },
  };
  const r = await d.submit(payload);
  if (!r.ok) return r.reason === 'parse' ? fail(400, r.message) : fail(503, r.message, { 'retry-after': RETRY_AFTER_S });
  const refused = new Map((r.rejectedDocuments ?? []).map((x) => [Number(x.id), x]));
  if (!batch) {
    const x = refused.get(0);
    return x ? sendJson(res, Number(x.errorCode), { error: x.message }) : sendJson(res, 200, {});
  }
  const statuses = Array.from({ length: r.accepted + r.rejected }, (_, i) => {
    const x = refused.get(i);
    return x ? { status: Number(x.errorCode), error: x.message } : { status: 202 };
  });
  sendJson(res, 200, statuses);
}
