import { Attr } from '../../model/semconv.js';
import { Fields, type CompileContext } from '../xray-filter/fields.js';

/**
 * X-Ray service graphs (GetServiceGraph, GetTraceGraph) as SQL aggregations over `spans`:
 * - a node per service (dataset) from its segment-level spans: counts, error/fault/throttle, durations;
 * - an edge A -> B when a segment of B has a parent span in A (a call across services);
 * - a remote node per outgoing call that has no child in another service (databases, HTTP hosts,
 *   AWS APIs: X-Ray's inferred nodes), named after the call's `server.address`, else the span name;
 * - a `client` node with an edge to each service that has root spans.
 * `scope` restricts the spans (time range or trace ids); it refers to the alias it is given.
 */
export interface GraphQueries {
  nodes: string;
  nodeHistogram: string;
  edges: string;
  edgeHistogram: string;
}

/** Aggregates behind X-Ray's SummaryStatistics (see `StatsRow`) over the spans of alias `a`. */
function statsColumns(f: Fields, a: string): string {
  return `count(*) AS n, sum(${a}.duration_ns) AS total_ns,
    sum(CASE WHEN ${f.fault(a)} THEN 1 ELSE 0 END) AS faults,
    sum(CASE WHEN ${f.throttle(a)} THEN 1 ELSE 0 END) AS throttles,
    sum(CASE WHEN ${f.error(a)} THEN 1 ELSE 0 END) AS errors,
    sum(CASE WHEN NOT (${f.fault(a)}) AND NOT (${f.error(a)}) AND NOT (${f.throttle(a)}) THEN 1 ELSE 0 END) AS oks,
    min(${a}.start_ns) AS first_ns, max(${a}.start_ns + ${a}.duration_ns) AS last_ns`;
}

/** Seconds rounded to the millisecond: X-Ray's histogram bins. */
const bucket = (a: string) => `round(${a}.duration_ns / 1e6) / 1e3`;

export interface TimeSeriesQueries {
  /** `ts` + `statsColumns`: ServiceSummaryStatistics per period. */
  services: string;
  /** `ts` + `statsColumns`: EdgeSummaryStatistics per period. */
  edges: string;
  /** `ts`, `value` (seconds), `count`: ResponseTimeHistogram per period. */
  histogram: string;
}

/**
 * GetTimeSeriesServiceStatistics over the segment-level spans in `scope`, per period of `periodSeconds`
 * (column `ts`, epoch seconds of the period's start):
 * - ServiceSummaryStatistics and ResponseTimeHistogram: the segments themselves (the service's view);
 * - EdgeSummaryStatistics: the requests into those segments as their callers saw them: the caller's
 *   outgoing call span when a traced service made the call, else (a root, or a caller that traces
 *   elsewhere) the segment itself, which is then the edge from the client.
 */
export function timeSeriesQueries(ctx: CompileContext, scope: (alias: string) => string, periodSeconds: number): TimeSeriesQueries {
  const f = new Fields({ ...ctx, alias: 't' }, ctx.dialect);
  const p = Math.floor(periodSeconds);
  const ts = (a: string) => `CAST(floor(${a}.start_ns / ${p * 1_000_000_000}) AS BIGINT) * ${p}`;
  const segments = `(${scope('t')}) AND t.dataset <> '' AND (${f.isSegment('t')})`;
  const tracedCaller = (c: string) => `${c}.trace_hi = t.trace_hi AND ${c}.trace_lo = t.trace_lo AND ${c}.span_id = t.parent_id
    AND ${c}.dataset <> '' AND ${c}.dataset <> t.dataset AND (${f.isCall(c)})`;
  const edgeRows = `SELECT t.* FROM spans t WHERE ${segments} AND NOT EXISTS (SELECT 1 FROM spans c WHERE ${tracedCaller('c')})
    UNION ALL
    SELECT c.* FROM spans t JOIN spans c ON ${tracedCaller('c')} WHERE ${segments}`;
  return {
    services: `SELECT ${ts('t')} AS ts, ${statsColumns(f, 't')} FROM spans t WHERE ${segments} GROUP BY 1 ORDER BY 1`,
    edges: `SELECT ${ts('t')} AS ts, ${statsColumns(f, 't')} FROM (${edgeRows}) t GROUP BY 1 ORDER BY 1`,
    histogram: `SELECT ${ts('t')} AS ts, ${bucket('t')} AS value, count(*) AS count FROM spans t WHERE ${segments} GROUP BY 1, 2 ORDER BY 1, 2`,
  };
}

