import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ingestBudget, type Reservation } from './memory-budget.js';

/** Thrown while reading a request; carries the HTTP status that fits. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Sets the in-flight body budget (bytes, all requests) and one connection's share of it; see memory-budget.ts. */
export function setBodyBudget(bytes: number, perConnection = Math.max(1, Math.floor(bytes / 4))): void {
  ingestBudget.limit = bytes;
  ingestBudget.perConnection = perConnection;
}

/** Bytes of request bodies held now (for stats and tests). */
export function bodyBytesInFlight(): number {
  return ingestBudget.used;
}

const OVER_BUDGET = 'too many request bodies in flight, retry later';

/**
 * Reads a whole body (chunked or not) up to `limit` bytes; over it -> HttpError 413. The limit is
 * checked against Content-Length first so an oversize upload is refused before it is read.
 *
 * The body is admitted against the ingest memory budget (`ingestBudget`) before it is read: what the client
 * declared is reserved up front, a chunked body as it arrives; past the budget -> HttpError 503 at once (each
 * receiver adds its protocol's retry signal). With `hold` (the request's response), the bytes stay reserved
 * until that response is closed, i.e. while the body waits in the pipeline and is decoded and committed;
 * without it, until the body has been read.
 */
export function readBody(req: IncomingMessage, limit: number, hold?: ServerResponse): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new HttpError(413, `request body of ${declared} bytes is over the limit of ${limit} bytes`));
  }
  const reserved = ingestBudget.reserve(Number.isFinite(declared) && declared > 0 ? declared : 0, req.socket ?? undefined);
  if (!reserved) {
    req.resume();
    return Promise.reject(new HttpError(503, OVER_BUDGET));
  }
  if (hold) {
    hold.once('close', () => reserved.release());
    reservations.set(req, reserved);
  }
  let held = Number.isFinite(declared) && declared > 0 ? declared : 0;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (e: HttpError) => { if (!failed) { failed = true; reserved.release(); reject(e); } };
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) return fail(new HttpError(413, `request body is over the limit of ${limit} bytes`));
      if (size > held) {
        if (!reserved.grow(size - held)) return fail(new HttpError(503, OVER_BUDGET));
        held = size;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (failed) return;
      failed = true; // finished: a later 'close' is the connection's, not an unfinished body
      if (!hold) reserved.release();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (e) => fail(new HttpError(400, `error reading request body: ${e.message}`)));
    req.on('close', () => fail(new HttpError(400, 'the client closed the connection before the body ended')));
  });
}

/** Reservations held until the response closes (`readBody` with `hold`), so decompression can add to them. */
const reservations = new WeakMap<IncomingMessage, Reservation>();

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
/** zstd is in node:zlib from Node 22.15/23.8; on older Nodes a zstd body is a 415 naming what is accepted. */
const zstdDecompress = (zlib as { zstdDecompress?: typeof zlib.gunzip }).zstdDecompress;
const zstd = zstdDecompress ? promisify(zstdDecompress) : null;
const ENCODINGS = zstd ? 'gzip, deflate, zstd' : 'gzip, deflate';

/**
 * Undoes Content-Encoding (gzip, deflate, zstd where Node has it; identity/none), capping the decompressed size at `limit`.
 * Unknown encodings -> 415; corrupt data -> 400; a bomb past the limit -> 413.
 */
export async function decodeContent(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  const opts = { maxOutputLength: limit };
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return await gunzip(body, opts);
    if (enc === 'deflate') return await inflate(body, opts).catch(() => promisify(zlib.inflateRaw)(body, opts));
    if ((enc === 'zstd' || enc === 'zst') && zstd) return await zstd(body, opts);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE') throw new HttpError(413, `decompressed body is over the limit of ${limit} bytes`);
    throw new HttpError(400, `cannot decompress ${enc} body: ${e.message}`);
  }
  throw new HttpError(415, `unsupported content-encoding ${JSON.stringify(encoding)}, valid encodings are: ${ENCODINGS}`);
}

/**
 * `readBody` then `decodeContent`; an HttpError (status + message for the client) is returned, not thrown.
 * With `hold`, a compressed body's decompressed bytes are admitted against the budget too (503 past it).
 */
export async function readDecodedBody(req: IncomingMessage, limit: number, hold?: ServerResponse): Promise<Buffer | HttpError> {
  try {
    const raw = await readBody(req, limit, hold);
    const body = await decodeContent(raw, req.headers['content-encoding'], limit);
    if (body !== raw && hold && reservations.get(req)?.grow(body.length) === false) return new HttpError(503, OVER_BUDGET);
    return body;
  } catch (err) {
    if (err instanceof HttpError) return err;
    throw err;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? Number(v) : v));
  sendEncoded(res, status, text, { 'content-type': 'application/json', ...headers });
}

