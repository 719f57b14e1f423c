import duckdb from '@duckdb/node-bindings';
import type { SpanBatch } from '../../model/span-batch.js';
import { overflowJson } from '../engine-common.js';
import type { AttrScalar, AttrType } from '../../model/span.js';

/**
 * Writes SpanBatches into DuckDB data chunks with the raw bindings, column at a time.
 *
 * Hand-written on purpose: @duckdb/node-api's `DuckDBDataChunk.setColumns` converts value by value and
 * sets validity bits with BigInt arithmetic (measured ~4 us/row for 40 columns, more than the commit
 * itself). Here numeric columns are one memcpy from the batch's typed arrays, validity masks are
 * built in a Uint8Array, and strings are written as DuckDB `string_t` structs (see `StringColumn`):
 * one native call per *distinct* long string of a chunk, none for strings of 12 bytes or less.
 * Chunks are filled to DuckDB's vector size (2048 rows) across batches: the appender's cost is partly
 * per chunk, and full chunks measured ~10% faster than one 512-row chunk per request.
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
}

/** A run of rows of one batch placed at `off` in the chunk being filled. */
interface Segment {
  b: SpanBatch;
  start: number;
  n: number;
  off: number;
  /** attrs_overflow JSON per row of the batch, when it has keys past the column cap. */
  overflow: (string | null)[] | null;
}

/**
 * Appends `batches` through `appender`; `overflowKeys[i]` are the keys of batch i that have no column.
 * Returns how many attribute values went to the overflow column.
 */
export function appendBatches(appender: duckdb.Appender, plan: ChunkPlan, batches: readonly SpanBatch[], overflowKeys: readonly string[][]): number {
  let overflowed = 0;
  let segments: Segment[] = [];
  let fill = 0;
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i]!;
    const keys = overflowKeys[i] ?? [];
    const overflow = keys.length > 0 ? overflowJson(b, keys) : null;
    if (overflow) overflowed += overflow.count;
    for (let start = 0; start < b.length; ) {
      const n = Math.min(VECTOR_SIZE - fill, b.length - start);
      segments.push({ b, start, n, off: fill, overflow: overflow?.json ?? null });
      fill += n;
      start += n;
      if (fill === VECTOR_SIZE) {
        writeChunk(appender, plan, segments, fill);
        segments = [];
        fill = 0;
      }
    }
  }
  if (fill > 0) writeChunk(appender, plan, segments, fill);
  return overflowed;
}

function writeChunk(appender: duckdb.Appender, plan: ChunkPlan, segments: Segment[], rows: number): void {
  const chunk = duckdb.create_data_chunk(plan.types);
  duckdb.data_chunk_set_size(chunk, rows);
  for (let c = 0; c < plan.sources.length; c++) {
    const vec = duckdb.data_chunk_get_vector(chunk, c);
    const src = plan.sources[c]!;
    if (src.kind === 'attr' && segments.every((s) => absent(s.b.attrs.get(src.key)?.values, s.start))) {
      // No row of the chunk has this key (most columns of a wide table): one constant NULL, no mask, and
      // DuckDB appends a constant vector.
      duckdb.vector_reference_value(vec, NULL_VALUE);
      continue;
    }
    const same = constantString(src, segments);
    if (same !== undefined) {
      // One value for the whole chunk (resource attributes, service, scope): a constant vector
      // instead of one native call per row.
      duckdb.vector_reference_value(vec, duckdb.create_varchar(same));
      continue;
    }
    const mask = new Validity(rows);
    if (isStringSource(src)) {
      strings.begin(vec, rows);
      for (const s of segments) fillSegmentStrings(src, s);
      strings.finish(mask);
    } else {
      for (const s of segments) fillSegment(vec, src, s, mask);
    }
    mask.writeTo(vec);
  }
  duckdb.append_data_chunk(appender, chunk);
}

const NULL_VALUE = duckdb.create_null_value();

function absent(values: readonly unknown[] | undefined, start: number): boolean {
  return values === undefined || values.length <= start;
}

/** Columns of repeating strings, written through `StringColumn` (events, links and X-Ray documents are mostly unique). */
type StringSource = Extract<ColumnSource, { kind: 'str' }> | { kind: 'attr'; key: string; type: 'string' };

function isStringSource(src: ColumnSource): src is StringSource {
  return src.kind === 'str' || (src.kind === 'attr' && src.type === 'string');
}

