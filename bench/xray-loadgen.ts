/**
 * X-Ray daemon load generator for bench:xray (runs as its own process, so the sender does not share
 * an event loop with the measuring side).
 *
 *   node dist/bench/xray-loadgen.js send <host> <port> <docs/s> <seconds>
 *     Sends realistic datagrams paced per ~1 ms tick and prints one JSON line:
 *     {sent, bytes, elapsed, sendErrors, maxLagMs, cpuSeconds}.
 *   node dist/bench/xray-loadgen.js sink <udp-port> <http-port>
 *     A plain dgram socket standing in for Honeyray (to check the sender alone): counts datagrams and
 *     serves /healthz and /api/honeyray/stats in Honeyray's shape (every datagram counts as stored).
 *
 * Datagrams are the real aws-xray-sdk-core captures of test/fixtures/wire/xray_run1 (segments with 2
 * inline subsegments, one with 3, a 500 with a stack trace), re-serialized once per second with the
 * current time, and given fresh random ids per datagram (trace id `1-<epoch hex>-<24 hex>`, every
 * segment, subsegment and parent id) by writing hex digits at known offsets of a copied template.
 */
import { randomFillSync } from 'node:crypto';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const CAPTURES = ['udp_001.raw', 'udp_002.raw', 'udp_004.raw', 'udp_005.raw', 'udp_006.raw', 'udp_008.raw', 'udp_003.raw'];
const HEADER = '{"format":"json","version":1}\n';
const TRACE_MARK = '^'.repeat(35);
const ID_MARK = '~'.repeat(16);

type Doc = Record<string, unknown> & { subsegments?: Doc[] };

/** The captured segment documents, plus one variant with a third inline subsegment. */
export function loadTemplates(dir = resolve('test/fixtures/wire/xray_run1')): Doc[] {
  const docs = CAPTURES.map((f) => {
    const text = readFileSync(resolve(dir, f), 'utf8');
    return JSON.parse(text.slice(text.indexOf('\n') + 1)) as Doc;
  });
  const three = structuredClone(docs[0]!);
  const subs = three.subsegments!;
  const extra = structuredClone(subs[0]!);
  extra.name = 'cache-lookup';
  extra.start_time = subs[1]!.end_time;
  extra.end_time = (subs[1]!.end_time as number) + 0.001;
  subs.push(extra);
  docs.splice(3, 0, three);
  return docs;
}

interface Template {
  buf: Buffer;
  traceAt: number[];
  idAt: number[];
}

/** Re-times a document (keeping its offsets) and marks every id for replacement. */
function mark(doc: Doc, shift: number, top: boolean): Doc {
  const out: Doc = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'trace_id' && top) out[k] = TRACE_MARK;
    else if (k === 'id' || k === 'parent_id') out[k] = ID_MARK;
    else if ((k === 'start_time' || k === 'end_time') && typeof v === 'number') out[k] = Math.round((v + shift) * 1000) / 1000;
    else if (k === 'subsegments' && Array.isArray(v)) out[k] = v.map((s) => mark(s as Doc, shift, false));
    else out[k] = v;
  }
  return out;
}

function offsets(buf: Buffer, mark: string): number[] {
  const at: number[] = [];
  for (let i = buf.indexOf(mark); i >= 0; i = buf.indexOf(mark, i + mark.length)) at.push(i);
  return at;
}

/** Makes datagrams with fresh ids; `refresh()` moves the timestamps to now (call about once a second). */
export class DatagramFactory {
  private templates: Template[] = [];
  private n = 0;
  private readonly pool = Buffer.allocUnsafe(64 * 1024);
  private poolAt = Infinity;
  private epochHex = '';
  readonly averageBytes: number;

  constructor(private readonly docs: Doc[] = loadTemplates()) {
    this.refresh();
    this.averageBytes = this.templates.reduce((s, t) => s + t.buf.length, 0) / this.templates.length;
  }

