import dgram from 'node:dgram';
import type { IngestPayload, IngestResult } from '../../pipeline/payload.js';
import { splitDatagram } from './datagram.js';

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
}

export interface XrayUdpStats {
  /** Datagrams the socket delivered. */
  received: number;
  /** Bad datagrams (header) or documents (JSON, validation). */
  invalid: number;
  /** Documents refused because the pipeline was full. */
  dropped: number;
  /** Documents committed to the store. */
  stored: number;
}

/**
 * The X-Ray daemon's UDP side: one segment document per datagram (`{"format":"json","version":1}\n{...}`).
 * Headers are checked here; documents are batched and parsed, validated and mapped in the ingest
 * worker. Bad input is counted and logged (rate-limited), never thrown; a full pipeline drops
 * (counted) instead of blocking the socket.
 */
export class XrayUdpReceiver {
  readonly stats: XrayUdpStats = { received: 0, invalid: 0, dropped: 0, stored: 0 };
  private socket: dgram.Socket | null = null;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inflight = new Set<Promise<void>>();
  private readonly batchSize: number;
  private readonly flushMs: number;

  constructor(private readonly o: XrayUdpOptions) {
    this.batchSize = o.batchSize ?? 1000;
    this.flushMs = o.flushMs ?? 10;
  }

  async start(): Promise<number> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 32 * 1024 * 1024 });
    this.socket = socket;
    socket.on('message', (msg) => this.onMessage(msg));
    socket.on('error', (err) => this.o.warn(`X-Ray UDP socket error: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.o.port, this.o.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return socket.address().port;
  }

  private onMessage(msg: Buffer): void {
    this.stats.received++;
    const r = splitDatagram(msg);
    if (!r.ok) {
      this.stats.invalid++;
      this.o.warn(`invalid X-Ray datagram from the daemon port: ${r.reason}`);
      return;
    }
    this.pending.push(r.body);
    if (this.pending.length >= this.batchSize) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    const documents = this.pending;
    this.pending = [];
    if (this.o.full()) {
      this.stats.dropped += documents.length;
      this.o.warn(`X-Ray documents dropped: write pipeline full (${this.stats.dropped} so far)`);
      return;
    }
    const count = documents.length;
    // The closure keeps the count only: the documents themselves are freed once handed over.
    const p = this.o.submit({ kind: 'xray', documents }).then((r) => {
      if (r.ok) {
        this.stats.stored += count - r.rejected;
        this.stats.invalid += r.rejected;
        if (r.rejectedDocuments?.length) this.o.warn(`invalid X-Ray segment ${r.rejectedDocuments[0]!.id}: ${r.rejectedDocuments[0]!.message}`);
      } else {
        this.stats.dropped += count;
        this.o.warn(`X-Ray documents dropped: ${r.message}`);
      }
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** Stops receiving and hands over what is buffered; resolves when it is committed. */
  async stop(): Promise<void> {
    if (this.socket) {
      const s = this.socket;
      this.socket = null;
      await new Promise<void>((r) => s.close(() => r()));
    }
    this.flush();
    await Promise.all(this.inflight);
  }
}
