/**
 * The X-Ray daemon port's socket reader, on a thread of its own (started by udp-receiver.ts).
 *
 * Why a thread: the kernel keeps at most `net.core.rmem_max` bytes (4 MiB by default on Linux, whatever
 * `recvBufferSize` asks) of datagrams nobody has read yet. On the main thread the socket was read between
 * HTTP requests, pipeline hand-overs and GC pauses; on a loaded 2-core machine that left the buffer full for
 * long enough that the kernel dropped 2-18% of 10-20k docs/s (bench:xray). Here the event loop does nothing
 * but read, check headers and batch, so the socket is drained as soon as this thread gets a core.
 *
 * Batches (one buffer of documents, packed-documents.ts, transferred) go to the main thread, which hands them to the
 * pipeline and acknowledges their bytes. Bytes posted and not yet acknowledged are bounded by
 * `maxTransitBytes`: past it, datagrams are dropped here and counted (the main thread is then not taking
 * batches in at all; below it nothing is dropped on this side).
 */
import dgram from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { splitDatagramBytes } from './datagram.js';
import { packDocuments } from './packed-documents.js';
import type { FromUdpWorker, ToUdpWorker, UdpWorkerOptions } from './udp-worker-protocol.js';

// A worker thread (workerData) or a child process of its own session (options as argv[2], IPC channel).
const o = (parentPort ? workerData : JSON.parse(process.argv[2]!)) as UdpWorkerOptions;
const post = parentPort ? (m: FromUdpWorker) => parentPort!.postMessage(m) : (m: FromUdpWorker) => void process.send!(m);
const onMain = (f: (m: ToUdpWorker) => void) => (parentPort ? parentPort.on('message', f) : process.on('message', f));
const done = () => (parentPort ? parentPort.close() : process.disconnect());
// The server went away (crashed or killed): nothing to hand batches to.
if (!parentPort) process.once('disconnect', () => process.exit(0));

let pending: Buffer[] = [];
let pendingBytes = 0;
let received = 0;
let invalid = 0;
let dropped = 0;
let invalidReason: string | undefined;
/** Bytes posted to the main thread and not acknowledged yet. */
let transit = 0;
let timer: NodeJS.Timeout | null = null;

const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: o.recvBufferSize });
socket.on('message', onMessage);
socket.once('error', (err) => post({ t: 'error', message: err.message }));
socket.bind(o.port, o.host, () => {
  socket.removeAllListeners('error');
  socket.on('error', (err) => post({ t: 'warn', message: `X-Ray UDP socket error: ${err.message}` }));
  post({ t: 'bound', port: socket.address().port, recvBufferSize: socket.getRecvBufferSize() });
});

onMain((m: ToUdpWorker) => {
  if (m.t === 'ack') transit -= m.bytes;
  else if (m.t === 'close') socket.close(() => {
    flush();
    post({ t: 'closed' });
    done();
  });
});

function onMessage(msg: Buffer): void {
  received++;
  const r = splitDatagramBytes(msg);
  if (!r.ok) {
    invalid++;
    invalidReason ??= r.reason;
  } else if (transit + pendingBytes + r.body.length > o.maxTransitBytes) {
    dropped++;
  } else {
    pending.push(r.body);
    pendingBytes += r.body.length;
    if (pending.length >= o.batchSize) return flush();
  }
  timer ??= setTimeout(flush, o.flushMs);
}

function flush(): void {
  if (timer) {
    clearTimeout(timer);
    timer = null;
  }
  if (received === 0 && pending.length === 0) return;
  const packed = packDocuments(pending, pendingBytes);
  const m: FromUdpWorker = { t: 'docs', packed, count: pending.length, bytes: pendingBytes, received, invalid, dropped, invalidReason };
  // Transferred (a thread) rather than copied; a child process's IPC channel copies it.
  if (parentPort) parentPort.postMessage(m, [packed.buffer as ArrayBuffer]);
  else post(m);
  transit += pendingBytes;
  pending = [];
  pendingBytes = 0;
  received = invalid = dropped = 0;
  invalidReason = undefined;
}
