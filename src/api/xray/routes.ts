import type { IncomingMessage, ServerResponse } from 'node:http';
import type Router from 'find-my-way';
import { InvalidIdError, normalizeTraceId, traceIdToHex, w3cToXray } from '../../model/ids.js';
import type { IngestPayload, IngestResult } from '../../pipeline/payload.js';
import { compileFilterExpression } from '../../query/xray-filter/compile-sql.js';
import type { CompileContext } from '../../query/xray-filter/fields.js';
import { FilterSyntaxError, formatError } from '../../query/xray-filter/parser.js';
import { buildServices, graphQueries, timeSeriesPoints, timeSeriesQueries } from '../../query/xray/service-graph.js';
import { inTraces, summaryPageSql, timeScope, type Scope } from '../../query/xray/scope-sql.js';
import { seconds } from '../../query/xray/span-flags.js';
import { summarizeTrace, traceBounds } from '../../query/xray/trace-summary.js';
import { synthesizeSegments } from '../../receivers/xray/spans-to-segments.js';
import type { Store } from '../../store/store.js';
import { HttpError, readBody } from '../http-util.js';
import { XrayApiError, invalid, sendXrayError } from './errors.js';
import type { GroupService } from './group-service.js';
import type { SamplingService } from './sampling-service.js';

type ReadStore = Pick<Store, 'getTraces' | 'select' | 'columns' | 'dialect'>;
type R = Router.Instance<Router.HTTPVersion.V1>;
type Body = Record<string, unknown>;

export interface XrayApiDeps {
  store: ReadStore;
  submit(payload: IngestPayload): Promise<IngestResult>;
  full(): boolean;
  groups: GroupService;
  sampling: SamplingService;
  accountId: string;
}

const PAGE = 100;
const MAX_BODY = 5 * 1024 * 1024;

/**
 * The X-Ray REST API (botocore `xray` 2016-04-12): every operation is `POST /<Path>` with a JSON body,
 * as the AWS CLI, the AWS SDKs and the daemon's TCP proxy send them. Errors carry `X-Amzn-ErrorType`.
 * SigV4 signatures are verified by app/dispatch.ts when AWS keys are configured (--auth-file), else ignored.
 */
