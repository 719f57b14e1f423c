import { hexToU64, traceIdToHex, u64ToHex, w3cToXray } from '../../model/ids.js';
import { SpanBatch } from '../../model/span-batch.js';
import type { AppendOptions, Store } from '../../store/store.js';
import { parseDocument, unprocessedSegment, validateSegment } from './datagram.js';
import type { SegmentDocument } from './segment-document.js';
import { appendSegment } from './segment-to-spans.js';

export interface AssembledDocuments {
  batch: SpanBatch;
  rejected: { id: string; errorCode: string; message: string }[];
  append: Required<AppendOptions>;
}

/**
 * Turns X-Ray documents (in arrival order) into spans, with the state that needs memory across
 * documents:
 * - in-progress documents are replaced by their complete version (never two spans for one id): the
 *   store deletes the earlier rows in the same transaction (`replaceDocuments`); an in-progress
 *   version that arrives after the complete one is dropped;
 * - subsegments streamed on their own do not carry their service name: it is filled in from their
 *   segment, now if it is known, or later by `assignDatasets` once the segment arrives.
 * Memory is bounded: the oldest entries are forgotten first.
 */
export class XrayAssembler {
  private inProgress = new BoundedSet(100_000);
  private completed = new BoundedSet(100_000);
  /** trace -> span id -> dataset, for spans of recent segments. */
  private known = new BoundedMap<string, Map<string, string>>(20_000);
  /** trace -> span id -> parent id, for spans still waiting for a dataset. */
  private orphans = new BoundedMap<string, Map<string, string>>(20_000);

  /**
   * Restores what a previous run knew from the store (see `loadAssemblerSeed`): in-progress documents, so
   * that their complete version still replaces them after a restart, and spans still without a dataset,
   * so that a segment arriving after a restart still names its streamed subsegments.
   */
  seed(s: AssemblerSeed): void {
    for (const d of s.inProgress) this.inProgress.add(`${w3cToXray(d.traceId)}:${d.docId}`);
    for (const o of s.orphans) this.orphansOf(o.traceId).set(o.spanId, o.parentId);
  }

  assemble(texts: readonly string[]): AssembledDocuments {
    const rejected: AssembledDocuments['rejected'] = [];
    const docs: { doc: SegmentDocument; raw: string; key: string }[] = [];
    for (const text of texts) {
      const p = parseDocument(text);
      if (!p.ok) {
        rejected.push({ id: '', errorCode: 'InvalidSegment', message: `Invalid segment. ${p.reason}` });
        continue;
      }
      const problems = validateSegment(p.doc);
      if (problems.length > 0) {
        const u = unprocessedSegment(p.doc, problems);
        rejected.push({ id: u.Id, errorCode: u.ErrorCode, message: u.Message });
        continue;
      }
      docs.push({ doc: p.doc, raw: p.raw, key: `${p.doc.trace_id}:${p.doc.id}` });
    }
    const completeHere = new Set(docs.filter((d) => d.doc.in_progress !== true).map((d) => d.key));

    const batch = new SpanBatch(Math.max(8, docs.length * 3));
    const replace: string[] = [];
    const rowOf = new Map<string, number>();
    const touched = new Set<string>();
    for (const { doc, raw, key } of docs) {
      const inProgress = doc.in_progress === true;
      if (inProgress && (completeHere.has(key) || this.completed.has(key))) continue;
      const start = batch.length;
      try {
        appendSegment(batch, doc, raw);
      } catch (err) {
        rejected.push({ id: doc.id, errorCode: 'InvalidSegment', message: `Invalid segment. ${(err as Error).message}` });
        continue;
      }
      const docId = hexToU64(doc.id);
      const trace = traceIdToHex(batch.traceHi[start]!, batch.traceLo[start]!);
      const storeKey = `${trace}:${doc.id}`;
      if (inProgress) this.inProgress.add(key);
      else {
        if (this.inProgress.delete(key)) replace.push(storeKey);
        this.completed.add(key);
      }
      touched.add(trace);
      for (let r = start; r < batch.length; r++) {
        batch.xrayDocId[r] = docId;
        const span = u64ToHex(batch.spanId[r]!);
        if (batch.dataset[r] !== '') this.knownOf(trace).set(span, batch.dataset[r]!);
        else {
          this.orphansOf(trace).set(span, u64ToHex(batch.parentId[r]!));
          rowOf.set(`${trace}:${span}`, r);
        }
      }
    }
    const assign = this.resolveOrphans(touched, batch, rowOf);
    return { batch, rejected, append: { replaceDocuments: replace, assignDatasets: assign } };
  }

