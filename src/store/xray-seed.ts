import { Attr } from '../model/semconv.js';
import { quoteIdent } from './sql-quote.js';
import type { Store } from './store.js';

/** Rows of the X-Ray assembler's restart state, newest first (plain SQL over `spans`: any engine). */
export interface XraySeedRows {
  /** trace_hi, trace_lo, xray_doc_id of documents stored in progress. */
  inProgress: Record<string, unknown>[];
  /** trace_hi, trace_lo, span_id, parent_id of X-Ray spans stored without a dataset. */
  orphans: Record<string, unknown>[];
}

export async function readXraySeed(store: Pick<Store, 'select' | 'columns'>, limit: number): Promise<XraySeedRows> {
  const flag = (await store.columns()).find((c) => c.key === Attr.XRAY_IN_PROGRESS);
  const inProgress = !flag ? [] : await store.select(`SELECT DISTINCT trace_hi, trace_lo, xray_doc_id, start_ns FROM spans
    WHERE source = 1 AND xray_doc_id = span_id AND ${quoteIdent(flag.column)} = true ORDER BY start_ns DESC LIMIT ${limit}`);
  const orphans = await store.select(`SELECT trace_hi, trace_lo, span_id, parent_id FROM spans
    WHERE source = 1 AND dataset = '' ORDER BY start_ns DESC LIMIT ${limit}`);
  return { inProgress, orphans };
}