type Row = Record<string, unknown>;

/** The `TimeSeriesServiceStatistics` entries from the rows of `timeSeriesQueries`, one per period. */
export function timeSeriesPoints(services: Row[], edges: Row[], histogram: Row[]): TimeSeriesPoint[] {
  const points = new Map<number, TimeSeriesPoint>();
  const at = (ts: unknown) => {
    const t = Number(ts);
    let pt = points.get(t);
    if (!pt) points.set(t, (pt = { Timestamp: t, ResponseTimeHistogram: [] }));
    return pt;
  };
  for (const r of services) at(r.ts).ServiceSummaryStatistics = summary(r as unknown as StatsRow);
  for (const r of edges) at(r.ts).EdgeSummaryStatistics = summary(r as unknown as StatsRow);
  for (const r of histogram) at(r.ts).ResponseTimeHistogram.push({ Value: Number(r.value), Count: Number(r.count) });
  return [...points.values()].sort((a, b) => a.Timestamp - b.Timestamp);
}

export interface TimeSeriesPoint {
  Timestamp: number;
  EdgeSummaryStatistics?: SummaryStatistics;
  ServiceSummaryStatistics?: SummaryStatistics;
  ResponseTimeHistogram: { Value: number; Count: number }[];
}

export function graphQueries(ctx: CompileContext, scope: (alias: string) => string): GraphQueries {
  const f = new Fields({ ...ctx, alias: 't' }, ctx.dialect);
  const stats = (a: string) => statsColumns(f, a);
  const origin = f.text('t', [Attr.XRAY_ORIGIN]) ?? 'NULL';
  const remoteName = f.remoteName('t');
  const ns = f.text('t', [Attr.XRAY_NAMESPACE]);
  const remoteType = ns ? `CASE WHEN ${ns} = 'aws' THEN 'AWS::' || t.name ELSE 'remote' END` : `'remote'`;
  const isCall = f.isCall('t');
  const noCrossChild = `NOT EXISTS (SELECT 1 FROM spans c WHERE c.trace_hi = t.trace_hi AND c.trace_lo = t.trace_lo AND c.parent_id = t.span_id AND c.dataset <> t.dataset)`;

  const segmentRows = `SELECT t.*, ${origin} AS origin FROM spans t WHERE (${scope('t')}) AND t.dataset <> '' AND (${f.isSegment('t')})`;
  const nodes = `SELECT t.dataset AS name, max(t.origin) AS type, bool_or(t.parent_id = 0) AS root, ${stats('t')}
    FROM (${segmentRows}) t GROUP BY t.dataset`;
  const nodeHistogram = `SELECT t.dataset AS name, ${bucket('t')} AS value, count(*) AS count FROM (${segmentRows}) t GROUP BY 1, 2`;

  // Edge rows: (src, dst, dst_type, span) for every call, in one shape so stats and histograms share it.
  const edgeRows = `
    SELECT p.dataset AS src, t.dataset AS dst, NULL AS dst_type, t.* FROM spans t
      JOIN spans p ON p.trace_hi = t.trace_hi AND p.trace_lo = t.trace_lo AND p.span_id = t.parent_id
      WHERE (${scope('t')}) AND t.dataset <> '' AND p.dataset <> '' AND p.dataset <> t.dataset
    UNION ALL
    SELECT t.dataset AS src, ${remoteName} AS dst, ${remoteType} AS dst_type, t.* FROM spans t
      WHERE (${scope('t')}) AND t.dataset <> '' AND (${isCall}) AND ${noCrossChild}
    UNION ALL
    SELECT 'client' AS src, t.dataset AS dst, NULL AS dst_type, t.* FROM spans t
      WHERE (${scope('t')}) AND t.dataset <> '' AND t.parent_id = 0`;
  const edges = `SELECT t.src, t.dst, max(t.dst_type) AS dst_type, ${stats('t')} FROM (${edgeRows}) t GROUP BY 1, 2`;
  const edgeHistogram = `SELECT t.src, t.dst, ${bucket('t')} AS value, count(*) AS count FROM (${edgeRows}) t GROUP BY 1, 2, 3`;
  return { nodes, nodeHistogram, edges, edgeHistogram };
}

export interface StatsRow {
  n: number; total_ns: number; faults: number; throttles: number; errors: number; oks: number; first_ns: number; last_ns: number;
}

