import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from './http-util.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * Every port's server options. A slow or stalled client gets 408 quickly instead of holding a connection
 * for minutes: headers within 10 s, the whole request (an 18 MB body takes well under a second on a LAN)
 * within 30 s, checked every second. Keep-alive stays above the 60 s idle timeout of common load balancers.
 */
export const SERVER_OPTIONS = { keepAliveTimeout: 65_000, headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000, maxHeaderSize: 32 * 1024 };

/** Sets the timeouts (`--headers-timeout`, `--request-timeout`, `--keep-alive-timeout`) before any port is bound. */
export function setServerTimeouts(t: { headersMs: number; requestMs: number; keepAliveMs: number }): void {
  // Node requires headersTimeout <= requestTimeout.
  SERVER_OPTIONS.requestTimeout = t.requestMs;
  SERVER_OPTIONS.headersTimeout = Math.min(t.headersMs, t.requestMs);
  SERVER_OPTIONS.keepAliveTimeout = t.keepAliveMs;
}

/**
 * An HTTP server on one port that hands every request to `handler` (a router's lookup): an unexpected throw
 * or rejection is logged and answered 500, never a crash. `guard` (auth) runs first and calls `next` to go on. `start` binds (port 0 = any free port) and returns
 * the port; `stop` stops accepting, lets requests in flight finish, then closes what is left.
 */
export function createHttpListener(host: string, port: number, handler: Handler, onError: (msg: string) => void, guard?: (req: IncomingMessage, res: ServerResponse, next: () => unknown) => unknown) {
  const fail = (req: IncomingMessage, res: ServerResponse) => (err: unknown) => {
    onError(`${req.method} ${req.url}: ${(err as Error)?.stack ?? err}`);
    if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    else res.destroy();
  };
  const server: Server = createServer(SERVER_OPTIONS, (req, res) => {
    try {
      const r = guard ? guard(req, res, () => handler(req, res)) : handler(req, res);
      if (r instanceof Promise) r.catch(fail(req, res));
    } catch (err) {
      fail(req, res)(err);
    }
  });
  return {
    start: () => new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
    }),
    stop: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5_000))]);
      server.closeAllConnections();
      await closed;
    },
  };
}
