/**
 * The decode worker: turns stateless protocols' bytes (OTLP, Zipkin, Jaeger, Honeycomb events) into batches
 * on a thread of its own, and hands them to the ingest worker (packed, buffers transferred: see
 * pipeline/batch-transfer.ts). Decoding was ~35% of the ingest worker's time, which bounded ingest on
 * 2 cores while the HTTP thread sat mostly idle: now the ingest worker only appends and commits.
 * A payload that cannot be read is answered to the main thread from here.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { packDecoded } from '../pipeline/batch-transfer.js';
import { decodeError } from '../pipeline/payload.js';
import { prepareDecoded } from '../pipeline/prepare.js';
import type { DecodedToWorker, FromWorker, ToDecoder } from '../pipeline/worker-protocol.js';
import { statelessDecoder } from './decode-payload.js';

const main = parentPort!;
const toIngest = (workerData as { port: MessagePort }).port;
const decode = statelessDecoder();

main.on('message', (m: ToDecoder) => {
  let out: ReturnType<typeof packDecoded>;
  try {
    out = packDecoded(prepareDecoded(decode(m.payload)));
  } catch (err) {
    main.postMessage({ t: 'result', id: m.id, ok: true, value: decodeError(err) } satisfies FromWorker);
    return;
  }
  toIngest.postMessage({ t: 'decoded', id: m.id, packed: out.packed } satisfies DecodedToWorker, out.transfer);
});
