import type { Codec } from './codec.js';
import { honeycombEventsCodec } from './honeycomb-events/codec.js';
import { otlpCodec } from './otlp/codec.js';
import { xrayCodec } from './xray/codec.js';
import { zipkinCodec } from './zipkin/codec.js';
import { jaegerCodec } from './jaeger/codec.js';

/** Every protocol's decoder, one line each; the ingest worker looks payload kinds up here. */
export const CODECS: readonly Codec<any>[] = [
  otlpCodec,
  xrayCodec,
  honeycombEventsCodec,
  zipkinCodec,
  jaegerCodec,
];
