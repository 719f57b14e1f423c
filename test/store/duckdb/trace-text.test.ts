/**
 * Big traces' Jaeger text written by the engine (store/duckdb/trace-text.ts) against the column path
 * (jaeger-json.ts from getTraceColumns), in a real DuckDB: the same bytes for every field the SQL writes,
 * and the column path whenever a span is one the SQL does not render (links, Zipkin shared ids, numbers
 * JS prints otherwise).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jaegerEnvelopeJson, jaegerTextEnvelopeJson } from '../../../src/api/jaeger/jaeger-json.js';
import { DuckDBStore } from '../../../src/store/duckdb/duckdb-store.js';
import { SMALL_READ_INDEX_ROWS } from '../../../src/store/duckdb/trace-index.js';
import type { AttrScalar } from '../../../src/model/span.js';
import { makeBatch, type TestSpan } from '../make-batch.js';

const BASE = 1_800_000_000_000_000_000n;
const BATCHES = SMALL_READ_INDEX_ROWS + 2;

/** A trace of `BATCHES` appended batches (a big read) of `per` spans each; `tweak` edits span i. */
function trace(traceId: string, per: number, tweak: (s: TestSpan, i: number) => void = () => {}): TestSpan[][] {
  const out: TestSpan[][] = [];
  let i = 0;
  for (let b = 0; b < BATCHES; b++) {
    const batch: TestSpan[] = [];
    for (let k = 0; k < per; k++, i++) {
      const s: TestSpan = {
        traceId, spanId: (0x1000 + i).toString(16).padStart(16, '0'), parentSpanId: i ? '0000000000001000' : undefined,
        name: i % 3 ? 'SELECT "users"' : 'GET /api/activities/home', dataset: b % 3 ? 'backend-flask' : 'frontend-react-js',
        kind: i % 6, startNs: BASE + BigInt(i) * 1_000_000n + (i % 2 ? 0n : 7n), durationNs: BigInt(1000 + i * 37),
        // A key with a quote, a double quote and a backslash: quoted into the SQL as a literal, not SQL.
        attrs: { 'db.statement': `SELECT * FROM t WHERE id = ${i} AND name = 'a\\"b' -- é 😀 \u2028`, 'batch.index': i - 40, 'cache.hit': i % 2 === 0, [`it's "q" \\' --`]: i % 3 ? 'v' : true },
        resource: { 'service.name': b % 3 ? 'backend-flask' : 'frontend-react-js', ...(b % 4 === 3 ? {} : { 'host.name': `host-${b % 2}` }) },
      };
      tweak(s, i);
      batch.push(s);
    }
    out.push(batch);
  }
  return out;
}

