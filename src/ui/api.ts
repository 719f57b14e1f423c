/**
 * Every call the UI makes to Honeyray's APIs (same origin): Jaeger query API and X-Ray REST API.
 * The X-Ray response types mirror the server's (src/query/xray/service-graph.ts, src/sampling/rules.ts):
 * the UI is compiled on its own (tsconfig.ui.json, rootDir src/ui), so it cannot import them.
 */
import type { JaegerTrace, TraceSummary } from './trace-model.js';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  const r = await fetch(url, init);
  const text = await r.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    if (r.ok) throw new ApiError(r.status, `${url}: the answer is not JSON`);
  }
  if (!r.ok) {
    const b = body as { errors?: { msg?: string }[]; message?: string; error?: string } | undefined;
    const msg = b?.errors?.[0]?.msg ?? b?.message ?? b?.error ?? (text || r.statusText);
    throw new ApiError(r.status, msg);
  }
  return body as T;
}

interface Envelope<T> { data: T }

export const jaeger = {
  async services(signal?: AbortSignal): Promise<string[]> {
    return (await call<Envelope<string[]>>('/api/services', { signal })).data ?? [];
  },
  async operations(service: string, signal?: AbortSignal): Promise<string[]> {
    return (await call<Envelope<string[]>>(`/api/services/${encodeURIComponent(service)}/operations`, { signal })).data ?? [];
  },
  /** `/api/traces?` with Jaeger's search parameters. */
  async search(params: URLSearchParams, signal?: AbortSignal): Promise<JaegerTrace[]> {
    return (await call<Envelope<JaegerTrace[]>>(`/api/traces?${params}`, { signal })).data ?? [];
  },
  /** Any id form: 32 hex, 16 hex, X-Ray `1-xxxxxxxx-yyyy...`. */
  async trace(id: string, signal?: AbortSignal): Promise<JaegerTrace> {
    const d = (await call<Envelope<JaegerTrace[]>>(`/api/traces/${encodeURIComponent(id)}`, { signal })).data;
    if (!d?.length) throw new ApiError(404, 'trace not found');
    return d[0]!;
  },
};

/** X-Ray REST API: `POST /<Operation>` with a JSON body. */
function xrayCall<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return call<T>(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal });
}

export interface XrayStats {
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
  Type?: string;
  Edges: { ReferenceId: number; SummaryStatistics: XrayStats; ResponseTimeHistogram?: XrayHistogramBin[] }[];
  SummaryStatistics?: XrayStats;
  /** Response times in seconds and how many requests took each. */
  ResponseTimeHistogram?: XrayHistogramBin[];
}
export interface XrayHistogramBin { Value: number; Count: number }
export interface XrayGroup { GroupName: string; GroupARN: string; FilterExpression?: string }
export interface SamplingRule {
  RuleName: string;
  RuleARN?: string;
  Priority: number;
  FixedRate: number;
  ReservoirSize: number;
  ServiceName: string;
  ServiceType: string;
  Host: string;
  HTTPMethod: string;
  URLPath: string;
  ResourceARN: string;
}
export interface XrayTraceSummary {
  Id: string;
  StartTime?: number;
  Duration?: number;
  ResponseTime?: number;
  HasFault?: boolean;
  HasError?: boolean;
  HasThrottle?: boolean;
  Http?: { HttpURL?: string; HttpStatus?: number; HttpMethod?: string };
  ServiceIds?: { Name: string; Type?: string }[];
  EntryPoint?: { Name: string };
  MatchedEventTime?: number;
}

export type FilterCheck = { ok: true; normalized: string } | { ok: false; error: string; position?: number; caret?: string };

