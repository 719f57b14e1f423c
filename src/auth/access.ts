import type { Permission } from './auth-config.js';

/** POSTs that write spans: OTLP, the Events API, X-Ray PutTraceSegments/PutTelemetryRecords, Zipkin, the Jaeger collector. */
const INGEST = /^\/(v1\/traces|1\/events\/|1\/batch\/|TraceSegments$|TelemetryRecords$|api\/v[12]\/spans$|api\/traces$)/;

/**
 * POSTs that only read: X-Ray's read operations (the X-Ray API is all POST), Honeycomb query runs,
 * Honeyray's query extensions and Jaeger's `/api/transform` (pure conversion).
 */
const READ_POSTS = /^\/(TraceSummaries|Traces|ServiceGraph|TraceGraph|TimeSeriesServiceStatistics|GetGroup|Groups|GetSamplingRules|SamplingTargets|SamplingStatisticSummaries|EncryptionConfig|InsightSummaries|Insights|InsightEvents|InsightImpactGraph|RetrievedTraces|TraceRetrievalRequest|ListTagsForResource|ResourcePolicies|TraceSegmentDestination)$|^\/1\/(queries|query_results)\/|^\/api\/honeyray\/(query|bubbleup)\/|^\/api\/transform$/;

/**
 * The permission a request needs: reading is GET (and the read-only POSTs above), ingest is writing spans,
 * and everything else that changes state (groups, sampling rules, markers, calculated fields) is `manage`,
 * so an ingest-only key in an app's config cannot, say, set the Default sampling rule's FixedRate to 0.
 */
export function requiredPermission(method: string, path: string): Permission {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return 'read';
  if (method === 'POST' && INGEST.test(path)) return 'ingest';
  if (method === 'POST' && READ_POSTS.test(path)) return 'read';
  return 'manage';
}
