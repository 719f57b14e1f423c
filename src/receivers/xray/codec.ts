import type { Codec } from '../codec.js';
import { PayloadError } from '../../pipeline/payload.js';
import { XrayAssembler, loadAssemblerSeed, type AssemblerSeed } from './assembler.js';

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
      if (!p.documents) throw new PayloadError('xray payload without documents');
      const r = xray.assemble(p.documents);
      return {
        batch: r.batch,
        rejected: r.rejected.length,
        rejectedDocuments: r.rejected.map((d) => ({ id: d.id, errorCode: d.errorCode, message: d.message })),
        append: r.append,
      };
    };
  },
};
