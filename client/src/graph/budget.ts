// How much of the input graph the webview lays out. dagre's work grows with the nodes plus one
// dummy node per layer an edge crosses, a little faster than linearly: about 1 ms of CPU for each
// on a loaded 2-core machine (the largest real lock, 367 nodes and 1,670 in all, takes 0.7 s). A
// lock the server accepts (5,000 nodes, or 100 nodes with 60,000 inputs) would freeze the panel
// for minutes. Past the budget the panel draws what the filters keep, when that fits, and
// otherwise says why it draws nothing. Pure (no DOM): the webview and the unit tests run it.
import { highlighted, type FilterOptions, type GraphModel } from './model';

/** The most nodes the panel lays out at once. */
export const MAX_DRAWN_NODES = 1_200;
/** The most nodes plus edge segments (an edge across k layers has k) laid out at once. */
export const MAX_LAYOUT_SIZE = 4_000;

/**
 * An upper bound of what dagre lays out: nodes plus edge segments, with layers from a longest-path
 * ranking after reversing the edges a depth-first search finds closing a cycle (dagre's own first
 * steps; its network simplex only shortens edges). Linear and iterative.
 */
export function layoutSize(model: GraphModel): number {
  const n = model.nodes.length;
  const index = new Map(model.nodes.map((node, i) => [node.id, i]));
  const from = model.edges.map((e) => index.get(e.from) ?? -1);
  const to = model.edges.map((e) => index.get(e.to) ?? -1);
  const out: number[][] = model.nodes.map(() => []);
  const backInto: number[][] = model.nodes.map(() => []);
  model.edges.forEach((_, e) => from[e] >= 0 && to[e] >= 0 && from[e] !== to[e] && out[from[e]].push(e));
  const state = new Uint8Array(n); // 0 unseen, 1 on the stack, 2 finished
  const reversed = new Uint8Array(model.edges.length);
  const finished: number[] = [];
  for (let s = 0; s < n; s++) {
    if (state[s]) continue;
    state[s] = 1;
    const stack: [number, number][] = [[s, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const v = top[0];
      if (top[1] < out[v].length) {
        const e = out[v][top[1]++];
        const w = to[e];
        if (state[w] === 1) {
          reversed[e] = 1;
          backInto[w].push(e);
        } else if (state[w] === 0) {
          state[w] = 1;
          stack.push([w, 0]);
        }
      } else {
        state[v] = 2;
        finished.push(v);
        stack.pop();
      }
    }
  }
  // Every successor finishes first: rank(v) = min over successors of rank(w) - 1, sinks at 0.
  const rank = new Int32Array(n);
  for (const v of finished) {
    let r = 0;
    for (const e of out[v]) if (!reversed[e]) r = Math.min(r, rank[to[e]] - 1);
    for (const e of backInto[v]) r = Math.min(r, rank[from[e]] - 1);
    rank[v] = r;
  }
  let size = n;
  for (let e = 0; e < model.edges.length; e++) size += from[e] >= 0 && to[e] >= 0 ? Math.max(1, Math.abs(rank[to[e]] - rank[from[e]])) : 1;
  return size;
}

/** The nodes in `keep` and the edges between them. */
export function subModel(model: GraphModel, keep: Set<string>): GraphModel {
  return { ...model, nodes: model.nodes.filter((n) => keep.has(n.id)), edges: model.edges.filter((e) => keep.has(e.from) && keep.has(e.to)) };
}

/** Within the budget; the size is only computed when the counts alone do not decide. */
export const fits = (m: GraphModel) =>
  m.nodes.length <= MAX_DRAWN_NODES && m.nodes.length + m.edges.length <= MAX_LAYOUT_SIZE && layoutSize(m) <= MAX_LAYOUT_SIZE;
const count = (n: number) => n.toLocaleString('en-US');

export interface DrawPlan {
  /** What to lay out: the whole graph, the part the filters keep, or nothing. */
  draw?: GraphModel;
  /** Set when the whole graph is over the budget: what the panel says about it. */
  notice?: string;
  /** True when `draw` is the filtered part: the filters choose what is drawn, not what is dimmed. */
  filtered: boolean;
}

/**
 * The whole graph when it fits the budget (the filters then dim). Otherwise the nodes the filters
 * keep (matches and their paths from the root), applied before the layout, when those fit; else
 * nothing, with a notice that counts what each toggle would keep.
 */
export function planDrawing(model: GraphModel, opts: FilterOptions): DrawPlan {
  if (fits(model)) return { draw: model, filtered: false };
  const whole =
    `This lock has ${count(model.nodes.length)} nodes and ${count(model.edges.length)} edges: too many to draw at once ` +
    `(the graph draws at most ${count(MAX_DRAWN_NODES)} nodes, and ${count(MAX_LAYOUT_SIZE)} nodes and edge segments together).`;
  const keep = highlighted(model, opts);
  if (keep) {
    const sub = subModel(model, keep);
    if (sub.nodes.length > 0 && fits(sub)) {
      return { draw: sub, filtered: true, notice: `${whole} Showing the ${count(sub.nodes.length)} that the filters keep, with their paths from the root.` };
    }
  }
  const option = (label: string, o: FilterOptions) => {
    const sub = subModel(model, highlighted(model, o)!);
    return `${label} would keep ${count(sub.nodes.length)}${sub.nodes.length > 0 && !fits(sub) ? ' (still too many)' : ''}`;
  };
  const now = keep
    ? keep.size === 0
      ? ' The filters keep no node.'
      : ` The filters keep ${count(keep.size)} nodes with their paths from the root: still too many.`
    : '';
  return {
    filtered: true,
    notice:
      `${whole}${now} ${option('Only nixpkgs', { onlyNixpkgs: true })}; ${option('Only duplicates', { onlyDuplicates: true })}. ` +
      'Type in the filter box to draw the inputs that match and their paths from the root, or see every input in the Flake Inputs view.',
  };
}
