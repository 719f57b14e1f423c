/**
 * Honeycomb's column names over the physical spans table, in ONE place: the fixed span fields Honeycomb's
 * own OTLP mapping produces (husky otlp/traces.go: `duration_ms`, `trace.trace_id`, `error`, `span.kind`...),
 * every attribute column of the catalog (by its `ColumnInfo.column`), and calculated fields. A name that is
 * none of these is unknown (a 400): it never reaches SQL.
 */
import type { ColumnInfo } from '../../store/store.js';
import { cmp, col, fn, isNull, lit, type Expr } from '../ir/ir.js';

export type HcType = 'string' | 'integer' | 'float' | 'boolean';

export interface HcColumn {
  name: string;
  type: HcType;
  expr: Expr;
  description: string;
  /** Unix ms of the last write (attribute columns), for /1/columns. */
  lastWrittenMs?: number;
  /** A calculated field (derived column). */
  derived?: boolean;
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

const kindName: Expr = {
  k: 'case',
  whens: KINDS.map((name, i) => [cmp('=', col('kind'), lit(i)), lit(name)] as [Expr, Expr]),
};

/** The fixed columns, as Honeycomb names them for OTLP spans. */
export const FIXED_COLUMNS: readonly HcColumn[] = [
  { name: 'duration_ms', type: 'float', expr: fn('nsToMs', col('duration_ns')), description: 'Span duration in milliseconds' },
  { name: 'name', type: 'string', expr: col('name'), description: 'Span name' },
  { name: 'service.name', type: 'string', expr: col('dataset'), description: 'Service (the dataset)' },
  { name: 'trace.trace_id', type: 'string', expr: fn('traceIdHex', col('trace_hi'), col('trace_lo')), description: 'Trace id (32 hex)' },
  { name: 'trace.span_id', type: 'string', expr: fn('spanIdHex', col('span_id')), description: 'Span id (16 hex)' },
  {
    name: 'trace.parent_id', type: 'string', description: 'Parent span id (absent on root spans)',
    expr: { k: 'case', whens: [[cmp('!=', col('parent_id'), lit(0)), fn('spanIdHex', col('parent_id'))]] },
  },
  { name: 'error', type: 'boolean', expr: cmp('=', col('status_code'), lit(2)), description: 'True when the span status is ERROR' },
  { name: 'span.kind', type: 'string', expr: kindName, description: 'client, server, producer, consumer, internal or unspecified' },
  { name: 'status_code', type: 'integer', expr: col('status_code'), description: 'OTLP status code: 0 unset, 1 ok, 2 error' },
  { name: 'status_message', type: 'string', expr: col('status_message'), description: 'OTLP status message' },
  { name: 'meta.signal_type', type: 'string', expr: lit('trace'), description: 'Always "trace"' },
  { name: 'span.num_events', type: 'integer', expr: fn('jsonArrayLength', col('events')), description: 'Number of span events' },
  { name: 'span.num_links', type: 'integer', expr: fn('jsonArrayLength', col('links')), description: 'Number of span links' },
  { name: 'is_root', type: 'boolean', expr: cmp('=', col('parent_id'), lit(0)), description: 'True on root spans (no parent)' },
  { name: 'trace.trace_state', type: 'string', expr: col('trace_state'), description: 'W3C tracestate' },
  { name: 'library.name', type: 'string', expr: col('scope_name'), description: 'Instrumentation scope name' },
  { name: 'library.version', type: 'string', expr: col('scope_version'), description: 'Instrumentation scope version' },
];

const FIXED_BY_NAME = new Map(FIXED_COLUMNS.map((c) => [c.name, c]));

const ATTR_TYPES: Record<ColumnInfo['type'], HcType> = { string: 'string', int: 'integer', double: 'float', bool: 'boolean' };

/** Name -> column for one query: fixed columns, then attributes, then the query's calculated fields. */
export class ColumnResolver {
  private readonly byName = new Map<string, HcColumn>();

  constructor(attrs: readonly ColumnInfo[]) {
    for (const a of attrs) {
      if (FIXED_BY_NAME.has(a.key)) continue; // e.g. a resource `service.name` attribute: the fixed column wins
      this.byName.set(a.key, {
        name: a.key, type: ATTR_TYPES[a.type], expr: col(a.column), description: '', lastWrittenMs: a.lastSeenMs,
      });
    }
    for (const c of FIXED_COLUMNS) this.byName.set(c.name, c);
  }

  get(name: string): HcColumn | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Adds a calculated field (its formula already compiled). */
  addDerived(name: string, type: HcType, expr: Expr, description = ''): void {
    this.byName.set(name, { name, type, expr, description, derived: true });
  }

  list(): HcColumn[] {
    return [...this.byName.values()];
  }
}

/** True for the types numeric aggregates accept. */
export const isNumeric = (t: HcType) => t === 'integer' || t === 'float';

export { isNull };
