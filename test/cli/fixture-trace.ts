/** A Jaeger-shaped trace (as `GET /api/traces/:id` answers) for the waterfall tests. */
import type { JaegerSpan, JaegerTrace } from '../../src/api/jaeger/to-jaeger.js';

export const T0 = 1_700_000_000_000_000; // epoch µs
export const TRACE_ID = '6b04f5ef55ec6914726f1314e7e519c9';

const span = (spanID: string, operationName: string, processID: string, offsetMs: number, durationMs: number, parent?: string, tags: JaegerSpan['tags'] = [], extra: Partial<JaegerSpan> = {}): JaegerSpan => ({
  traceID: TRACE_ID,
  spanID,
  operationName,
  references: parent ? [{ refType: 'CHILD_OF', traceID: TRACE_ID, spanID: parent }] : [],
  startTime: T0 + offsetMs * 1000,
  duration: durationMs * 1000,
  tags,
  logs: [],
  processID,
  warnings: null,
  flags: 1,
  ...extra,
});

/**
 * frontend GET /home (0..1000ms)
 * ├─ frontend auth (0..100ms)
 * └─ backend GET /api/activities (200..700ms)
 *    └─ backend SELECT activities (300..400ms, error)
 * backend late-callback (900..1000ms, parent missing)
 * Spans are listed out of order on purpose.
 */
export const fixtureTrace: JaegerTrace = {
  traceID: TRACE_ID,
  processes: {
    p1: { serviceName: 'frontend', tags: [] },
    p2: { serviceName: 'backend', tags: [] },
  },
  warnings: null,
  spans: [
    span('c000000000000003', 'SELECT activities', 'p2', 300, 100, 'c000000000000002', [
      { key: 'db.statement', type: 'string', value: 'SELECT *\nFROM activities' },
      { key: 'error', type: 'bool', value: true },
    ], { logs: [{ timestamp: T0 + 350_000, fields: [{ key: 'event', type: 'string', value: 'exception' }, { key: 'exception.message', type: 'string', value: 'timeout' }] }] }),
    span('c000000000000004', 'late-callback', 'p2', 900, 100, 'ffffffffffffffff'),
    span('c000000000000002', 'GET /api/activities', 'p2', 200, 500, 'c000000000000001', [{ key: 'http.status_code', type: 'int64', value: 200 }]),
    span('c000000000000001', 'GET /home', 'p1', 0, 1000, undefined, [{ key: 'http.method', type: 'string', value: 'GET' }]),
    span('c000000000000005', 'auth', 'p1', 0, 100, 'c000000000000001', [], { references: [
      { refType: 'FOLLOWS_FROM', traceID: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', spanID: 'aaaaaaaaaaaaaaaa' },
      { refType: 'CHILD_OF', traceID: TRACE_ID, spanID: 'c000000000000001' },
    ] }),
  ],
};