/** X-Ray `Service` objects from the query rows. */
export function buildServices(
  nodes: (StatsRow & { name: string; type: string | null; root: boolean })[],
  nodeHist: { name: string; value: number; count: number }[],
  edges: (StatsRow & { src: string; dst: string; dst_type: string | null })[],
  edgeHist: { src: string; dst: string; value: number; count: number }[],
  accountId: string,
): XrayService[] {
  const refs = new Map<string, number>();
  const ref = (name: string) => {
    if (!refs.has(name)) refs.set(name, refs.size);
    return refs.get(name)!;
  };
  const services = new Map<string, XrayService>();
  const add = (name: string, type: string | undefined, root: boolean, s: StatsRow | null) => {
    const svc: XrayService = {
      ReferenceId: ref(name), Name: name, Names: [name], Root: root, AccountId: accountId, State: 'active',
      ...(type ? { Type: type } : {}),
      StartTime: s ? Number(s.first_ns) / 1e9 : undefined, EndTime: s ? Number(s.last_ns) / 1e9 : undefined,
      Edges: [], SummaryStatistics: s ? summary(s) : undefined, DurationHistogram: [], ResponseTimeHistogram: [],
    };
    services.set(name, svc);
    return svc;
  };
  for (const n of nodes) add(n.name, n.type ?? undefined, Boolean(n.root), n);
  for (const h of nodeHist) {
    const s = services.get(h.name);
    if (!s) continue;
    s.DurationHistogram.push({ Value: Number(h.value), Count: Number(h.count) });
    s.ResponseTimeHistogram.push({ Value: Number(h.value), Count: Number(h.count) });
  }
  for (const e of edges) {
    const src = services.get(e.src) ?? add(e.src, e.src === 'client' ? 'client' : undefined, false, null);
    if (!services.has(e.dst)) add(e.dst, e.dst_type ?? 'remote', false, null);
    src.Edges.push({
      ReferenceId: ref(e.dst), StartTime: Number(e.first_ns) / 1e9, EndTime: Number(e.last_ns) / 1e9,
      SummaryStatistics: summary(e), ResponseTimeHistogram: [], Aliases: [], EdgeType: 'REQUEST',
    });
  }
  for (const h of edgeHist) {
    const e = services.get(h.src)?.Edges.find((x) => x.ReferenceId === refs.get(h.dst));
    e?.ResponseTimeHistogram.push({ Value: Number(h.value), Count: Number(h.count) });
  }
  for (const s of services.values()) {
    s.DurationHistogram.sort((a, b) => a.Value - b.Value);
    s.ResponseTimeHistogram.sort((a, b) => a.Value - b.Value);
    for (const e of s.Edges) e.ResponseTimeHistogram.sort((a, b) => a.Value - b.Value);
  }
  return [...services.values()].sort((a, b) => a.ReferenceId - b.ReferenceId);
}

function summary(s: StatsRow): SummaryStatistics {
  const faults = Number(s.faults);
  const throttles = Number(s.throttles);
  const errors = Number(s.errors);
  return {
    OkCount: Number(s.oks),
    ErrorStatistics: { ThrottleCount: throttles, OtherCount: Math.max(0, errors - throttles), TotalCount: errors },
    FaultStatistics: { OtherCount: faults, TotalCount: faults },
    TotalCount: Number(s.n),
    TotalResponseTime: Number(s.total_ns) / 1e9,
  };
}

export interface SummaryStatistics {
  OkCount: number;
  ErrorStatistics: { ThrottleCount: number; OtherCount: number; TotalCount: number };
  FaultStatistics: { OtherCount: number; TotalCount: number };
  TotalCount: number;
  TotalResponseTime: number;
}

export interface XrayService {
  ReferenceId: number;
  Name: string;
  Names: string[];
  Root: boolean;
  AccountId: string;
  Type?: string;
  State: string;
  StartTime?: number;
  EndTime?: number;
  Edges: { ReferenceId: number; StartTime: number; EndTime: number; SummaryStatistics: SummaryStatistics; ResponseTimeHistogram: { Value: number; Count: number }[]; Aliases: unknown[]; EdgeType: string }[];
  SummaryStatistics?: SummaryStatistics;
  DurationHistogram: { Value: number; Count: number }[];
  ResponseTimeHistogram: { Value: number; Count: number }[];
}
