import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode } from '@msgpack/msgpack';
import { decodeEvents, MALFORMED, EMPTY, SAMPLE_RATE_COLUMN, TOO_MANY_COLUMNS } from '../../../src/receivers/honeycomb-events/decode-events.js';
import { eventTimeNs } from '../../../src/receivers/honeycomb-events/event-time.js';
import { u64ToHex } from '../../../src/model/ids.js';
import { PayloadError } from '../../../src/pipeline/payload.js';

const utf8 = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const TRACE = '5f84c7a11234567890abcdef12345678';

/** A Beeline span event, as honeycomb-beeline 4.x sends it. */
const beelineSpan = {
  time: '2026-12-02T13:55:14.123456Z',
  samplerate: 4,
  data: {
    'trace.trace_id': TRACE, 'trace.span_id': '1234567890abcdef', 'trace.parent_id': 'fedcba0987654321',
    name: 'GET /api/activities/home', service_name: 'backend-flask', duration_ms: 12.5,
    'meta.type': 'express', 'meta.span_type': 'mid', 'app.rows': 3, 'app.ratio': 0.5, 'app.ok': true, 'app.obj': { a: 1 },
    error: 'db timeout',
  },
};

describe('Events API decoder', () => {
  it('maps Beeline trace fields to a span, keeps the rest as attributes and the sample rate as a column', () => {
    const { batch, rejected } = decodeEvents(utf8([beelineSpan]), 'batch-json', { dataset: 'cruddur' });
    assert.deepEqual(rejected, []);
    assert.equal(batch.length, 1);
    assert.equal(u64ToHex(batch.traceHi[0]!) + u64ToHex(batch.traceLo[0]!), TRACE);
    assert.equal(u64ToHex(batch.spanId[0]!), '1234567890abcdef');
    assert.equal(u64ToHex(batch.parentId[0]!), 'fedcba0987654321');
    assert.equal(batch.name[0], 'GET /api/activities/home');
    assert.equal(batch.dataset[0], 'cruddur');
    assert.equal(batch.durationNs[0], 12_500_000n);
    assert.equal(batch.startNs[0], BigInt(Date.parse('2026-12-02T13:55:14Z')) * 1_000_000n + 123_456_000n);
    assert.equal(batch.statusCode[0], 2);
    assert.equal(batch.statusMessage[0], 'db timeout');
    assert.equal(batch.getAttr(0, 'service.name'), 'backend-flask');
    assert.ok(batch.resourceKeys.has('service.name'));
    assert.equal(batch.getAttr(0, 'app.rows'), 3);
    assert.equal(batch.attrs.get('app.rows')!.type, 'int');
    assert.equal(batch.attrs.get('app.ratio')!.type, 'double');
    assert.equal(batch.getAttr(0, 'app.ok'), true);
    assert.equal(batch.getAttr(0, 'app.obj'), '{"a":1}');
    assert.equal(batch.getAttr(0, 'meta.span_type'), 'mid');
    assert.equal(batch.getAttr(0, SAMPLE_RATE_COLUMN), 4);
    assert.equal(batch.getAttr(0, 'trace.trace_id'), undefined, 'ids live in the id columns, not twice');
  });

  it('stores events that are not spans in their dataset, outside any trace', () => {
    const { batch } = decodeEvents(utf8([{ data: { endpoint: '/login', status: 200 } }, { data: { endpoint: '/x' } }]), 'batch-json', { dataset: 'web' });
    assert.equal(batch.length, 2);
    assert.equal(batch.traceHi[0], 0n);
    assert.equal(batch.traceLo[0], 0n);
    assert.notEqual(batch.spanId[0], 0n);
    assert.notEqual(batch.spanId[0], batch.spanId[1]);
    assert.equal(batch.getAttr(0, 'status'), 200);
    assert.equal(batch.getAttr(0, SAMPLE_RATE_COLUMN), undefined, 'rate 1 is not stored');
  });

  it('reads msgpack batches (libhoney-go, libhoney-py send these), with msgpack timestamps', () => {
    const body = encode([{ ...beelineSpan, time: new Date('2026-12-02T13:55:14.250Z') }]);
    const { batch } = decodeEvents(body, 'batch-msgpack', { dataset: 'd' });
    assert.equal(batch.length, 1);
    assert.equal(batch.startNs[0], BigInt(Date.parse('2026-12-02T13:55:14.250Z')) * 1_000_000n);
    assert.equal(batch.name[0], 'GET /api/activities/home');
  });

  it('a single event takes its time and sample rate from the headers', () => {
    const { batch } = decodeEvents(utf8({ a: 1 }), 'event-json', { dataset: 'd', time: '2026-01-02T03:04:05.5Z', sampleRate: '10' });
    assert.equal(batch.startNs[0], BigInt(Date.parse('2026-01-02T03:04:05.5Z')) * 1_000_000n);
    assert.equal(batch.getAttr(0, SAMPLE_RATE_COLUMN), 10);
  });

  it('refuses bad events one by one, and unreadable bodies whole', () => {
    const wide = Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`f${i}`, i]));
    const { batch, rejected } = decodeEvents(utf8([{ data: { ok: 1 } }, { data: wide }, { nodata: 1 }, 7]), 'batch-json', { dataset: 'd' });
    assert.equal(batch.length, 1);
    assert.deepEqual(rejected.map((r) => [r.id, r.errorCode, r.message]), [['1', '400', TOO_MANY_COLUMNS], ['2', '400', MALFORMED], ['3', '400', MALFORMED]]);
    assert.throws(() => decodeEvents(utf8('x').subarray(0, 2), 'batch-json', { dataset: 'd' }), (e: Error) => e instanceof PayloadError && e.message === MALFORMED);
    assert.throws(() => decodeEvents(utf8([]), 'batch-json', { dataset: 'd' }), (e: Error) => e.message === EMPTY);
    assert.throws(() => decodeEvents(utf8({ a: 1 }), 'batch-json', { dataset: 'd' }), (e: Error) => e.message === MALFORMED);
    assert.throws(() => decodeEvents(new Uint8Array([0xc1]), 'batch-msgpack', { dataset: 'd' }), (e: Error) => e.message === MALFORMED);
  });

  it('hashes trace ids that are not hex, the same way every time', () => {
    const a = decodeEvents(utf8([{ data: { 'trace.trace_id': 'order-42', 'trace.span_id': 's1' } }]), 'batch-json', { dataset: 'd' }).batch;
    const b = decodeEvents(utf8([{ data: { 'trace.trace_id': 'order-42', 'trace.span_id': 's2', 'trace.parent_id': 's1' } }]), 'batch-json', { dataset: 'd' }).batch;
    assert.notEqual(a.traceLo[0], 0n);
    assert.equal(a.traceLo[0], b.traceLo[0]);
    assert.equal(a.spanId[0], b.parentId[0]);
  });

  it('parses event times', () => {
    assert.equal(eventTimeNs('2026-12-02T13:55:14.123456789+01:00'), BigInt(Date.parse('2026-12-02T12:55:14Z')) * 1_000_000n + 123_456_789n);
    assert.equal(eventTimeNs(1_700_000_000), 1_700_000_000_000_000_000n);
    assert.equal(eventTimeNs(1_700_000_000_123), 1_700_000_000_123_000_000n);
    assert.equal(eventTimeNs('yesterday'), undefined);
    assert.equal(eventTimeNs(undefined), undefined);
  });
});
