/**
 * The ingest worker: owns the Store, group-commits payloads (decoded by the decode worker, or here for
 * stateful protocols: X-Ray), and serves the main thread's read calls. Runs in a worker thread so the synchronous appender never blocks
 * the HTTP event loop.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { unpackDecoded } from '../pipeline/batch-transfer.js';
import { GroupCommitter } from '../pipeline/group-commit.js';
import type { Decoder } from '../pipeline/payload.js';
import type { DecodedToWorker, FromWorker, ToWorker, WorkerToDecoder } from '../pipeline/worker-protocol.js';
import { PROXIED_METHODS } from '../pipeline/worker-protocol.js';
import { withCancel } from '../store/cancel-scope.js';
import type { Store } from '../store/store.js';
import { openStore, type StoreConfig } from './open-store.js';
import { decoderFrom, restoreStates } from './decode-payload.js';

const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);

/**
 * The buffers of a big trace's text (store getJaegerTrace: ~74 MB for 100,000 spans) are moved to the main
 * thread, not copied; only buffers that nothing else views (the engine's copies of its blobs).
 */
function ownedBuffers(method: string, value: unknown): ArrayBuffer[] {
  const spans = method === 'getJaegerTrace' ? (value as { text?: { spans: Uint8Array[] } } | null)?.text?.spans : undefined;
  return (spans ?? []).filter((b) => b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength).map((b) => b.buffer as ArrayBuffer);
}

async function main(): Promise<void> {
  let store: Store;
  try {
    store = await openStore(workerData as StoreConfig);
  } catch (err) {
    post({ t: 'fatal', message: `cannot open store: ${(err as Error).message}` });
    return;
  }
  const states = await restoreStates(store, (m) => console.error(m));
  // Payloads that reach the store undecoded are decoded here, with the same span limits.
  const decode: Decoder = decoderFrom(states, (workerData as StoreConfig).spanLimits);
  const committer = new GroupCommitter(store, decode);
  const allowed = new Set<string>(PROXIED_METHODS);
  /** Calls in flight that the main thread may cancel, by message id. */
  const cancels = new Map<number, AbortController>();

  port.on('message', async (m: ToWorker) => {
    try {
      if (m.t === 'ingest') {
        const r = await committer.submit(m.payload);
        post({ t: 'result', id: m.id, ok: true, value: r });
      } else if (m.t === 'decoder') {
        listenToDecoder(m.port, committer);
        m.port.postMessage({ t: 'states', states } satisfies WorkerToDecoder);
        post({ t: 'result', id: m.id, ok: true, value: null });
      } else if (m.t === 'cancel') {
        cancels.get(m.id)?.abort();
        return;
      } else if (m.t === 'call') {
        if (!allowed.has(m.method)) throw new Error(`unknown store method ${m.method}`);
        const fn = (store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[m.method]!;
        const cancel = new AbortController();
        cancels.set(m.id, cancel);
        try {
          const value = await withCancel(cancel.signal, () => fn.apply(store, m.args));
          port.postMessage({ t: 'result', id: m.id, ok: true, value } satisfies FromWorker, ownedBuffers(m.method, value));
        } finally {
          cancels.delete(m.id);
        }
      } else if (m.t === 'close') {
        await committer.flushed();
        await store.close();
        post({ t: 'result', id: m.id, ok: true, value: null });
      }
    } catch (err) {
      const e = err as Error;
      post({ t: 'result', id: m.id, ok: false, error: { name: e?.name ?? 'Error', message: e?.message ?? String(err) } });
    }
  });
  post({ t: 'ready', engine: store.engine });
}

/** Payloads the decode worker decoded: appended like the others, answered to the main thread by their id. */
function listenToDecoder(decoder: MessagePort, committer: GroupCommitter): void {
  decoder.on('message', async (m: DecodedToWorker) => {
    try {
      const value = await committer.submitDecoded(unpackDecoded(m.packed));
      post({ t: 'result', id: m.id, ok: true, value });
    } catch (err) {
      post({ t: 'result', id: m.id, ok: false, error: { name: 'Error', message: (err as Error)?.message ?? String(err) } });
    } finally {
      decoder.postMessage({ t: 'done', spans: m.spans } satisfies WorkerToDecoder);
    }
  });
}

void main();
