/**
 * Tracing for the Cruddur example, set up the way the seed does it, both ways at once:
 *
 * OpenTelemetry (the seed's Honeycomb part)
 *   `TracerProvider()` + `BatchSpanProcessor(OTLPSpanExporter())`, configured ONLY by the standard
 *   environment variables, read when the app starts:
 *     OTEL_SERVICE_NAME            service.name (falls back to the app's `serviceName` option)
 *     OTEL_EXPORTER_OTLP_ENDPOINT  e.g. http://127.0.0.1:4318 (the exporter appends /v1/traces)
 *     OTEL_EXPORTER_OTLP_HEADERS   e.g. x-honeycomb-team=...
 *   (plus whatever else the OTel SDK reads from its env: OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_*, ...).
 *   The seed's `FlaskInstrumentor` is replaced by `otelServerMiddleware`: one SERVER span per request
 *   with HTTP semantic-convention attributes, made the active span so the services' custom spans are
 *   its children. Trace ids come from the AWS X-Ray id generator (X-Ray compatible: the first 8 hex
 *   digits are the epoch seconds) and an incoming `X-Amzn-Trace-Id` (or W3C `traceparent`) header
 *   continues the caller's trace.
 *
 * One request, one trace: the OTel middleware runs first and hands its context to X-Ray by rewriting
 * the request's `X-Amzn-Trace-Id` to `Root=<the OTel trace id>;Parent=<the SERVER span id>` (keeping
 * the caller's `Sampled=` when there was one; without it the SDK's sampling rules decide, as they
 * would for a new trace). The X-Ray segment is then a child of the OTel SERVER span in the same trace,
 * with or without an incoming header; Honeyray recognises such a segment (same service, parent is that
 * service's SERVER span) as the same request seen twice and counts it once.
 *
 * AWS X-Ray (the seed's xray_recorder part)
 *   `openSegment(serviceName)` / `closeSegment()` from aws-xray-sdk-express. The daemon address is the
 *   SDK's own `AWS_XRAY_DAEMON_ADDRESS` (default 127.0.0.1:2000; segments go over UDP, and centralized
 *   sampling asks the TCP side of the same address for rules and quotas), unless the app is given an
 *   explicit `xrayDaemonAddress`.
 *   Segments are serialised and sent by xray-emitter.ts (the same datagrams as the SDK's own emitter,
 *   without its second serialisation per segment; `leanEmitter: false` keeps the SDK's).
 *
 * aws-xray-sdk-core is a process-wide singleton (daemon address, sampler, streaming threshold and the
 * middleware's segment name are module state). `acquireXray` configures it for the first app and
 * reference-counts it; limits, checked and reported as errors:
 *   - apps running at the same time in one process must use identical X-Ray settings;
 *   - once `samplingRules: 'local-all'` was used in a process, centralized sampling cannot come back
 *     (the SDK has no public way to re-enable it);
 *   - with AWS_XRAY_DAEMON_ADDRESS set, the SDK ignores any other address.
 * The SDK is loaded lazily, on the first app with X-Ray on, so its env variables are read then.
 *
 * OTel: every app has its own provider, exporter and tracer (two apps in one process export
 * independently). The first app also registers its provider globally (context manager + propagator,
 * like the seed's `trace.set_tracer_provider`); later registrations are no-ops for the API globals,
 * which is harmless because the example only uses its own tracer and the shared context manager.
 */
import {
  ROOT_CONTEXT, SpanKind, SpanStatusCode, context, defaultTextMapGetter, trace,
  type Attributes, type Span, type TextMapPropagator, type Tracer,
} from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { installLeanEmitter } from './xray-emitter.js';

// ---------------------------------------------------------------------------------------------------
// OpenTelemetry

export interface OtelTracing {
  provider: NodeTracerProvider;
  tracer: Tracer;
  /** Express middleware: SERVER span per request, active for the rest of the chain. */
  middleware: RequestHandler;
  /** Records an exception + ERROR status on the request's SERVER span (call from the error handler). */
  recordError(req: Request, err: unknown): void;
  /** Flushes pending spans and stops the exporter. */
  shutdown(): Promise<void>;
}

let registered = false;

/**
 * `handToXray`: rewrite the request's `X-Amzn-Trace-Id` so that the X-Ray middleware (running next)
 * continues this trace; pointless work when X-Ray is off.
 */
