/**
 * A TCP proxy on 127.0.0.1 that holds every chunk `oneWayMs` in each direction: a link with a round trip of
 * 2 x oneWayMs and no bandwidth limit, for bench:ingest's `BENCH_RTT_MS` (how the protocols' flow control fares
 * off loopback) without touching the machine's network settings. Chunks leave in the order they came (timers
 * of one duration fire in the order they were set).
 */
import net from 'node:net';

export async function startDelayProxy(targetPort: number, oneWayMs: number): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const relay = (from: net.Socket, to: net.Socket) => from.on('data', (chunk) => setTimeout(() => to.write(chunk), oneWayMs));
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => { sockets.delete(s); client.destroy(); upstream.destroy(); });
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => { server.close(); for (const s of sockets) s.destroy(); },
  };
}
