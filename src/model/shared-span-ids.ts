/**
 * Zipkin's shared spans for readers that need one id per span. A Zipkin server that joins its caller's
 * span (zipkin-js's and Brave's default, `shared: true`) reports its half with the client's span id, so a
 * trace holds two spans with one id. Zipkin's UI nests the server half under the client itself; Jaeger's
 * UI needs unique ids, so Jaeger's query service rewrites them (its `SpanIDDeduper` adjuster): a SERVER
 * span whose id a CLIENT span of the same trace also has gets a new id, its parent becomes the shared id
 * (the client half), and spans whose parent was the shared id now hang under the server half.
 *
 * Same rule here, applied when a trace is read (stored rows keep the ids as sent). One difference: Jaeger
 * counts new ids up from 1; here the new id is derived from the old one, so it stays the same from one read
 * to the next (a link such as `/trace/<id>?span=<new id>` keeps working as more spans arrive).
 */
import { SpanKind } from './span.js';

const MASK = (1n << 64n) - 1n;

/** Rewrites `spanId` and `parentSpanId` (16-hex, parallel to `kind`) in place; returns old -> new ids. */
export function dedupeSharedSpanIds(spanId: string[], parentSpanId: string[], kind: readonly number[]): Map<string, string> {
  const moved = new Map<string, string>();
  let clients: Set<string> | undefined;
  for (let r = 0; r < spanId.length; r++) if (kind[r] === SpanKind.CLIENT) (clients ??= new Set()).add(spanId[r]!);
  if (!clients) return moved;
  const used = new Set(spanId);
  for (let r = 0; r < spanId.length; r++) {
    const old = spanId[r]!;
    if (kind[r] !== SpanKind.SERVER || !clients.has(old)) continue;
    const id = derivedId(old, used);
    used.add(id);
    moved.set(old, id);
    parentSpanId[r] = old;
    spanId[r] = id;
  }
  if (moved.size === 0) return moved;
  for (let r = 0; r < spanId.length; r++) {
    const to = moved.get(parentSpanId[r]!);
    if (to !== undefined && spanId[r] !== to) parentSpanId[r] = to;
  }
  return moved;
}

/** A 64-bit id mixed from `old` (golden-ratio multiply), stepped past any id the trace already uses. */
function derivedId(old: string, used: Set<string>): string {
  let x = (BigInt('0x' + (old || '0')) * 0x9e3779b97f4a7c15n + 0x632be59bd9b4e019n) & MASK;
  for (;;) {
    const hex = x.toString(16).padStart(16, '0');
    if (x !== 0n && !used.has(hex)) return hex;
    x = (x + 1n) & MASK;
  }
}
