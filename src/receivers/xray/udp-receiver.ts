import { fork, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import type { IngestPayload, IngestResult } from '../../pipeline/payload.js';
import { kernelDrops } from './proc-net-udp.js';
import type { FromUdpWorker, ToUdpWorker, UdpWorkerOptions } from './udp-worker-protocol.js';

export interface XrayUdpOptions {
  host: string;
  port: number;
  submit(payload: IngestPayload): Promise<IngestResult>;
  full(): boolean;
  /** Rate-limited logger for bad datagrams. */
  warn(msg: string): void;
  /** Documents per pipeline hand-over, and the longest a document waits for its batch. */
  batchSize?: number;
  flushMs?: number;
  /**
   * Bytes the socket thread may have handed over that the main thread has not taken in yet (default
   * 16 MiB, ~0.8 s of 20k docs/s): past it the socket thread drops, counted in `dropped`.
   */
  maxTransitBytes?: number;
}

export interface XrayUdpStats {
  /** Datagrams the socket delivered. */
  received: number;
  /** Bad datagrams (header) or documents (JSON, validation). */
  invalid: number;
  /** Documents refused because the pipeline was full (or the main thread was not taking batches in). */
  dropped: number;
  /** Documents committed to the store. */
  stored: number;
  /**
   * Datagrams the kernel dropped because the socket buffer was full (since the socket was bound; Linux,
   * from /proc/net/udp; null elsewhere). The buffer is capped by the host's `net.core.rmem_max`.
   */
  readonly kernelDropped: number | null;
  /** The socket's receive buffer as the kernel granted it (bytes). */
  recvBufferBytes: number;
}

/** Asked of the kernel; Linux grants at most `net.core.rmem_max` (docs/operations.md). */
const RECV_BUFFER_BYTES = 32 * 1024 * 1024;

/**
 * The X-Ray daemon's UDP side: one segment document per datagram (`{"format":"json","version":1}\n{...}`).
 * The socket is read on a thread of its own (udp-socket-worker.ts: headers checked, documents batched), so
 * a busy main thread does not leave the kernel's socket buffer full; here batches go to the pipeline, where
 * documents are parsed, validated and mapped in the decode worker. Bad input is counted and logged
 * (rate-limited), never thrown; a full pipeline drops (counted) instead of blocking the socket.
 */
export class XrayUdpReceiver {
  private readonly counters = { received: 0, invalid: 0, dropped: 0, stored: 0, recvBufferBytes: 0 };
  readonly stats: XrayUdpStats;
  private worker: Worker | null = null;
  private boundPort = 0;
  private kernelBase = 0;
  private closed: Promise<void> | null = null;
  private inflight = new Set<Promise<void>>();

  constructor(private readonly o: XrayUdpOptions) {
    const self = this;
    const c = this.counters;
    this.stats = {
      get received() { return c.received; },
      get invalid() { return c.invalid; },
      get dropped() { return c.dropped; },
      get stored() { return c.stored; },
      get recvBufferBytes() { return c.recvBufferBytes; },
      get kernelDropped() { return self.kernelDropped(); },
    } as XrayUdpStats;
  }

  async start(): Promise<number> {
    const data: UdpWorkerOptions = {
      host: this.o.host,
      port: this.o.port,
      batchSize: this.o.batchSize ?? 1000,
      flushMs: this.o.flushMs ?? 10,
      recvBufferSize: RECV_BUFFER_BYTES,
      maxTransitBytes: this.o.maxTransitBytes ?? 16 * 1024 * 1024,
    };
    const script = new URL('./udp-socket-worker.js', import.meta.url);
    // A thread by default. HONEYRAY_XRAY_READER=process: a child process in a session of its own (detached:
    // setsid). With the scheduler's autogroups a session shares the CPU as one, so a thread waits behind the
    // server's own busy threads (decode, ingest, DuckDB); as its own session the reader ran sooner and the
    // kernel dropped less in bench:xray on a loaded host (docs/benchmarks.md), at the cost of a second process.
    const worker = process.env.HONEYRAY_XRAY_READER === 'process'
      ? asWorker(fork(script, [JSON.stringify(data)], { serialization: 'advanced', detached: true, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
      : new Worker(script, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: 64 } });
    this.worker = worker;
    let onClosed!: () => void;
    this.closed = new Promise<void>((r) => (onClosed = r));
    const bound = new Promise<number>((resolve, reject) => {
      worker.on('message', (m: FromUdpWorker) => {
        if (m.t === 'docs') this.onDocs(m);
        else if (m.t === 'bound') {
          this.counters.recvBufferBytes = m.recvBufferSize;
          resolve(m.port);
        } else if (m.t === 'warn') this.o.warn(m.message);
        else if (m.t === 'error') reject(new Error(m.message));
        else if (m.t === 'closed') onClosed();
      });
      worker.once('error', (err) => {
        reject(err);
        this.o.warn(`X-Ray UDP socket thread failed: ${err.message}`);
      });
      worker.once('exit', () => {
        reject(new Error('X-Ray UDP socket thread exited'));
        onClosed();
      });
    });
    try {
      this.boundPort = await bound;
    } catch (err) {
      this.worker = null;
      await worker.terminate();
      throw err;
    }
    this.kernelBase = kernelDrops(this.boundPort) ?? 0;
    return this.boundPort;
  }

  private kernelDropped(): number | null {
    if (!this.boundPort) return 0;
    const d = kernelDrops(this.boundPort);
    return d === null ? null : Math.max(0, d - this.kernelBase);
  }

  private post(m: ToUdpWorker): void {
    this.worker?.postMessage(m);
  }

  private onDocs(m: Extract<FromUdpWorker, { t: 'docs' }>): void {
    const c = this.counters;
    c.received += m.received;
    c.invalid += m.invalid;
    if (m.invalidReason) this.o.warn(`invalid X-Ray datagram from the daemon port: ${m.invalidReason}`);
    if (m.dropped > 0) {
      c.dropped += m.dropped;
      this.o.warn(`X-Ray documents dropped: the socket thread's hand-over queue is full (${c.dropped} so far)`);
    }
    const count = m.count;
    // From here the bytes are counted by the pipeline (or dropped): the socket thread may send more.
    // The closures below must not reference `m`: closures of one call share its context, so the commit's
    // `.then` would keep `m` alive until the commit.
    const bytes = m.bytes;
    const ack = () => this.post({ t: 'ack', bytes });
    if (count === 0) return ack();
    if (this.o.full()) {
      c.dropped += count;
      this.o.warn(`X-Ray documents dropped: write pipeline full (${c.dropped} so far)`);
      return ack();
    }
    // One buffer, transferred on to the decode worker (and counted there at its byte size).
    const p = this.o.submit({ kind: 'xray', body: m.packed }).then((r) => {
      if (r.ok) {
        c.stored += count - r.rejected;
        c.invalid += r.rejected;
        if (r.rejectedDocuments?.length) this.o.warn(`invalid X-Ray segment ${r.rejectedDocuments[0]!.id}: ${r.rejectedDocuments[0]!.message}`);
      } else {
        c.dropped += count;
        this.o.warn(`X-Ray documents dropped: ${r.message}`);
      }
    });
    ack();
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** Stops receiving and hands over what is buffered; resolves when it is committed. */
  async stop(): Promise<void> {
    const w = this.worker;
    if (w) {
      this.worker = null;
      w.postMessage({ t: 'close' } satisfies ToUdpWorker);
      await this.closed;
      await w.terminate();
    }
    await Promise.all(this.inflight);
  }
}

/** The few Worker methods the receiver uses, on a child process's IPC channel. */
function asWorker(c: ChildProcess): Worker {
  return {
    on: (e: string, f: (...a: unknown[]) => void) => (c.on(e, f), undefined),
    once: (e: string, f: (...a: unknown[]) => void) => (c.once(e, f), undefined),
    postMessage: (m: unknown) => { if (c.connected) c.send(m as never); },
    terminate: async () => { if (c.exitCode === null) c.kill(); },
  } as unknown as Worker;
}
