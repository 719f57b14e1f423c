/**
 * Protobuf tags (`field << 3 | wireType`) the OTLP/protobuf decoder switches on, named by wire type and field
 * number where several messages share them (see decode-proto.ts for the message layouts).
 *
 * A `const enum` so that tsc writes the numbers themselves into the decoder's switches: an imported `const` is a
 * load from the exporting module at run time (V8 does not fold it), measurably slower on the per-field path.
 */
export const enum Tag {
  // Length-delimited fields 1 to 7.
  LEN1 = 0x0a,
  LEN2 = 0x12,
  LEN3 = 0x1a,
  LEN4 = 0x22,
  LEN5 = 0x2a,
  LEN6 = 0x32,
  LEN7 = 0x3a,

  // Varint fields 2 to 5.
  VARINT2 = 0x10,
  VARINT3 = 0x18,
  VARINT4 = 0x20,
  VARINT5 = 0x28,

  // Span.
  SPAN_KIND = 0x30,
  SPAN_START = 0x39,
  SPAN_END = 0x41,
  SPAN_ATTRS = 0x4a,
  SPAN_DROPPED_ATTRS = 0x50,
  SPAN_EVENTS = 0x5a,
  SPAN_DROPPED_EVENTS = 0x60,
  SPAN_LINKS = 0x6a,
  SPAN_DROPPED_LINKS = 0x70,
  SPAN_STATUS = 0x7a,
  SPAN_FLAGS = (16 << 3) | 5,

  /** Span.Event 1 time_unix_nano (fixed64). */
  EVENT_TIME = 0x09,
  /** Span.Link 6 flags (fixed32). */
  FIXED32_6 = 0x35,
  /** AnyValue 4 double_value (fixed64). */
  ANY_DOUBLE = 0x21,
}
