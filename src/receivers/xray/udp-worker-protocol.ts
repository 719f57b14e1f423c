/** Messages between the X-Ray UDP receiver (main thread) and its socket reader (udp-socket-worker.ts). */

export interface UdpWorkerOptions {
  host: string;
  port: number;
  batchSize: number;
  flushMs: number;
  recvBufferSize: number;
  maxTransitBytes: number;
}

export type FromUdpWorker =
  | { t: 'bound'; port: number; recvBufferSize: number }
  | { t: 'error'; message: string }
  | { t: 'warn'; message: string }
  /** A batch of valid documents (`count` of them, packed-documents.ts) plus the counters since the previous message (deltas). */
  | { t: 'docs'; packed: Uint8Array; count: number; bytes: number; received: number; invalid: number; dropped: number; invalidReason?: string }
  | { t: 'closed' };

export type ToUdpWorker = { t: 'ack'; bytes: number } | { t: 'close' };