export function setupOtel(serviceName: string, handToXray = true): OtelTracing {
  // service.name: OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES win, then the app's name.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': serviceName }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    idGenerator: new AWSXRayIdGenerator(),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  const propagator: TextMapPropagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new AWSXRayPropagator()],
  });
  if (!registered) {
    provider.register({ propagator });
    registered = true;
  }
  const tracer = provider.getTracer('cruddur-backend', '1.0.0');
  // The request's SERVER span rides on the request under a symbol: cheaper than a WeakMap entry per
  // request (ephemerons cost the garbage collector), and invisible to the app.
  const SPAN = Symbol('otel server span');
  type Traced = Request & { [SPAN]?: Span };

  const middleware: RequestHandler = (req, res, next) => {
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER, attributes: requestAttributes(req) }, parent);
    (req as Traced)[SPAN] = span;
    if (handToXray) req.headers[XRAY_HEADER] = xrayHeaderFor(span, req.headers[XRAY_HEADER]);
    // One listener, not 'finish' + 'close': a ServerResponse always emits 'close', after 'finish' or
    // alone when the connection was lost before the response.
    res.once('close', () => {
      const route = routeOf(req);
      if (route) {
        span.setAttribute('http.route', route);
        span.updateName(`${req.method} ${route}`);
      }
      if (res.headersSent) {
        span.setAttribute('http.response.status_code', res.statusCode);
        // Server spans: only 5xx is an error (4xx is the client's).
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      } else {
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection closed before the response' });
      }
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };

  return {
    provider,
    tracer,
    middleware,
    recordError(req, err) {
      const span = (req as Traced)[SPAN];
      if (!span) return;
      const e = err instanceof Error ? err : new Error(String(err));
      span.recordException(e);
      span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
    },
    async shutdown() {
      await provider.forceFlush();
      await provider.shutdown();
    },
  };
}

const XRAY_HEADER = 'x-amzn-trace-id';

/**
 * The `X-Amzn-Trace-Id` that makes the X-Ray segment continue `span`'s trace as its child. The caller's
 * `Sampled=` is kept (its decision binds both); otherwise it is left out so X-Ray's rules decide.
 */
function xrayHeaderFor(span: Span, incoming: string | string[] | undefined): string {
  const { traceId, spanId } = span.spanContext();
  const sampled = /(?:^|;)\s*Sampled=([01?])/i.exec(Array.isArray(incoming) ? incoming[0] ?? '' : incoming ?? '')?.[1];
  return `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Parent=${spanId}${sampled ? `;Sampled=${sampled}` : ''}`;
}

function requestAttributes(req: Request): Attributes {
  const url = req.originalUrl ?? req.url;
  const q = url.indexOf('?');
  const host = req.headers.host ?? '';
  const colon = host.lastIndexOf(':');
  const a: Attributes = {
    'http.request.method': req.method,
    'url.path': q < 0 ? url : url.slice(0, q),
    'url.scheme': req.protocol,
    'network.protocol.version': req.httpVersion,
  };
  if (q >= 0) a['url.query'] = url.slice(q + 1);
  if (host) {
    a['server.address'] = colon > 0 && !host.endsWith(']') ? host.slice(0, colon) : host;
    if (colon > 0 && !host.endsWith(']')) a['server.port'] = Number(host.slice(colon + 1));
  }
  const peer = req.socket.remoteAddress;
  if (peer) {
    a['client.address'] = peer;
    a['network.peer.address'] = peer;
    if (req.socket.remotePort) a['network.peer.port'] = req.socket.remotePort;
  }
  const ua = req.headers['user-agent'];
  if (ua) a['user_agent.original'] = ua;
  return a;
}

/** The Express route template that matched (`/api/activities/@:handle`), if any. */
function routeOf(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? (req.baseUrl ?? '') + path : undefined;
}

// ---------------------------------------------------------------------------------------------------
// AWS X-Ray

type XRaySdk = typeof import('aws-xray-sdk-core');
type XRayExpress = typeof import('aws-xray-sdk-express');

export interface XraySettings {
  /** Segment name (the seed's `xray_recorder.configure(service='backend-flask')`). */
  serviceName: string;
  /** 'local-all': sample every request (local rules, centralized sampling off); else centralized. */
  sampling: 'centralized' | 'local-all';
  /** Subsegments per segment before they are streamed as their own datagrams (SDK default 100). */
  streamingThreshold?: number;
  /** `host:port`; default: the SDK's (AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000). */
  daemonAddress?: string;
  /**
   * How the SDK finds the current segment: 'manual' (default; the segment travels on `req.segment`
   * and is passed as the parent explicitly) or 'automatic' (cls-hooked, several times the cost per
   * request; see loadXray). Decided by the first app of the process that loads the SDK.
   */
  context?: 'manual' | 'automatic';
  /**
   * Serialise and send segments with xray-emitter.ts (default true): the same datagrams for half the
   * SDK's serialisation work. Decided by the first app of the process that loads the SDK.
   */
  leanEmitter?: boolean;
}

export interface XrayTracing {
  sdk: XRaySdk;
  openSegment: RequestHandler;
  closeSegment: ErrorRequestHandler;
  /** Drops this app's hold on the process-wide configuration. */
  release(): void;
}