export const xray = {
  async serviceGraph(startSec: number, endSec: number, group: string | null, signal?: AbortSignal): Promise<XrayService[]> {
    const body: Record<string, unknown> = { StartTime: startSec, EndTime: endSec };
    if (group) body.GroupName = group;
    return (await xrayCall<{ Services: XrayService[] }>('/ServiceGraph', body, signal)).Services ?? [];
  },
  async groups(signal?: AbortSignal): Promise<XrayGroup[]> {
    return (await xrayCall<{ Groups: XrayGroup[] }>('/Groups', {}, signal)).Groups ?? [];
  },
  async createGroup(name: string, filter: string): Promise<XrayGroup> {
    const body: Record<string, unknown> = { GroupName: name };
    if (filter.trim()) body.FilterExpression = filter;
    return (await xrayCall<{ Group: XrayGroup }>('/CreateGroup', body)).Group;
  },
  async updateGroup(name: string, filter: string): Promise<XrayGroup> {
    return (await xrayCall<{ Group: XrayGroup }>('/UpdateGroup', { GroupName: name, FilterExpression: filter })).Group;
  },
  async deleteGroup(name: string): Promise<void> {
    await xrayCall('/DeleteGroup', { GroupName: name });
  },
  async samplingRules(signal?: AbortSignal): Promise<SamplingRule[]> {
    const r = await xrayCall<{ SamplingRuleRecords: { SamplingRule: SamplingRule }[] }>('/GetSamplingRules', {}, signal);
    return (r.SamplingRuleRecords ?? []).map((x) => x.SamplingRule);
  },
  async createSamplingRule(rule: Omit<SamplingRule, 'RuleARN'> & { Version: number }): Promise<SamplingRule> {
    return (await xrayCall<{ SamplingRuleRecord: { SamplingRule: SamplingRule } }>('/CreateSamplingRule', { SamplingRule: rule })).SamplingRuleRecord.SamplingRule;
  },
  async updateSamplingRule(update: Partial<SamplingRule> & { RuleName: string }): Promise<SamplingRule> {
    return (await xrayCall<{ SamplingRuleRecord: { SamplingRule: SamplingRule } }>('/UpdateSamplingRule', { SamplingRuleUpdate: update })).SamplingRuleRecord.SamplingRule;
  },
  async deleteSamplingRule(name: string): Promise<void> {
    await xrayCall('/DeleteSamplingRule', { RuleName: name });
  },
  async traceSummaries(startSec: number, endSec: number, filter: string, nextToken?: string, signal?: AbortSignal): Promise<{ summaries: XrayTraceSummary[]; nextToken?: string }> {
    const body: Record<string, unknown> = { StartTime: startSec, EndTime: endSec };
    if (filter.trim()) body.FilterExpression = filter;
    if (nextToken) body.NextToken = nextToken;
    const r = await xrayCall<{ TraceSummaries: XrayTraceSummary[]; NextToken?: string }>('/TraceSummaries', body, signal);
    return { summaries: r.TraceSummaries ?? [], nextToken: r.NextToken };
  },
  /** BatchGetTraces: the segment documents (JSON text) of one trace. */
  async segments(traceId: string, signal?: AbortSignal): Promise<{ Id: string; Document: string }[]> {
    const r = await xrayCall<{ Traces: { Segments: { Id: string; Document: string }[] }[] }>('/Traces', { TraceIds: [traceId] }, signal);
    return r.Traces?.[0]?.Segments ?? [];
  },
  /** Parses a filter expression on the server: the normalized form, or the error and its position. */
  async checkFilter(expression: string, signal?: AbortSignal): Promise<FilterCheck> {
    return call<FilterCheck>(`/api/xray/filter?expression=${encodeURIComponent(expression)}`, { signal });
  },
};

/**
 * Honeycomb-shaped API (`/1/...`) and Honeyray's one-round-trip extensions (`/api/honeyray/...`), as the
 * read-API contract of issue 7 describes them. Types restate the contract, not the server's code.
 */
