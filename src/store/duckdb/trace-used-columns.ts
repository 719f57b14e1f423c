import type { SpanBatch } from '../../model/span-batch.js';
import { quoteIdent, quoteString } from '../sql-quote.js';

/**
 * Which optional columns a trace's spans of one appended batch have values in, kept beside its start range
 * in the trace index's lookup copy (`trace_lookup.cols`), so a trace read selects only those.
 *
 * Why: in DuckDB every column a statement reads costs ~0.1-0.4 ms even for the 4 rows of a typical trace
 * (each column's scan walks the row group: vectors set up, FSST offsets decoded up to the rows), so with
 * ~50 columns the read cost ~10 ms whatever its row count. A typical Cruddur trace uses 22 of the 26
 * attribute columns and none of trace state, status message, events, links (docs/storage.md).
 *
 * Encoding: JSON `[fixedBits, ...attribute keys sorted]`: keys rather than column positions, so a column
 * added or widened later changes nothing; traces of one shape share the text (dictionary compressed).
 */
export const OPTIONAL_FIXED = ['trace_state', 'status_message', 'events', 'links'] as const;

/** The used columns of one index row (a trace's spans in one batch), as they are marked row by row. */
export class UsedColumns {
  fixed = 0;
  /** Positions of the batch's attribute keys (`SpanBatch.attrs` order), ascending. */
  keys: number[] = [];
}

/**
 * Marks, on each row's entry (`of[row]`), the optional columns that row has a value in; returns the
 * encoder of the batch's entries. Index rows of one batch mostly share a shape, so each distinct one is
 * sorted and written once (sorting and writing per row was ~30% of the index's append CPU).
 */
export function markUsedColumns(b: SpanBatch, of: readonly UsedColumns[]): (u: UsedColumns) => string {
  for (let i = 0; i < b.length; i++) {
    const u = of[i]!;
    if (b.traceState[i]) u.fixed |= 1;
    if (b.statusMessage[i]) u.fixed |= 2;
    if (b.events[i] != null) u.fixed |= 4;
    if (b.links[i] != null) u.fixed |= 8;
  }
  const names: string[] = [];
  for (const [key, col] of b.attrs) {
    const k = names.push(key) - 1;
    const v = col.values;
    const n = Math.min(v.length, b.length);
    for (let i = 0; i < n; i++) {
      const u = of[i]!;
      if (v[i] != null && u.keys[u.keys.length - 1] !== k) u.keys.push(k);
    }
  }
  const shapes = new Map<string, string>();
  return (u) => {
    const id = `${u.fixed}:${u.keys.join(',')}`;
    let text = shapes.get(id);
    if (text === undefined) shapes.set(id, (text = JSON.stringify([u.fixed, ...u.keys.map((k) => names[k]!).sort()])));
    return text;
  };
}

/** The union of the encoded index rows of a read. */
export function decodeUsedColumns(encoded: Iterable<string>): { fixed: Set<string>; keys: Set<string> } {
  let fixed = 0;
  const keys = new Set<string>();
  for (const e of encoded) {
    const [bits, ...ks] = JSON.parse(e) as [number, ...string[]];
    fixed |= bits;
    for (const k of ks) keys.add(k);
  }
  return { fixed: new Set(OPTIONAL_FIXED.filter((_, i) => (fixed & (1 << i)) !== 0)), keys };
}

/**
 * The same encoding computed by the engine, per trace, from the spans (`keys`: attribute key -> column):
 * fills `cols` for data dirs indexed before it (once, at open: ~11 s for 10M spans on the loaded 2-core
 * dev machine). An aggregate over `spans GROUP BY trace_hi, trace_lo`.
 */
export function usedColumnsSql(keys: readonly { key: string; col: string }[]): string {
  const bits = ['count(nullif(trace_state, \'\'))', 'count(nullif(status_message, \'\'))', 'count(events)', 'count(links)']
    .map((c, i) => `${1 << i} * (${c} > 0)::INTEGER`).join(' + ');
  const sorted = [...keys].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const parts = sorted.map((k) => `CASE WHEN count(${quoteIdent(k.col)}) > 0 THEN ${quoteString(JSON.stringify(k.key))} END`);
  const list = parts.length ? ` || coalesce(',' || nullif(concat_ws(',', ${parts.join(', ')}), ''), '')` : '';
  return `'[' || (${bits})${list} || ']'`;
}