export function mountXray(router: R, d: XrayApiDeps): void {
  const op = (path: string, fn: (body: Body) => Promise<unknown>) => {
    router.post(path, async (req, res) => {
      try {
        const body = await readJson(req);
        reply(res, await fn(body));
      } catch (err) {
        if (err instanceof XrayApiError) return sendXrayError(res, err);
        if (err instanceof HttpError) return sendXrayError(res, new XrayApiError(err.status, 'InvalidRequestException', err.message));
        throw err;
      }
    });
  };

  op('/TraceSegments', async (b) => {
    const docs = b.TraceSegmentDocuments;
    if (!Array.isArray(docs) || docs.some((x) => typeof x !== 'string')) throw invalid('TraceSegmentDocuments must be a list of strings');
    if (d.full()) throw new XrayApiError(429, 'ThrottledException', 'write pipeline is full, retry later');
    const r = await d.submit({ kind: 'xray', documents: docs as string[] });
    if (!r.ok) throw new XrayApiError(r.reason === 'parse' ? 400 : 429, r.reason === 'parse' ? 'InvalidRequestException' : 'ThrottledException', r.message);
    return { UnprocessedTraceSegments: (r.rejectedDocuments ?? []).map((x) => ({ Id: x.id, ErrorCode: x.errorCode, Message: x.message })) };
  });

  op('/TraceSummaries', (b) => traceSummaries(d, b));

  op('/Traces', async (b) => {
    const ids = traceIdList(b);
    const wanted = new Map<string, string>();
    const unprocessed: string[] = [];
    for (const id of ids) {
      try {
        wanted.set(normalizeTraceId(String(id)), String(id));
      } catch (err) {
        if (!(err instanceof InvalidIdError)) throw err;
        unprocessed.push(String(id));
      }
    }
    const found = await d.store.getTraces([...wanted.keys()]);
    const traces = [];
    for (const [hex, asked] of wanted) {
      const spans = found[hex];
      if (!spans?.length) { unprocessed.push(asked); continue; }
      const { start, end } = traceBounds(spans);
      traces.push({ Id: w3cToXray(hex), Duration: seconds(end - start), LimitExceeded: false, Segments: synthesizeSegments(spans) });
    }
    return { Traces: traces, UnprocessedTraceIds: unprocessed };
  });

  op('/ServiceGraph', async (b) => {
    const [start, end] = timeRange(b);
    const ctx = await context(d);
    const services = await graph(d, ctx, await scopeOf(d, ctx, b, start, end));
    return { StartTime: Number(b.StartTime), EndTime: Number(b.EndTime), Services: services, ContainsOldGroupVersions: false };
  });

  op('/TraceGraph', async (b) => {
    const ids = traceIdList(b);
    const pairs = ids.map((id) => {
      try {
        const hex = normalizeTraceId(String(id));
        return `(${BigInt.asIntN(64, BigInt('0x' + hex.slice(0, 16)))}, ${BigInt.asIntN(64, BigInt('0x' + hex.slice(16)))})`;
      } catch {
        throw invalid(`invalid trace id ${JSON.stringify(id)}`);
      }
    });
    const ctx = await context(d);
    return { Services: await graph(d, ctx, (a) => `(${a}.trace_hi, ${a}.trace_lo) IN (${pairs.join(', ')})`) };
  });

  op('/TimeSeriesServiceStatistics', async (b) => {
    const [start, end] = timeRange(b);
    const period = Number(b.Period ?? 60);
    if (!Number.isInteger(period) || period < 60 || period % 60 !== 0) throw invalid('Period must be a multiple of 60 seconds');
    const ctx = await context(d);
    const scope = await scopeOf(d, ctx, b, start, end);
    const entity = typeof b.EntitySelectorExpression === 'string' && b.EntitySelectorExpression.trim() !== '' ? compile(b.EntitySelectorExpression, ctx) : null;
    const where = entity ? inTraces(scope, start, end, entity) : scope;
    const q = timeSeriesQueries(ctx, where, period);
    const [services, edges, histogram] = await Promise.all([d.store.select(q.services), d.store.select(q.edges), d.store.select(q.histogram)]);
    return { TimeSeriesServiceStatistics: timeSeriesPoints(services, edges, histogram), ContainsOldGroupVersions: false };
  });

  op('/CreateGroup', async (b) => ({ Group: await d.groups.create(b) }));
  op('/GetGroup', async (b) => ({ Group: await d.groups.get(b) }));
  op('/UpdateGroup', async (b) => ({ Group: await d.groups.update(b) }));
  op('/DeleteGroup', async (b) => { await d.groups.delete(b); return {}; });
  op('/Groups', async () => ({ Groups: await d.groups.list() }));

  op('/CreateSamplingRule', async (b) => ({ SamplingRuleRecord: await d.sampling.create(b.SamplingRule) }));
  op('/GetSamplingRules', async () => ({ SamplingRuleRecords: await d.sampling.records() }));
  op('/UpdateSamplingRule', async (b) => ({ SamplingRuleRecord: await d.sampling.update(b.SamplingRuleUpdate) }));
  op('/DeleteSamplingRule', async (b) => ({ SamplingRuleRecord: await d.sampling.delete((b.RuleName ?? b.RuleARN) as string | undefined) }));
  op('/SamplingTargets', async (b) => d.sampling.samplingTargets(b.SamplingStatisticsDocuments));
  op('/SamplingStatisticSummaries', async () => ({ SamplingStatisticSummaries: await d.sampling.statisticSummaries() }));

  op('/TelemetryRecords', async () => ({}));
  op('/EncryptionConfig', async () => ({ EncryptionConfig: { Status: 'ACTIVE', Type: 'NONE' } }));
  op('/PutEncryptionConfig', async (b) => ({ EncryptionConfig: { Status: 'ACTIVE', Type: b.Type === 'KMS' ? 'KMS' : 'NONE', ...(b.KeyId ? { KeyId: b.KeyId } : {}) } }));
}

/** BatchGetTraces and GetTraceGraph take 1 to 5 trace ids, as X-Ray documents them: the cap on what one call reads. */
const MAX_TRACE_IDS = 5;

function traceIdList(b: Body): unknown[] {
  const ids = b.TraceIds;
  if (!Array.isArray(ids) || ids.length === 0) throw invalid('TraceIds is required');
  if (ids.length > MAX_TRACE_IDS) throw invalid(`TraceIds: at most ${MAX_TRACE_IDS} trace ids per call, got ${ids.length}`);
  return ids;
}

