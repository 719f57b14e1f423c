/**
 * Errors of the OTLP decoders.
 *
 * Honeycomb answers a body it cannot parse with HTTP 400 / gRPC `Internal` and the message
 * `failed to parse OTLP request body: <cause>` (husky `otlp/errors.go`). `OtlpParseError.message` is the
 * `<cause>` part; `OtlpParseError.fullMessage` (or `PARSE_ERROR_PREFIX`) gives the whole Honeycomb text.
 */

import { TOO_MANY_SPANS } from '../../model/span-limits.js';

export const PARSE_ERROR_PREFIX = 'failed to parse OTLP request body';

/** The 400 text for a refused payload: Honeycomb's parse-error words, except for a request over the span limit (it parsed fine). */
export function refusalMessage(message: string): string {
  return message.startsWith(TOO_MANY_SPANS) ? message : `${PARSE_ERROR_PREFIX}: ${message}`;
}

/** The request body is not a valid OTLP ExportTraceServiceRequest (protobuf or JSON). */
export class OtlpParseError extends Error {
  override name = 'OtlpParseError';

  /** `failed to parse OTLP request body: <message>`, as Honeycomb words it. */
  get fullMessage(): string {
    return `${PARSE_ERROR_PREFIX}: ${this.message}`;
  }
}
