import duckdb from '@duckdb/node-bindings';
import type { SpanBatch } from '../../model/span-batch.js';
import type { AttrScalar, AttrType } from '../../model/span.js';

/**
 * Writes a SpanBatch into DuckDB data chunks with the raw bindings, column at a time.
 *
 * Hand-written on purpose: @duckdb/node-api's `DuckDBDataChunk.setColumns` converts value by value and
 * sets validity bits with BigInt arithmetic (measured ~4 us/row for 40 columns, more than the commit
 * itself). Here numeric columns are one memcpy from the batch's typed arrays, validity masks are
 * built in a Uint8Array, and only strings cost a native call each.
 */

/** How one table column is filled from a batch. */
export type ColumnSource =
  | { kind: 'big'; field: BigKey }
  | { kind: 'u8'; field: U8Key }
  | { kind: 'u32'; field: U32Key }
  /** `emptyAsNull`: '' is stored as NULL (no per-row native call; read back as ''). */
  | { kind: 'str'; field: StrKey; emptyAsNull?: boolean }
  | { kind: 'json'; field: 'events' | 'links' }
  | { kind: 'doc' }
  | { kind: 'overflow' }
  | { kind: 'attr'; key: string; type: AttrType };

type BigKey = 'traceHi' | 'traceLo' | 'spanId' | 'parentId' | 'startNs' | 'durationNs' | 'xrayDocId';
type U8Key = 'kind' | 'statusCode' | 'source';
type U32Key = 'flags' | 'droppedAttrs' | 'droppedEvents' | 'droppedLinks';
type StrKey = 'dataset' | 'name' | 'traceState' | 'statusMessage' | 'scopeName' | 'scopeVersion';

const VECTOR_SIZE = duckdb.vector_size();

export interface ChunkPlan {
  /** Logical types of the table's columns, in table order. */
  types: duckdb.LogicalType[];
  sources: ColumnSource[];
  /** Keys of the batch that have no column (over the cap): their values go to attrs_overflow. */
  overflowKeys: string[];
}

/** Appends `batch` through `appender`; returns how many attribute values overflowed. */
export function appendBatch(appender: duckdb.Appender, plan: ChunkPlan, batch: SpanBatch): number {
  let overflowed = 0;
  const overflow = plan.overflowKeys.length > 0 ? buildOverflow(batch, plan.overflowKeys) : null;
  if (overflow) overflowed = overflow.count;
  for (let start = 0; start < batch.length; start += VECTOR_SIZE) {
    const n = Math.min(VECTOR_SIZE, batch.length - start);
    const chunk = duckdb.create_data_chunk(plan.types);
    duckdb.data_chunk_set_size(chunk, n);
    for (let c = 0; c < plan.sources.length; c++) {
      const vec = duckdb.data_chunk_get_vector(chunk, c);
      fillColumn(vec, plan.sources[c]!, batch, start, n, overflow?.json ?? null);
    }
    duckdb.append_data_chunk(appender, chunk);
  }
  return overflowed;
}

function fillColumn(vec: duckdb.Vector, src: ColumnSource, b: SpanBatch, start: number, n: number, overflow: (string | null)[] | null): void {
  switch (src.kind) {
    case 'big': {
      const a = b[src.field];
      duckdb.copy_data_to_vector(vec, 0, a.buffer as ArrayBuffer, a.byteOffset + start * 8, n * 8);
      return;
    }
    case 'u8': {
      const a = b[src.field];
      duckdb.copy_data_to_vector(vec, 0, a.buffer as ArrayBuffer, a.byteOffset + start, n);
      return;
    }
    case 'u32': {
      const a = b[src.field];
      duckdb.copy_data_to_vector(vec, 0, a.buffer as ArrayBuffer, a.byteOffset + start * 4, n * 4);
      return;
    }
    case 'str':
      return src.emptyAsNull ? fillStrings(vec, b[src.field], start, n, true, true) : fillStrings(vec, b[src.field], start, n, false);
    case 'json': {
      const a = b[src.field];
      const out: (string | undefined)[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = a[start + i];
        out[i] = v && v.length > 0 ? JSON.stringify(v) : undefined;
      }
      return fillStrings(vec, out, 0, n, true);
    }
    case 'doc':
      return fillStrings(vec, b.xrayDoc, start, n, true);
    case 'overflow':
      return overflow ? fillStrings(vec, overflow, start, n, true) : setAllNull(vec, n);
    case 'attr':
      return fillAttr(vec, src.type, b.attrs.get(src.key)?.values, start, n);
  }
}