async function traceSummaries(d: XrayApiDeps, b: Body) {
  const [start, end] = timeRange(b);
  const rangeType = (b.TimeRangeType ?? 'Event') as string;
  if (!['TraceId', 'Event', 'Service'].includes(rangeType)) throw invalid(`TimeRangeType must be TraceId, Event or Service`);
  if (b.FilterExpression !== undefined && b.FilterExpression !== null && typeof b.FilterExpression !== 'string') throw invalid('FilterExpression must be a string');
  const ctx = await context(d);
  const filter = typeof b.FilterExpression === 'string' && b.FilterExpression.trim() !== '' ? compile(b.FilterExpression, ctx) : 'TRUE';
  const offset = decodeToken(b.NextToken);
  const rows = await d.store.select(summaryPageSql(rangeType, start, end, filter, PAGE + 1, offset));
  const ids = rows.slice(0, PAGE).map((r) => traceIdToHex(r.trace_hi as bigint, r.trace_lo as bigint));
  const traces = await d.store.getTraces(ids);
  const summaries = ids.filter((id) => traces[id]?.length).map((id) => summarizeTrace(traces[id]!));
  return {
    TraceSummaries: summaries,
    ApproximateTime: Number(b.EndTime),
    TracesProcessedCount: offset + summaries.length,
    ...(rows.length > PAGE ? { NextToken: Buffer.from(JSON.stringify({ o: offset + PAGE })).toString('base64') } : {}),
  };
}

/** Spans in [start, end], of the traces of the group named in the request (GroupName / GroupARN), if any. */
async function scopeOf(d: XrayApiDeps, ctx: CompileContext, b: Body, start: bigint, end: bigint): Promise<Scope> {
  const time = timeScope(start, end);
  if (b.GroupName === undefined && b.GroupARN === undefined) return time;
  const g = await d.groups.get(b);
  return g.FilterExpression ? inTraces(time, start, end, compile(g.FilterExpression, ctx)) : time;
}

async function graph(d: XrayApiDeps, ctx: CompileContext, scope: Scope) {
  const q = graphQueries(ctx, scope);
  const [nodes, nodeHist, edges, edgeHist] = await Promise.all([d.store.select(q.nodes), d.store.select(q.nodeHistogram), d.store.select(q.edges), d.store.select(q.edgeHistogram)]);
  return buildServices(nodes as never, nodeHist as never, edges as never, edgeHist as never, d.accountId);
}

/** Compile context over the store's committed catalog: attribute columns by their quoted physical name. */
async function context(d: XrayApiDeps): Promise<CompileContext> {
  const columns = new Map((await d.store.columns()).map((c) => [c.key, c]));
  const groups = await d.groups.filters();
  const dialect = d.store.dialect;
  return {
    column: (key) => {
      const c = columns.get(key);
      return c ? { sql: dialect.ident(c.column), type: c.type } : null;
    },
    quote: dialect.string,
    dialect,
    groups: (name) => groups.get(name),
  };
}

function compile(expr: string, ctx: CompileContext): string {
  try {
    return compileFilterExpression(expr, ctx);
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw invalid(`Invalid filter expression: ${formatError(expr, err)}`);
    throw err;
  }
}

/** StartTime/EndTime (epoch seconds, numbers or numeric strings) -> ns bounds. */
function timeRange(b: Body): [bigint, bigint] {
  const s = Number(b.StartTime);
  const e = Number(b.EndTime);
  if (b.StartTime === undefined || b.EndTime === undefined || !Number.isFinite(s) || !Number.isFinite(e)) throw invalid('StartTime and EndTime are required (epoch seconds)');
  if (e < s) throw invalid('EndTime must not be before StartTime');
  if (s < 0 || e > 1e11) throw invalid('StartTime and EndTime must be epoch seconds');
  return [BigInt(Math.floor(s * 1e6)) * 1000n, BigInt(Math.ceil(e * 1e6)) * 1000n];
}

function decodeToken(t: unknown): number {
  if (t === undefined || t === null || t === '') return 0;
  try {
    const o = JSON.parse(Buffer.from(String(t), 'base64').toString('utf8')) as { o?: unknown };
    if (typeof o.o === 'number' && Number.isInteger(o.o) && o.o >= 0) return o.o;
  } catch { /* fall through */ }
  throw invalid('Invalid NextToken');
}

async function readJson(req: IncomingMessage): Promise<Body> {
  const raw = await readBody(req, MAX_BODY);
  if (raw.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new XrayApiError(400, 'SerializationException', `request body is not valid JSON: ${(err as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new XrayApiError(400, 'SerializationException', 'request body must be a JSON object');
  return v as Body;
}

function reply(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
