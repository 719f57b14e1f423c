import type { Receiver } from '../receiver.js';
import { createGrpcListener } from './grpc-receiver.js';

/** OTLP over gRPC on `--grpc-port` (4317, the other half of every OTel SDK's default). */
export const otlpGrpcReceiver: Receiver = {
  name: 'OTLP/gRPC',
  listeners: (d) => (d.ports['grpc-port'] ? [createGrpcListener(d, d.ports['grpc-port'])] : []),
};
