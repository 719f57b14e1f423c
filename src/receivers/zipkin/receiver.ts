import Router from 'find-my-way';
import { createHttpListener } from '../../http/http-listener.js';
import { mediaType, sendText } from '../../http/http-util.js';
import { textIngestRoute } from '../ingest-route.js';
import type { Receiver, ReceiverDeps } from '../receiver.js';
import { ZIPKIN_KINDS } from './codec.js';

const PROTO = new Set(['application/x-protobuf', 'application/protobuf']);

/**
 * Zipkin's collector API on `--zipkin-port` (9411): `POST /api/v2/spans` (JSON, proto3) and
 * `POST /api/v1/spans` (JSON, Thrift), answered 202 as Zipkin does; errors are text/plain.
 */
export const zipkinReceiver: Receiver = {
  name: 'Zipkin',
  listeners: (d) => {
    const port = d.ports['zipkin-port'];
    if (!port) return [];
    const router = Router({ ignoreTrailingSlash: true, defaultRoute: (_req, res) => sendText(res, 404, 'not found: Zipkin spans go to POST /api/v2/spans, reads are under /api/v2') });
    mountZipkinWrite(router, d);
    d.mountReads?.('zipkin-port', router);
    const http = createHttpListener(d.listen, port, (req, res) => router.lookup(req, res), d.log.error, d.httpGuard);
    return [{ name: 'Zipkin http', ...http }];
  },
};

function mountZipkinWrite(router: Router.Instance<Router.HTTPVersion.V1>, d: ReceiverDeps): void {
  router.post('/api/v2/spans', textIngestRoute(d, {
    what: 'Zipkin', okStatus: 202, unsupported: 'unsupported content-type, valid types are: application/json, application/x-protobuf',
    kindFor: (req) => {
      const t = mediaType(req.headers['content-type']);
      return PROTO.has(t) ? ZIPKIN_KINDS.v2Proto : t === 'application/json' || t === '' ? ZIPKIN_KINDS.v2Json : undefined;
    },
  }));
  router.post('/api/v1/spans', textIngestRoute(d, {
    what: 'Zipkin', okStatus: 202, unsupported: 'unsupported content-type, valid types are: application/json, application/x-thrift',
    kindFor: (req) => {
      const t = mediaType(req.headers['content-type']);
      return t === 'application/x-thrift' ? ZIPKIN_KINDS.v1Thrift : t === 'application/json' || t === '' ? ZIPKIN_KINDS.v1Json : undefined;
    },
  }));
}