  refresh(nowMs = Date.now()): void {
    const now = nowMs / 1000;
    this.epochHex = Math.floor(now).toString(16).padStart(8, '0');
    this.templates = this.docs.map((d) => {
      // The request ended "just now": shift so the segment's end_time is now.
      const shift = now - ((d.end_time as number) ?? (d.start_time as number));
      const buf = Buffer.from(HEADER + JSON.stringify(mark(d, shift, true)), 'latin1');
      return { buf, traceAt: offsets(buf, TRACE_MARK), idAt: offsets(buf, ID_MARK) };
    });
  }

  /** A new datagram (its own buffer: safe to hand to socket.send while making the next one). */
  next(): Buffer {
    const t = this.templates[this.n++ % this.templates.length]!;
    const b = Buffer.allocUnsafe(t.buf.length);
    t.buf.copy(b);
    const traceId = `1-${this.epochHex}-${this.random(12)}`;
    for (const at of t.traceAt) b.write(traceId, at, 'latin1');
    for (const at of t.idAt) b.write(this.random(8), at, 'latin1');
    return b;
  }

  /** `bytes` random bytes as hex, from a pool refilled in bulk (random ids as the SDKs make them). */
  private random(bytes: number): string {
    if (this.poolAt + bytes > this.pool.length) {
      randomFillSync(this.pool);
      this.poolAt = 0;
    }
    const s = this.pool.toString('hex', this.poolAt, this.poolAt + bytes);
    this.poolAt += bytes;
    return s;
  }
}

async function send(host: string, port: number, rate: number, seconds: number): Promise<void> {
  const factory = new DatagramFactory();
  const socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
  await new Promise<void>((r) => socket.connect(port, host, () => r()));
  let sent = 0;
  let bytes = 0;
  let completed = 0;
  let sendErrors = 0;
  let maxLagMs = 0;
  let lastRefresh = Date.now();
  const onSent = (err: Error | null) => {
    completed++;
    if (err) sendErrors++;
  };
  const total = Math.round(rate * seconds);
  const maxBurst = Math.max(1, Math.ceil(rate / 50)); // never more than 20 ms worth in one tick
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      if (Date.now() - lastRefresh >= 1000) {
        factory.refresh();
        lastRefresh = Date.now();
      }
      const due = Math.min(total, Math.floor((rate * (now - t0)) / 1000));
      let burst = due - sent;
      if (burst > maxBurst) {
        maxLagMs = Math.max(maxLagMs, (burst / rate) * 1000);
        burst = maxBurst;
      }
      for (let i = 0; i < burst; i++) {
        const b = factory.next();
        bytes += b.length;
        sent++;
        socket.send(b, onSent);
      }
      if (sent >= total) return done();
      setTimeout(tick, 1);
    };
    tick();
  });
  const elapsed = (performance.now() - t0) / 1000;
  while (completed < sent) await new Promise((r) => setImmediate(r));
  socket.close();
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(JSON.stringify({ sent, bytes, elapsed, sendErrors, maxLagMs, cpuSeconds }) + '\n');
}

async function sink(udpPort: number, httpPort: number): Promise<void> {
  const stats = { received: 0, invalid: 0, dropped: 0, stored: 0 };
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 32 * 1024 * 1024 });
  socket.on('message', (m) => {
    stats.received++;
    if (m.indexOf(0x0a) > 0) stats.stored++;
    else stats.invalid++;
  });
  await new Promise<void>((r) => socket.bind(udpPort, '127.0.0.1', () => r()));
  const http = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/healthz') return res.end('{"status":"ok"}');
    if (req.url === '/api/honeyray/stats') return res.end(JSON.stringify({ spans: stats.stored, xray: stats }));
    res.statusCode = 404;
    res.end('{}');
  });
  http.listen(httpPort, '127.0.0.1', () => process.stderr.write(`sink listening on udp ${udpPort}, http ${httpPort}\n`));
  process.on('SIGTERM', () => {
    socket.close();
    http.close();
    process.exit(0);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'send') await send(args[0]!, Number(args[1]), Number(args[2]), Number(args[3]));
  else if (mode === 'sink') await sink(Number(args[0]), Number(args[1]));
  else {
    console.error('usage: xray-loadgen.js send <host> <port> <docs/s> <seconds> | sink <udp-port> <http-port>');
    process.exit(2);
  }
}
