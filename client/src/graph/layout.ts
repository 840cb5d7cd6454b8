// Layered (Sugiyama) layout of the input graph by dagre: pure, runs in the webview and in node
// (unit tests, bench). dagre was picked over elkjs for size and speed; see docs/input-graph.md.
// dagre ships CommonJS for require() but declares its types as ES module only.
type Dagre = typeof import('@dagrejs/dagre', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dagre: Dagre = require('@dagrejs/dagre');
import type { GraphModel } from './model';

export interface Point {
  x: number;
  y: number;
}

export interface NodeBox {
  /** Top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  width: number;
  height: number;
  nodes: Map<string, NodeBox>;
  edges: Map<string, Point[]>;
}

export const MARGIN = 16;

/** Inputs flow left to right: the root on the left, each layer one step further from it. */
export function layoutGraph(model: GraphModel): Layout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 70, edgesep: 8, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of model.nodes) g.setNode(n.id, { width: n.width, height: n.height });
  for (const e of model.edges) g.setEdge(e.from, e.to, {}, e.id);
  dagre.layout(g);

  const nodes = new Map<string, NodeBox>();
  for (const n of model.nodes) {
    const l = g.node(n.id);
    nodes.set(n.id, { x: l.x! - n.width / 2, y: l.y! - n.height / 2, width: n.width, height: n.height });
  }
  const edges = new Map<string, Point[]>();
  for (const e of model.edges) {
    const l = g.edge(e.from, e.to, e.id);
    edges.set(e.id, (l?.points ?? []).map((p: Point) => ({ x: p.x, y: p.y })));
  }
  const graph = g.graph();
  return { width: graph.width ?? 0, height: graph.height ?? 0, nodes, edges };
}
