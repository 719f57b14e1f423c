import type { AttrScalar, AttrType, SpanEvent, SpanLink } from './span.js';

/**
 * Columnar batch of spans: what receivers produce and the store appends.
 *
 * Fixed fields are typed arrays or string arrays indexed by row. Attributes are one sparse column per
 * key (`attrs`), the same shape as the store's wide table, so appending is column-at-a-time.
 * Resource attributes live in the same columns (copied onto every span of their resource, span
 * attributes win on a clash); `resourceKeys` remembers which keys came from a resource, so the Jaeger
 * API can show them as process tags.
 *
 * Ids are 64-bit halves (see ids.ts); 0n means "none".
 */
export class SpanBatch {
  length = 0;
  traceHi: BigInt64Array;
  traceLo: BigInt64Array;
  spanId: BigInt64Array;
  parentId: BigInt64Array;
  startNs: BigInt64Array;
  durationNs: BigInt64Array;
  /** For X-Ray data: id of the document (segment or independent subsegment) the row came from. */
  xrayDocId: BigInt64Array;
  kind: Uint8Array;
  statusCode: Uint8Array;
  source: Uint8Array;
  flags: Uint32Array;
  droppedAttrs: Uint32Array;
  droppedEvents: Uint32Array;
  droppedLinks: Uint32Array;
  name: string[] = [];
  dataset: string[] = [];
  traceState: string[] = [];
  statusMessage: string[] = [];
  scopeName: string[] = [];
  scopeVersion: string[] = [];
  events: (SpanEvent[] | null)[] = [];
  links: (SpanLink[] | null)[] = [];
  /** Original X-Ray document (JSON text) on the span that heads it. */
  xrayDoc: (string | null)[] = [];
  attrs = new Map<string, AttrColumn>();
  resourceKeys = new Set<string>();

  constructor(private capacity = 64) {
    this.traceHi = new BigInt64Array(capacity);
    this.traceLo = new BigInt64Array(capacity);
    this.spanId = new BigInt64Array(capacity);
    this.parentId = new BigInt64Array(capacity);
    this.startNs = new BigInt64Array(capacity);
    this.durationNs = new BigInt64Array(capacity);
    this.xrayDocId = new BigInt64Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.statusCode = new Uint8Array(capacity);
    this.source = new Uint8Array(capacity);
    this.flags = new Uint32Array(capacity);
    this.droppedAttrs = new Uint32Array(capacity);
    this.droppedEvents = new Uint32Array(capacity);
    this.droppedLinks = new Uint32Array(capacity);
  }

  /** Adds an empty row (ids 0, strings '') and returns its index. */
  addRow(): number {
    if (this.length === this.capacity) this.grow();
    const r = this.length++;
    this.name.push('');
    this.dataset.push('');
    this.traceState.push('');
    this.statusMessage.push('');
    this.scopeName.push('');
    this.scopeVersion.push('');
    this.events.push(null);
    this.links.push(null);
    this.xrayDoc.push(null);
    return r;
  }

  /** Drops the last row (a decoder found it invalid after starting it). */
  popRow(): void {
    const r = --this.length;
    for (const a of [this.name, this.dataset, this.traceState, this.statusMessage, this.scopeName, this.scopeVersion]) a.pop();
    this.events.pop();
    this.links.pop();
    this.xrayDoc.pop();
    for (const f of [this.traceHi, this.traceLo, this.spanId, this.parentId, this.startNs, this.durationNs, this.xrayDocId]) f[r] = 0n;
    for (const f of [this.kind, this.statusCode, this.source, this.flags, this.droppedAttrs, this.droppedEvents, this.droppedLinks]) f[r] = 0;
    for (const col of this.attrs.values()) if (col.values.length > r) col.values.length = r;
  }

  /** Sets an attribute of row `row`, widening the column's type on a clash (see AttrColumn). */
  setAttr(row: number, key: string, type: AttrType, value: AttrScalar): void {
    let col = this.attrs.get(key);
    if (col === undefined) {
      col = { type, values: [] };
      this.attrs.set(key, col);
    } else if (col.type !== type) {
      const wide = widenType(col.type, type);
      if (wide !== col.type) convertColumn(col, wide);
      if (wide !== type) value = convertScalar(value, wide);
    }
    const v = col.values;
    while (v.length < row) v.push(undefined);
    v[row] = value;
  }

  getAttr(row: number, key: string): AttrScalar | undefined {
    return this.attrs.get(key)?.values[row];
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const big = (a: BigInt64Array) => { const b = new BigInt64Array(cap); b.set(a); return b; };
    const u8 = (a: Uint8Array) => { const b = new Uint8Array(cap); b.set(a); return b; };
    const u32 = (a: Uint32Array) => { const b = new Uint32Array(cap); b.set(a); return b; };
    this.traceHi = big(this.traceHi);
    this.traceLo = big(this.traceLo);
    this.spanId = big(this.spanId);
    this.parentId = big(this.parentId);
    this.startNs = big(this.startNs);
    this.durationNs = big(this.durationNs);
    this.xrayDocId = big(this.xrayDocId);
    this.kind = u8(this.kind);
    this.statusCode = u8(this.statusCode);
    this.source = u8(this.source);
    this.flags = u32(this.flags);
    this.droppedAttrs = u32(this.droppedAttrs);
    this.droppedEvents = u32(this.droppedEvents);
    this.droppedLinks = u32(this.droppedLinks);
    this.capacity = cap;
  }
}

/**
 * One attribute key's values, indexed by row; `undefined` (or a row past the end) is "not set".
 * All values of a column have its `type`: numbers are JS numbers (int64 beyond 2^53 loses precision).
 */
export interface AttrColumn {
  type: AttrType;
  values: (AttrScalar | undefined)[];
}

/**
 * The type a column holding both `a` and `b` values gets: int+double -> double; anything with a
 * string, or bool with a number -> string. The same rule is used by the store's column catalog.
 */
export function widenType(a: AttrType, b: AttrType): AttrType {
  if (a === b) return a;
  if ((a === 'int' && b === 'double') || (a === 'double' && b === 'int')) return 'double';
  return 'string';
}

export function convertScalar(v: AttrScalar, to: AttrType): AttrScalar {
  if (to === 'string') return typeof v === 'string' ? v : String(v);
  if (to === 'double') return Number(v);
  return v;
}

function convertColumn(col: AttrColumn, to: AttrType): void {
  const v = col.values;
  for (let i = 0; i < v.length; i++) if (v[i] !== undefined) v[i] = convertScalar(v[i]!, to);
  col.type = to;
}
