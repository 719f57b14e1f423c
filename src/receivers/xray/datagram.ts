/**
 * X-Ray daemon datagrams and segment-document validation (pure functions, no sockets).
 *
 * A datagram is `<header JSON>\n<one segment document JSON>` (spec section 2). The header is parsed as
 * JSON because the SDKs differ in spacing (Node: `{"format":"json","version":1}`, Go:
 * `{"format": "json", "version": 1}`); it is valid iff `format` equals "json" ignoring case and
 * `version` is 1, as in the daemon's `tracesegment.go`.
 *
 * `validateSegment` applies the document rules of spec section 3 and reports X-Ray style error codes,
 * which `PutTraceSegments` returns per rejected document as `{Id, ErrorCode, Message}`.
 */
import type { SegmentDocument } from './segment-document.js';

export type ParseResult = { ok: true; doc: SegmentDocument; raw: string } | { ok: false; reason: string };

const NEWLINE = 0x0a;
/** The Node SDK's exact header bytes: checked first so the common case skips a JSON.parse. */
const NODE_HEADER = Buffer.from('{"format":"json","version":1}');

/**
 * Checks the header and returns the body text without parsing it (the UDP receiver's fast path:
 * JSON parsing happens later, in the ingest worker). Never throws.
 */
export function splitDatagram(buf: Uint8Array): { ok: true; body: string } | { ok: false; reason: string } {
  const r = splitDatagramBytes(buf);
  return r.ok ? { ok: true, body: r.body.toString('utf8') } : r;
}

/** `splitDatagram` without decoding the body: its bytes (a view of `buf`, not a copy). Never throws. */
export function splitDatagramBytes(buf: Uint8Array): { ok: true; body: Buffer } | { ok: false; reason: string } {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const nl = b.indexOf(NEWLINE);
  if (nl < 0) return { ok: false, reason: 'missing header or segment' };
  if (!isNodeHeader(b, nl)) {
    const headerText = b.toString('utf8', 0, nl);
    if (!validHeader(headerText)) return { ok: false, reason: `invalid header: ${clip(headerText.trim(), 100)}` };
  }
  if (nl + 1 >= b.length) return { ok: false, reason: 'missing header or segment' };
  return { ok: true, body: b.subarray(nl + 1) };
}

/** Splits and parses one daemon datagram. Never throws. */
export function parseDatagram(buf: Uint8Array): ParseResult {
  const split = splitDatagram(buf);
  return split.ok ? parseDocument(split.body) : split;
}

/**
 * Parses one segment document given as text (a datagram body, or one `TraceSegmentDocuments` entry of
 * `PutTraceSegments`). `raw` is the text itself minus surrounding whitespace. Never throws.
 */
export function parseDocument(text: string): ParseResult {
  const raw = text.trim();
  if (raw === '') return { ok: false, reason: 'missing header or segment' };
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (e) {
    return { ok: false, reason: `segment is not valid JSON: ${(e as Error).message}` };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, reason: `segment is not a JSON object (got ${Array.isArray(doc) ? 'array' : doc === null ? 'null' : typeof doc})` };
  }
  return { ok: true, doc: doc as SegmentDocument, raw };
}

function isNodeHeader(b: Buffer, nl: number): boolean {
  let end = nl;
  if (end > 0 && b[end - 1] === 0x0d) end--;
  return end === NODE_HEADER.length && b.compare(NODE_HEADER, 0, NODE_HEADER.length, 0, end) === 0;
}

function validHeader(text: string): boolean {
  let h: unknown;
  try {
    h = JSON.parse(text);
  } catch {
    return false;
  }
  if (h === null || typeof h !== 'object' || Array.isArray(h)) return false;
  const { format, version } = h as { format?: unknown; version?: unknown };
  return typeof format === 'string' && format.toLowerCase() === 'json' && version === 1;
}

// ---------------------------------------------------------------------------------------------------
// Validation

