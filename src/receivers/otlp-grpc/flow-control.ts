import type { Http2Server, ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type * as grpc from '@grpc/grpc-js';

/**
 * HTTP/2 receive windows for the gRPC port. grpc-js (1.14) leaves its server at HTTP/2's 64 KiB per stream
 * and per connection and has no option to raise them (grpc/grpc-node#3058 would read
 * `grpc-node.flow_control_window` on the server; open). A 512-span OTLP request is ~220 KB, a Collector's
 * 8,192-span batch a few MB, so with 64 KiB the client waits a round trip for a WINDOW_UPDATE every 64 KiB:
 * through a 20 ms round trip one connection carried 3,056 spans/s, 0.37x OTLP/HTTP's in the same run
 * (`BENCH_RTT_MS=20 BENCH_CONNECTIONS=1 npm run bench:ingest -- --protocol otlp-grpc`; with what
 * `tuneConnections` does, on par: docs/benchmarks.md). On loopback the windows make no difference.
 * The windows bound nothing of memory: grpc-js reads a message whole however slowly it arrives, and the
 * memory budget (http/memory-budget.ts) counts it once read.
 */
export const STREAM_WINDOW = 4 * 2 ** 20;
export const CONNECTION_WINDOW = 16 * 2 ** 20;

/**
 * Raises both windows, and turns Nagle's algorithm off, on every connection of `server` (call after
 * `bindAsync` succeeded). With the windows alone the 20 ms link above gave 0.72-0.80x OTLP/HTTP; with Nagle
 * off too, 0.98-1.01x. grpc-js keeps its node:http2 servers in a private `http2Servers` map: the one place
 * its internals are used, so a grpc-js that renames it leaves the defaults (false is returned and logged;
 * test/e2e/otlp-grpc.test.ts checks the windows a client is given).
 */
export function tuneConnections(server: grpc.Server): boolean {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) return false;
  for (const h2 of servers.keys() as IterableIterator<Http2Server>) {
    if (typeof h2?.on !== 'function') return false;
    // node:http's servers turn Nagle's algorithm off on each connection; node:http2's (grpc-js's) do not, so
    // an answer written in pieces (headers, message, trailers) can wait for the client's delayed ACK.
    h2.on('connection', (socket: Socket) => socket.setNoDelay?.(true));
    h2.on('session', (session: ServerHttp2Session) => {
      if (session.destroyed) return;
      try {
        session.settings({ initialWindowSize: STREAM_WINDOW });
        session.setLocalWindowSize(CONNECTION_WINDOW);
      } catch {
        // A connection already going away (both throw on a closed session) keeps the defaults; a throw here
        // would be uncaught, on the server's own event.
      }
    });
  }
  return true;
}
