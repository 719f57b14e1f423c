import type { IncomingMessage, ServerResponse } from 'node:http';
import type Router from 'find-my-way';
import type { IngestPayload, IngestResult } from '../pipeline/payload.js';

export type HttpRouter = Router.Instance<Router.HTTPVersion.V1>;

/** What every receiver gets from the composition root: the pipeline, the limits and auth shared by all ports. */
export interface ReceiverDeps {
  submit(payload: IngestPayload): Promise<IngestResult>;
  /** True when the write pipeline is full: answer the protocol's own "retry later". */
  full(): boolean;
  /** Accepted `x-honeycomb-team` values; empty = no auth. */
  apiKeys: readonly string[];
  /** Largest request body, also after decompression. */
  maxBodyBytes: number;
  /** Origins allowed to send from a browser; ['*'] = any. */
  corsOrigins: readonly string[];
  /** Address every port binds to. */
  listen: string;
  /** Configured ports by flag name (`zipkin-port` -> 9411); 0 = that listener is off. */
  ports: Readonly<Record<string, number>>;
  /** Base URL of the web UI (for trace links handed to clients). */
  uiUrl: string;
  log: { warn(msg: string): void; error(msg: string): void };
  /**
   * Lets the composition root add read routes beside a receiver on its own port (the Zipkin port also serves
   * Zipkin's read API from `api/zipkin`): receivers write, they never read the store themselves.
   */
  mountReads?(port: string, router: HttpRouter): void;
  /**
   * Runs before every request on a receiver's own HTTP port: checks its key (answering refusals itself) and
   * runs `next` in the key's environment, so `submit` and the reads reach that environment's store.
   */
  httpGuard?(req: IncomingMessage, res: ServerResponse, next: () => unknown): unknown;
  /** The same for callers that only have a key (gRPC metadata): false, `fn` not run, when the key may not ingest. */
  withKey?(key: string | undefined, fn: () => void): boolean;
}

/** A port of a receiver's own (gRPC, Zipkin, Jaeger). `start` binds and returns the port actually bound. */
export interface Listener {
  /** e.g. `Zipkin http` (for the startup line and `ports`). */
  name: string;
  start(): Promise<number>;
  /** Stops accepting and waits until requests in flight are answered. */
  stop(): Promise<void>;
}

/**
 * A protocol's server-side registration, listed in `receivers.ts`. `routes` mounts on Honeycomb's API
 * host (the OTLP port and the UI/API port, as api.honeycomb.io serves OTLP and the Events API side by side);
 * `listeners` are its own ports, created only for ports that are not 0.
 */
export interface Receiver {
  name: string;
  routes?(router: HttpRouter, deps: ReceiverDeps): void;
  listeners?(deps: ReceiverDeps): Listener[];
}

/** The first value of a header, trimmed; undefined when missing or blank. */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() !== '' ? s.trim() : undefined;
}
