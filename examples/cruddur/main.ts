/**
 * node dist/examples/cruddur/main.js — runs the Cruddur backend on PORT (default 4567).
 *
 * Environment (the seed's docker-compose settings, read by the SDKs themselves):
 *   OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS   OpenTelemetry
 *   AWS_XRAY_DAEMON_ADDRESS                                                     X-Ray daemon (host:port)
 * and for this example:
 *   PORT (4567), HOST (127.0.0.1), CRUDDUR_SERVICE_NAME (backend-flask),
 *   CRUDDUR_OTEL=0 / CRUDDUR_XRAY=0 to turn one side off,
 *   CRUDDUR_XRAY_SAMPLING=local-all to sample every request (default: centralized rules),
 *   CRUDDUR_XRAY_STREAMING_THRESHOLD=n (AWSXRay.setStreamingThreshold),
 *   CRUDDUR_XRAY_CONTEXT=automatic to run the X-Ray SDK in automatic (cls-hooked) mode (default manual),
 *   CRUDDUR_XRAY_LEAN_EMITTER=0 to let the X-Ray SDK serialise and send segments itself (see xray-emitter.ts),
 *   CRUDDUR_DELAY_HEADER=1 to honour an X-Cruddur-Delay-Ms request header (slow requests for `honeyray demo`).
 */
import { startCruddur } from './app.js';

const env = process.env;
const off = (v: string | undefined) => v !== undefined && ['0', 'false', 'no', 'off'].includes(v.toLowerCase());
const sampling = env.CRUDDUR_XRAY_SAMPLING ?? 'centralized';
if (sampling !== 'centralized' && sampling !== 'local-all') {
  console.error(`CRUDDUR_XRAY_SAMPLING must be centralized or local-all, got ${sampling}`);
  process.exit(2);
}
const xrayContext = env.CRUDDUR_XRAY_CONTEXT ?? 'manual';
if (xrayContext !== 'manual' && xrayContext !== 'automatic') {
  console.error(`CRUDDUR_XRAY_CONTEXT must be manual or automatic, got ${xrayContext}`);
  process.exit(2);
}
const threshold = env.CRUDDUR_XRAY_STREAMING_THRESHOLD === undefined ? undefined : Number(env.CRUDDUR_XRAY_STREAMING_THRESHOLD);
if (threshold !== undefined && !(Number.isInteger(threshold) && threshold >= 0)) {
  console.error(`CRUDDUR_XRAY_STREAMING_THRESHOLD must be a non-negative integer, got ${env.CRUDDUR_XRAY_STREAMING_THRESHOLD}`);
  process.exit(2);
}

const serviceName = env.CRUDDUR_SERVICE_NAME ?? 'backend-flask';
const app = await startCruddur({
  port: Number(env.PORT ?? 4567),
  host: env.HOST ?? '127.0.0.1',
  serviceName,
  otel: !off(env.CRUDDUR_OTEL),
  xray: !off(env.CRUDDUR_XRAY),
  samplingRules: sampling,
  xrayContext,
  streamingThreshold: threshold,
  xrayLeanEmitter: !off(env.CRUDDUR_XRAY_LEAN_EMITTER),
  delayHeader: env.CRUDDUR_DELAY_HEADER !== undefined && !off(env.CRUDDUR_DELAY_HEADER),
});

const otlp = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318 (OTel default)';
const daemon = env.AWS_XRAY_DAEMON_ADDRESS ?? '127.0.0.1:2000 (SDK default)';
console.log(`Cruddur ${serviceName} listening on ${app.url}`);
console.log(`  OpenTelemetry: ${off(env.CRUDDUR_OTEL) ? 'off' : `OTLP ${otlp}, service ${env.OTEL_SERVICE_NAME ?? serviceName}`}`);
console.log(`  X-Ray:         ${off(env.CRUDDUR_XRAY) ? 'off' : `daemon ${daemon}, sampling ${sampling}, ${xrayContext} mode${off(env.CRUDDUR_XRAY_LEAN_EMITTER) ? ", the SDK's own emitter" : ''}`}`);
console.log(`  try: curl ${app.url}/api/activities/home`);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: flushing spans and stopping`);
  app.stop().then(() => process.exit(0), (err) => {
    console.error(err);
    process.exit(1);
  });
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
