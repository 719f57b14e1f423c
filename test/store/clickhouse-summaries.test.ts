/**
 * Trace summaries on ClickHouse are computed in the engine (clickhouse/trace-search.ts), and give DuckDB's
 * answers (the oracle, itself checked against the generator in trace-reads.test.ts) on generated Cruddur
 * data: any-span tag search, every sort, totals, roots, counts and services; on 26.x (chdb) and 18.16.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeRequest } from '../../bench/generate-otlp.js';
import { SLOW_HANDLE, generateRequests, toResourceSpans } from '../../bench/generate-traces.js';
import { decodeOtlpProto } from '../../src/receivers/otlp/decode-proto.js';
import { DuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import type { Store, TraceSummaryQuery } from '../../src/store/store.js';
import { itOnEachClickHouse } from '../helpers/each-clickhouse.js';

const END = 1_800_000_000_000_000_000n;
const WINDOW = 600_000_000_000n;
const QUERIES: TraceSummaryQuery[] = [
  { tags: { 'user.handle': SLOW_HANDLE }, sort: 'slowest', limit: 5 },
  { sort: 'most_spans', limit: 3 },
  { sort: 'newest', limit: 4 },
  // A window that cuts traces: counts are of the spans inside it; DuckDB reads a cut trace's root and
  // services from all its spans, ClickHouse from those in the window, so only ids and totals are compared.
  { sort: 'newest', limit: 4, startNs: END - WINDOW / 2n, endNs: END },
  { sort: 'errors', limit: 3 },
  { service: 'backend-flask', tags: { 'http.status_code': '500' }, sort: 'oldest', limit: 3 },
  { tags: { 'user.handle': 'nobody-has-this' }, limit: 3 },
];

async function answers(store: Store): Promise<unknown[]> {
  for (const req of generateRequests({ seed: 7, spans: 3000, endNs: END, windowNs: WINDOW, spansPerRequest: 500 })) {
    await store.append([decodeOtlpProto(encodeRequest(toResourceSpans(req.traces))).batch]);
  }
  const out: unknown[] = [];
  for (const q of QUERIES) {
    const r = await store.traceSummaries(q);
    out.push(q.startNs === undefined ? r : { total: r.total, ids: r.data.map((d) => d.traceId) });
  }
  return out;
}

describe('trace summaries on ClickHouse give DuckDB\'s answers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'honeyray-chsum-'));
  let expected: unknown[];
  before(async () => {
    const duck = await DuckDBStore.open({ path: ':memory:' });
    expected = await answers(duck);
    await duck.close();
    const first = expected[0] as { total: number; data: unknown[] };
    assert.ok(first.total > 5 && first.data.length === 5, 'the tag search finds traces');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  itOnEachClickHouse(dir, async (store) => {
    const got = await answers(store);
    for (let i = 0; i < QUERIES.length; i++) assert.deepEqual(got[i], expected[i], JSON.stringify(QUERIES[i], (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  });
});
