/** The exception a span recorded (src/ui/span-exception.ts): from the OTel exception event, else from tags. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstError, spanException } from '../../src/ui/span-exception.js';
import { buildTraceModel, type JaegerSpan } from '../../src/ui/trace-model.js';

const kv = (key: string, value: string) => ({ key, type: 'string', value });
const span = (id: string, extra: Partial<JaegerSpan> = {}, parent?: string): JaegerSpan => ({
  traceID: 't', spanID: id, operationName: `op-${id}`, processID: 'p', startTime: 1_000, duration: 10,
  references: parent ? [{ refType: 'CHILD_OF', traceID: 't', spanID: parent }] : [], tags: [], logs: [], warnings: null, ...extra,
});

describe('span exception', () => {
  it('reads the exception event, with its stack trace', () => {
    const s = span('a', { logs: [{ timestamp: 1, fields: [kv('event', 'exception'), kv('exception.type', 'CardError'), kv('exception.message', 'declined'), kv('exception.stacktrace', 'at x\nat y')] }] });
    assert.deepEqual(spanException(s), { type: 'CardError', message: 'declined', stacktrace: 'at x\nat y' });
  });
  it('falls back to exception tags, and is null without any', () => {
    assert.deepEqual(spanException(span('a', { tags: [kv('exception.message', 'boom')] })), { type: undefined, message: 'boom', stacktrace: undefined });
    assert.equal(spanException(span('a', { logs: [{ timestamp: 1, fields: [kv('event', 'retry')] }] })), null);
  });
  it('names the first error span in display order with its exception, else its status message', () => {
    const m = buildTraceModel({
      traceID: 't', warnings: null, processes: { p: { serviceName: 'svc', tags: [] } },
      spans: [span('a'), span('b', { tags: [kv('otel.status_code', 'ERROR'), kv('otel.status_description', 'timeout')] }, 'a')],
    });
    assert.deepEqual(firstError(m), { spanID: 'b', service: 'svc', operation: 'op-b', message: 'timeout' });
    assert.equal(firstError(buildTraceModel({ traceID: 't', warnings: null, processes: {}, spans: [span('a')] })), null);
  });
});
