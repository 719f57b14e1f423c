import type { IncomingMessage, ServerResponse } from 'node:http';
import { envelope } from '../api/jaeger/envelope.js';
import { HoneycombApiError } from '../query/honeycomb/errors.js';
import { statusBody } from '../receivers/otlp/responses.js';
import { grpcCode } from '../receivers/otlp/http-receiver.js';
import { mediaType, sendJson, sendText } from '../http/http-util.js';
import type { Denial } from '../auth/authenticator.js';

/** Browsers ask for a key (the UI's login) only when a 401 names the Basic scheme. */
const BASIC = { 'www-authenticate': 'Basic realm="Honeyray", charset="UTF-8"' };

/**
 * Answers a refused request in the shape its protocol's clients read: OTLP's google.rpc.Status, AWS's
 * `__type` + `X-Amzn-ErrorType` (AWS answers 403 to a bad signature or an unknown access key), Honeycomb's
 * problem JSON, Jaeger's envelope, plain text for the Zipkin and Jaeger collector ports, and a Basic
 * challenge for the web UI so a browser asks for the key once.
 */
export function sendDenial(req: IncomingMessage, res: ServerResponse, d: Denial, port: 'api' | 'otlp' | 'xray' | 'text'): void {
  req.resume();
  const path = (req.url ?? '/').split('?')[0]!;
  if (port === 'text') return sendText(res, d.status, d.message, BASIC);
  if (path === '/v1/traces' || path === '/v1/traces/') {
    const enc = mediaType(req.headers['content-type']) === 'application/json' ? 'json' : 'proto';
    const body = statusBody(enc, d.message, grpcCode(d.status));
    res.writeHead(d.status, { 'content-type': enc === 'json' ? 'application/json' : 'application/x-protobuf', 'content-length': String(body.length) });
    res.end(body);
    return;
  }
  if (port === 'xray' || /^\/[A-Z]/.test(path)) {
    // AWS: missing or invalid credentials are 403 with the exception name.
    const status = d.awsType === 'AccessDeniedException' || d.status === 401 ? 403 : d.status;
    return sendJson(res, status, { __type: d.awsType, message: d.message, Message: d.message }, { 'x-amzn-errortype': d.awsType });
  }
  // The Events API (ingest) answers `{"error": ...}`; the rest of /1 Honeycomb's problem JSON.
  if (/^\/1\/(events|batch)\//.test(path)) return sendJson(res, d.status, { error: d.message });
  if (path.startsWith('/1/') || path.startsWith('/api/honeyray/query') || path.startsWith('/api/honeyray/bubbleup')) {
    const body = JSON.stringify(new HoneycombApiError(d.status, d.message).body());
    res.writeHead(d.status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), ...(d.status === 401 ? BASIC : {}) });
    res.end(body);
    return;
  }
  if (path.startsWith('/api/') && !path.startsWith('/api/honeyray/') && !path.startsWith('/api/xray/')) {
    return sendJson(res, d.status, envelope(null, [{ code: d.status, msg: d.message }]), d.status === 401 ? BASIC : {});
  }
  sendJson(res, d.status, { error: d.message, message: d.message }, d.status === 401 ? BASIC : {});
}