/** Hands each row's string (null: NULL) of a segment of a string column to `strings`. */
function fillSegmentStrings(src: StringSource, s: Segment): void {
  const { b, start, n, off } = s;
  if (src.kind === 'str') {
    const a = b[src.field];
    const emptyIsNull = src.emptyAsNull === true;
    for (let i = 0; i < n; i++) {
      const v = a[start + i];
      strings.set(off + i, v == null ? (emptyIsNull ? null : '') : emptyIsNull && v === '' ? null : v);
    }
    return;
  }
  const values = b.attrs.get(src.key)?.values;
  for (let i = 0; i < n; i++) {
    const v = values?.[start + i];
    strings.set(off + i, v === undefined || v === null ? null : typeof v === 'string' ? v : String(v));
  }
}

/**
 * A VARCHAR column of one chunk written as DuckDB `string_t` structs (16 bytes: u32 length, then the
 * bytes inline when they fit in 12, else a 4-byte prefix and a pointer into the vector's string heap).
 * Short strings are encoded here, in JS; a long one is handed to DuckDB once per chunk (at its first
 * row) and every later row with the same value gets a copy of that row's struct, pointing at the same
 * bytes (as a dictionary vector would; the appender copies the bytes). Span columns repeat a few values
 * (names, attribute values), so this replaced most native calls: measured in bench:ingest (docs/benchmarks.md).
 */
class StringColumn {
  private readonly structs = new Uint8Array(VECTOR_SIZE * 16);
  private readonly words = new Int32Array(this.structs.buffer);
  /** Per row: the row whose struct it copies (itself for a first occurrence), -1 for NULL. */
  private readonly from = new Int32Array(VECTOR_SIZE);
  /** Rows whose struct DuckDB wrote (first occurrences of long strings). */
  private readonly native = new Int32Array(VECTOR_SIZE);
  private nativeCount = 0;
  private readonly firstRow = new Map<string, number>();
  private readonly encoder = new TextEncoder();
  private vec!: duckdb.Vector;
  private rows = 0;

  begin(vec: duckdb.Vector, rows: number): void {
    this.vec = vec;
    this.rows = rows;
    this.nativeCount = 0;
    this.firstRow.clear();
  }

  set(row: number, v: string | null): void {
    if (v === null) {
      this.from[row] = -1;
      return;
    }
    const first = this.firstRow.get(v);
    if (first !== undefined) {
      this.from[row] = first;
      return;
    }
    this.firstRow.set(v, row);
    this.from[row] = row;
    const at = row * 16;
    if (v.length <= 12) {
      this.words[row * 4] = this.words[row * 4 + 1] = this.words[row * 4 + 2] = this.words[row * 4 + 3] = 0;
      const r = this.encoder.encodeInto(v, this.structs.subarray(at + 4, at + 16));
      if (r.read === v.length) {
        this.words[row * 4] = r.written!;
        return;
      }
    }
    duckdb.vector_assign_string_element(this.vec, row, v);
    this.native[this.nativeCount++] = row;
  }

  /** Copies the structs into the vector, NULL rows cleared in `mask`. */
  finish(mask: Validity): void {
    const { rows, words, from } = this;
    if (this.nativeCount > 0) {
      const data = duckdb.vector_get_data(this.vec, rows * 16);
      for (let i = 0; i < this.nativeCount; i++) {
        const at = this.native[i]! * 16;
        this.structs.set(data.subarray(at, at + 16), at);
      }
    }
    for (let r = 0; r < rows; r++) {
      const f = from[r]!;
      if (f === r) continue;
      const w = r * 4;
      if (f < 0) {
        words[w] = words[w + 1] = words[w + 2] = words[w + 3] = 0;
        mask.clear(r);
      } else {
        const x = f * 4;
        words[w] = words[x]!;
        words[w + 1] = words[x + 1]!;
        words[w + 2] = words[x + 2]!;
        words[w + 3] = words[x + 3]!;
      }
    }
    duckdb.copy_data_to_vector(this.vec, 0, this.structs.buffer, 0, rows * 16);
    this.firstRow.clear();
  }
}

const strings = new StringColumn();

