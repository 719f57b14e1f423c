import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Router from 'find-my-way';
import { mountHoneycomb } from '../api/honeycomb/routes.js';
import { mountJaeger } from '../api/jaeger/routes.js';
import { mountJaegerV3 } from '../api/jaeger/api-v3.js';
import { mountJaegerMore } from '../api/jaeger/more-routes.js';
import { mountTraceSkeleton } from '../api/trace-skeleton.js';
import { mountTraceSummaries } from '../api/trace-summaries.js';
import { mountFilterCheck } from '../api/xray/filter-check.js';
import { GroupService } from '../api/xray/group-service.js';
import { mountXray } from '../api/xray/routes.js';
import { SamplingService } from '../api/xray/sampling-service.js';
import { SharedSampling } from '../api/xray/shared-sampling.js';
import { mountUi } from '../api/ui.js';
import { DEFAULT_ENVIRONMENT, type EnvironmentSpec } from '../auth/auth-config.js';
import { sendJson } from '../http/http-util.js';
import { IngestPipeline } from '../pipeline/ingest-client.js';
import { decodeOtlpJson } from '../receivers/otlp/decode-json.js';
import type { HttpRouter, ReceiverDeps } from '../receivers/receiver.js';
import { RECEIVERS } from '../receivers/receivers.js';
import type { StoreStats } from '../store/store.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { StoreConfig } from './open-store.js';
import { decoderKinds } from './decode-payload.js';

/**
 * One environment: its own store (own data directory, own ingest worker) and its own set of routes, so an
 * environment never sees another's data by construction: a request is handed to exactly one
 * environment's routers, and nothing in them can reach another store.
 */
export interface Environment {
  name: string;
  pipeline: IngestPipeline;
  /** The UI/API port's routes: reads, X-Ray, Honeycomb, UI, stats. */
  api: HttpRouter;
  /** Honeycomb's API host routes: OTLP/HTTP and the Events API (on the OTLP port and the API port). */
  ingest: HttpRouter;
  /** The X-Ray daemon's TCP side: sampling and the X-Ray REST API. */
  xray: HttpRouter;
}

/** The data directory of an environment: `default` keeps the top directory (data from before environments stays put). */
export function environmentDir(dataDir: string, name: string): string {
  return name === DEFAULT_ENVIRONMENT ? dataDir : join(dataDir, 'environments', name);
}

/** How long /api/honeyray/stats waits for fresh figures before it answers with the last ones. */
const STATS_WAIT_MS = 250;

export interface EnvironmentExtras {
  /** DuckDB's memory_limit for this environment's store (its share of `--memory-limit`). */
  duckdbMemory: string;
  /** True when ingest must be shed for a reason beyond the pipeline (the low-disk watermark). */
  full(): boolean;
  /** Stats beside the store's (UDP receiver counters, disk). */
  stats(env: Environment): Promise<Record<string, unknown>>;
}

export async function startEnvironment(spec: EnvironmentSpec, config: Config, receiverDeps: Omit<ReceiverDeps, 'submit' | 'full'>, log: Logger, extras: EnvironmentExtras): Promise<Environment> {
  const retentionSeconds = spec.retentionSeconds || config.retentionSeconds;
  const storeConfig: StoreConfig = {
    engine: config.store === 'duckdb' ? 'duckdb' : 'clickhouse', url: config.store,
    retentionDays: retentionSeconds / 86_400,
    datasetRetentionDays: Object.fromEntries(Object.entries({ ...config.datasetRetentionSeconds, ...spec.datasetRetentionSeconds }).map(([ds, sec]) => [ds, sec / 86_400])),
    dataDir: environmentDir(config.dataDir, spec.name), memory: config.memory, maxColumns: config.maxColumns, memoryLimit: extras.duckdbMemory, checkpointSpans: config.checkpointSpans,
    spanLimits: config.spanLimits,
  };
  const pipeline = await IngestPipeline.start(new URL('./ingest-worker.js', import.meta.url), storeConfig, { maxQueuedBytes: config.maxQueuedBytes, maxQueueWaitMs: config.maxQueueWaitMs },
    { url: new URL('./decode-worker.js', import.meta.url), kinds: decoderKinds(), settings: { spanLimits: config.spanLimits } });
  try {
    // On ClickHouse several nodes may share the store: they share sampling reservoirs and rules too.
    const shared = config.store === 'duckdb' ? undefined : new SharedSampling(pipeline.store, `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`);
    const sampling = new SamplingService(pipeline.store, config.region, config.accountId, shared);
    await sampling.init();
    const xrayDeps = {
      store: pipeline.store, submit: pipeline.submit.bind(pipeline), full: () => pipeline.full() || extras.full(),
      groups: new GroupService(pipeline.store, config.region, config.accountId), sampling, accountId: config.accountId,
    };
    // Keys were checked before a request reaches an environment's routes.
    const deps: ReceiverDeps = { ...receiverDeps, apiKeys: [], submit: xrayDeps.submit, full: xrayDeps.full };

    const ingest = Router({
      ignoreTrailingSlash: true,
      defaultRoute: (_req, res) => sendJson(res, 404, { error: 'not found: OTLP traces go to POST /v1/traces' }),
    });
    for (const r of RECEIVERS) r.routes?.(ingest, deps);

    const api = Router({ ignoreTrailingSlash: true, defaultRoute: (_req, res) => sendJson(res, 404, { error: 'not found' }) });
    mountJaeger(api, pipeline.store);
    mountJaegerV3(api, pipeline.store);
    mountJaegerMore(api, { store: pipeline.store, decodeOtlpJson: (b) => decodeOtlpJson(b), maxBodyBytes: config.maxBodyBytes });
    mountTraceSummaries(api, pipeline.store);
    mountTraceSkeleton(api, pipeline.store);
    mountXray(api, xrayDeps);
    mountFilterCheck(api);
    mountHoneycomb(api, { store: pipeline.store, apiKeys: [], onError: (err) => log.error(`Honeycomb API: ${(err as Error)?.stack ?? err}`) });
    const env: Environment = { name: spec.name, pipeline, api, ingest, xray: Router() };
    api.get('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
    // Stats answer even while the store is busy: after STATS_WAIT_MS the last figures known are sent.
    let lastStats: StoreStats | null = null;
    api.get('/api/honeyray/stats', async (_req, res) => {
      const fresh = pipeline.store.stats().then((s) => (lastStats = s));
      const st = lastStats ? await Promise.race([fresh, new Promise<StoreStats>((r) => setTimeout(() => r(lastStats!), STATS_WAIT_MS).unref())]) : await fresh;
      sendJson(res, 200, { environment: spec.name, spans: st.spans, bytesOnDisk: st.bytesOnDisk, columns: st.columns, ...(st.checkpoints ? { checkpoints: st.checkpoints } : {}), shedRequests: pipeline.shed, ...(await extras.stats(env)) });
    });
    mountUi(api, new URL('../../ui/', import.meta.url)); // the web UI (dist/ui, built by `npm run build`)

    env.xray = Router({
      ignoreTrailingSlash: true,
      defaultRoute: (_req, res) => sendJson(res, 404, { __type: 'UnknownOperationException', message: 'unknown X-Ray operation' }, { 'x-amzn-errortype': 'UnknownOperationException' }),
    });
    mountXray(env.xray, xrayDeps);
    return env;
  } catch (err) {
    await pipeline.close();
    throw err;
  }
}
