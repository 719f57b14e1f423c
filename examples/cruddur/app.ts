/**
 * Cruddur's backend ("backend-flask" in the seed) ported to TypeScript + Express, instrumented both
 * ways as the seed does: OpenTelemetry -> OTLP (Honeycomb there, Honeyray here) and aws-xray-sdk ->
 * X-Ray daemon (the real daemon there, Honeyray's X-Ray port here). See tracing.ts for the setup and
 * its per-process limits, README.md for how to run it.
 *
 * Routes (from the seed's app.py):
 *   GET /api/activities/home            custom span http-home-activities (app.now, app.result_length)
 *   GET /api/activities/notifications   custom span notifications-activities (app.result_length)
 *   GET /api/activities/@:handle        X-Ray subsegments activities_users > user_activity_<handle>;
 *                                       custom span user-activities (user.handle)
 *   GET /api/activities/search?term=    custom span search-activities (search.term); 422 without term
 *   GET /api/message_groups             custom span message-groups
 *   GET /api/messages/@:handle          custom span messages (message.receiver_handle)
 *   POST /api/messages                  custom span create-message; 422 on a blank or too long message
 *   POST /api/activities                custom span create-activity (activity.ttl); 422 on bad input
 *   POST /api/activities/:uuid/reply    custom span create-reply (activity.uuid); 422 on bad input
 *   GET /api/error                      throws: 500, X-Ray fault + cause, OTel exception + ERROR
 * One module per service under services/, as the seed's services/*.py.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { ProxyTracerProvider, type Tracer } from '@opentelemetry/api';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler, type Response } from 'express';
import { createActivity } from './services/create-activity.js';
import { createMessage } from './services/create-message.js';
import { createReply } from './services/create-reply.js';
import { homeActivities } from './services/home-activities.js';
import { messageGroups } from './services/message-groups.js';
import { messages } from './services/messages.js';
import type { Model } from './services/model.js';
import { notificationsActivities } from './services/notifications-activities.js';
import { searchActivities } from './services/search-activities.js';
import { userActivities } from './services/user-activities.js';
import { acquireXray, setupOtel, xraySegmentOf, type OtelTracing, type XrayTracing } from './tracing.js';

export interface CruddurOptions {
  /** OTel service.name fallback (OTEL_SERVICE_NAME wins) and the X-Ray segment name. */
  serviceName?: string;
  /** aws-xray-sdk on (default true). */
  xray?: boolean;
  /** OpenTelemetry on (default true). */
  otel?: boolean;
  /** `AWSXRay.setStreamingThreshold(n)`: 0 sends every subsegment as its own datagram. */
  streamingThreshold?: number;
  /** 'centralized' (default): rules from the daemon's TCP side; 'local-all': sample every request. */
  samplingRules?: 'centralized' | 'local-all';
  /** X-Ray daemon `host:port`; default AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000. */
  xrayDaemonAddress?: string;
  /** The X-Ray SDK's context mode: 'manual' (default, cheap) or 'automatic' (cls-hooked); see tracing.ts. */
  xrayContext?: 'manual' | 'automatic';
  /** Segments serialised and sent by xray-emitter.ts (default true) rather than the SDK's own emitter; see there. */
  xrayLeanEmitter?: boolean;
  /**
   * Honour an `X-Cruddur-Delay-Ms` request header (at most 5000) by answering that much later: how
   * `honeyray demo` makes slow requests. Off by default; never part of the seed's app.
   */
  delayHeader?: boolean;
}

export interface CruddurApp {
  app: Express;
  /** The app's tracer (a no-op tracer when OTel is off). */
  tracer: Tracer;
  /** Flushes OTel and releases the X-Ray configuration; does not touch any HTTP server. */
  shutdown(): Promise<void>;
}