export interface Dataset { name: string; slug: string; created_at?: string; last_written_at?: string }
export interface Column { id?: string; key_name: string; type: 'string' | 'integer' | 'float' | 'boolean'; description?: string; hidden?: boolean }
export interface QueryFilter { column: string; op: string; value?: string | number | boolean | (string | number | boolean)[] }
export interface QueryCalculation { op: string; column?: string }
export interface QuerySpecIn {
  calculations?: QueryCalculation[];
  filters?: QueryFilter[];
  breakdowns?: string[];
  orders?: { op?: string; column?: string; order?: 'ascending' | 'descending' }[];
  havings?: { calculate_op: string; column?: string; op: string; value: number }[];
  limit?: number;
  time_range?: number;
  start_time?: number;
  end_time?: number;
  granularity?: number;
  calculated_fields?: { name: string; expression: string }[];
}
export interface HeatmapValue { buckets: { lower: number; upper: number; count: number }[] }
export interface QueryResult {
  series: { time: string; data: Record<string, unknown> }[];
  results: { data: Record<string, unknown> }[];
  meta?: { sql_ms: number; rows: number };
}
export interface BubbleUpColumn {
  column: string;
  type: string;
  score: number;
  selection: { value: unknown; count: number; fraction: number }[];
  baseline: { value: unknown; count: number; fraction: number }[];
}
export interface BubbleUpResult { columns: BubbleUpColumn[]; selection_count: number; baseline_count: number }
export type BubbleUpSelection =
  | { start_time: number; end_time: number; column: string; lower: number; upper: number }
  | { filters: QueryFilter[] };

const postJson = <T>(url: string, body: unknown, signal?: AbortSignal) =>
  call<T>(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal });

export const honeycomb = {
  datasets: (signal?: AbortSignal) => call<Dataset[]>('/1/datasets', { signal }),
  columns: (dataset: string, signal?: AbortSignal) => call<Column[]>(`/1/columns/${encodeURIComponent(dataset)}`, { signal }),
  query: (dataset: string, spec: QuerySpecIn, signal?: AbortSignal) => postJson<QueryResult>(`/api/honeyray/query/${encodeURIComponent(dataset)}`, spec, signal),
  bubbleUp: (dataset: string, query: QuerySpecIn, selection: BubbleUpSelection, signal?: AbortSignal) =>
    postJson<BubbleUpResult>(`/api/honeyray/bubbleup/${encodeURIComponent(dataset)}`, { query, selection }, signal),
};

/** `GET /api/honeyray/trace-summaries`: one row per trace, filtered and sorted by the engine over the whole result. */
export interface TraceSummaryRow {
  traceId: string; rootService: string; rootName: string; startUs: number; durationUs: number;
  spanCount: number; errorCount: number; services: string[];
}
/** `GET /api/honeyray/traces/{id}/skeleton`: the waterfall's columns of every span (src/store/store.ts `TraceSkeleton`). */
export interface TraceSkeleton {
  traceId: string; length: number; strings: string[]; spanId: string[]; parentSpanId: string[];
  service: number[]; name: number[]; kind: number[]; statusCode: number[]; startUs: number[]; durationUs: number[];
}
export const honeyray = {
  /** Any id form `/api/traces/{id}` takes. */
  traceSkeleton: (id: string, signal?: AbortSignal) =>
    call<TraceSkeleton>(`/api/honeyray/traces/${encodeURIComponent(id)}/skeleton`, { signal }),
  traceSummaries: (params: URLSearchParams, signal?: AbortSignal) =>
    call<{ data: TraceSummaryRow[]; total: number }>(`/api/honeyray/trace-summaries?${params}`, { signal }),
};

/** A trace-summaries row as the pages' `TraceSummary` (per-service span counts unknown: 0). */
export function summaryFromRow(r: TraceSummaryRow): TraceSummary {
  return {
    traceID: r.traceId, service: r.rootService, operation: r.rootName, start: r.startUs, duration: r.durationUs,
    spans: r.spanCount, errors: r.errorCount, services: r.services.map((name) => ({ name, spans: 0 })),
  };
}
