import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import Router, { type HTTPMethod } from 'find-my-way';
import { mountHoneycomb } from '../api/honeycomb/routes.js';
import { mountJaeger } from '../api/jaeger/routes.js';
import { mountZipkinRead } from '../api/zipkin/routes.js';
import { mountJaegerV3 } from '../api/jaeger/api-v3.js';
import { mountJaegerMore } from '../api/jaeger/more-routes.js';
import { mountTraceSummaries } from '../api/trace-summaries.js';
import { decodeOtlpJson } from '../receivers/otlp/decode-json.js';
import { SERVER_OPTIONS } from '../http/http-listener.js';
import { sendJson, setBodyBudget } from '../http/http-util.js';
import { IngestPipeline } from '../pipeline/ingest-client.js';
import { RECEIVERS } from '../receivers/receivers.js';
import type { Listener, ReceiverDeps } from '../receivers/receiver.js';
import { XrayUdpReceiver } from '../receivers/xray/udp-receiver.js';
import { GroupService } from '../api/xray/group-service.js';
import { mountFilterCheck } from '../api/xray/filter-check.js';
import { mountXray } from '../api/xray/routes.js';
import { SamplingService } from '../api/xray/sampling-service.js';
import { SharedSampling } from '../api/xray/shared-sampling.js';
import { mountUi } from '../api/ui.js';
import type { Config } from './config.js';
import { isCrossSiteWrite } from './cross-site.js';
import { createLogger, rateLimited, type Logger } from './log.js';
import type { StoreConfig } from './open-store.js';
import { QueryCancelledError, withCancel } from '../store/cancel-scope.js';
import type { StoreStats } from '../store/store.js';
import { memoryPlan, memoryStats, parseSize } from './memory-plan.js';

export interface Honeyray {
  config: Config;
  /** Ports actually bound (useful with port 0 in tests). */
  ports: { http: number; otlp: number; xray: number } & Record<string, number>;
  pipeline: IngestPipeline;
  /** Stops accepting, commits what was accepted, closes the store. */
  stop(): Promise<void>;
}

/** How long /api/honeyray/stats waits for fresh figures before it answers with the last ones. */
const STATS_WAIT_MS = 250;

/** Ports of receivers that listen on their own, by flag name (0 = off). */
function receiverPorts(c: Config): Record<string, number> {
  return { 'grpc-port': c.grpcPort, 'zipkin-port': c.zipkinPort, 'jaeger-port': c.jaegerPort, 'jaeger-compact-port': c.jaegerCompactPort, 'jaeger-binary-port': c.jaegerBinaryPort };
}

/** The composition root: opens the store (in the ingest worker), binds every port. */

