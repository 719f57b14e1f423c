import { applySpanLimits, type SpanLimits } from '../model/span-limits.js';
import { PayloadError, type Decoder } from '../pipeline/payload.js';

/**
 * `decode` with the span limits applied to every batch it decodes (`model/span-limits.ts`); `decoderFrom`
 * (decode-payload.ts) builds every decoder with it.
 * A request over `maxSpansPerRequest` is refused whole as unreadable (400 in each protocol's shape), not
 * cut to a partial success: a prefix of a batch keeps arbitrary halves of traces, and an exporter treats
 * a partial success and a 400 alike (it logs and does not retry). X-Ray documents are exempt from the
 * span count: UDP batches are the server's own grouping, and the assembler has already taken them in.
 */
export function limitSpans(decode: Decoder, limits: SpanLimits | undefined): Decoder {
  if (!limits) return decode;
  const noCount = { ...limits, maxSpansPerRequest: 0 };
  return (p) => {
    const d = decode(p);
    const r = applySpanLimits(d.batch, p.kind === 'xray' ? noCount : limits);
    if (r.refused) throw new PayloadError(r.refused);
    return d;
  };
}
