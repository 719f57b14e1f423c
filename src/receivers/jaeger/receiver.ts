import Router from 'find-my-way';
import { createHttpListener } from '../../http/http-listener.js';
import { mediaType, sendText } from '../../http/http-util.js';
import { textIngestRoute } from '../ingest-route.js';
import type { Listener, Receiver } from '../receiver.js';
import { JAEGER_KINDS } from './codec.js';
import { createJaegerUdpListener } from './udp-receiver.js';

const THRIFT_TYPES = new Set(['application/x-thrift', 'application/vnd.apache.thrift.binary']);

/**
 * Jaeger: the collector's `POST /api/traces` (binary Thrift `Batch`, what jaeger-client's HTTPSender and
 * Debian's Go OTel Jaeger exporter send; answered 202) on `--jaeger-port` (14268), and the agent's UDP ports
 * `--jaeger-compact-port` (6831) and `--jaeger-binary-port` (6832, jaeger-client's UDPSender default).
 */
export const jaegerReceiver: Receiver = {
  name: 'Jaeger',
  listeners: (d) => {
    const out: Listener[] = [];
    const port = d.ports['jaeger-port'];
    if (port) {
      const router = Router({ ignoreTrailingSlash: true, defaultRoute: (_req, res) => sendText(res, 404, 'not found: Jaeger spans go to POST /api/traces') });
      router.post('/api/traces', textIngestRoute(d, {
        what: 'Jaeger', okStatus: 202, unsupported: 'unsupported content-type, valid types are: application/x-thrift, application/vnd.apache.thrift.binary',
        kindFor: (req) => (THRIFT_TYPES.has(mediaType(req.headers['content-type'])) ? JAEGER_KINDS.collectorBinary : undefined),
      }));
      out.push({ name: 'Jaeger collector http', ...createHttpListener(d.listen, port, (req, res) => router.lookup(req, res), d.log.error, d.httpGuard) });
    }
    if (d.ports['jaeger-compact-port']) out.push(createJaegerUdpListener(d, d.ports['jaeger-compact-port'], JAEGER_KINDS.agentCompact, 'Jaeger agent udp compact'));
    if (d.ports['jaeger-binary-port']) out.push(createJaegerUdpListener(d, d.ports['jaeger-binary-port'], JAEGER_KINDS.agentBinary, 'Jaeger agent udp binary'));
    return out;
  },
};