export async function startHoneyray(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Honeyray> {
  const memory = memoryPlan(parseSize(config.memoryLimit)!);
  const storeConfig: StoreConfig = {
    engine: config.store === 'duckdb' ? 'duckdb' : 'clickhouse', url: config.store, retentionDays: config.retentionDays, dataDir: config.dataDir, memory: config.memory, maxColumns: config.maxColumns, memoryLimit: memory.duckdb, checkpointSpans: config.checkpointSpans,
  };
  setBodyBudget(config.maxInflightBytes || memory.inflightBytes);
  const pipeline = await IngestPipeline.start(new URL('./ingest-worker.js', import.meta.url), storeConfig, { maxQueuedBytes: config.maxQueuedBytes, maxQueueWaitMs: config.maxQueueWaitMs });

  const receiverDeps: ReceiverDeps = {
    submit: (p) => pipeline.submit(p),
    full: () => pipeline.full(),
    apiKeys: config.apiKeys,
    maxBodyBytes: config.maxBodyBytes,
    corsOrigins: config.corsOrigins,
    listen: config.listen,
    ports: receiverPorts(config),
    uiUrl: `http://${config.listen}:${config.httpPort}`,
    log: { warn: rateLimited((m) => log.warn(m)), error: (m) => log.error(m) },
    mountReads: (port, r) => { if (port === 'zipkin-port') mountZipkinRead(r, pipeline.store); },
  };

  // On ClickHouse several nodes may share the store: they share sampling reservoirs and rules too.
  const shared = config.store === 'duckdb' ? undefined : new SharedSampling(pipeline.store, `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`);
  const sampling = new SamplingService(pipeline.store, config.region, config.accountId, shared);
  await sampling.init();
  const xrayDeps = {
    store: pipeline.store, submit: pipeline.submit.bind(pipeline), full: () => pipeline.full(),
    groups: new GroupService(pipeline.store, config.region, config.accountId), sampling, accountId: config.accountId,
  };
  const udp = config.xrayPort > 0
    ? new XrayUdpReceiver({ host: config.listen, port: config.xrayPort, submit: xrayDeps.submit, full: xrayDeps.full, warn: rateLimited((m) => log.warn(m)) })
    : null;

  const router = Router({
    ignoreTrailingSlash: true,
    defaultRoute: (_req, res) => sendJson(res, 404, { error: 'not found' }),
  });
  // Honeycomb's API host (OTLP, Events API) answers on the OTLP port and on the UI/API port alike.
  const otlpRouter = Router({
    ignoreTrailingSlash: true,
    defaultRoute: (_req, res) => sendJson(res, 404, { error: 'not found: OTLP traces go to POST /v1/traces' }),
  });
  for (const r of RECEIVERS) r.routes?.(otlpRouter, receiverDeps);
  mountJaeger(router, pipeline.store);
  mountJaegerV3(router, pipeline.store);
  mountJaegerMore(router, { store: pipeline.store, decodeOtlpJson: (b) => decodeOtlpJson(b), maxBodyBytes: config.maxBodyBytes });
  mountTraceSummaries(router, pipeline.store);
  mountXray(router, xrayDeps);
  mountFilterCheck(router);
  mountHoneycomb(router, { store: pipeline.store, apiKeys: config.apiKeys, onError: (err) => log.error(`Honeycomb API: ${(err as Error)?.stack ?? err}`) });
  router.get('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
  // Stats answer even while the store is busy: after STATS_WAIT_MS the last figures known are sent.
  let lastStats: StoreStats | null = null;
  router.get('/api/honeyray/stats', async (_req, res) => {
    const fresh = pipeline.store.stats().then((s) => (lastStats = s));
    const st = lastStats ? await Promise.race([fresh, new Promise<StoreStats>((r) => setTimeout(() => r(lastStats!), STATS_WAIT_MS).unref())]) : await fresh;
    sendJson(res, 200, { spans: st.spans, bytesOnDisk: st.bytesOnDisk, columns: st.columns, xray: udp?.stats ?? null, memory: memoryStats(memory), shedRequests: pipeline.shed });
  });
  mountUi(router, new URL('../../ui/', import.meta.url)); // the web UI (dist/ui, built by `npm run build`)
  // The X-Ray daemon's TCP side: sampling (GetSamplingRules, SamplingTargets) and the whole REST API.
  const xrayRouter = Router({
    ignoreTrailingSlash: true,
    defaultRoute: (_req, res) => sendJson(res, 404, { __type: 'UnknownOperationException', message: 'unknown X-Ray operation' }, { 'x-amzn-errortype': 'UnknownOperationException' }),
  });
  mountXray(xrayRouter, xrayDeps);

  const servers: Server[] = [];
  const handle = (kind: 'api' | 'otlp' | 'xray') => (req: IncomingMessage, res: ServerResponse) => {
    // A client that goes away before its answer cancels the reads made for it (store/cancel-scope.ts).
    const cancel = new AbortController();
    res.once('close', () => { if (!res.writableFinished) cancel.abort(); });
    withCancel(cancel.signal, () => route(kind, req, res));
  };
  const route = (kind: 'api' | 'otlp' | 'xray', req: IncomingMessage, res: ServerResponse) => {
    const onError = (err: unknown) => {
      if (err instanceof QueryCancelledError) return void res.destroy();
      log.error(`${req.method} ${req.url}: ${(err as Error)?.stack ?? err}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    };
    try {
      // Ingest routes (OTLP, Events API) come first on the API port too: browsers may send to them
      // cross-origin (CORS decides), which the cross-site write guard below would refuse.
      const ingest = kind === 'otlp' || (kind === 'api' && otlpRouter.find(req.method as HTTPMethod, (req.url ?? '').split('?')[0]!) !== null);
      if (!ingest && isCrossSiteWrite(req)) return sendJson(res, 403, { error: 'cross-origin requests may not change anything here', message: 'cross-origin requests may not change anything here' });
      const r = (ingest ? otlpRouter : kind === 'api' ? router : xrayRouter).lookup(req, res) as unknown;
      if (r instanceof Promise) r.catch(onError);
    } catch (err) {
      onError(err);
    }
  };

  const listen = async (port: number, kind: 'api' | 'otlp' | 'xray'): Promise<number> => {
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
  const own: Record<string, number> = {};
  try {
    httpPort = await listen(config.httpPort, 'api');
    otlpPort = await listen(config.otlpPort, 'otlp');
    if (udp) {
      xrayPort = await udp.start();
      await listen(xrayPort, 'xray');
    }
    for (const l of listeners) {
      own[l.name] = await l.start();
      started.push(l);
    }
  } catch (err) {
    for (const s of servers) s.close();
    await udp?.stop();
    await Promise.all(started.map((l) => l.stop()));
    await pipeline.close();
    throw err;
  }
  const xrayNote = udp ? `  X-Ray daemon udp+tcp ${config.listen}:${xrayPort}` : '';
  const ownNote = Object.entries(own).map(([name, port]) => `  ${name} ${config.listen}:${port}`).join('');
  log.info(`Honeyray listening on ${config.listen}: UI+API http://${config.listen}:${httpPort}  OTLP http://${config.listen}:${otlpPort}/v1/traces${xrayNote}${ownNote}  data ${config.memory ? '(in memory)' : config.dataDir}`);

  let stopping: Promise<void> | null = null;
  return {
    config,
    ports: { ...own, http: httpPort, otlp: otlpPort, xray: xrayPort },
    pipeline,
    stop() {
      stopping ??= (async () => {
        const closed = Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
        for (const s of servers) s.closeIdleConnections();
        await udp?.stop();
        await Promise.all(started.map((l) => l.stop()));
        await pipeline.close();
        for (const s of servers) s.closeAllConnections();
        await closed;
        log.info('Honeyray stopped: everything accepted is committed');
      })();
      return stopping;
    },
  };
}
