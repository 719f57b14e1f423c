/**
 * A leaner way for aws-xray-sdk-core (3.12) to put segments on the wire: the same datagrams, half the
 * serialisation work. Hand-written on purpose: profiled (`BENCH_PROFILE` of `npm run bench:overhead`,
 * docs/benchmarks.md), serialising each segment was about a quarter of the SDK's CPU per request, the
 * largest single item; with this, about a quarter less CPU per segment (create, close, serialise,
 * send: `node dist/bench/overhead.js segments`).
 *
 * What the SDK does per segment (lib/segment_emitter.js, lib/segments/segment.js):
 *   1. `segment.format()`: a copy of the segment, then JSON.stringify with a replacer function (it
 *      turns BigInts into strings), which V8 calls for every key and value of the document;
 *   2. for a debug log line built whether or not debug logging is on (`'UDP message sent: ' +
 *      segment`), `segment.toString()`: the whole document serialised a second time, replacer again;
 *   3. one UDP datagram `{"format":"json","version":1}\n<document>` to the daemon.
 * What this does instead: (1) with plain JSON.stringify, falling back to the SDK's replacer only when
 * the document holds a BigInt (plain JSON.stringify throws a TypeError on those); no (2); the same (3),
 * on the same kind of socket, with the SDK's own error logging.
 *
 * Installed by `installLeanEmitter(sdk)` (tracing.ts, when the app loads the SDK). It replaces
 * `send` of the SDK's emitter module and `serialize` of its Segment and Subsegment classes, for the
 * whole process: what the daemon receives is byte for byte what the SDK would send (tested in
 * test/examples/cruddur.test.ts). It checks that the SDK still has the shape it was written for and
 * leaves the SDK alone otherwise (a newer SDK may have fixed this).
 */
import { createSocket, type Socket } from 'node:dgram';
import { createRequire } from 'node:module';

type XRaySdk = typeof import('aws-xray-sdk-core');

interface Serializable { serialize(object?: unknown): string }
interface Emitter {
  send(segment: { format(): string; trace_id?: string; id?: string; type?: string }): void;
  daemonConfig: { udp_ip: string; udp_port: number };
}

const PROTOCOL_HEADER = '{"format":"json","version":1}\n';
const require = createRequire(import.meta.url);
let installed = false;

/** Replaces the SDK's segment serialisation and sending (see above); false if the SDK is not the expected shape. */
export function installLeanEmitter(sdk: XRaySdk): boolean {
  if (installed) return true;
  let emitter: Emitter;
  try {
    // The module the SDK's Segment and Subsegment send through (one instance: the same resolved file).
    emitter = require('aws-xray-sdk-core/dist/lib/segment_emitter') as Emitter;
  } catch {
    return false;
  }
  const classes = [sdk.Segment, sdk.Subsegment].map((c) => c.prototype as unknown as Serializable);
  if (typeof emitter.send !== 'function' || typeof emitter.daemonConfig?.udp_port !== 'number' ||
    classes.some((p) => typeof p.serialize !== 'function')) return false;

  for (const proto of classes) {
    const withReplacer = proto.serialize;
    proto.serialize = function serialize(this: Serializable, object?: unknown) {
      try {
        return JSON.stringify(object ?? this);
      } catch (err) {
        // A BigInt (or a cycle, which the SDK's own serialisation throws on as well).
        if (err instanceof TypeError) return withReplacer.call(this, object);
        throw err;
      }
    };
  }

  let socket: Socket | undefined;
  emitter.send = function send(segment) {
    // One unref'd socket for the process, as the SDK's default (it never keeps the process alive).
    socket ??= createSocket('udp4').unref();
    const message = Buffer.from(PROTOCOL_HEADER + segment.format());
    const { udp_ip: ip, udp_port: port } = emitter.daemonConfig; // read per send: setDaemonAddress changes it
    socket.send(message, 0, message.length, port, ip, (err) => {
      if (!err) return;
      const what = segment.type === 'subsegment' ? 'Subsegment' : 'Segment';
      if ((err as NodeJS.ErrnoException).code === 'EMSGSIZE') {
        sdk.getLogger().error(`${what} too large to send: {"trace_id":"${segment.trace_id}","id":"${segment.id}"} (${message.length} bytes).`);
      } else {
        sdk.getLogger().error('Error occured sending segment: ', err);
      }
    });
  };
  installed = true;
  return true;
}
