import { hexToU64, traceIdToHex, u64ToHex, w3cToXray } from '../../model/ids.js';
import { SpanBatch } from '../../model/span-batch.js';
import { readXraySeed } from '../../store/xray-seed.js';
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
  private inProgress = new Recent<true>(100_000);
  private completed = new Recent<true>(100_000);
  /**
   * `trace:span` -> dataset of recent named spans: a subsegment streamed after its segment (async work
   * that ends after the response) finds its service here.
   */
  private known = new Recent<string>(200_000);
  /** trace -> span id -> parent id, for spans still waiting for a dataset. */
  private orphans = new Recent<Map<string, string>>(20_000);

  /**
   * Restores what a previous run knew from the store (see `loadAssemblerSeed`): in-progress documents, so
   * that their complete version still replaces them after a restart, and spans still without a dataset,
   * so that a segment arriving after a restart still names its streamed subsegments.
   */
  seed(s: AssemblerSeed): void {
    for (const d of s.inProgress) this.inProgress.set(`${w3cToXray(d.traceId)}:${d.docId}`, true);
    for (const o of s.orphans) this.orphansOf(o.traceId).set(o.spanId, o.parentId);
  }

  assemble(texts: readonly string[]): AssembledDocuments {
    const rejected: AssembledDocuments['rejected'] = [];
    const docs: { doc: SegmentDocument; raw: string; key: string }[] = [];
    const completeHere = new Set<string>();
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
      const key = `${p.doc.trace_id}:${p.doc.id}`;
      docs.push({ doc: p.doc, raw: p.raw, key });
      if (p.doc.in_progress !== true) completeHere.add(key);
    }

    const batch = new SpanBatch(Math.max(8, docs.length * 3));
    const replace: string[] = [];
    const docRows: DocRows[] = [];
    let orphanRows: Map<string, number> | null = null;
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
      if (inProgress) this.inProgress.set(key, true);
      else {
        if (this.inProgress.delete(key)) replace.push(`${trace}:${doc.id}`);
        this.completed.set(key, true);
      }
      docRows.push({ trace, start, end: batch.length });
      for (let r = start; r < batch.length; r++) {
        batch.xrayDocId[r] = docId;
        if (batch.dataset[r] === '') {
          const span = u64ToHex(batch.spanId[r]!);
          this.orphansOf(trace).set(span, u64ToHex(batch.parentId[r]!));
          (orphanRows ??= new Map()).set(`${trace}:${span}`, r);
        } else {
          this.known.set(`${trace}:${u64ToHex(batch.spanId[r]!)}`, batch.dataset[r]!);
        }
      }
    }
    const assign = this.orphans.size > 0 ? this.resolveOrphans(docRows, batch, orphanRows ?? new Map()) : [];
    return { batch, rejected, append: { replaceDocuments: replace, assignDatasets: assign } };
  }

  /**
   * Gives orphans whose ancestry now reaches a named span (this batch's rows are already remembered)
   * that span's dataset. Only traces with orphans cost anything here.
   */
  private resolveOrphans(docRows: DocRows[], batch: SpanBatch, orphanRows: Map<string, number>): Required<AppendOptions>['assignDatasets'] {
    const out: Required<AppendOptions>['assignDatasets'] = [];
    const traces = new Set(docRows.map((d) => d.trace).filter((t) => this.orphans.has(t)));
    for (const trace of traces) {
      const orphans = this.orphans.get(trace)!;
      const datasetOf = (span: string) => this.known.get(`${trace}:${span}`);
      const stored = new Map<string, string[]>();
      for (const [span, parent] of [...orphans]) {
        let p = parent;
        let dataset = datasetOf(p);
        for (let hops = 0; hops < 64 && dataset === undefined && orphans.has(p); hops++) {
          p = orphans.get(p)!;
          dataset = datasetOf(p);
        }
        if (dataset === undefined) continue;
        orphans.delete(span);
        this.known.set(`${trace}:${span}`, dataset);
        const row = orphanRows.get(`${trace}:${span}`);
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

  private orphansOf(trace: string): Map<string, string> {
    let m = this.orphans.get(trace);
    if (!m) this.orphans.set(trace, (m = new Map()));
    return m;
  }
}

interface DocRows {
  trace: string;
  start: number;
  end: number;
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

/** Reads the assembler's seed from the store (store/xray-seed.ts). */
export async function loadAssemblerSeed(store: Pick<Store, 'select' | 'columns'>): Promise<AssemblerSeed> {
  const { inProgress, orphans } = await readXraySeed(store, SEED_LIMIT);
  const big = (v: unknown) => BigInt(v as bigint | number);
  return {
    // Oldest first, so that the bounded sets forget the oldest ones first.
    inProgress: inProgress.reverse().map((r) => ({ traceId: traceIdToHex(big(r.trace_hi), big(r.trace_lo)), docId: u64ToHex(big(r.xray_doc_id)) })),
    orphans: orphans.reverse().map((r) => ({ traceId: traceIdToHex(big(r.trace_hi), big(r.trace_lo)), spanId: u64ToHex(big(r.span_id)), parentId: u64ToHex(big(r.parent_id)) })),
  };
}

/**
 * Remembers about the last `cap` entries in two generations: when the newer one holds cap/2 entries it
 * becomes the older one and the oldest generation is dropped. Every operation is O(1) (evicting from a
 * single Map one key at a time measured ~20% of X-Ray ingest).
 */
class Recent<V> {
  private cur = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(private readonly cap: number) {}

  get size(): number {
    return this.cur.size + this.old.size;
  }

  get(k: string): V | undefined {
    const v = this.cur.get(k);
    return v !== undefined ? v : this.old.get(k);
  }

  has(k: string): boolean {
    return this.cur.has(k) || this.old.has(k);
  }

  set(k: string, v: V): void {
    this.cur.set(k, v);
    if (this.cur.size >= this.cap / 2) {
      this.old = this.cur;
      this.cur = new Map();
    }
  }

  delete(k: string): boolean {
    const a = this.cur.delete(k);
    const b = this.old.delete(k);
    return a || b;
  }
}
