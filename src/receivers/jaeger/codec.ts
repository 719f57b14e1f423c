import { PayloadError } from '../../pipeline/payload.js';
import { bodyOf, type Codec } from '../codec.js';
import { appendJaegerBatch, newBatch } from './jaeger-batch.js';
import { ThriftReader, type TStruct } from './thrift-reader.js';

export const JAEGER_KINDS = {
  /** Collector `POST /api/traces`: a `Batch` in binary Thrift. */
  collectorBinary: 'jaeger-thrift-binary',
  /** Agent UDP datagrams: an `Agent.emitBatch` message, compact (6831) or binary (6832) Thrift. */
  agentCompact: 'jaeger-agent-compact',
  agentBinary: 'jaeger-agent-binary',
} as const;

export const jaegerCodec: Codec = {
  kinds: Object.values(JAEGER_KINDS),
  create: () => (p) => {
    const body = bodyOf(p);
    const batch = newBatch();
    if (p.kind === JAEGER_KINDS.collectorBinary) {
      appendJaegerBatch(batch, new ThriftReader(body, false).struct());
    } else {
      const m = new ThriftReader(body, p.kind === JAEGER_KINDS.agentCompact).message();
      if (m.name !== 'emitBatch') throw new PayloadError(`unsupported Jaeger agent call ${JSON.stringify(m.name)}: only emitBatch is accepted (send Zipkin spans to the Zipkin port)`);
      const b = m.args.get(1);
      if (!(b instanceof Map)) throw new PayloadError('emitBatch without a batch');
      appendJaegerBatch(batch, b as TStruct);
    }
    return { batch, rejected: 0 };
  },
};
