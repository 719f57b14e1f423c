/**
 * Errors of the OTLP decoders.
 *
 * Honeycomb answers a body it cannot parse with HTTP 400 / gRPC `Internal` and the message
 * `failed to parse OTLP request body: <cause>` (husky `otlp/errors.go`). `OtlpParseError.message` is the
 * `<cause>` part; `OtlpParseError.fullMessage` (or `PARSE_ERROR_PREFIX`) gives the whole Honeycomb text.
 */

export const PARSE_ERROR_PREFIX = 'failed to parse OTLP request body';

/** The request body is not a valid OTLP ExportTraceServiceRequest (protobuf or JSON). */
export class OtlpParseError extends Error {
  override name = 'OtlpParseError';

  /** `failed to parse OTLP request body: <message>`, as Honeycomb words it. */
  get fullMessage(): string {
    return `${PARSE_ERROR_PREFIX}: ${this.message}`;
  }
}
