import type { IncomingMessage, ServerResponse } from 'node:http';
import { corsAllows } from '../../http/cors.js';
import { HttpError, mediaType, readDecodedBody, sendText } from '../../http/http-util.js';
import type { IngestPayload, IngestResult } from '../../pipeline/payload.js';
import { refusalMessage } from './errors.js';
import { exportResponse, statusBody } from './responses.js';

export interface OtlpReceiverOptions {
  submit(payload: IngestPayload): Promise<IngestResult>;
  /** True when the write pipeline is full: answer 503 + Retry-After so exporters back off and retry. */
  full(): boolean;
  /** Accepted `x-honeycomb-team` values; empty = no auth. */
  apiKeys: readonly string[];
  maxBodyBytes: number;
  /** Origins allowed to send from a browser; ['*'] = any. */
  corsOrigins: readonly string[];
  /** Called with unexpected errors (answered 500). */
  onError?(err: unknown): void;
}

const PROTO_TYPES = new Set(['application/x-protobuf', 'application/protobuf']);
const UNSUPPORTED_TYPE = 'unsupported content-type, valid types are: application/protobuf, application/x-protobuf, application/json';
const RETRY_AFTER_S = '1';

/**
 * OTLP/HTTP `POST /v1/traces`, answering as Honeycomb does (shared/spec/honeycomb-xray.md 1.1): 200
 * with an ExportTraceServiceResponse (partial_success when spans were refused), 400 with a
 * google.rpc.Status, 401, 413, 415 (text/plain), 503 + Retry-After, all in the request's encoding.
 * Returns false when the request is not for this receiver.
 */
export function createOtlpHandler(o: OtlpReceiverOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/v1/traces' && path !== '/v1/traces/') return false;
    const cors = corsHeaders(req, o.corsOrigins);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-max-age': '86400', 'content-length': '0' });
      res.end();
      return true;
    }
    if (req.method !== 'POST') {
      sendText(res, 405, 'method not allowed: use POST', { ...cors, allow: 'POST, OPTIONS' });
      return true;
    }
    handle(o, req, res, cors).catch((err: unknown) => {
      o.onError?.(err);
      if (!res.headersSent) sendText(res, 500, 'internal error', cors);
      else res.destroy();
    });
    return true;
  };
}

async function handle(o: OtlpReceiverOptions, req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<void> {
  const type = mediaType(req.headers['content-type']);
  const encoding = PROTO_TYPES.has(type) ? 'proto' : type === 'application/json' ? 'json' : null;
  if (encoding === null) {
    req.resume();
    return sendText(res, 415, UNSUPPORTED_TYPE, cors);
  }
  const reply = (status: number, body: Uint8Array | string, extra: Record<string, string> = {}) => {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    res.writeHead(status, {
      ...cors, ...extra,
      'content-type': encoding === 'proto' ? 'application/x-protobuf' : 'application/json',
      'content-length': String(buf.byteLength),
    });
    res.end(buf);
  };
  const fail = (status: number, message: string, extra: Record<string, string> = {}) => reply(status, statusBody(encoding, message, grpcCode(status)), extra);

  if (o.apiKeys.length > 0) {
    const key = req.headers['x-honeycomb-team'];
    if (typeof key !== 'string' || key === '') { req.resume(); return fail(401, "missing 'x-honeycomb-team' header"); }
    if (!o.apiKeys.includes(key)) { req.resume(); return fail(401, 'unknown API key - check your credentials'); }
  }
  if (o.full()) {
    req.resume();
    return fail(503, 'write pipeline is full, retry later', { 'retry-after': RETRY_AFTER_S });
  }
  // Held against the memory budget until answered (http/memory-budget.ts), decompressed bytes included.
  const body = await readDecodedBody(req, o.maxBodyBytes, res);
  if (body instanceof HttpError) {
    if (body.status === 415) return sendText(res, 415, body.message, cors);
    if (body.status === 503) return fail(503, body.message, { 'retry-after': RETRY_AFTER_S });
    return fail(body.status, body.status === 400 ? `failed to parse OTLP request body: ${body.message}` : body.message);
  }
  const dataset = header(req, 'x-honeycomb-dataset');
  const r = await o.submit({ kind: encoding === 'proto' ? 'otlp-proto' : 'otlp-json', body, dataset });
  if (r.ok) return reply(200, exportResponse(encoding, r.rejected, r.message));
  if (r.reason === 'parse') return fail(400, refusalMessage(r.message));
  return fail(503, r.message, { 'retry-after': RETRY_AFTER_S });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() !== '' ? s.trim() : undefined;
}

/** google.rpc.Code in the Status body, as Honeycomb's husky sets them (otlp/errors.go). */
export function grpcCode(status: number): number {
  switch (status) {
    case 400: return 13; // INTERNAL: husky's code for "failed to parse OTLP request body"
    case 401: return 16; // UNAUTHENTICATED
    case 413: return 8; // RESOURCE_EXHAUSTED
    case 503: return 14; // UNAVAILABLE
    default: return 2; // UNKNOWN
  }
}

function corsHeaders(req: IncomingMessage, allowed: readonly string[]): Record<string, string> {
  const origin = req.headers.origin;
  if (!corsAllows(allowed, origin)) return {};
  return {
    'access-control-allow-origin': allowed.includes('*') ? '*' : origin!,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? 'content-type, content-encoding, x-honeycomb-team, x-honeycomb-dataset'),
    'access-control-expose-headers': 'retry-after',
    vary: 'Origin',
  };
}
