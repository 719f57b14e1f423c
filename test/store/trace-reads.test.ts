/**
 * Trace reads on generated Cruddur data (bench/generate-traces.ts, fixed seed) in a real DuckDB:
 * summaries and any-span search against expectations computed here from the generated traces, and
 * the columnar Jaeger JSON against the object route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeRequest, type GenSpan } from '../../bench/generate-otlp.js';
import { HANDLES, Rng, SLOW_HANDLE, generateBigTrace, generateRequests, hex, toResourceSpans, type GenTrace } from '../../bench/generate-traces.js';
import { jaegerTraceJson } from '../../src/api/jaeger/jaeger-json.js';
import { toJaegerTrace } from '../../src/api/jaeger/to-jaeger.js';
import { decodeOtlpProto } from '../../src/receivers/otlp/decode-proto.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import type { TraceSummaryRow } from '../../src/store/store.js';

const END = 1_800_000_000_000_000_000n;
const WINDOW = 600_000_000_000n;

interface Expect { id: string; spans: GenSpan[]; start: bigint; end: bigint }

function expectOf(t: GenTrace): Expect {
  const spans = t.groups.flatMap((g) => g.spans);
  const start = spans.reduce((m, s) => (s.startNs < m ? s.startNs : m), spans[0]!.startNs);
  const end = spans.reduce((m, s) => (s.endNs > m ? s.endNs : m), 0n);
  return { id: hex(t.traceId), spans, start, end };
}

const attr = (s: GenSpan, k: string) => s.attrs.find(([key]) => key === k)?.[1];

describe('trace reads on generated data', () => {
  let store: DuckDBStore;
  const traces: Expect[] = [];
  let big = '';

  before(async () => {
    store = await DuckDBStore.open({ path: ':memory:' });
    for (const req of generateRequests({ seed: 7, spans: 3000, endNs: END, windowNs: WINDOW, spansPerRequest: 500 })) {
      traces.push(...req.traces.map(expectOf));
      await store.append([decodeOtlpProto(encodeRequest(toResourceSpans(req.traces))).batch]);
    }
    const b = generateBigTrace(new Rng(3), END - WINDOW / 2n, 2500, 1000);
    big = hex(b.traceId);
    for (const g of b.groups) await store.append([decodeOtlpProto(encodeRequest([g])).batch]);
  });
  after(() => store.close());

  it('the generator is deterministic by seed and its protobuf decodes to every span', () => {
    const a = [...generateRequests({ seed: 7, spans: 300, endNs: END, windowNs: WINDOW })].map((r) => encodeRequest(toResourceSpans(r.traces)));
    const b = [...generateRequests({ seed: 7, spans: 300, endNs: END, windowNs: WINDOW })].map((r) => encodeRequest(toResourceSpans(r.traces)));
    assert.deepEqual(a, b);
    const decoded = a.reduce((n, body) => n + decodeOtlpProto(body).batch.length, 0);
    const generated = [...generateRequests({ seed: 7, spans: 300, endNs: END, windowNs: WINDOW })].reduce((n, r) => n + r.spans, 0);
    assert.equal(decoded, generated);
    assert.ok(HANDLES.includes(SLOW_HANDLE));
  });

  it('plants the slow tail on one user.handle', () => {
    const dur = (h: string) => {
      const ds = traces.filter((t) => t.spans.some((s) => attr(s, 'user.handle') === h)).map((t) => Number(t.end - t.start)).sort((x, y) => x - y);
      return ds[Math.floor(ds.length / 2)]!;
    };
    assert.ok(dur(SLOW_HANDLE) > 5 * dur('andrewbrown'), `median ${dur(SLOW_HANDLE)} vs ${dur('andrewbrown')}`);
  });

  it('summaries: any-span tag search, slowest first, with totals, roots, counts and services', async () => {
    const match = traces.filter((t) => t.spans.some((s) => attr(s, 'user.handle') === SLOW_HANDLE));
    const want = match.sort((a, b) => Number((b.end - b.start) - (a.end - a.start))).slice(0, 5);
    const got = await store.traceSummaries({ tags: { 'user.handle': SLOW_HANDLE }, sort: 'slowest', limit: 5 });
    assert.equal(got.total, match.length);
    assert.deepEqual(got.data.map((r) => r.traceId), want.map((t) => t.id));
    for (const [i, r] of got.data.entries()) {
      const t = want[i]!;
      const root = t.spans.find((s) => s.parentSpanId === null)!;
      assert.deepEqual(r, {
        traceId: t.id, rootService: 'frontend-react-js', rootName: root.name,
        startUs: Number(t.start / 1000n), durationUs: Number((t.end - t.start) / 1000n), spanCount: t.spans.length,
        errorCount: t.spans.filter((s) => s.status === 2).length, services: ['backend-flask', 'frontend-react-js'],
      } satisfies TraceSummaryRow);
    }
  });

  it('summaries sort over the whole result: most spans puts the big trace first; newest is by start', async () => {
    const most = await store.traceSummaries({ sort: 'most_spans', limit: 1 });
    assert.equal(most.data[0]!.traceId, big);
    assert.equal(most.data[0]!.spanCount, 2500);
    assert.equal(most.data[0]!.rootName, 'POST /api/activities/reindex');
    assert.equal(most.total, traces.length + 1);
    const newest = await store.traceSummaries({ sort: 'newest', limit: 3 });
    const want = [...traces].sort((a, b) => Number(b.start - a.start)).slice(0, 3).map((t) => t.id);
    assert.deepEqual(newest.data.map((r) => r.traceId), want);
    const errors = await store.traceSummaries({ sort: 'errors', limit: 1 });
    assert.equal(errors.data[0]!.errorCount, Math.max(...traces.map((t) => t.spans.filter((s) => s.status === 2).length)));
  });

  it('any-span filters: ranges, not-exists, contains, or', async () => {
    const ids = async (where: Parameters<DuckDBStore['traceSummaries']>[0]['where']) =>
      (await store.traceSummaries({ where, limit: 10_000 })).data.map((r) => r.traceId).sort();
    const expect = (pred: (t: Expect) => boolean) => traces.filter(pred).map((t) => t.id).sort();
    const some = (t: Expect, p: (s: GenSpan) => boolean) => t.spans.some(p);

    const failedWithoutDb = expect((t) => some(t, (s) => Number(attr(s, 'http.status_code') ?? 0) >= 500) && !some(t, (s) => attr(s, 'db.system') !== undefined));
    assert.ok(failedWithoutDb.length > 0);
    assert.deepEqual(await ids({ and: [{ key: 'http.status_code', op: '>=', value: 500 }, { key: 'db.system', op: 'not-exists' }] }), failedWithoutDb);

    const cloud = expect((t) => some(t, (s) => String(attr(s, 'search.term') ?? '').toLowerCase().includes('cloud')));
    assert.ok(cloud.length > 0);
    assert.deepEqual(await ids({ key: 'search.term', op: 'contains', value: 'CLOUD' }), cloud);

    const either = expect((t) => some(t, (s) => attr(s, 'user.handle') === 'vir') || some(t, (s) => s.status === 2));
    assert.deepEqual(await ids({ or: [{ key: 'user.handle', op: '=', value: 'vir' }, { key: 'error', op: '=', value: true }] }), either);

    assert.deepEqual(await ids({ key: 'never.seen', op: '=', value: 'x' }), []);
    // A value with a quote is a literal, not SQL.
    assert.deepEqual(await ids({ key: 'user.handle', op: '=', value: "vir' OR '1'='1" }), []);
  });

  it('columnar Jaeger JSON equals the object route, for small, error and big traces', async () => {
    const errorTrace = traces.find((t) => t.spans.some((s) => s.events?.length))!;
    for (const id of [traces[0]!.id, errorTrace.id, big]) {
      const cols = await store.getTraceColumns(id);
      assert.ok(cols);
      assert.deepEqual(JSON.parse(jaegerTraceJson(cols)), toJaegerTrace(await store.getTrace(id)));
    }
    assert.equal(await store.getTraceColumns('ffffffffffffffffffffffffffffffff'), null);
    // Several at once: one entry per trace found, each the same as read alone.
    const many = await store.getTracesColumns([errorTrace.id, 'ffffffffffffffffffffffffffffffff', big]);
    assert.deepEqual(many.map((t) => t.traceId).sort(), [errorTrace.id, big].sort());
    for (const t of many) assert.deepEqual(JSON.parse(jaegerTraceJson(t)), toJaegerTrace(await store.getTrace(t.traceId)));
  });

  it('a trace of many batches (string attributes sent as "same as the row before") reads as the object route', async () => {
    // 12 appended batches: past the index-row count from which trace-columns.ts repeat-encodes string
    // attribute columns. db.system runs through values, gaps (a value turning NULL) and back to the same
    // value after a gap; http.method is only on the root (NULL from the second row on).
    const b = generateBigTrace(new Rng(11), END - WINDOW / 3n, 1200, 100);
    assert.ok(b.groups.length >= 8);
    let i = 0;
    for (const g of b.groups) {
      for (const sp of g.spans) {
        const k = i++ % 7;
        sp.attrs = sp.attrs.filter(([key]) => key !== 'db.system');
        if (k < 3) sp.attrs.push(['db.system', 'postgresql']);
        else if (k === 5) sp.attrs.push(['db.system', 'redis']);
        else if (k === 6) sp.attrs.push(['db.system', 'postgresql']);
      }
      await store.append([decodeOtlpProto(encodeRequest([g])).batch]);
    }
    const id = hex(b.traceId);
    const [cols] = await store.getTracesColumns([id]);
    assert.ok(cols);
    const systems = cols.attrs.find((a) => a.key === 'db.system')!.values;
    assert.deepEqual(systems.slice(1, 8), ['postgresql', 'postgresql', null, null, 'redis', 'postgresql', 'postgresql']);
    assert.deepEqual(JSON.parse(jaegerTraceJson(cols)), toJaegerTrace(await store.getTrace(id)));
    // Read with other traces in one statement: the encoding runs across their rows, each still equal.
    const many = await store.getTracesColumns([traces[0]!.id, id, big]);
    assert.equal(many.length, 3);
    for (const t of many) assert.deepEqual(JSON.parse(jaegerTraceJson(t)), toJaegerTrace(await store.getTrace(t.traceId)));
  });
});
