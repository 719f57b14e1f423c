import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendEncoded } from '../http-util.js';

/** One entry of Jaeger's `errors` list; `traceID` names the trace a per-trace error is about. */
export interface JaegerError { code?: number; msg: string; traceID?: string }

/** Jaeger query-service envelope (`structuredResponse` in jaeger's cmd/query/app/http_handler.go). */
export function envelope(data: unknown, errors: JaegerError[] | null = null, total = Array.isArray(data) ? data.length : 0) {
  return { data, total, limit: 0, offset: 0, errors };
}

export function query(req: IncomingMessage): URLSearchParams {
  return new URL(req.url ?? '/', 'http://x').searchParams;
}

/**
 * JSON as Jaeger writes it: `?prettyPrint=` (any value but `false`) indents by four spaces, as
 * Jaeger's writeJSON does; compressed by Accept-Encoding like every Honeyray JSON answer.
 */
export function sendJaeger(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const indent = isPretty(req) ? '    ' : undefined;
  const text = JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? Number(v) : v), indent);
  sendEncoded(res, status, text, { 'content-type': 'application/json' });
}

/** `?prettyPrint=` with any value but empty or `false`, as Jaeger reads it. */
export function isPretty(req: IncomingMessage): boolean {
  const pretty = query(req).get('prettyPrint');
  return pretty !== null && pretty !== '' && pretty !== 'false';
}

/** An error in the envelope: `{"data":null,...,"errors":[{"code":status,"msg":...}]}`. */
export function sendJaegerError(req: IncomingMessage, res: ServerResponse, status: number, msg: string): void {
  sendJaeger(req, res, status, envelope(null, [{ code: status, msg }]));
}
