import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mountZipkinRead } from '../api/zipkin/routes.js';
import { Authenticator } from '../auth/authenticator.js';
import { SERVER_OPTIONS, setServerTimeouts } from '../http/http-listener.js';
import { sendJson, setBodyBudget } from '../http/http-util.js';
import type { IngestPipeline } from '../pipeline/ingest-client.js';
import { RECEIVERS } from '../receivers/receivers.js';
import type { Listener, ReceiverDeps } from '../receivers/receiver.js';
import { XrayUdpReceiver } from '../receivers/xray/udp-receiver.js';
import type { Config } from './config.js';
import { DiskSpace } from './disk-space.js';
import { Dispatcher, type PortKind } from './dispatch.js';
import { startEnvironment, type Environment } from './environment.js';
import { createLogger, rateLimited, type Logger } from './log.js';
import { memoryPlan, memoryStats, parseSize } from './memory-plan.js';
import { QueryCancelledError, withCancel } from '../store/cancel-scope.js';

export interface Honeyray {
  config: Config;
  /** Ports actually bound (useful with port 0 in tests). */
  ports: { http: number; otlp: number; xray: number } & Record<string, number>;
  /** The UDP environment's pipeline (the only one without auth). */
  pipeline: IngestPipeline;
  /** Every environment's, by name. */
  pipelines: ReadonlyMap<string, IngestPipeline>;
  /** Stops accepting, commits what was accepted, closes the stores. */
  stop(): Promise<void>;
}

/** Ports of receivers that listen on their own, by flag name (0 = off). */
function receiverPorts(c: Config): Record<string, number> {
  return { 'grpc-port': c.grpcPort, 'zipkin-port': c.zipkinPort, 'jaeger-port': c.jaegerPort, 'jaeger-compact-port': c.jaegerCompactPort, 'jaeger-binary-port': c.jaegerBinaryPort };
}

/**
 * The composition root: one environment per configured environment (its own store in its own ingest
 * worker, its own routes), a dispatcher that picks the environment from each request's key, and every port.
 */