function fillSegment(vec: duckdb.Vector, src: ColumnSource, s: Segment, mask: Validity): void {
  const { b, start, n, off } = s;
  switch (src.kind) {
    case 'big': {
      const a = b[src.field];
      duckdb.copy_data_to_vector(vec, off * 8, a.buffer as ArrayBuffer, a.byteOffset + start * 8, n * 8);
      return;
    }
    case 'u8': {
      const a = b[src.field];
      duckdb.copy_data_to_vector(vec, off, a.buffer as ArrayBuffer, a.byteOffset + start, n);
      return;
    }
    case 'u32': {
      const a = b[src.field];
      duckdb.copy_data_to_vector(vec, off * 4, a.buffer as ArrayBuffer, a.byteOffset + start * 4, n * 4);
      return;
    }
    case 'str':
      throw new Error('string columns are written by StringColumn');
    case 'json': {
      const a = b[src.field];
      for (let i = 0; i < n; i++) {
        const v = a[start + i];
        if (v && v.length > 0) duckdb.vector_assign_string_element(vec, off + i, JSON.stringify(v));
        else mask.clear(off + i);
      }
      return;
    }
    case 'doc':
      return fillStrings(vec, b.xrayDoc, s, mask);
    case 'overflow':
      if (s.overflow) return fillStrings(vec, s.overflow, s, mask);
      return mask.clearRange(off, n);
    case 'attr':
      return fillAttr(vec, src.type, b.attrs.get(src.key)?.values, s, mask);
  }
}

/** The string every row of the chunk has in this column, if they all have the same one. */
function constantString(src: ColumnSource, segments: Segment[]): string | undefined {
  let values: readonly (AttrScalar | null | undefined)[] | undefined;
  let value: string | undefined;
  for (const s of segments) {
    if (src.kind === 'attr' && src.type === 'string') values = s.b.attrs.get(src.key)?.values;
    else if (src.kind === 'str' && !src.emptyAsNull) values = s.b[src.field];
    else return undefined;
    if (values === undefined) return undefined;
    for (let i = s.start, end = s.start + s.n; i < end; i++) {
      const v = values[i];
      if (typeof v !== 'string') return undefined;
      if (value === undefined) value = v;
      else if (v !== value) return undefined;
    }
  }
  return value;
}

/** One native call per row: for columns of mostly unique strings (events, links, documents, overflow). */
function fillStrings(vec: duckdb.Vector, a: readonly (string | null | undefined)[], s: Segment, mask: Validity): void {
  const { start, n, off } = s;
  for (let i = 0; i < n; i++) {
    const v = a[start + i];
    if (v == null) mask.clear(off + i);
    else duckdb.vector_assign_string_element(vec, off + i, v);
  }
}

function fillAttr(vec: duckdb.Vector, type: AttrType, values: readonly (AttrScalar | undefined)[] | undefined, s: Segment, mask: Validity): void {
  const { start, n, off } = s;
  if (values === undefined || values.length <= start) return mask.clearRange(off, n);
  if (type === 'string') throw new Error('string columns are written by StringColumn');
  if (type === 'bool') {
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[start + i];
      if (v === undefined) mask.clear(off + i);
      else data[i] = v ? 1 : 0;
    }
    duckdb.copy_data_to_vector(vec, off, data.buffer, 0, n);
    return;
  }
  if (type === 'int') {
    // Two 32-bit words per value (little-endian int64), no BigInt per value: ints are JS numbers already.
    const data = new Int32Array(n * 2);
    for (let i = 0; i < n; i++) {
      const v = values[start + i];
      if (v === undefined) {
        mask.clear(off + i);
        continue;
      }
      const x = Math.trunc(Number(v));
      if (Number.isSafeInteger(x)) {
        const hi = Math.floor(x / 4294967296);
        data[i * 2] = x - hi * 4294967296;
        data[i * 2 + 1] = hi;
      } else {
        new BigInt64Array(data.buffer, i * 8, 1)[0] = Number.isFinite(x) ? BigInt.asIntN(64, BigInt(x)) : 0n;
      }
    }
    duckdb.copy_data_to_vector(vec, off * 8, data.buffer, 0, n * 8);
    return;
  }
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[start + i];
    if (v === undefined) mask.clear(off + i);
    else data[i] = Number(v);
  }
  duckdb.copy_data_to_vector(vec, off * 8, data.buffer, 0, n * 8);
}

/** A chunk column's validity bits, written to the vector only when some row is NULL. */
class Validity {
  private bits: Uint8Array | null = null;

  constructor(private readonly rows: number) {}

  clear(row: number): void {
    this.bits ??= new Uint8Array(Math.ceil(this.rows / 64) * 8).fill(0xff);
    this.bits[row >> 3]! &= ~(1 << (row & 7));
  }

  clearRange(off: number, n: number): void {
    for (let i = 0; i < n; i++) this.clear(off + i);
  }

  writeTo(vec: duckdb.Vector): void {
    if (!this.bits) return;
    duckdb.vector_ensure_validity_writable(vec);
    duckdb.copy_data_to_vector_validity(vec, 0, this.bits.buffer as ArrayBuffer, this.bits.byteOffset, this.bits.byteLength);
  }
}
