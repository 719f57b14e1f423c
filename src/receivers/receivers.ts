import type { Receiver } from './receiver.js';
import { honeycombEventsReceiver } from './honeycomb-events/receiver.js';
import { otlpHttpReceiver } from './otlp/receiver.js';
import { otlpGrpcReceiver } from './otlp-grpc/receiver.js';
import { zipkinReceiver } from './zipkin/receiver.js';
import { jaegerReceiver } from './jaeger/receiver.js';
import { honeycombDistroLinks } from './honeycomb-distro/receiver.js';

/**
 * Every protocol's server side, one line each: routes on Honeycomb's API host and ports of their own.
 * (The X-Ray daemon is composed in `app/server.ts`: its TCP side is the X-Ray REST API from `api/xray`.)
 */
export const RECEIVERS: readonly Receiver[] = [
  otlpHttpReceiver,
  honeycombEventsReceiver,
  otlpGrpcReceiver,
  zipkinReceiver,
  jaegerReceiver,
  honeycombDistroLinks,
];
