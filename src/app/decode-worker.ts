/**
 * The decode worker: turns payloads' bytes into batches on a thread of its own and hands them to the ingest
 * worker (packed, buffers transferred: see pipeline/batch-transfer.ts). Decoding was ~35% of the ingest
 * worker's time (OTLP; more for X-Ray), which bounded ingest on 2 cores while the HTTP thread sat mostly
 * idle: now the ingest worker only appends and commits. Payloads are decoded in arrival order, so stateful
 * codecs (X-Ray's assembler) see documents as they came; their state, restored from the store, arrives
 * from the ingest worker first. A payload that cannot be read is answered to the main thread from here.
 *
 * It decodes at most `AHEAD_SPANS` spans ahead of the commits (the ingest worker reports each one): a decoded
 * batch takes several times its payload's bytes, so under overload the backlog must wait as bytes.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { packDecoded } from '../pipeline/batch-transfer.js';
import { decodeError, type Decoder } from '../pipeline/payload.js';
import { prepareDecoded } from '../pipeline/prepare.js';
import type { DecodedToWorker, FromWorker, ToDecoder, WorkerToDecoder } from '../pipeline/worker-protocol.js';
import type { SpanLimits } from '../model/span-limits.js';
import { decoderFrom } from './decode-payload.js';

/** Spans decoded and not yet committed, past which decoding waits (a large request still goes alone). */
const AHEAD_SPANS = 32_768;

const main = parentPort!;
/** `settings`: what the composition root passed for steps on decoded batches (DecoderSpec.settings). */
const { port: toIngest, settings } = workerData as { port: MessagePort; settings?: { spanLimits?: SpanLimits } };
let decode: Decoder | null = null;
let ahead = 0;
const waiting: ToDecoder[] = [];

toIngest.on('message', (m: WorkerToDecoder) => {
  if (m.t === 'states') decode = decoderFrom(m.states, settings?.spanLimits);
  else ahead -= m.spans;
  pump();
});

main.on('message', (m: ToDecoder) => {
  waiting.push(m);
  pump();
});

function pump(): void {
  while (decode && waiting.length > 0 && (ahead < AHEAD_SPANS || ahead === 0)) decodeOne(decode, waiting.shift()!);
}

function decodeOne(decode: Decoder, m: ToDecoder): void {
  let out: ReturnType<typeof packDecoded>;
  let spans: number;
  try {
    const d = prepareDecoded(decode(m.payload));
    spans = d.batch.length;
    out = packDecoded(d);
  } catch (err) {
    main.postMessage({ t: 'result', id: m.id, ok: true, value: decodeError(err) } satisfies FromWorker);
    return;
  }
  ahead += spans;
  toIngest.postMessage({ t: 'decoded', id: m.id, packed: out.packed, spans } satisfies DecodedToWorker, out.transfer);
}