export interface RunningCruddur {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const USER_HANDLE = 'andrewbrown';

export async function createCruddurApp(opts: CruddurOptions = {}): Promise<CruddurApp> {
  const serviceName = opts.serviceName ?? 'backend-flask';
  const otel: OtelTracing | null = opts.otel === false ? null : setupOtel(serviceName, opts.xray !== false);
  let xray: XrayTracing | null = null;
  try {
    if (opts.xray !== false) {
      xray = await acquireXray({
        serviceName,
        sampling: opts.samplingRules ?? 'centralized',
        streamingThreshold: opts.streamingThreshold,
        daemonAddress: opts.xrayDaemonAddress,
        context: opts.xrayContext,
        leanEmitter: opts.xrayLeanEmitter,
      });
    }
  } catch (err) {
    await otel?.shutdown();
    throw err;
  }
  // OTel off: a no-op tracer (not the global one, which may belong to another app in this process).
  const tracer = otel?.tracer ?? new ProxyTracerProvider().getTracer('noop');

  const app = express();
  app.disable('x-powered-by');
  if (otel) app.use(otel.middleware);
  if (xray) app.use(xray.openSegment);
  if (opts.delayHeader) app.use(delayByHeader);
  app.use(express.json());

  const body = (req: Request, key: string): string | undefined => {
    const v = (req.body as Record<string, unknown> | undefined)?.[key];
    return typeof v === 'string' ? v : undefined;
  };
  const reply = <T>(res: Response, model: Model<T>) => {
    if (model.errors !== null) res.status(422).json(model.errors);
    else res.status(200).json(model.data);
  };

  app.get('/api/activities/home', (_req, res) => {
    res.json(homeActivities(tracer));
  });

  app.get('/api/activities/notifications', (_req, res) => {
    res.json(notificationsActivities(tracer));
  });

  app.get('/api/activities/@:handle', (req, res, next) => {
    const handle = req.params.handle;
    if (!xray) return reply(res, userActivities(tracer, handle));
    const X = xray.sdk;
    // @xray_recorder.capture('activities_users') on the route, then
    // xray_recorder.begin_subsegment('user_activity_' + user_handle) inside the service. The parents
    // are passed explicitly: the SDK runs in manual mode (see tracing.ts, loadXray).
    X.captureAsyncFunc('activities_users', (outer) => {
      X.captureAsyncFunc('user_activity_' + handle, (sub) => {
        try {
          const model = userActivities(tracer, handle);
          sub?.addAnnotation('user_handle', handle);
          sub?.addMetadata('result_length', model.data?.length ?? 0);
          sub?.close();
          outer?.close();
          reply(res, model);
        } catch (err) {
          sub?.close(err as Error);
          outer?.close(err as Error);
          next(err);
        }
      }, outer);
    }, xraySegmentOf(req));
  });

  app.get('/api/activities/search', (req, res) => {
    const term = typeof req.query.term === 'string' ? req.query.term : undefined;
    reply(res, searchActivities(tracer, term));
  });

  app.get('/api/message_groups', (_req, res) => {
    reply(res, messageGroups(tracer, USER_HANDLE));
  });

  app.get('/api/messages/@:handle', (req, res) => {
    reply(res, messages(tracer, USER_HANDLE, req.params.handle));
  });

  app.post('/api/messages', (req, res) => {
    reply(res, createMessage(tracer, body(req, 'message'), USER_HANDLE, body(req, 'user_receiver_handle')));
  });

  app.post('/api/activities', (req, res) => {
    reply(res, createActivity(tracer, USER_HANDLE, body(req, 'message'), body(req, 'ttl')));
  });

  app.post('/api/activities/:uuid/reply', (req, res) => {
    reply(res, createReply(tracer, body(req, 'message'), USER_HANDLE, req.params.uuid));
  });

  app.get('/api/error', () => {
    throw new Error('boom');
  });

  // After the routes, before any other error handler (the SDK's rule): adds the fault's cause.
  if (xray) app.use(xray.closeSegment);
  const onError: ErrorRequestHandler = (err, req, res, next) => {
    otel?.recordError(req, err);
    if (res.headersSent) return next(err);
    res.status(500).json({ error: 'internal server error' });
  };
  app.use(onError);

  let shut: Promise<void> | null = null;
  return {
    app,
    tracer,
    shutdown() {
      shut ??= (async () => {
        xray?.release();
        await otel?.shutdown();
      })();
      return shut;
    },
  };
}

const MAX_DELAY_MS = 5000;

const delayByHeader: RequestHandler = (req, _res, next) => {
  const ms = Number(req.headers['x-cruddur-delay-ms']);
  if (Number.isFinite(ms) && ms > 0) setTimeout(next, Math.min(ms, MAX_DELAY_MS));
  else next();
};

/** Creates the app and listens on `port` (0 = any free port) on `host` (default 127.0.0.1). */
export async function startCruddur(opts: CruddurOptions & { port?: number; host?: string } = {}): Promise<RunningCruddur> {
  const c = await createCruddurApp(opts);
  const host = opts.host ?? '127.0.0.1';
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const s = c.app.listen(opts.port ?? 4567, host, () => resolve(s));
      s.once('error', reject);
    });
  } catch (err) {
    await c.shutdown();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  let stopping: Promise<void> | null = null;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stop() {
      stopping ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        // Requests in progress get a second to finish.
        const force = setTimeout(() => server.closeAllConnections(), 1000);
        await closed;
        clearTimeout(force);
        await c.shutdown();
      })();
      return stopping;
    },
  };
}
