/** Request plumbing shared by the Honeycomb routes: auth, JSON bodies, and errors in Honeycomb's shape. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HoneycombApiError } from '../../query/honeycomb/errors.js';
import { HttpError, readBody, sendJson } from '../http-util.js';

export const MAX_BODY_BYTES = 1 << 20;

export function sendProblem(res: ServerResponse, err: HoneycombApiError): void {
  const text = JSON.stringify(err.body());
  res.writeHead(err.status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export type Handler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string | undefined>) => Promise<void>;

export interface HandlerOptions {
  /** Accepted X-Honeycomb-Team values; empty = no auth. */
  apiKeys: readonly string[];
  /** Where unexpected errors go (their text never reaches the client). */
  onError(err: unknown): void;
}

/**
 * Wraps a route: checks X-Honeycomb-Team when keys are configured, turns HoneycombApiError/HttpError into
 * Honeycomb's problem JSON, and any other failure (an engine error) into a 500 that names nothing inside.
 */
export function honeycombRoute(o: HandlerOptions, fn: Handler): Handler {
  return async (req, res, params) => {
    try {
      if (o.apiKeys.length > 0) {
        const key = req.headers['x-honeycomb-team'];
        if (typeof key !== 'string' || key === '') throw new HoneycombApiError(401, "missing 'X-Honeycomb-Team' header");
        if (!o.apiKeys.includes(key)) throw new HoneycombApiError(401, 'unknown API key - check your credentials');
      }
      await fn(req, res, params);
    } catch (err) {
      if (res.headersSent || (err as Error)?.name === 'QueryCancelledError') { res.destroy(); return; }
      if (err instanceof HoneycombApiError) return sendProblem(res, err);
      if (err instanceof HttpError) return sendProblem(res, new HoneycombApiError(err.status, err.message));
      o.onError(err);
      sendProblem(res, new HoneycombApiError(500, 'the query failed inside Honeyray; the server log has the details'));
    }
  };
}

/** The JSON body of a request, or a 400/413 in Honeycomb's shape. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  // Any content-type: `curl -d` sends application/x-www-form-urlencoded, and the body is JSON either way.
  const body = await readBody(req, MAX_BODY_BYTES);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HoneycombApiError(400, 'request body is not valid JSON', [{ field: 'body', code: 'invalid', description: 'not valid JSON' }]);
  }
}

export { sendJson };

/** scheme://host of the request, for links. */
export function baseUrl(req: IncomingMessage): string {
  const host = typeof req.headers.host === 'string' && /^[\w.\-:[\]]+$/.test(req.headers.host) ? req.headers.host : '127.0.0.1';
  return `http://${host}`;
}
