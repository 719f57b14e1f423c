import { MessageChannel, Worker, type TransferListItem } from 'node:worker_threads';
import { QueryCancelledError, currentCancel } from '../store/cancel-scope.js';
import { dialectFor } from '../store/dialects.js';
import type { Store } from '../store/store.js';
import type { IngestPayload, IngestResult } from './payload.js';
import { QueueWait } from './queue-wait.js';
import { type FromWorker, PROXIED_METHODS, type ToDecoder, type ToWorker } from './worker-protocol.js';

export interface PipelineLimits {
  /** Bytes of payload waiting in the pipeline before new requests are turned away (503/429). */
  maxQueuedBytes: number;
  /** Expected wait for a commit (ms, see queue-wait.ts) past which new requests are turned away. */
  maxQueueWaitMs?: number;
}

/** The decode worker (the composition root's entry) and the payload kinds it reads (stateless codecs). */
export interface DecoderSpec {
  url: URL;
  kinds: readonly string[];
  /** Settings for steps on decoded batches (`prepare.ts`), cloned into the decode worker as `workerData.settings`. */
  settings?: unknown;
}

/**
 * The main thread's side of the ingest worker: `submit()` hands bytes over (transferred, not
 * copied) and resolves once they are committed; `store` is a read/admin proxy to the worker's
 * Store. `full()` is the backpressure signal receivers answer with 503 + Retry-After.
 */
export class IngestPipeline {
  private nextId = 1;
  private waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private queuedBytes = 0;
  private closing = false;
  private readonly wait = new QueueWait();
  /** Requests (X-Ray: datagrams) turned away because the pipeline was full or its wait too long. */
  shed = 0;
  readonly store: Omit<Store, 'append' | 'close'>;

  /** Submissions sent to the decode worker and not answered yet: `close()` lets them commit first. */
  private decoding = new Set<Promise<unknown>>();

