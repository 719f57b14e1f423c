import dgram from 'node:dgram';
import type { Listener, ReceiverDeps } from '../receiver.js';

/**
 * A Jaeger agent UDP port: each datagram is one `Agent.emitBatch` Thrift message (compact on 6831, binary on
 * 6832), handed to the pipeline as is and decoded in the worker. UDP has no answer: bad datagrams are logged
 * (rate-limited) and a full pipeline drops, never blocking the socket; `stop` waits for what is in flight.
 */
export function createJaegerUdpListener(d: ReceiverDeps, port: number, kind: string, name: string): Listener {
  let socket: dgram.Socket | null = null;
  const inflight = new Set<Promise<void>>();
  let dropped = 0;
  const onMessage = (msg: Buffer) => {
    if (d.full()) {
      dropped++;
      d.log.warn(`${name}: datagram dropped, write pipeline full (${dropped} so far)`);
      return;
    }
    const p = d.submit({ kind, body: new Uint8Array(msg) }).then((r) => {
      if (!r.ok) d.log.warn(`${name}: ${r.reason === 'parse' ? 'invalid datagram' : 'datagram dropped'}: ${r.message}`);
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };
  return {
    name,
    async start() {
      const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
      socket = s;
      s.on('message', onMessage);
      s.on('error', (err) => d.log.warn(`${name} socket error: ${err.message}`));
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(port, d.listen, () => { s.off('error', reject); resolve(); });
      });
      return s.address().port;
    },
    async stop() {
      if (socket) {
        const s = socket;
        socket = null;
        await new Promise<void>((r) => s.close(() => r()));
      }
      await Promise.all(inflight);
    },
  };
}
