/**
 * Layered layout for the service map, pure (no DOM). Callers (the client) start on the left; every
 * other node sits one layer right of its furthest caller (longest path, back edges of cycles ignored);
 * within a layer nodes are ordered by the mean position of their callers to limit crossings.
 */

export interface Layout {
  /** Node ids per layer, left to right; each layer top to bottom. */
  layers: number[][];
  layerOf: Map<number, number>;
  /** Edges that point back (cycles): drawn differently. */
  backEdges: Set<string>;
}

export const edgeKey = (from: number, to: number) => `${from}>${to}`;

/**
 * `ids` in a preferred order (it breaks ties); `first` are the ids to start from (the client, root
 * services). Unreachable nodes start their own chains.
 */
export function layeredLayout(ids: number[], edges: [number, number][], first: number[] = []): Layout {
  const known = new Set(ids);
  const out = new Map<number, number[]>(ids.map((i) => [i, []]));
  for (const [a, b] of edges) if (known.has(a) && known.has(b) && a !== b) out.get(a)!.push(b);

  // DFS from the starting nodes to find back edges (iterative: graphs may be deep).
  const backEdges = new Set<string>();
  const state = new Map<number, 1 | 2>(); // 1 on stack, 2 done
  const starts = [...first.filter((i) => known.has(i)), ...ids.filter((i) => !edges.some(([a, b]) => b === i && a !== i && known.has(a))), ...ids];
  for (const s of starts) {
    if (state.has(s)) continue;
    const stack: [number, number][] = [[s, 0]];
    state.set(s, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const next = out.get(top[0])![top[1]++];
      if (next === undefined) {
        state.set(top[0], 2);
        stack.pop();
      } else if (state.get(next) === 1) backEdges.add(edgeKey(top[0], next));
      else if (!state.has(next)) {
        state.set(next, 1);
        stack.push([next, 0]);
      }
    }
  }

  // Longest path over the remaining DAG (Kahn's order).
  const indeg = new Map<number, number>(ids.map((i) => [i, 0]));
  const preds = new Map<number, number[]>(ids.map((i) => [i, []]));
  for (const [a, outs] of out) {
    for (const b of outs) {
      if (backEdges.has(edgeKey(a, b))) continue;
      indeg.set(b, indeg.get(b)! + 1);
      preds.get(b)!.push(a);
    }
  }
  const layerOf = new Map<number, number>();
  const queue = ids.filter((i) => indeg.get(i) === 0);
  for (const i of queue) layerOf.set(i, 0);
  for (let q = 0; q < queue.length; q++) {
    const a = queue[q]!;
    for (const b of out.get(a)!) {
      if (backEdges.has(edgeKey(a, b))) continue;
      layerOf.set(b, Math.max(layerOf.get(b) ?? 0, layerOf.get(a)! + 1));
      indeg.set(b, indeg.get(b)! - 1);
      if (indeg.get(b) === 0) queue.push(b);
    }
  }
  for (const i of ids) if (!layerOf.has(i)) layerOf.set(i, 0); // defensive: cannot happen without cycles

  const count = Math.max(0, ...layerOf.values()) + 1;
  const layers: number[][] = Array.from({ length: ids.length ? count : 0 }, () => []);
  const rank = new Map(ids.map((i, k) => [i, k]));
  const firstSet = new Set(first);
  for (const i of ids) layers[layerOf.get(i)!]!.push(i);
  layers[0]?.sort((a, b) => Number(firstSet.has(b)) - Number(firstSet.has(a)) || rank.get(a)! - rank.get(b)!);
  // Barycenter ordering, one sweep left to right.
  const pos = new Map<number, number>();
  // Positions are centered per layer, as drawn.
  const place = (layer: number[]) => layer.forEach((i, k) => pos.set(i, k - (layer.length - 1) / 2));
  if (layers[0]) place(layers[0]);
  for (let l = 1; l < layers.length; l++) {
    const bary = (i: number) => {
      const ps = preds.get(i)!.filter((p) => pos.has(p));
      return ps.length ? ps.reduce((s, p) => s + pos.get(p)!, 0) / ps.length : Infinity;
    };
    layers[l]!.sort((a, b) => bary(a) - bary(b) || rank.get(a)! - rank.get(b)!);
    place(layers[l]!);
  }
  return { layers, layerOf, backEdges };
}