/** Below this a compressed body saves less than the headers and CPU it costs. */
const COMPRESS_MIN_BYTES = 1024;
/**
 * Fast settings. Measured on a 74 MB Jaeger trace (100,000 spans): brotli 1 -> 3.2 MB in 0.2 s, gzip 1 ->
 * 3.7 MB in 0.2-0.5 s, brotli 4 -> 3.3 MB in 3.8 s; the defaults (gzip 6, brotli 11) cost seconds more.
 * Big bodies get the fastest level; small ones a better ratio at no noticeable cost.
 */
const BIG_BODY = 1 << 20;
const brotliOpts = (n: number) => ({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: n >= BIG_BODY ? 1 : 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: n } });
const gzipOpts = (n: number) => ({ level: n >= BIG_BODY ? 1 : 4 });

/**
 * Up to this size a body is compressed on the event loop: the libuv pool's round trip (a zlib handle, two
 * thread hops) cost more than the compression. 3.9 KB of Jaeger JSON (a typical trace), brotli 4, 300 runs
 * alternating at load 12-16: 0.19 ms of CPU synchronously, 0.60-0.62 ms through the pool; 16 KB: 0.37-0.40
 * against 0.52-1.02 ms.
 */
const SYNC_MAX_BYTES = 16 * 1024;

/** The encoding to answer with for an Accept-Encoding header: br, then gzip, else none (q=0 refuses). */
export function negotiateEncoding(accept: string | string[] | undefined): 'br' | 'gzip' | null {
  const offered = new Map<string, number>();
  for (const part of (Array.isArray(accept) ? accept.join(',') : accept ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
    offered.set(name, q ? Number(q[1]) : 1);
  }
  const ok = (e: string) => (offered.get(e) ?? offered.get('*') ?? 0) > 0;
  return ok('br') ? 'br' : ok('gzip') ? 'gzip' : null;
}

/**
 * Sends a body as is or compressed by the request's Accept-Encoding (`res.req`), so every JSON answer
 * is negotiated without callers passing the request. Compression runs on the libuv pool, off the event loop,
 * except for small bodies (SYNC_MAX_BYTES).
 * A body in pieces (a big trace's text as the engine wrote it) is compressed as a stream of them: no copy
 * of the whole body is made first.
 */
export function sendEncoded(res: ServerResponse, status: number, body: string | Buffer | readonly Uint8Array[], headers: Record<string, string>): void {
  const pieces = typeof body === 'string' ? [Buffer.from(body)] : body instanceof Uint8Array ? [body] : body;
  const length = pieces.reduce((n, p) => n + p.length, 0);
  const enc = length >= COMPRESS_MIN_BYTES ? negotiateEncoding(res.req?.headers['accept-encoding']) : null;
  const sendRaw = () => {
    res.writeHead(status, { 'content-length': length, vary: 'Accept-Encoding', ...headers });
    for (const p of pieces) res.write(p);
    res.end();
  };
  if (!enc) return sendRaw();
  const done = (err: Error | null, out: Buffer) => {
    if (err) return sendRaw();
    res.writeHead(status, { 'content-length': out.length, 'content-encoding': enc, vary: 'Accept-Encoding', ...headers });
    res.end(out);
  };
  if (pieces.length === 1 && length <= SYNC_MAX_BYTES) {
    let out: Buffer;
    try {
      out = enc === 'br' ? zlib.brotliCompressSync(pieces[0]!, brotliOpts(length)) : zlib.gzipSync(pieces[0]!, gzipOpts(length));
    } catch (err) {
      return done(err as Error, Buffer.alloc(0));
    }
    return done(null, out);
  }
  if (pieces.length === 1) {
    if (enc === 'br') zlib.brotliCompress(pieces[0]!, brotliOpts(length), done);
    else zlib.gzip(pieces[0]!, gzipOpts(length), done);
    return;
  }
  const stream = enc === 'br' ? zlib.createBrotliCompress(brotliOpts(length)) : zlib.createGzip(gzipOpts(length));
  const out: Buffer[] = [];
  stream.on('data', (c: Buffer) => out.push(c));
  stream.once('error', (err) => done(err, Buffer.alloc(0)));
  stream.once('end', () => done(null, Buffer.concat(out)));
  for (const p of pieces) stream.write(p);
  stream.end();
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** `application/json; charset=utf-8` -> `application/json`. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}