/** Sample everything: no per-second reservoir limit matters since the fallback rate is 1. */
const SAMPLE_ALL = { version: 2, default: { fixed_target: 1, rate: 1 }, rules: [] };
const SDK_DEFAULT_STREAMING_THRESHOLD = 100;

let loaded: { sdk: XRaySdk; express: XRayExpress } | null = null;

/**
 * Loads the SDK in the context mode asked for. Manual mode has to be chosen BEFORE the SDK is first
 * loaded: in automatic mode the SDK creates a cls-hooked namespace when its module loads, whose
 * async_hooks (init/before/after/destroy on every promise, socket and timer of the process, plus
 * emitter-listener wrappers on every request and response) stay enabled even after
 * `AWSXRay.enableManualMode()`, which only drops the namespace. The SDK reads AWS_XRAY_MANUAL_MODE
 * once, at load; it is set for that moment only, so that nothing else in the process sees it. If the
 * SDK was already loaded by someone else, its mode stays: the app passes parents explicitly, which
 * automatic mode ignores, so the routes work either way.
 */
async function loadXray(mode: 'manual' | 'automatic', leanEmitter: boolean): Promise<{ sdk: XRaySdk; express: XRayExpress }> {
  const before = process.env.AWS_XRAY_MANUAL_MODE;
  if (mode === 'manual') process.env.AWS_XRAY_MANUAL_MODE = '1';
  else delete process.env.AWS_XRAY_MANUAL_MODE;
  try {
    const sdk = (await import('aws-xray-sdk-core')).default as unknown as XRaySdk;
    const express = (await import('aws-xray-sdk-express')).default as unknown as XRayExpress;
    if (leanEmitter) installLeanEmitter(sdk);
    return { sdk, express };
  } finally {
    if (before === undefined) delete process.env.AWS_XRAY_MANUAL_MODE;
    else process.env.AWS_XRAY_MANUAL_MODE = before;
  }
}

/**
 * The request's X-Ray segment, to pass as the parent of `captureAsyncFunc` & co. In manual mode the
 * express middleware leaves it on `req.segment`; in automatic mode the SDK ignores the argument and
 * reads its cls-hooked context instead.
 */
export function xraySegmentOf(req: Request): import('aws-xray-sdk-core').Segment | undefined {
  return (req as Request & { segment?: import('aws-xray-sdk-core').Segment }).segment;
}
let current: { key: string; users: number } | null = null;
let localSamplingUsed = false;

export async function acquireXray(s: XraySettings): Promise<XrayTracing> {
  if (!loaded) loaded = await loadXray(s.context ?? 'manual', s.leanEmitter ?? true);
  const { sdk, express } = loaded;
  const mode = sdk.isAutomaticMode() ? 'automatic' : 'manual';
  if (s.context !== undefined && s.context !== mode) {
    throw new Error(`aws-xray-sdk-core was loaded in ${mode} mode in this process, cannot run an app in ${s.context} mode`);
  }
  const envAddress = process.env.AWS_XRAY_DAEMON_ADDRESS;
  const address = s.daemonAddress ?? envAddress ?? '127.0.0.1:2000';
  const threshold = s.streamingThreshold ?? SDK_DEFAULT_STREAMING_THRESHOLD;
  const key = JSON.stringify([s.serviceName, s.sampling, threshold, address]);

  if (current && current.users > 0) {
    if (current.key !== key) {
      throw new Error(`aws-xray-sdk-core is configured once per process: an app with X-Ray settings ${current.key} is running, cannot start one with ${key} (stop it first or use the same settings)`);
    }
    current.users++;
  } else {
    if (s.daemonAddress !== undefined && envAddress !== undefined && envAddress !== s.daemonAddress) {
      throw new Error(`AWS_XRAY_DAEMON_ADDRESS=${envAddress} is set: aws-xray-sdk-core ignores the daemon address ${s.daemonAddress}`);
    }
    if (s.sampling === 'centralized' && localSamplingUsed) {
      throw new Error("aws-xray-sdk-core cannot switch back to centralized sampling in a process where samplingRules 'local-all' was used");
    }
    if (s.daemonAddress !== undefined && envAddress === undefined) sdk.setDaemonAddress(s.daemonAddress);
    if (s.sampling === 'local-all') {
      sdk.middleware.disableCentralizedSampling();
      sdk.middleware.setSamplingRules(SAMPLE_ALL);
      localSamplingUsed = true;
    }
    sdk.setStreamingThreshold(threshold);
    current = { key, users: 1 };
  }

  const openSegment = express.openSegment(s.serviceName) as unknown as RequestHandler;
  const closeSegment = express.closeSegment() as unknown as ErrorRequestHandler;
  let released = false;
  return {
    sdk,
    openSegment,
    closeSegment,
    release() {
      if (released || !current) return;
      released = true;
      current.users--;
    },
  };
}
