import { u64ToHex } from '../../model/ids.js';
import { traceIdConditions } from '../engine-common.js';
import type { TraceSkeleton } from '../store.js';
import { skeletonFromColumns } from '../trace-skeleton.js';
import type { ChClient } from './client.js';
import { liveCondition, traceRows } from './schema.js';

/**
 * A trace's skeleton (store.ts `getTraceSkeleton`) from the fixed columns only (no attribute column is
 * read). ClickHouse 18.16 has no window functions, so the service and name dictionary is built here
 * rather than in the engine (DuckDB's counterpart ranks in SQL); rows are JSONEachRow, 64-bit
 * integers as decimal strings.
 */
export async function readTraceSkeleton(client: ChClient, traceId: string): Promise<TraceSkeleton | null> {
  const conds = traceIdConditions([traceId]);
  const rows = await client.query(`SELECT span_id, parent_id, dataset, name, kind, status_code,
      intDiv(start_ns, 1000) AS start_us, intDiv(duration_ns, 1000) AS duration_us
    FROM spans_data ${traceRows(conds)} AND ${liveCondition(conds)} ORDER BY start_ns, span_id`);
  if (rows.length === 0) return null;
  const n = rows.length;
  const rank = (key: 'dataset' | 'name') => {
    const distinct = [...new Set(rows.map((r) => String(r[key] ?? '')))].sort();
    const at = new Map(distinct.map((s, i) => [s, i]));
    const seen = new Set<string>();
    const text: (string | null)[] = new Array(n);
    const ranks = rows.map((r, i) => {
      const s = String(r[key] ?? '');
      text[i] = seen.has(s) ? null : (seen.add(s), s);
      return at.get(s)!;
    });
    return { ranks, text };
  };
  const id = (v: unknown) => { const b = BigInt(String(v ?? 0)); return b === 0n ? '' : u64ToHex(b); };
  const svc = rank('dataset');
  const name = rank('name');
  return skeletonFromColumns(traceId, {
    spanId: rows.map((r) => id(r.span_id)), parentSpanId: rows.map((r) => id(r.parent_id)),
    serviceRank: svc.ranks, serviceText: svc.text, nameRank: name.ranks, nameText: name.text,
    kind: rows.map((r) => Number(r.kind)), statusCode: rows.map((r) => Number(r.status_code)),
    startUs: rows.map((r) => Number(r.start_us)), durationUs: rows.map((r) => Number(r.duration_us)),
  });
}
