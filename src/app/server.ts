import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from 'find-my-way';
import { mountJaeger } from '../api/jaeger/routes.js';
import { sendJson } from '../api/http-util.js';
import { IngestPipeline } from '../pipeline/ingest-client.js';
import { createOtlpHandler } from '../receivers/otlp/http-receiver.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import type { StoreConfig } from './open-store.js';

export interface Honeyray {
  config: Config;
  /** Ports actually bound (useful with port 0 in tests). */
  ports: { http: number; otlp: number; xray: number };
  pipeline: IngestPipeline;
  /** Stops accepting, commits what was accepted, closes the store. */
  stop(): Promise<void>;
}

/** The composition root: opens the store (in the ingest worker), binds every port. */
export async function startHoneyray(config: Config, log: Logger = createLogger(config.logLevel)): Promise<Honeyray> {
  const storeConfig: StoreConfig = {
    engine: 'duckdb', dataDir: config.dataDir, memory: config.memory, maxColumns: config.maxColumns, memoryLimit: config.memoryLimit,
  };
  const pipeline = await IngestPipeline.start(new URL('./ingest-worker.js', import.meta.url), storeConfig, { maxQueuedBytes: config.maxQueuedBytes });

  const otlp = createOtlpHandler({
    submit: (p) => pipeline.submit(p),
    full: () => pipeline.full(),
    apiKeys: config.apiKeys,
    maxBodyBytes: config.maxBodyBytes,
    corsOrigins: config.corsOrigins,
  });

  const router = Router({
    ignoreTrailingSlash: true,
    defaultRoute: (_req, res) => sendJson(res, 404, { error: 'not found' }),
  });
  mountJaeger(router, pipeline.store);
  router.get('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));

  const servers: Server[] = [];
  const handle = (withApi: boolean) => (req: IncomingMessage, res: ServerResponse) => {
    const onError = (err: unknown) => {
      log.error(`${req.method} ${req.url}: ${(err as Error)?.stack ?? err}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    };
    try {
      if (otlp(req, res)) return;
      if (!withApi) return sendJson(res, 404, { error: 'not found: OTLP traces go to POST /v1/traces' });
      const r = router.lookup(req, res) as unknown;
      if (r instanceof Promise) r.catch(onError);
    } catch (err) {
      onError(err);
    }
  };

  const listen = async (port: number, withApi: boolean): Promise<number> => {
    const s = createServer({ keepAliveTimeout: 65_000, requestTimeout: 120_000 }, handle(withApi));
    servers.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, config.listen, () => resolve());
    });
    return (s.address() as AddressInfo).port;
  };

  let httpPort = 0;
  let otlpPort = 0;
  try {
    httpPort = await listen(config.httpPort, true);
    otlpPort = await listen(config.otlpPort, false);
  } catch (err) {
    for (const s of servers) s.close();
    await pipeline.close();
    throw err;
  }
  log.info(`Honeyray listening on ${config.listen}: UI+API http://${config.listen}:${httpPort}  OTLP http://${config.listen}:${otlpPort}/v1/traces  data ${config.memory ? '(in memory)' : config.dataDir}`);

  let stopping: Promise<void> | null = null;
  return {
    config,
    ports: { http: httpPort, otlp: otlpPort, xray: 0 },
    pipeline,
    stop() {
      stopping ??= (async () => {
        const closed = Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
        for (const s of servers) s.closeIdleConnections();
        await pipeline.close();
        for (const s of servers) s.closeAllConnections();
        await closed;
        log.info('Honeyray stopped: everything accepted is committed');
      })();
      return stopping;
    },
  };
}
