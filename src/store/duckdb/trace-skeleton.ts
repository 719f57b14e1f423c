import type { DuckDBConnection } from '@duckdb/node-api';
import { u64ToHex } from '../../model/ids.js';
import { traceIdConditions } from '../engine-common.js';
import type { TraceSkeleton } from '../store.js';
import { SKELETON_RANKS, skeletonFromColumns } from '../trace-skeleton.js';

/**
 * A trace's skeleton (store.ts `getTraceSkeleton`) in one statement over the fixed columns only: no
 * attribute column is read, times come as microsecond doubles, ids as integers (hex in JS), and each
 * service and span name is converted once (the window functions send it on its first row only).
 */
export async function readTraceSkeleton(conn: DuckDBConnection, traceId: string): Promise<TraceSkeleton | null> {
  const sql = `SELECT span_id, parent_id, ${SKELETON_RANKS.serviceRank}, ${SKELETON_RANKS.serviceText},
      ${SKELETON_RANKS.nameRank}, ${SKELETON_RANKS.nameText},
      kind, status_code, CAST(start_ns // 1000 AS DOUBLE), CAST(duration_ns // 1000 AS DOUBLE)
    FROM spans WHERE ${traceIdConditions([traceId])}
    ORDER BY start_ns, span_id`;
  const reader = await conn.runAndReadAll(sql);
  if (reader.currentRowCount === 0) return null;
  const cols = reader.getColumnsJS();
  const ids = (i: number) => cols[i]!.map((v) => (v === 0n || v === null ? '' : u64ToHex(v as bigint)));
  const num = (i: number) => cols[i]!.map((v) => Number(v));
  const text = (i: number) => cols[i]!.map((v) => (v === null ? null : String(v)));
  return skeletonFromColumns(traceId, {
    spanId: ids(0), parentSpanId: ids(1), serviceRank: num(2), serviceText: text(3), nameRank: num(4), nameText: text(5),
    kind: num(6), statusCode: num(7), startUs: num(8), durationUs: num(9),
  });
}
