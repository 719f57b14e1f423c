import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { HTTPMethod } from 'find-my-way';
import { requiredPermission } from '../auth/access.js';
import { isDenial, type Authenticator, type Identity } from '../auth/authenticator.js';
import { corsAllows } from '../http/cors.js';
import { HttpError, readBody, sendJson } from '../http/http-util.js';
import { isCrossSiteWrite } from './cross-site.js';
import { sendDenial } from './deny.js';
import type { Environment } from './environment.js';

export type PortKind = 'api' | 'otlp' | 'xray';

/** X-Ray API bodies are small JSON; a signed body is read whole before the signature can be checked. */
const MAX_SIGNED_BODY = 5 * 1024 * 1024;

/** What the X-Ray SDKs ask the daemon, unsigned (the real daemon signs them on its way to AWS). */
const DAEMON_SAMPLING = new Set(['/GetSamplingRules', '/SamplingTargets']);

const OTLP_PATHS = new Set(['/v1/traces', '/v1/traces/']);
const CROSS_SITE = 'cross-origin requests may not change anything here';

/**
 * Picks the environment of every request and hands it to that environment's routers: with auth off, the
 * one open environment; with auth on, the environment of the request's key, after checking the key may do
 * what the request asks (`auth/access.ts`). Refusals are answered in the protocol's own shape (`deny.ts`).
 */
export class Dispatcher {
  /** The environment of a request on a receiver's own port (Zipkin, Jaeger collector, gRPC) while it runs. */
  private readonly scope = new AsyncLocalStorage<Environment>();

  constructor(
    private readonly auth: Authenticator, private readonly envs: ReadonlyMap<string, Environment>, private readonly udpEnv: Environment,
    /** `--cors-origins`: pages that may send OTLP from a browser. */
    private readonly corsOrigins: readonly string[] = [],
  ) {}

  /** The environment of the request being handled on a receiver's own port; UDP (no request) -> the UDP environment. */
  current(): Environment {
    return this.scope.getStore() ?? this.udpEnv;
  }

  /** The handler of one of Honeyray's own ports (UI/API, OTLP, X-Ray daemon TCP). */
  async handle(kind: PortKind, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    // Ingest routes (OTLP, Events API) come first on the API port too.
    const ingest = kind === 'otlp' || (kind === 'api' && this.udpEnv.ingest.find(req.method as HTTPMethod, path) !== null);
    // Another site's page may change nothing, and send nothing but OTLP from an origin `--cors-origins`
    // allows (the OTel web exporters). Checked here, not only by the browser: a "simple" text/plain POST
    // needs no preflight, so CORS headers alone would not stop it from reaching the Events API.
    if (isCrossSiteWrite(req) && !(ingest && OTLP_PATHS.has(path) && corsAllows(this.corsOrigins, req.headers.origin))) {
      return sendDenial(req, res, { status: 403, message: CROSS_SITE, awsType: 'AccessDeniedException' }, kind);
    }
    let env = this.udpEnv;
    let request = req;
    if (this.auth.enabled && !this.isPublic(kind, req, path)) {
      let body: Buffer | undefined;
      let who;
      try {
        who = await this.auth.identify({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }, async () => (body = await readBody(req, MAX_SIGNED_BODY)));
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        return sendJson(res, err.status, { __type: 'InvalidRequestException', message: err.message, Message: err.message }, { 'x-amzn-errortype': 'InvalidRequestException' });
      }
      if (isDenial(who)) return sendDenial(req, res, who, kind);
      const refused = this.refuse(who, req.method ?? 'GET', path);
      if (refused) return sendDenial(req, res, refused, kind);
      env = this.envs.get(who.environment)!;
      if (body) request = replay(req, body);
    }
    const router = ingest ? env.ingest : kind === 'api' ? env.api : env.xray;
    await (router.lookup(request, res) as unknown);
  }

  /**
   * A guard for a receiver's own HTTP port (Zipkin, Jaeger collector): refuses cross-site writes, checks the
   * key as on Honeyray's ports (refusals in text/plain, those ports' error shape), then runs the request in
   * its environment.
   */
  httpGuard = (req: IncomingMessage, res: ServerResponse, next: () => unknown): unknown => {
    // Zipkin takes a body with no Content-Type as JSON: a page could send one without a preflight.
    if (isCrossSiteWrite(req)) return sendDenial(req, res, { status: 403, message: CROSS_SITE, awsType: 'AccessDeniedException' }, 'text');
    if (!this.auth.enabled) return next();
    return this.auth.identify({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }, async () => new Uint8Array(0)).then((who) => {
      if (isDenial(who)) return sendDenial(req, res, who, 'text');
      const refused = this.refuse(who, req.method ?? 'GET', (req.url ?? '/').split('?')[0]!);
      if (refused) return sendDenial(req, res, refused, 'text');
      return this.scope.run(this.envs.get(who.environment)!, next);
    });
  };

  /** For gRPC: runs `fn` in the environment of `key`; false (fn not run) when the key may not ingest. */
  withKey = (key: string | undefined, fn: () => void): boolean => {
    if (!this.auth.enabled) { fn(); return true; }
    const who = this.auth.byKey(key);
    if (!who || !who.permissions.has('ingest')) return false;
    this.scope.run(this.envs.get(who.environment)!, fn);
    return true;
  };

  private refuse(who: Identity, method: string, path: string) {
    const need = requiredPermission(method, path);
    if (who.permissions.has(need)) return null;
    return { status: 403 as const, message: `this key may not ${need === 'ingest' ? 'send data' : need === 'read' ? 'read data' : 'change settings'} (its permissions: ${[...who.permissions].join(', ')})`, awsType: 'AccessDeniedException' };
  }

  /** Health checks, CORS preflights, and the X-Ray SDKs' unsigned sampling calls to the daemon port. */
  private isPublic(kind: PortKind, req: IncomingMessage, path: string): boolean {
    if (path === '/healthz') return true;
    if (req.method === 'OPTIONS') return true;
    return kind === 'xray' && req.method === 'POST' && DAEMON_SAMPLING.has(path) && !req.headers.authorization;
  }
}

/** The request again, with the body already read (for the signature) readable once more by the route. */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const r = Readable.from(body.length > 0 ? [body] : [], { objectMode: false }) as unknown as IncomingMessage;
  Object.assign(r, { method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, httpVersion: req.httpVersion, socket: req.socket });
  return r;
}
