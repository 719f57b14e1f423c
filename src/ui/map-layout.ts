/**
 * Service map layout, pure (no DOM; runs in node for the tests): dagre (a maintained Sugiyama-style
 * layered layout; measured 49 KB minified against elkjs's 1.5 MB, see src/ui/README.md) places callers
 * left of callees, orders each layer to cut crossings, routes edges, and reserves room for every edge
 * label as if it were a node, so labels never overlap nodes or one another.
 */
import dagre from '@dagrejs/dagre';

export interface MapNodeIn { id: number; width: number; height: number }
export interface MapEdgeIn { from: number; to: number; labelWidth: number; labelHeight: number }
export interface Point { x: number; y: number }
export interface MapLayout {
  /** Centres of the nodes. */
  nodes: Map<number, Point>;
  /** Per edge (in input order): its route (first point at the caller) and its label's centre. */
  edges: { from: number; to: number; points: Point[]; label: Point }[];
  width: number;
  height: number;
}

export const edgeKey = (from: number, to: number) => `${from}>${to}`;

/** `first`: ids to put in the leftmost layer (the client, root services). */
export function layoutMap(nodes: MapNodeIn[], edges: MapEdgeIn[], first: number[] = [], margin = 24): MapLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 70, edgesep: 16, marginx: margin, marginy: margin, ranker: 'network-simplex' });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(nodes.map((n) => n.id));
  for (const n of nodes) g.setNode(String(n.id), { width: n.width, height: n.height });
  const kept = edges.filter((e) => known.has(e.from) && known.has(e.to));
  kept.forEach((e, i) => {
    g.setEdge(String(e.from), String(e.to), {
      width: e.labelWidth, height: e.labelHeight, labelpos: 'c',
      // The client and roots pull left: their outgoing edges weigh more.
      weight: first.includes(e.from) ? 3 : 1, minlen: 1,
    }, `e${i}`);
  });
  dagre.layout(g);
  const out = new Map<number, Point>();
  for (const n of nodes) {
    const p = g.node(String(n.id));
    out.set(n.id, { x: p.x, y: p.y });
  }
  const routed = kept.map((e, i) => {
    const d = g.edge({ v: String(e.from), w: String(e.to), name: `e${i}` }) as { points: Point[]; x: number; y: number };
    return { from: e.from, to: e.to, points: d.points.map((p) => ({ x: p.x, y: p.y })), label: { x: d.x, y: d.y } };
  });
  const graph = g.graph() as { width?: number; height?: number };
  return { nodes: out, edges: routed, width: graph.width ?? 0, height: graph.height ?? 0 };
}
