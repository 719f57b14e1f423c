import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendJson } from './http-util.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * An HTTP server on one port that hands every request to `handler` (a router's lookup): an unexpected throw
 * or rejection is logged and answered 500, never a crash. `start` binds (port 0 = any free port) and returns
 * the port; `stop` stops accepting, lets requests in flight finish, then closes what is left.
 */
export function createHttpListener(host: string, port: number, handler: Handler, onError: (msg: string) => void) {
  const fail = (req: IncomingMessage, res: ServerResponse) => (err: unknown) => {
    onError(`${req.method} ${req.url}: ${(err as Error)?.stack ?? err}`);
    if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    else res.destroy();
  };
  const server: Server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 120_000 }, (req, res) => {
    try {
      const r = handler(req, res);
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
