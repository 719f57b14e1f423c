import * as grpc from '@grpc/grpc-js';
import type { Listener, ReceiverDeps } from '../receiver.js';
import { refusalMessage } from '../otlp/errors.js';
import { TOO_MANY_SPANS } from '../../model/span-limits.js';
import { exportResponse } from '../otlp/responses.js';
import { grpcCode } from '../otlp/http-receiver.js';
import { ingestBudget } from '../../http/memory-budget.js';
import { resourceExhausted } from './retry-info.js';
import { tuneConnections } from './flow-control.js';

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const identity = (b: Buffer) => b;

/**
 * The TraceService definition with bytes in and bytes out: grpc-js does the HTTP/2, framing, gzip and size
 * limit; the request's protobuf bytes go to the ingest worker untouched and are read by the same wire reader
 * as OTLP/HTTP (no protobufjs decode on the event loop).
 */
const TRACE_SERVICE: grpc.ServiceDefinition = {
  Export: {
    path: EXPORT_PATH, requestStream: false, responseStream: false,
    requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity,
  },
};

/**
 * OTLP/gRPC `TraceService/Export` (port 4317). The same errors as OTLP/HTTP, as gRPC status codes the way
 * Honeycomb's husky sets them: UNAUTHENTICATED for keys, INTERNAL for unreadable data, RESOURCE_EXHAUSTED
 * past the size limit (grpc-js), UNAVAILABLE when the pipeline is full (exporters retry it with backoff).
 * A request over `--max-spans-per-request` parsed fine, so it is not INTERNAL: INVALID_ARGUMENT, which the
 * OTLP spec lists as not retryable (the same request would be refused again; the exporter must send smaller
 * batches), with the limit named in the details.
 * Honeycomb headers (`x-honeycomb-team`, `x-honeycomb-dataset`) are read from metadata.
 */
export function createGrpcListener(d: ReceiverDeps, port: number): Listener {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': d.maxBodyBytes });
  const fail = (cb: grpc.sendUnaryData<Buffer>, httpStatus: number, details: string) =>
    cb({ code: grpcCode(httpStatus) as grpc.status, details, metadata: new grpc.Metadata() }, null);

  server.addService(TRACE_SERVICE, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      const meta = (k: string) => { const v = call.metadata.get(k)[0]; return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined; };
      if (d.apiKeys.length > 0) {
        const key = meta('x-honeycomb-team');
        if (!key) return fail(cb, 401, "missing 'x-honeycomb-team' header");
        if (!d.apiKeys.includes(key)) return fail(cb, 401, 'unknown API key - check your credentials');
      }
      const run = () => {
        if (d.full()) return fail(cb, 503, 'write pipeline is full, retry later');
        // grpc-js has read the message already; holding it against the memory budget until it is committed
        // bounds what waits (http/memory-budget.ts). Past it: RESOURCE_EXHAUSTED with RetryInfo, which OTel
        // exporters retry after the delay given.
        const held = ingestBudget.reserve(call.request.length, call.getPeer());
        if (!held) return cb(resourceExhausted('too many requests in flight, retry later', 1), null);
        d.submit({ kind: 'otlp-proto', body: call.request, dataset: meta('x-honeycomb-dataset') }).then((r) => {
          held.release();
          if (r.ok) return cb(null, Buffer.from(exportResponse('proto', r.rejected, r.message)));
          if (r.reason === 'parse' && r.message.startsWith(TOO_MANY_SPANS)) return cb({ code: grpc.status.INVALID_ARGUMENT, details: r.message, metadata: new grpc.Metadata() }, null);
          if (r.reason === 'parse') return fail(cb, 400, refusalMessage(r.message));
          return fail(cb, 503, r.message);
        }, (err: unknown) => {
          held.release();
          d.log.error(`OTLP/gRPC export failed: ${(err as Error)?.stack ?? err}`);
          fail(cb, 500, 'internal error');
        });
      };
      // With environments, the key picks the environment (and refuses keys that may not ingest).
      if (!d.withKey) return run();
      if (!d.withKey(meta('x-honeycomb-team'), run)) return fail(cb, 401, meta('x-honeycomb-team') ? 'unknown API key - check your credentials' : "missing 'x-honeycomb-team' header");
    },
  });

  return {
    name: 'OTLP gRPC',
    start: () => new Promise<number>((resolve, reject) => {
      server.bindAsync(`${d.listen}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
        if (err) return reject(err);
        if (!tuneConnections(server)) d.log.warn('OTLP/gRPC: could not raise the HTTP/2 flow-control windows nor turn Nagle off (grpc-js internals changed): large requests over slow links will be slower');
        resolve(bound);
      });
    }),
    stop: () => new Promise<void>((resolve) => {
      // Let calls in flight finish (their spans are being committed), but not forever.
      const force = setTimeout(() => server.forceShutdown(), 5_000);
      server.tryShutdown(() => { clearTimeout(force); resolve(); });
    }),
  };
}