  /** Gives orphans whose ancestry now reaches a known span that span's dataset. */
  private resolveOrphans(traces: Set<string>, batch: SpanBatch, rowOf: Map<string, number>): Required<AppendOptions>['assignDatasets'] {
    const out: Required<AppendOptions>['assignDatasets'] = [];
    for (const trace of traces) {
      const orphans = this.orphans.get(trace);
      const known = this.known.get(trace);
      if (!orphans || !known) continue;
      const stored = new Map<string, string[]>();
      for (const [span, parent] of [...orphans]) {
        let p = parent;
        for (let hops = 0; hops < 64 && !known.has(p) && orphans.has(p); hops++) p = orphans.get(p)!;
        const dataset = known.get(p);
        if (dataset === undefined) continue;
        orphans.delete(span);
        known.set(span, dataset);
        const row = rowOf.get(`${trace}:${span}`);
        if (row !== undefined) batch.dataset[row] = dataset;
        else {
          const list = stored.get(dataset) ?? [];
          list.push(span);
          stored.set(dataset, list);
        }
      }
      for (const [dataset, spanIds] of stored) out.push({ traceId: trace, spanIds, dataset });
      if (orphans.size === 0) this.orphans.delete(trace);
    }
    return out;
  }

  private knownOf(trace: string): Map<string, string> {
    let m = this.known.get(trace);
    if (!m) this.known.set(trace, (m = new Map()));
    return m;
  }

  private orphansOf(trace: string): Map<string, string> {
    let m = this.orphans.get(trace);
    if (!m) this.orphans.set(trace, (m = new Map()));
    return m;
  }
}

/** State of earlier runs that `XrayAssembler.seed` restores. Ids are lowercase hex (32 for traces, 16 for spans). */
export interface AssemblerSeed {
  /** Documents stored in progress (their complete version has not arrived). */
  inProgress: { traceId: string; docId: string }[];
  /** X-Ray spans stored without a dataset (independent subsegments whose segment has not arrived). */
  orphans: { traceId: string; spanId: string; parentId: string }[];
}

/** How much `loadAssemblerSeed` restores at most (the newest first), like the assembler's own bounds. */
const SEED_LIMIT = 100_000;

/** Reads the assembler's seed from the store (plain SQL over `spans`: any engine). */
export async function loadAssemblerSeed(store: Pick<Store, 'select'>): Promise<AssemblerSeed> {
  const inProgress = await store.select(`SELECT DISTINCT trace_hi, trace_lo, xray_doc_id, start_ns FROM spans
    WHERE source = 1 AND xray_doc_id = span_id AND {{attr:xray.in_progress}} = true ORDER BY start_ns DESC LIMIT ${SEED_LIMIT}`);
  const orphans = await store.select(`SELECT trace_hi, trace_lo, span_id, parent_id FROM spans
    WHERE source = 1 AND dataset = '' ORDER BY start_ns DESC LIMIT ${SEED_LIMIT}`);
  const big = (v: unknown) => BigInt(v as bigint | number);
  return {
    // Oldest first, so that the bounded sets forget the oldest ones first.
    inProgress: inProgress.reverse().map((r) => ({ traceId: traceIdToHex(big(r.trace_hi), big(r.trace_lo)), docId: u64ToHex(big(r.xray_doc_id)) })),
    orphans: orphans.reverse().map((r) => ({ traceId: traceIdToHex(big(r.trace_hi), big(r.trace_lo)), spanId: u64ToHex(big(r.span_id)), parentId: u64ToHex(big(r.parent_id)) })),
  };
}

/** A Map that forgets its oldest entries past `cap`. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly cap: number) {
    super();
  }
  override set(k: K, v: V): this {
    super.set(k, v);
    if (this.size > this.cap) this.delete(this.keys().next().value as K);
    return this;
  }
}

class BoundedSet extends Set<string> {
  constructor(private readonly cap: number) {
    super();
  }
  override add(k: string): this {
    super.add(k);
    if (this.size > this.cap) this.delete(this.values().next().value as string);
    return this;
  }
}
