/**
 * Trace compare, pure (no DOM; unit-tested in node): two traces merged into one tree keyed by the path
 * of `service: operation` names from the root, as Jaeger's trace comparison does. Each node of the
 * merged tree says how many spans of that path each trace has and how long they took, so a span
 * present in only one trace, a path called more often, or a path grown slower stands out.
 */
import type { SpanNode, TraceModel } from './trace-model.js';

export interface DiffNode {
  /** `service: operation`. */
  label: string;
  service: string;
  operation: string;
  depth: number;
  /** Spans on this path in trace A and in trace B. */
  countA: number;
  countB: number;
  /** Summed span durations on this path (µs). */
  durA: number;
  durB: number;
  errorsA: number;
  errorsB: number;
  children: DiffNode[];
  /** `added`: only in B; `removed`: only in A; `more`/`fewer`: both, B has more/fewer spans; `same`. */
  change: 'added' | 'removed' | 'more' | 'fewer' | 'same';
}

export interface TraceDiff {
  roots: DiffNode[];
  /** Depth-first order, for the table. */
  rows: DiffNode[];
  added: number;
  removed: number;
  changed: number;
}

const labelOf = (n: SpanNode) => `${n.service}: ${n.span.operationName}`;

function emptyNode(n: SpanNode, depth: number): DiffNode {
  return { label: labelOf(n), service: n.service, operation: n.span.operationName, depth, countA: 0, countB: 0, durA: 0, durB: 0, errorsA: 0, errorsB: 0, children: [], change: 'same' };
}

/** Adds a trace's spans below `into` (siblings with the same label share one merged node). */
function merge(spans: SpanNode[], into: DiffNode[], byLabel: Map<string, DiffNode>, side: 'A' | 'B', depth: number): void {
  // Iterative: a 100,000-span trace may be deep.
  const stack: { spans: SpanNode[]; into: DiffNode[]; byLabel: Map<string, DiffNode>; depth: number }[] = [{ spans, into, byLabel, depth }];
  const childMaps = new WeakMap<DiffNode, Map<string, DiffNode>>();
  while (stack.length) {
    const job = stack.pop()!;
    for (const n of job.spans) {
      const label = labelOf(n);
      let d = job.byLabel.get(label);
      if (!d) {
        d = emptyNode(n, job.depth);
        job.byLabel.set(label, d);
        job.into.push(d);
      }
      const dur = n.end - n.start;
      if (side === 'A') { d.countA++; d.durA += dur; if (n.error) d.errorsA++; } else { d.countB++; d.durB += dur; if (n.error) d.errorsB++; }
      if (n.children.length) {
        let m = childMaps.get(d);
        if (!m) {
          m = new Map(d.children.map((c) => [c.label, c]));
          childMaps.set(d, m);
        }
        stack.push({ spans: n.children, into: d.children, byLabel: m, depth: job.depth + 1 });
      }
    }
  }
}

export function diffTraces(a: TraceModel, b: TraceModel): TraceDiff {
  const roots: DiffNode[] = [];
  // Merge A fully first, then B into the same maps (the maps are rebuilt from children on first use).
  const top = new Map<string, DiffNode>();
  merge(a.roots, roots, top, 'A', 0);
  merge(b.roots, roots, top, 'B', 0);
  const rows: DiffNode[] = [];
  let added = 0;
  let removed = 0;
  let changed = 0;
  const stack = [...roots].reverse();
  while (stack.length) {
    const d = stack.pop()!;
    d.change = d.countA === 0 ? 'added' : d.countB === 0 ? 'removed' : d.countB > d.countA ? 'more' : d.countB < d.countA ? 'fewer' : 'same';
    if (d.change === 'added') added += d.countB;
    else if (d.change === 'removed') removed += d.countA;
    else if (d.change !== 'same') changed++;
    rows.push(d);
    for (let i = d.children.length - 1; i >= 0; i--) stack.push(d.children[i]!);
  }
  return { roots, rows, added, removed, changed };
}

/** B's duration against A's as a signed percentage, or null when A is 0. */
export function durationChange(d: DiffNode): number | null {
  return d.durA > 0 ? (100 * (d.durB - d.durA)) / d.durA : null;
}