function fillStrings(vec: duckdb.Vector, a: readonly (string | null | undefined)[], start: number, n: number, nullable: boolean, emptyAsNull = false): void {
  let mask: Uint8Array | null = null;
  for (let i = 0; i < n; i++) {
    const v = a[start + i];
    if (v == null || (emptyAsNull && v === '')) {
      if (!nullable) { duckdb.vector_assign_string_element(vec, i, ''); continue; }
      mask ??= allValid(n);
      mask[i >> 3]! &= ~(1 << (i & 7));
    } else {
      duckdb.vector_assign_string_element(vec, i, v);
    }
  }
  if (mask) writeValidity(vec, mask);
}

function fillAttr(vec: duckdb.Vector, type: AttrType, values: readonly (AttrScalar | undefined)[] | undefined, start: number, n: number): void {
  if (values === undefined || values.length <= start) return setAllNull(vec, n);
  const mask = allValid(n);
  let nulls = 0;
  if (type === 'string') {
    for (let i = 0; i < n; i++) {
      const v = values[start + i];
      if (v === undefined) { mask[i >> 3]! &= ~(1 << (i & 7)); nulls++; }
      else duckdb.vector_assign_string_element(vec, i, typeof v === 'string' ? v : String(v));
    }
  } else if (type === 'bool') {
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[start + i];
      if (v === undefined) { mask[i >> 3]! &= ~(1 << (i & 7)); nulls++; }
      else data[i] = v ? 1 : 0;
    }
    duckdb.copy_data_to_vector(vec, 0, data.buffer, 0, n);
  } else if (type === 'int') {
    const data = new BigInt64Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[start + i];
      if (v === undefined) { mask[i >> 3]! &= ~(1 << (i & 7)); nulls++; }
      else data[i] = BigInt(Math.trunc(Number(v)));
    }
    duckdb.copy_data_to_vector(vec, 0, data.buffer, 0, n * 8);
  } else {
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[start + i];
      if (v === undefined) { mask[i >> 3]! &= ~(1 << (i & 7)); nulls++; }
      else data[i] = Number(v);
    }
    duckdb.copy_data_to_vector(vec, 0, data.buffer, 0, n * 8);
  }
  if (nulls > 0) writeValidity(vec, mask);
}

function allValid(n: number): Uint8Array {
  return new Uint8Array(Math.ceil(n / 64) * 8).fill(0xff);
}

function setAllNull(vec: duckdb.Vector, n: number): void {
  writeValidity(vec, new Uint8Array(Math.ceil(n / 64) * 8));
}

function writeValidity(vec: duckdb.Vector, mask: Uint8Array): void {
  duckdb.vector_ensure_validity_writable(vec);
  duckdb.copy_data_to_vector_validity(vec, 0, mask.buffer as ArrayBuffer, mask.byteOffset, mask.byteLength);
}

function buildOverflow(b: SpanBatch, keys: string[]): { json: (string | null)[]; count: number } {
  const rows: (Record<string, AttrScalar> | null)[] = new Array(b.length).fill(null);
  let count = 0;
  for (const key of keys) {
    const vals = b.attrs.get(key)?.values;
    if (!vals) continue;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i];
      if (v === undefined) continue;
      (rows[i] ??= {})[key] = v;
      count++;
    }
  }
  return { json: rows.map((r) => (r ? JSON.stringify(r) : null)), count };
}
