import type { Codec } from '../codec.js';
import { PayloadError } from '../../pipeline/payload.js';
import { XrayAssembler, loadAssemblerSeed, type AssemblerSeed } from './assembler.js';
import { unpackDocuments } from './packed-documents.js';

/**
 * X-Ray segment documents (UDP datagrams, PutTraceSegments). Stateful: the assembler remembers in-progress
 * documents and subsegments waiting for their service, and restores that memory from the store on start.
 */
export const xrayCodec: Codec<AssemblerSeed> = {
  kinds: ['xray'],
  restore: (store) => loadAssemblerSeed(store),
  create: (seed) => {
    const xray = new XrayAssembler();
    if (seed) xray.seed(seed);
    return (p) => {
      // `documents` (PutTraceSegments) or, from the UDP socket thread, `body` packed (packed-documents.ts).
      const documents = p.documents ?? (p.body ? unpackDocuments(p.body) : null);
      if (!documents) throw new PayloadError('xray payload without documents');
      const r = xray.assemble(documents);
      return {
        batch: r.batch,
        rejected: r.rejected.length,
        rejectedDocuments: r.rejected.map((d) => ({ id: d.id, errorCode: d.errorCode, message: d.message })),
        append: r.append,
      };
    };
  },
};