export async function startHoneyray(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Honeyray> {
  const memory = memoryPlan(parseSize(config.memoryLimit)!);
  // Each environment's DuckDB gets an equal part of DuckDB's share of the budget.
  const duckdbMemory = memoryPlan(memory.totalBytes / config.auth.environments.length).duckdb;
  setBodyBudget(config.maxInflightBytes || memory.inflightBytes);
  setServerTimeouts({ headersMs: config.headersTimeoutSeconds * 1000, requestMs: config.requestTimeoutSeconds * 1000, keepAliveMs: config.keepAliveTimeoutSeconds * 1000 });
  const disk = new DiskSpace(config.memory || config.store !== 'duckdb' ? null : config.dataDir, config.minFreeDiskBytes);
  const shared: Omit<ReceiverDeps, 'submit' | 'full'> = {
    apiKeys: [],
    maxBodyBytes: config.maxBodyBytes,
    corsOrigins: config.corsOrigins,
    listen: config.listen,
    ports: receiverPorts(config),
    uiUrl: `http://${config.listen}:${config.httpPort}`,
    log: { warn: rateLimited((m) => log.warn(m)), error: (m) => log.error(m) },
  };
  const envs = new Map<string, Environment>();
  const udpStats: { stats: unknown }[] = [];
  try {
    for (const spec of config.auth.environments) {
      envs.set(spec.name, await startEnvironment(spec, config, shared, log, {
        duckdbMemory,
        full: () => disk.low(),
        stats: async (env) => ({ xray: env.name === config.auth.udpEnvironment ? udpStats[0]?.stats ?? null : null, memory: memoryStats(memory), disk: disk.stats() }),
      }));
    }
  } catch (err) {
    await Promise.all([...envs.values()].map((e) => e.pipeline.close()));
    disk.stop();
    throw err;
  }
  const udpEnv = envs.get(config.auth.udpEnvironment)!;
  const dispatcher = new Dispatcher(new Authenticator(config.auth), envs, udpEnv, config.corsOrigins);

  // Receivers' own ports (gRPC, Zipkin, Jaeger) are bound once; each request runs in its key's environment.
  const own = () => dispatcher.current();
  const ownStore = new Proxy({}, { get: (_t, m) => (own().pipeline.store as unknown as Record<string | symbol, unknown>)[m] });
  const receiverDeps: ReceiverDeps = {
    ...shared,
    submit: (p) => own().pipeline.submit(p),
    full: () => own().pipeline.full() || disk.low(),
    mountReads: (port, r) => { if (port === 'zipkin-port') mountZipkinRead(r, ownStore as never); },
    httpGuard: dispatcher.httpGuard,
    withKey: dispatcher.withKey,
  };

  const udp = config.xrayPort > 0
    ? new XrayUdpReceiver({ host: config.listen, port: config.xrayPort, submit: (p) => udpEnv.pipeline.submit(p), full: () => udpEnv.pipeline.overBytes() || disk.low(), warn: rateLimited((m) => log.warn(m)) })
    : null;
  if (udp) udpStats.push(udp);

  const servers: Server[] = [];
  const handle = (kind: PortKind) => (req: Parameters<Dispatcher['handle']>[1], res: Parameters<Dispatcher['handle']>[2]) => {
    // A client that goes away before its answer cancels the reads made for it (store/cancel-scope.ts).
    const cancel = new AbortController();
    res.once('close', () => { if (!res.writableFinished) cancel.abort(); });
    withCancel(cancel.signal, () => dispatcher.handle(kind, req, res)).catch((err: unknown) => {
      if (err instanceof QueryCancelledError) return void res.destroy();
      log.error(`${req.method} ${req.url}: ${(err as Error)?.stack ?? err}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  };

  const listen = async (port: number, kind: PortKind): Promise<number> => {
    const s = createServer(SERVER_OPTIONS, handle(kind));
    servers.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, config.listen, () => resolve());
    });
    return (s.address() as AddressInfo).port;
  };

  let httpPort = 0;
  let otlpPort = 0;
  let xrayPort = 0;
  const listeners: Listener[] = RECEIVERS.flatMap((r) => r.listeners?.(receiverDeps) ?? []);
  const started: Listener[] = [];
  const ownPorts: Record<string, number> = {};
  const closeAll = async () => {
    await Promise.all([...envs.values()].map((e) => e.pipeline.close()));
    disk.stop();
  };
  try {
    httpPort = await listen(config.httpPort, 'api');
    otlpPort = await listen(config.otlpPort, 'otlp');
    if (udp) {
      xrayPort = await udp.start();
      await listen(xrayPort, 'xray');
    }
    for (const l of listeners) {
      ownPorts[l.name] = await l.start();
      started.push(l);
    }
  } catch (err) {
    for (const s of servers) s.close();
    await udp?.stop();
    await Promise.all(started.map((l) => l.stop()));
    await closeAll();
    throw err;
  }
  const xrayNote = udp ? `  X-Ray daemon udp+tcp ${config.listen}:${xrayPort}` : '';
  const ownNote = Object.entries(ownPorts).map(([name, port]) => `  ${name} ${config.listen}:${port}`).join('');
  const envNote = config.auth.enabled ? `  environments ${[...envs.keys()].join(', ')} (keys required)` : '';
  log.info(`Honeyray listening on ${config.listen}: UI+API http://${config.listen}:${httpPort}  OTLP http://${config.listen}:${otlpPort}/v1/traces${xrayNote}${ownNote}  data ${config.memory ? '(in memory)' : config.dataDir}${envNote}`);

  let stopping: Promise<void> | null = null;
  return {
    config,
    ports: { ...ownPorts, http: httpPort, otlp: otlpPort, xray: xrayPort },
    pipeline: udpEnv.pipeline,
    pipelines: new Map([...envs].map(([k, e]) => [k, e.pipeline])),
    stop() {
      stopping ??= (async () => {
        const closed = Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
        for (const s of servers) s.closeIdleConnections();
        await udp?.stop();
        await Promise.all(started.map((l) => l.stop()));
        await closeAll();
        for (const s of servers) s.closeAllConnections();
        await closed;
        log.info('Honeyray stopped: everything accepted is committed');
      })();
      return stopping;
    },
  };
}
