/**
 * A small data set with hand-checkable values (times from T0, one hour long), appended through the
 * store's real append path. Expectations in the tests are worked out from this table by hand.
 *
 * | # | service       | name      | user.handle | app.result_length | ms   | status | start s | parent |
 * |---|---------------|-----------|-------------|-------------------|------|--------|---------|--------|
 * | 1 | backend-flask | GET /home | andrew      | 3                 | 100  | ok     | 10      | root   |
 * | 2 | backend-flask | GET /home | andrew      | 5                 | 300  | error  | 70      | root   |
 * | 3 | backend-flask | GET /home | brown       | 1                 | 50   | ok     | 130     | root   |
 * | 4 | backend-flask | GET /home | cat         | 4                 | 900  | ok     | 190     | root   |
 * | 5 | backend-flask | GET /home | cat         | 6                 | 1000 | error  | 250     | root   |
 * | 6 | backend-flask | db.query  |             |                   | 20   | ok     | 11      | 1      |
 * | 7 | backend-flask | db.query  |             |                   | 40   | ok     | 71      | 2      |
 * | 8 | frontend      | fetch     | andrew      |                   | 200  | ok     | 9       | root   |
 * | 9 | frontend      | fetch     | brown       |                   | 60   | ok     | 129     | root   |
 * |10 | frontend      | fetch     | cat         |                   | 1100 | ok     | 249     | root   |
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBStore } from '../../../src/store/duckdb/duckdb-store.js';
import { makeBatch, type TestSpan } from '../../store/make-batch.js';

export const T0 = 1_780_000_000;

interface Row { service: string; name: string; user?: string; len?: number; ms: number; error?: boolean; at: number; parent?: number }
export const ROWS: Row[] = [
  { service: 'backend-flask', name: 'GET /home', user: 'andrew', len: 3, ms: 100, at: 10 },
  { service: 'backend-flask', name: 'GET /home', user: 'andrew', len: 5, ms: 300, error: true, at: 70 },
  { service: 'backend-flask', name: 'GET /home', user: 'brown', len: 1, ms: 50, at: 130 },
  { service: 'backend-flask', name: 'GET /home', user: 'cat', len: 4, ms: 900, at: 190 },
  { service: 'backend-flask', name: 'GET /home', user: 'cat', len: 6, ms: 1000, error: true, at: 250 },
  { service: 'backend-flask', name: 'db.query', ms: 20, at: 11, parent: 1 },
  { service: 'backend-flask', name: 'db.query', ms: 40, at: 71, parent: 2 },
  { service: 'frontend', name: 'fetch', user: 'andrew', ms: 200, at: 9 },
  { service: 'frontend', name: 'fetch', user: 'brown', ms: 60, at: 129 },
  { service: 'frontend', name: 'fetch', user: 'cat', ms: 1100, at: 249 },
];

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export function fixtureSpans(): TestSpan[] {
  return ROWS.map((r, i) => {
    const traceOf = r.parent ?? i + 1;
    const attrs: Record<string, string | number> = {};
    if (r.user) attrs['user.handle'] = r.user;
    if (r.len !== undefined) attrs['app.result_length'] = r.len;
    return {
      traceId: hex(traceOf, 32), spanId: hex(i + 1, 16), parentSpanId: r.parent ? hex(r.parent, 16) : undefined,
      name: r.name, dataset: r.service, kind: r.parent ? 3 : 2,
      startNs: BigInt(T0 + r.at) * 1_000_000_000n, durationNs: BigInt(r.ms) * 1_000_000n,
      statusCode: r.error ? 2 : 0, attrs, resource: { 'service.name': r.service },
    };
  });
}

/** A fresh store holding the fixture; `done()` closes it and removes its directory. */
export async function fixtureStore(): Promise<{ store: DuckDBStore; done(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'honeyray-hc-'));
  const store = await DuckDBStore.open({ path: join(dir, 'spans.duckdb') });
  await store.append([makeBatch(fixtureSpans())]);
  return { store, async done() { await store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/** The fixture's hour as a spec's time fields. */
export const HOUR = { start_time: T0, end_time: T0 + 3600 };
