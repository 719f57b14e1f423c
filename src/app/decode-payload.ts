import type { Decoded, Decoder, IngestPayload } from '../pipeline/payload.js';
import { decodeOtlpJson } from '../receivers/otlp/decode-json.js';
import { decodeOtlpProto } from '../receivers/otlp/decode-proto.js';
import { XrayAssembler, type AssemblerSeed } from '../receivers/xray/assembler.js';

/**
 * The ingest worker's decoder: picks the protocol's pure decoder for each payload. `xraySeed`: what the
 * X-Ray assembler of a previous run knew (in-progress documents, subsegments without a service yet).
 */
export function decodePayload(xraySeed?: AssemblerSeed): Decoder {
  const xray = new XrayAssembler();
  if (xraySeed) xray.seed(xraySeed);
  return (p: IngestPayload): Decoded => {
    switch (p.kind) {
      case 'otlp-proto':
      case 'otlp-json': {
        const r = p.kind === 'otlp-proto' ? decodeOtlpProto(p.body, { dataset: p.dataset }) : decodeOtlpJson(p.body, { dataset: p.dataset });
        return { batch: r.batch, rejected: r.rejected, message: r.rejectMessage };
      }
      case 'xray': {
        const r = xray.assemble(p.documents);
        return {
          batch: r.batch,
          rejected: r.rejected.length,
          rejectedDocuments: r.rejected.map((d) => ({ id: d.id, errorCode: d.errorCode, message: d.message })),
          append: r.append,
        };
      }
    }
  };
}
