import { bodyOf, type Codec } from '../codec.js';
import { decodeOtlpJson } from './decode-json.js';
import { decodeOtlpProto } from './decode-proto.js';

/** OTLP ExportTraceServiceRequest bytes, protobuf (HTTP and gRPC) or protojson. */
export const otlpCodec: Codec = {
  kinds: ['otlp-proto', 'otlp-json'],
  create: () => (p) => {
    const opts = { dataset: p.dataset };
    const r = p.kind === 'otlp-proto' ? decodeOtlpProto(bodyOf(p), opts) : decodeOtlpJson(bodyOf(p), opts);
    return { batch: r.batch, rejected: r.rejected, message: r.rejectMessage };
  },
};