  private constructor(
    private readonly worker: Worker,
    private readonly limits: PipelineLimits,
    engine: string,
    private readonly decoder: { worker: Worker; kinds: Set<string> } | null,
  ) {
    const onResult = (m: FromWorker) => {
      if (m.t !== 'result') return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.value);
      else w.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
    };
    worker.on('message', onResult);
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', (code) => this.failAll(new Error(`ingest worker exited with code ${code}`)));
    if (decoder) {
      decoder.worker.on('message', onResult);
      decoder.worker.on('error', (err) => this.failAll(err));
      decoder.worker.on('exit', (code) => this.failAll(new Error(`decode worker exited with code ${code}`)));
    }
    // A Dialect is functions (not cloneable), so the proxy carries the engine's own by name.
    const proxy: Record<string, unknown> = { engine: 'proxy', dialect: dialectFor(engine) };
    for (const m of PROXIED_METHODS) proxy[m] = (...args: unknown[]) => this.call(m, args);
    this.store = proxy as unknown as Omit<Store, 'append' | 'close'>;
  }

  /**
   * Starts the worker (`workerUrl` is the composition root's worker entry) and waits until the store is open;
   * with `decoder`, also the decode worker, connected to the ingest worker by a channel of their own.
   */
  static async start(workerUrl: URL, workerData: unknown, limits: PipelineLimits, decoder?: DecoderSpec): Promise<IngestPipeline> {
    const worker = new Worker(workerUrl, { workerData });
    const engine = await new Promise<string>((resolve, reject) => {
      const onMsg = (m: FromWorker) => {
        if (m.t === 'ready') { worker.off('message', onMsg); resolve(m.engine); }
        if (m.t === 'fatal') { worker.off('message', onMsg); reject(new Error(m.message)); }
      };
      worker.on('message', onMsg);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`ingest worker exited with code ${code}`)));
    });
    if (!decoder) return new IngestPipeline(worker, limits, engine, null);
    const { port1, port2 } = new MessageChannel();
    const decodeWorker = new Worker(decoder.url, { workerData: { port: port1, settings: decoder.settings }, transferList: [port1] });
    const pipeline = new IngestPipeline(worker, limits, engine, { worker: decodeWorker, kinds: new Set(decoder.kinds) });
    await pipeline.send({ t: 'decoder', id: 0, port: port2 }, [port2]);
    return pipeline;
  }

  /**
   * True only past the byte limit: for senders that cannot retry (the X-Ray daemon's UDP datagrams), where
   * dropping because a wait is expected would lose what a short wait would have stored.
   */
  overBytes(): boolean {
    const full = this.closing || this.queuedBytes >= this.limits.maxQueuedBytes;
    if (full) this.shed++;
    return full;
  }

  /** True when the pipeline holds more than its limit: answer 503/429 with Retry-After. */
  full(): boolean {
    const full = this.closing || this.queuedBytes >= this.limits.maxQueuedBytes
      || (this.limits.maxQueueWaitMs !== undefined && this.wait.expectedMs(this.queuedBytes) > this.limits.maxQueueWaitMs);
    if (full) this.shed++;
    return full;
  }

  /**
   * Not async itself: the payload is posted (a body transferred, X-Ray documents cloned) synchronously and
   * only `settle` awaits, so the main thread's copy of the documents is garbage as soon as the caller lets
   * go of it, instead of being held by this call's frame until the commit (issue 11: it doubled what a
   * queued X-Ray backlog cost in memory).
   */
  submit(payload: IngestPayload): Promise<IngestResult> {
    if (this.closing) return Promise.resolve({ ok: false, reason: 'unavailable', message: 'server is shutting down' });
    const bytes = (payload.body?.byteLength ?? 0) + (payload.documents?.reduce((n, d) => n + d.length, 0) ?? 0);
    this.queuedBytes += bytes;
    const ticket = this.nextId;
    this.wait.started(ticket);
    let done: Promise<IngestResult>;
    let decoding = false;
    try {
      const transfer = payload.body ? [ownBuffer(payload as { body: Uint8Array })] : [];
      decoding = this.decoder?.kinds.has(payload.kind) ?? false;
      done = decoding
        ? this.send<IngestResult>({ t: 'decode', id: 0, payload }, transfer, this.decoder!.worker)
        : this.send<IngestResult>({ t: 'ingest', id: 0, payload }, transfer);
    } catch (err) {
      done = Promise.reject(err);
    }
    if (decoding) this.decoding.add(done);
    return this.settle(done, decoding, ticket, bytes);
  }

  private async settle(done: Promise<IngestResult>, decoding: boolean, ticket: number, bytes: number): Promise<IngestResult> {
    try {
      return await done;
    } catch (err) {
      return { ok: false, reason: 'unavailable', message: (err as Error).message };
    } finally {
      if (decoding) this.decoding.delete(done);
      this.queuedBytes -= bytes;
      this.wait.finished(ticket, bytes);
    }
  }

  /** Stops accepting, lets the worker commit what it has, closes the store, ends the worker. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      // Accepted payloads still on their way through the decode worker are committed before the store closes.
      await Promise.allSettled([...this.decoding]);
      await this.send({ t: 'close', id: 0 });
    } finally {
      await this.decoder?.worker.terminate();
      await this.worker.terminate();
    }
  }

  /** A store call; when the request it serves goes away (cancel-scope.ts), the worker stops its query. */
  private async call(method: string, args: unknown[]): Promise<unknown> {
    const signal = currentCancel();
    if (signal?.aborted) throw new QueryCancelledError();
    const msg: ToWorker = { t: 'call', id: 0, method, args };
    const onAbort = () => this.worker.postMessage({ t: 'cancel', id: msg.id } satisfies ToWorker);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.send(msg);
    } catch (err) {
      throw (err as Error).name === 'QueryCancelledError' ? new QueryCancelledError() : err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private send<T>(msg: ToWorker | ToDecoder, transfer: TransferListItem[] = [], to: Worker = this.worker): Promise<T> {
    const id = this.nextId++;
    msg.id = id;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      to.postMessage(msg, transfer);
    });
  }

  private failAll(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }
}

/** Makes the body the sole owner of its ArrayBuffer so it can be transferred without a copy. */
function ownBuffer(p: { body: Uint8Array }): ArrayBuffer {
  const b = p.body;
  if (b.byteOffset !== 0 || b.byteLength !== b.buffer.byteLength || !(b.buffer instanceof ArrayBuffer)) {
    p.body = new Uint8Array(b);
  }
  return p.body.buffer as ArrayBuffer;
}