/**
 * X-Ray style error codes for a rejected document. `MissingId` and `InvalidTraceId` are the codes real
 * X-Ray is known to return; the others follow the same Missing/Invalid<Field> pattern.
 */
export type XrayErrorCode =
  | 'InvalidSegment'
  | 'MissingId'
  | 'InvalidId'
  | 'MissingTraceId'
  | 'InvalidTraceId'
  | 'MissingName'
  | 'InvalidName'
  | 'MissingStartTime'
  | 'InvalidStartTime'
  | 'MissingEndTime'
  | 'InvalidEndTime'
  | 'MissingParentId'
  | 'InvalidParentId';

export interface SegmentProblem {
  errorCode: XrayErrorCode;
  /** Where: '' for the document itself, else e.g. `subsegments[2].subsegments[0]`. */
  path: string;
  message: string;
}

/** At most this many problems are reported per document. */
const MAX_PROBLEMS = 20;
export const MAX_NAME_LENGTH = 200;
const HEX16 = /^[0-9a-f]{16}$/;
const XRAY_TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
/** Segment names: Unicode letters, digits, whitespace and `_ . : / % & # = + \ - @`. */
const SEGMENT_NAME = /^[\p{L}\p{N}\s_.:/%&#=+\\\-@]+$/u;

/**
 * Checks a top-level document (segment or independent subsegment) and, recursively, its inline
 * subsegments. Returns [] when it is valid. Never throws.
 *
 * Rules (spec section 3):
 * - `id`: 16 lowercase hex chars. `start_time`: a finite number > 0.
 * - exactly one of `end_time` (a finite number) and `in_progress: true`.
 * - `name`: a non-empty string of at most 200 chars; for segments also the X-Ray name charset.
 *   Subsegment names only get the length check: SDKs name them after arbitrary operations and hosts.
 * - top level: `trace_id` `1-<8 hex>-<24 hex>` (the epoch part is not checked for age).
 * - independent subsegments (`type: "subsegment"`) also need `parent_id`; any `parent_id` must be 16 hex.
 * - `subsegments`, when present, must be an array of objects.
 */
export function validateSegment(doc: unknown): SegmentProblem[] {
  const problems: SegmentProblem[] = [];
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    problems.push({ errorCode: 'InvalidSegment', path: '', message: 'segment is not a JSON object' });
    return problems;
  }
  const d = doc as Record<string, unknown>;
  const independent = d.type === 'subsegment';
  if (d.type !== undefined && d.type !== 'segment' && d.type !== 'subsegment') {
    add(problems, 'InvalidSegment', '', `type must be "segment" or "subsegment", got ${show(d.type)}`);
  }
  if (d.trace_id === undefined) add(problems, 'MissingTraceId', '', 'trace_id is required');
  else if (typeof d.trace_id !== 'string' || !XRAY_TRACE_ID.test(d.trace_id)) {
    add(problems, 'InvalidTraceId', '', `trace_id must be 1-<8 hex>-<24 hex>, got ${show(d.trace_id)}`);
  }
  if (d.parent_id === undefined) {
    if (independent) add(problems, 'MissingParentId', '', 'parent_id is required on an independent subsegment');
  } else if (typeof d.parent_id !== 'string' || !HEX16.test(d.parent_id)) {
    add(problems, 'InvalidParentId', '', `parent_id must be 16 hex chars, got ${show(d.parent_id)}`);
  }
  checkEntity(d, '', !independent, problems, 0);
  return problems;
}

