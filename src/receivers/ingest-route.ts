import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readDecodedBody, sendText } from '../http/http-util.js';
import { headerValue, type ReceiverDeps } from './receiver.js';

const RETRY_AFTER_S = '1';

/**
 * The usual "POST a body of spans" route for protocols that answer in plain text (Zipkin, Jaeger collector):
 * the shared key check, 503 + Retry-After when the pipeline is full, body limit and Content-Encoding, then
 * `kindFor` picks the payload kind from the request (undefined -> 415 `unsupported`). Success is `okStatus`
 * with an empty body; unreadable data is 400 with the decoder's reason; a storage failure 503.
 */
export function textIngestRoute(d: ReceiverDeps, o: { kindFor(req: IncomingMessage): string | undefined; unsupported: string; okStatus: number; what: string }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(d, o, req, res).catch((err: unknown) => {
      d.log.error(`${o.what} request failed: ${(err as Error)?.stack ?? err}`);
      if (!res.headersSent) sendText(res, 500, 'internal error');
      else res.destroy();
    });
  };
}

async function handle(d: ReceiverDeps, o: Parameters<typeof textIngestRoute>[1], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const fail = (status: number, message: string, headers: Record<string, string> = {}) => { req.resume(); sendText(res, status, message, headers); };
  if (d.apiKeys.length > 0) {
    const key = headerValue(req.headers, 'x-honeycomb-team');
    if (!key) return fail(401, "missing 'x-honeycomb-team' header");
    if (!d.apiKeys.includes(key)) return fail(401, 'unknown API key - check your credentials');
  }
  const kind = o.kindFor(req);
  if (kind === undefined) return fail(415, o.unsupported);
  if (d.full()) return fail(503, 'write pipeline is full, retry later', { 'retry-after': RETRY_AFTER_S });
  const body = await readDecodedBody(req, d.maxBodyBytes, res);
  if (body instanceof HttpError) return fail(body.status, body.message, body.status === 503 ? { 'retry-after': RETRY_AFTER_S } : {});
  const r = await d.submit({ kind, body, dataset: headerValue(req.headers, 'x-honeycomb-dataset') });
  if (r.ok) {
    res.writeHead(o.okStatus, { 'content-length': '0' });
    res.end();
    return;
  }
  if (r.reason === 'parse') return fail(400, r.message);
  fail(503, r.message, { 'retry-after': RETRY_AFTER_S });
}