describe('big trace text written by the engine', () => {
  let store: DuckDBStore;
  const load = async (batches: TestSpan[][], edit?: (b: ReturnType<typeof makeBatch>) => void) => {
    for (const spans of batches) {
      const b = makeBatch(spans);
      edit?.(b);
      await store.append([b]);
    }
  };
  /** The trace by getJaegerTrace, and its envelope as the column path writes it. */
  const both = async (id: string) => {
    const got = await store.getJaegerTrace(id);
    const cols = await store.getTraceColumns(id);
    assert.ok(got && cols);
    return { got, columns: jaegerEnvelopeJson([id], [cols], null) };
  };

  before(async () => {
    store = await DuckDBStore.open({ path: ':memory:' });
  });
  after(() => store.close());

  it('writes the same bytes as the column path: tags of every type, kinds, status, processes, events, warnings', async () => {
    const id = '5f84c7a11234567890abcdef12345678';
    const ratios: AttrScalar[] = [0.25, 3, 1234.5678, -0.001, -7, 0.0001, 123456789012.5];
    await load(trace(id, 25, (s, i) => {
      if (i % 5 === 0) s.attrs!.ratio = ratios[(i / 5) % ratios.length]!;
      if (i % 7 === 0) { s.statusCode = 2; s.statusMessage = 'timeout "db"'; }
      if (i % 7 === 1) s.statusCode = 1;
      if (i % 11 === 0) s.events = [{ timeUnixNano: String(BASE + BigInt(i) * 1000n + 999n), name: 'exception', attributes: { 'exception.message': 'boom', n: 3, nested: { a: [1, 'x'] }, none: null } }];
      if (i === 17) s.parentSpanId = 'ffffffffffffff01'; // not in the trace: Jaeger's warning
    }), (b) => {
      for (let r = 0; r < b.length; r++) {
        b.scopeName[r] = r % 2 ? 'opentelemetry.instrumentation.flask' : '';
        b.scopeVersion[r] = r % 2 ? '0.43b0' : '';
        b.traceState[r] = r === 3 ? 'rojo=00f067aa0ba902b7' : '';
        b.flags[r] = r % 2 ? 0x101 : 1;
      }
    });
    const { got, columns } = await both(id);
    assert.ok('text' in got, 'a big trace comes as text');
    const body = Buffer.concat(jaegerTextEnvelopeJson(got.text));
    assert.equal(body.toString('utf8'), columns.toString('utf8'));
    const doc = JSON.parse(body.toString('utf8')) as { data: { spans: { warnings: string[] | null; logs: unknown[]; tags: { key: string; type: string }[] }[]; processes: Record<string, unknown> }[] };
    const t = doc.data[0]!;
    assert.equal(t.spans.length, BATCHES * 25);
    // What the fixture plants is in the document (so the equality above covers it).
    assert.ok(t.spans.some((s) => s.warnings?.[0]?.includes('ffffffffffffff01')));
    assert.ok(t.spans.filter((s) => s.logs.length).length >= 20);
    assert.ok(Object.keys(t.processes).length >= 4);
    const types = new Set(t.spans.flatMap((s) => s.tags.filter((g) => g.key === 'ratio').map((g) => g.type)));
    assert.deepEqual([...types].sort(), ['float64', 'int64']);
  });

  it('a control character in a string: the same document (the engine escapes it in upper-case hex)', async () => {
    const id = '5f84c7a11234567890abcdef12345679';
    await load(trace(id, 3, (s, i) => { if (i === 4) s.attrs!['db.statement'] = 'tab\there, unit\u001fsep'; }));
    const { got, columns } = await both(id);
    assert.ok('text' in got);
    assert.deepEqual(JSON.parse(Buffer.concat(jaegerTextEnvelopeJson(got.text)).toString('utf8')), JSON.parse(columns.toString('utf8')));
  });

  for (const [what, id, tweak] of [
    ['a link', '00000000000000000000000000000a01', (s: TestSpan, i: number) => { if (i === 5) s.links = [{ traceId: '5f84c7a11234567890abcdef12345678', spanId: '0000000000001001', attributes: {} }]; }],
    ['a Zipkin shared span id', '00000000000000000000000000000a02', (s: TestSpan, i: number) => { if (i === 6) { s.spanId = '0000000000001005'; s.kind = 2; } if (i === 5) s.kind = 3; }],
    ['a double JS prints in exponent form', '00000000000000000000000000000a03', (s: TestSpan, i: number) => { s.attrs!.tiny = i === 0 ? 0.5 : i === 8 ? 1e-7 : 0.5; }],
    ['an integer past 2^53', '00000000000000000000000000000a04', (s: TestSpan, i: number) => { if (i === 9) s.attrs!['batch.index'] = 2 ** 60; }],
  ] as const) {
    it(`a trace with ${what} is read as columns, and written as before`, async () => {
      await load(trace(id, 2, tweak));
      const got = await store.getJaegerTrace(id);
      assert.ok(got && 'columns' in got, 'falls back to the column path');
      const cols = await store.getTraceColumns(id);
      assert.deepEqual(got.columns, cols);
    });
  }

  it('small traces come as columns; an unknown trace is null', async () => {
    const id = '00000000000000000000000000000b01';
    await store.append([makeBatch(trace(id, 2)[0]!)]);
    const got = await store.getJaegerTrace(id);
    assert.ok(got && 'columns' in got);
    assert.equal(got.columns.length, 2);
    assert.equal(await store.getJaegerTrace('ffffffffffffffffffffffffffffffff'), null);
  });

  it('a trace id with a zero high half is written as 16 hex digits, as Jaeger does', async () => {
    const id = '00000000000000000123456789abcdef';
    await load(trace(id, 2));
    const { got, columns } = await both(id);
    assert.ok('text' in got);
    const body = Buffer.concat(jaegerTextEnvelopeJson(got.text)).toString('utf8');
    assert.equal(body, columns.toString('utf8'));
    assert.ok(body.startsWith('{"data":[{"traceID":"0123456789abcdef"'));
  });
});