function checkEntity(d: Record<string, unknown>, path: string, isSegment: boolean, problems: SegmentProblem[], depth: number): void {
  const at = path === '' ? '' : path + '.';
  if (d.id === undefined) add(problems, 'MissingId', path, `${at}id is required`);
  else if (typeof d.id !== 'string' || !HEX16.test(d.id)) add(problems, 'InvalidId', path, `${at}id must be 16 hex chars, got ${show(d.id)}`);

  if (d.name === undefined || d.name === '') add(problems, 'MissingName', path, `${at}name is required`);
  else if (typeof d.name !== 'string') add(problems, 'InvalidName', path, `${at}name must be a string`);
  else if (d.name.length > MAX_NAME_LENGTH) add(problems, 'InvalidName', path, `${at}name is ${d.name.length} chars, at most ${MAX_NAME_LENGTH} allowed`);
  else if (isSegment && !SEGMENT_NAME.test(d.name)) {
    add(problems, 'InvalidName', path, `${at}name ${show(d.name)} may only hold letters, digits, whitespace and _ . : / % & # = + \\ - @`);
  }

  if (d.start_time === undefined) add(problems, 'MissingStartTime', path, `${at}start_time is required`);
  else if (typeof d.start_time !== 'number' || !Number.isFinite(d.start_time) || d.start_time <= 0) {
    add(problems, 'InvalidStartTime', path, `${at}start_time must be epoch seconds, got ${show(d.start_time)}`);
  }

  const hasEnd = d.end_time !== undefined;
  const inProgress = d.in_progress === true;
  if (d.in_progress !== undefined && typeof d.in_progress !== 'boolean') {
    add(problems, 'InvalidEndTime', path, `${at}in_progress must be a boolean, got ${show(d.in_progress)}`);
  } else if (hasEnd && inProgress) add(problems, 'InvalidEndTime', path, `${at}end_time and in_progress:true are mutually exclusive`);
  else if (!hasEnd && !inProgress) add(problems, 'MissingEndTime', path, `${at}one of end_time or in_progress:true is required`);
  if (hasEnd && (typeof d.end_time !== 'number' || !Number.isFinite(d.end_time) || d.end_time <= 0)) {
    add(problems, 'InvalidEndTime', path, `${at}end_time must be epoch seconds, got ${show(d.end_time)}`);
  }

  const subs = d.subsegments;
  if (subs === undefined) return;
  if (!Array.isArray(subs)) {
    add(problems, 'InvalidSegment', path, `${at}subsegments must be an array`);
    return;
  }
  for (let i = 0; i < subs.length && problems.length < MAX_PROBLEMS; i++) {
    const s = subs[i];
    const p = `${at}subsegments[${i}]`;
    if (s === null || typeof s !== 'object' || Array.isArray(s)) {
      add(problems, 'InvalidSegment', p, `${p} is not an object`);
      continue;
    }
    if (depth >= 64) {
      add(problems, 'InvalidSegment', p, `${p}: subsegments nested too deep`);
      return;
    }
    checkEntity(s as Record<string, unknown>, p, false, problems, depth + 1);
  }
}

function add(problems: SegmentProblem[], errorCode: XrayErrorCode, path: string, message: string): void {
  if (problems.length < MAX_PROBLEMS) problems.push({ errorCode, path, message });
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(clip(v, 60));
  if (v === undefined) return 'undefined';
  try {
    return clip(JSON.stringify(v), 60);
  } catch {
    return typeof v;
  }
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n) + '...';
}

/**
 * The `UnprocessedTraceSegments` entry for a rejected document: `Id` is the document's id when it has
 * a string one, the code is the first problem's, and `Message` mirrors X-Ray's
 * `Invalid segment. ErrorCode: <code>` with the details appended.
 */
export function unprocessedSegment(doc: unknown, problems: SegmentProblem[]): { Id: string; ErrorCode: string; Message: string } {
  const id = doc !== null && typeof doc === 'object' && typeof (doc as { id?: unknown }).id === 'string' ? (doc as { id: string }).id : '';
  const first = problems[0] ?? { errorCode: 'InvalidSegment', path: '', message: 'invalid segment' };
  const details = problems.map((p) => p.message).join('; ');
  return { Id: id, ErrorCode: first.errorCode, Message: `Invalid segment. ErrorCode: ${first.errorCode}: ${details}` };
}
