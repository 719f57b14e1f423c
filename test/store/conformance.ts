/**
 * The Store conformance suite: every engine must pass it. Call `storeConformance(name, open)` from an
 * engine's test file; `open(dir)` returns a fresh store persisted in `dir` (reopening the same dir
 * must give the same data).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SpanFilter, Store, TraceSearch } from '../../src/store/store.js';
import { makeBatch, type TestSpan } from './make-batch.js';

const T1 = '5f84c7a11234567890abcdef12345678';
const T2 = '00000000000000000123456789abcdef';
const T3 = 'ffffffffffffffff8000000000000001';
const BASE = 1_795_487_000_000_000_000n;

const spans: TestSpan[] = [
  {
    traceId: T1, spanId: 'a000000000000001', name: 'GET /api/activities/home', dataset: 'backend-flask', kind: 2,
    startNs: BASE, durationNs: 12_000_000n,
    attrs: { 'http.response.status_code': 200, 'http.route': '/api/activities/home', 'app.result_length': 3 },
    resource: { 'service.name': 'backend-flask', 'host.name': 'probe' },
    events: [{ timeUnixNano: String(BASE + 1000n), name: 'cache miss', attributes: { key: 'home', nested: { a: [1, 'x'] } } }],
  },
  {
    traceId: T1, spanId: 'a000000000000002', parentSpanId: 'a000000000000001', name: 'http-home-activities',
    dataset: 'backend-flask', startNs: BASE + 1_000_000n, durationNs: 5_000_000n,
    attrs: { 'app.now': '2026-11-24T00:00:00Z', 'app.result_length': 3 },
    resource: { 'service.name': 'backend-flask', 'host.name': 'probe' },
    links: [{ traceId: T2, spanId: 'b000000000000001', attributes: { why: 'follows' } }],
  },
  {
    traceId: T2, spanId: 'b000000000000001', name: 'SELECT activities', dataset: 'db-svc', kind: 3,
    startNs: BASE + 50_000_000n, durationNs: 90_000_000n, statusCode: 2, statusMessage: 'timeout',
    attrs: { 'db.system': 'postgresql', ratio: 0.25, cached: false, 'user.handle': 'andrewbrown' },
  },
  {
    traceId: T3, spanId: 'ffffffffffffffff', name: 'negative-ids', dataset: 'edge', kind: 4,
    startNs: BASE + 60_000_000n, durationNs: 1n, attrs: { 'http.response.status_code': 503 },
  },
];

export function storeConformance(engine: string, open: (dir: string) => Promise<Store>): void {
  describe(`Store conformance: ${engine}`, () => {
    let dir: string;
    let store: Store;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'honeyray-store-'));
      store = await open(dir);
      await store.append([makeBatch(spans.slice(0, 2)), makeBatch(spans.slice(2))]);
    });
    after(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('returns a trace with every field as appended', async () => {
      const got = await store.getTrace(T1);
      assert.equal(got.length, 2);
      const [root, child] = got;
      assert.equal(root!.traceId, T1);
      assert.equal(root!.spanId, 'a000000000000001');
      assert.equal(root!.parentSpanId, '');
      assert.equal(root!.name, 'GET /api/activities/home');
      assert.equal(root!.dataset, 'backend-flask');
      assert.equal(root!.kind, 2);
      assert.equal(root!.startUnixNano, BASE);
      assert.equal(root!.durationNano, 12_000_000n);
      assert.deepEqual(root!.attributes, { 'http.response.status_code': 200, 'http.route': '/api/activities/home', 'app.result_length': 3 });
      assert.deepEqual(root!.resource, { 'service.name': 'backend-flask', 'host.name': 'probe' });
      assert.deepEqual(root!.events, spans[0]!.events);
      assert.equal(child!.parentSpanId, 'a000000000000001');
      assert.deepEqual(child!.links, spans[1]!.links);
      assert.equal(child!.attributes['app.now'], '2026-11-24T00:00:00Z');
    });

    it('keeps status, typed attributes and extreme ids', async () => {
      const [db] = await store.getTrace(T2);
      assert.equal(db!.statusCode, 2);
      assert.equal(db!.statusMessage, 'timeout');
      assert.equal(db!.attributes.ratio, 0.25);
      assert.equal(db!.attributes.cached, false);
      const [neg] = await store.getTrace(T3);
      assert.equal(neg!.spanId, 'ffffffffffffffff');
      assert.equal(neg!.traceId, T3);
      assert.deepEqual(await store.getTrace('0123456789abcdef0123456789abcdef'), []);
      const many = await store.getTraces([T1, T2, '0123456789abcdef0123456789abcdef']);
      assert.deepEqual(Object.keys(many).sort(), [T2, T1].sort());
    });

    it('reads a trace skeleton: ids, a service and name dictionary, kind, status and times in start order', async () => {
      const sk = (await store.getTraceSkeleton(T1))!;
      assert.equal(sk.traceId, T1);
      assert.equal(sk.length, 2);
      assert.deepEqual(sk.spanId, ['a000000000000001', 'a000000000000002']);
      assert.deepEqual(sk.parentSpanId, ['', 'a000000000000001']);
      assert.deepEqual(sk.service.map((i) => sk.strings[i]), ['backend-flask', 'backend-flask']);
      assert.deepEqual(sk.name.map((i) => sk.strings[i]), ['GET /api/activities/home', 'http-home-activities']);
      assert.deepEqual([...sk.strings].sort(), ['GET /api/activities/home', 'backend-flask', 'http-home-activities'], 'each string once');
      assert.deepEqual(sk.kind, [2, 1]);
      assert.deepEqual(sk.statusCode, [0, 0]);
      assert.deepEqual(sk.startUs, [Number(BASE / 1000n), Number((BASE + 1_000_000n) / 1000n)]);
      assert.deepEqual(sk.durationUs, [12_000, 5_000]);
      const db = (await store.getTraceSkeleton(T2))!;
      assert.deepEqual([db.statusCode, db.kind, db.service.map((i) => db.strings[i])], [[2], [3], ['db-svc']]);
      const neg = (await store.getTraceSkeleton(T3))!;
      assert.deepEqual([neg.spanId, neg.durationUs], [['ffffffffffffffff'], [0]]);
      assert.equal(await store.getTraceSkeleton('0123456789abcdef0123456789abcdef'), null);
    });

    it('getJaegerTrace: a small trace as its columns; an unknown trace is null', async () => {
      for (const id of [T1, T2, T3]) assert.deepEqual(await store.getJaegerTrace(id), { columns: await store.getTraceColumns(id) });
      assert.equal(await store.getJaegerTrace('0123456789abcdef0123456789abcdef'), null);
    });

    it('lists services and operations', async () => {
      assert.deepEqual(await store.services(), ['backend-flask', 'db-svc', 'edge']);
      assert.deepEqual(await store.operations('backend-flask'), [
        { name: 'GET /api/activities/home', spanKind: 'server' },
        { name: 'http-home-activities', spanKind: 'internal' },
      ]);
    });

    it('searches traces by service, operation, tags on any span, duration and time', async () => {
      assert.deepEqual(await store.searchTraces({ service: 'backend-flask' }), [T1]);
      assert.deepEqual(await store.searchTraces({ tags: { 'app.now': '2026-11-24T00:00:00Z' } }), [T1]);
      assert.deepEqual(await store.searchTraces({ service: 'backend-flask', tags: { 'http.response.status_code': '200', 'host.name': 'probe' } }), [T1]);
      assert.deepEqual(await store.searchTraces({ tags: { error: 'true' } }), [T2]);
      assert.deepEqual(await store.searchTraces({ tags: { 'never.seen': 'x' } }), []);
      assert.deepEqual(await store.searchTraces({ minDurationNs: 50_000_000n }), [T2]);
      assert.deepEqual(await store.searchTraces({ maxDurationNs: 10n }), [T3]);
      assert.deepEqual(await store.searchTraces({ startNs: BASE + 55_000_000n }), [T3]);
      assert.deepEqual(await store.searchTraces({ limit: 2 }), [T3, T2]);
      assert.deepEqual(await store.searchTraces({ tags: { "it's": "a'b" } }), []);
    });

    it('searches with any-span filters: and / or, exists / not-exists, ranges, contains, fixed fields, typed values', async () => {
      const where = (w: SpanFilter, q: TraceSearch = {}) => store.searchTraces({ ...q, where: w });
      assert.deepEqual(await where({ key: 'http.response.status_code', op: '>=', value: 500 }), [T3]);
      assert.deepEqual(await where({ key: 'http.response.status_code', op: '=', value: 200 }), [T1]);
      assert.deepEqual(await where({ or: [{ key: 'user.handle', op: '=', value: 'andrewbrown' }, { key: 'span.kind', op: '=', value: 'producer' }] }), [T3, T2]);
      assert.deepEqual(await where({ and: [{ key: 'app.result_length', op: 'exists' }, { key: 'app.now', op: 'contains', value: '2026-11' }] }), [T1]);
      assert.deepEqual(await where({ and: [{ key: 'app.result_length', op: 'exists' }, { key: 'db.system', op: 'exists' }] }), [], 'each leaf on some span of the SAME trace');
      assert.deepEqual(await where({ key: 'db.system', op: 'not-exists' }), [T3, T1]);
      assert.deepEqual(await where({ key: 'ratio', op: '<', value: 0.5 }), [T2]);
      assert.deepEqual(await where({ key: 'name', op: 'contains', value: 'select' }), [T2], 'contains ignores case');
      assert.deepEqual(await where({ key: 'error', op: '=', value: true }), [T2]);
      assert.deepEqual(await where({ key: 'error', op: '!=', value: true }), [T3, T1]);
      assert.deepEqual(await where({ key: 'duration_ns', op: '>', value: 50_000_000 }), [T2]);
      assert.deepEqual(await where({ key: 'cached', op: '=', value: false }), [T2], 'a bool attribute');
      assert.deepEqual(await where({ key: 'service.name', op: '!=', value: 'backend-flask' }), [T3, T2]);
      assert.deepEqual(await where({ key: 'never.seen', op: 'not-exists' }), [T3, T2, T1]);
      assert.deepEqual(await where({ key: 'host.name', op: '>', value: 1 }), [], 'a text column compared with a number');
      assert.deepEqual(await where({ key: 'app.now', op: '!=', value: 'x' }), [T1]);
      assert.deepEqual(await where({ key: 'cached', op: '!=', value: 'maybe' }), [T2]);
      assert.deepEqual(await where({ and: [] }), [T3, T2, T1]);
      assert.deepEqual(await where({ or: [] }), []);
      assert.deepEqual(await where({ key: 'never.seen', op: '=', value: 'x' }), []);
      assert.deepEqual(await where({ key: 'host.name', op: '=', value: "it's" }), []);
      assert.deepEqual(await where({ key: 'app.now', op: 'exists' }, { service: 'backend-flask' }), [T1]);
      assert.deepEqual(await where({ key: 'app.now', op: 'exists' }, { service: 'db-svc' }), []);
      const s = await store.traceSummaries({ where: { key: 'http.response.status_code', op: '=', value: 200 } });
      assert.deepEqual([s.total, s.data.map((t) => t.traceId)], [1, [T1]]);
    });

    it('widens a column seen with another type and keeps old values', async () => {
      await store.append([makeBatch([{ traceId: T2, spanId: 'b000000000000002', name: 'x', dataset: 'db-svc', startNs: BASE, durationNs: 1n, attrs: { ratio: 'high', 'app.result_length': 2.5 } }])]);
      const cols = Object.fromEntries((await store.columns()).map((c) => [c.key, c.type]));
      assert.equal(cols.ratio, 'string');
      assert.equal(cols['app.result_length'], 'double');
      assert.equal(cols['service.name'], 'string');
      const t = await store.getTrace(T2);
      assert.deepEqual(t.map((s) => s.attributes.ratio).sort(), ['0.25', 'high']);
    });

    it('replaces an X-Ray document in one transaction', async () => {
      const doc = { traceId: T3, spanId: 'c000000000000001', name: 'seg', dataset: 'edge', startNs: BASE, durationNs: 0n, source: 1, xrayDocId: 'c000000000000001', attrs: { 'xray.in_progress': true } };
      await store.append([makeBatch([doc])]);
      assert.equal((await store.getTrace(T3)).length, 2);
      await store.append([makeBatch([{ ...doc, durationNs: 5n, attrs: {}, xrayDoc: '{"id":"c000000000000001"}' }])], { replaceDocuments: [`${T3}:c000000000000001`] });
      const t = await store.getTrace(T3);
      assert.equal(t.length, 2);
      const seg = t.find((s) => s.spanId === 'c000000000000001')!;
      assert.equal(seg.durationNano, 5n);
      assert.equal(seg.xrayDocument, '{"id":"c000000000000001"}');
    });

    it('appends many batches with different attributes in one transaction, across chunk boundaries', async () => {
      const T = 'abcdef0123456789abcdef0123456789';
      const batches = [0, 1, 2].map((k) => makeBatch(Array.from({ length: 1000 }, (_, i) => ({
        traceId: T, spanId: (0x1000 + k * 1000 + i).toString(16).padStart(16, '0'), name: `op-${k}`, dataset: 'bulk',
        startNs: BASE + BigInt(k * 1000 + i), durationNs: BigInt(i),
        attrs: i % 3 === 0 ? { [`only.batch${k}`]: i, shared: `v${k}-${i}` } : { shared: `v${k}-${i}` },
      }))));
      const r = await store.append(batches);
      assert.equal(r.spans, 3000);
      const t = await store.getTrace(T);
      assert.equal(t.length, 3000);
      for (const probe of [0, 999, 1000, 2047, 2048, 2999]) {
        const k = Math.floor(probe / 1000);
        const i = probe % 1000;
        const s = t.find((x) => x.spanId === (0x1000 + probe).toString(16).padStart(16, '0'))!;
        assert.equal(s.name, `op-${k}`);
        assert.equal(s.durationNano, BigInt(i));
        assert.equal(s.attributes.shared, `v${k}-${i}`);
        assert.equal(s.attributes[`only.batch${k}`], i % 3 === 0 ? i : undefined);
        for (const other of [0, 1, 2].filter((x) => x !== k)) assert.equal(s.attributes[`only.batch${other}`], undefined);
      }
    });

    it('keeps keys that differ only in case, or hold control characters, in columns of their own', async () => {
      const T = '0000000000000000000000000000c0de';
      const mk = (spanId: string, attrs: Record<string, string | number>) => makeBatch([{ traceId: T, spanId, name: 'case', dataset: 'case-svc', startNs: BASE, durationNs: 1n, attrs }]);
      await store.append([mk('c0de000000000001', { 'user.id': 'lower' })]);
      await store.append([mk('c0de000000000002', { 'User.Id': 'upper' })]);
      await store.append([mk('c0de000000000003', { 'user.id': 'both-lower', 'User.Id': 'both-upper', 'nul\u0000key': 7 })]);
      await store.append([mk('c0de000000000004', { 'USER.ID': 3 })]);
      const got = Object.fromEntries((await store.getTrace(T)).map((x) => [x.spanId.slice(-1), x.attributes]));
      assert.deepEqual(got, {
        1: { 'user.id': 'lower' },
        2: { 'User.Id': 'upper' },
        3: { 'user.id': 'both-lower', 'User.Id': 'both-upper', 'nul\u0000key': 7 },
        4: { 'USER.ID': 3 },
      });
      const cols = await store.columns();
      const names = cols.filter((c) => c.key.toLowerCase() === 'user.id').map((c) => c.column.toLowerCase());
      assert.equal(new Set(names).size, 3);
      const col = cols.find((c) => c.key === 'User.Id')!.column;
      const rows = await store.select(`SELECT count(*) AS n FROM spans WHERE "${col.replace(/"/g, '""')}" = 'both-upper'`);
      assert.equal(Number(rows[0]!.n), 1);
    });

    it('runs one read-only SELECT and refuses anything else', async () => {
      for (const sql of ['DELETE FROM spans', 'SELECT 1; DROP TABLE spans', 'CREATE TABLE pwned (x INT)', "INSERT INTO meta VALUES ('a', 'b', 'c')", 'DROP TABLE meta']) {
        await assert.rejects(store.select(sql), (e: Error) => e.name === 'QueryRefusedError' && !e.message.includes('spans') && !e.message.includes('meta'), sql);
      }
      assert.equal((await store.getTrace(T1)).length, 2);
      assert.equal(await store.getMeta('a', 'b'), undefined);
    });

    it('keeps metadata documents', async () => {
      await store.putMeta('group', 'Cruddur', { FilterExpression: 'service("backend-flask")' });
      await store.putMeta('group', 'A', { n: 1 });
      assert.deepEqual(await store.getMeta('group', 'Cruddur'), { FilterExpression: 'service("backend-flask")' });
      assert.deepEqual((await store.listMeta('group')).map((m) => m.name), ['A', 'Cruddur']);
      assert.equal(await store.deleteMeta('group', 'A'), true);
      assert.equal(await store.deleteMeta('group', 'A'), false);
      assert.equal(await store.getMeta('group', 'A'), undefined);
    });

    it('runs compiled queries over attribute columns named by the catalog', async () => {
      const col = (await store.columns()).find((c) => c.key === 'db.system')!.column;
      const rows = await store.select(`SELECT count(*) AS n FROM spans WHERE "${col}" = 'postgresql'`);
      assert.equal(Number(rows[0]!.n), 1);
      // Text that once was a placeholder is now just text.
      const lit = await store.select(`SELECT '{{attr:db.system}}' AS s`);
      assert.equal(lit[0]!.s, '{{attr:db.system}}');
    });

    it('sends values past the column cap to the overflow and returns them', async () => {
      const attrs: Record<string, string> = {};
      for (let i = 0; i < 30; i++) attrs[`k${i}`] = `v${i}`;
      await store.append([makeBatch([{ traceId: T2, spanId: 'b000000000000003', name: 'wide', dataset: 'db-svc', startNs: BASE, durationNs: 1n, attrs }])]);
      const s = (await store.getTrace(T2)).find((x) => x.name === 'wide')!;
      assert.equal(Object.keys(s.attributes).length, 30);
      assert.equal(s.attributes.k29, 'v29');
      assert.ok((await store.columns()).length <= 25);
    });

    it('keeps everything across close and reopen', async () => {
      const before = await store.stats();
      await store.close();
      store = await open(dir);
      const afterStats = await store.stats();
      assert.equal(afterStats.spans, before.spans);
      assert.equal((await store.getTrace(T1)).length, 2);
      assert.deepEqual(await store.getMeta('group', 'Cruddur'), { FilterExpression: 'service("backend-flask")' });
      await store.append([makeBatch([{ traceId: T1, spanId: 'a000000000000003', name: 'after-reopen', dataset: 'backend-flask', startNs: BASE, durationNs: 1n, attrs: { 'app.now': 'x', fresh: 1 } }])]);
      assert.equal((await store.getTrace(T1)).length, 3);
      // Keys that collide up to case still land in their own columns after a restart.
      const T = '0000000000000000000000000000c0de';
      await store.append([makeBatch([{ traceId: T, spanId: 'c0de000000000005', name: 'case', dataset: 'case-svc', startNs: BASE, durationNs: 1n, attrs: { 'User.Id': 'after', 'user.id': 'reopen' } }])]);
      const s = (await store.getTrace(T)).find((x) => x.spanId === 'c0de000000000005')!;
      assert.deepEqual(s.attributes, { 'User.Id': 'after', 'user.id': 'reopen' });
    });
  });
}
