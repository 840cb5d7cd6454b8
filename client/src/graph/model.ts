// The input graph as the webview draws it: one node per lock node reachable from the root, one
// edge per input. Pure (no vscode, no DOM): the extension host builds it from the server's DTO and
// the unit tests build it from the corpus locks.
import type { FlakeGraphDto, InputEdgeDto, LockNodeDto } from '../../../server/src/protocol';
import { formatAge } from '../../../server/src/lock/age';
import { isNixpkgsIdentity } from '../../../server/src/lock/flakeRef';
import { InputPaths } from '../../../server/src/lock/graph';

export interface GraphNode {
  /** The lock node's key. */
  id: string;
  /** The input name (of the shortest path from the root), or the flake's name for the root. */
  name: string;
  /** The length of the shortest input path from the root (0 for the root). */
  depth: number;
  /** Short revision, or the reference when there is no commit. */
  detail: string;
  age?: string;
  /** The full description, for the tooltip and the screen reader. */
  title: string;
  /** What the filter box searches: name, lock key, reference and revision, lower case. */
  search: string;
  /** Colour family (one per upstream locked at more than one revision) and its shade (newest 0). */
  family?: number;
  shade?: number;
  root: boolean;
  flake: boolean;
  nixpkgs: boolean;
  /** "2nd nixpkgs" for another revision of an upstream the flake has more than once. */
  duplicate?: string;
  outdated: boolean;
  canAddFollows: boolean;
  width: number;
  height: number;
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  name: string;
  follows: boolean;
}

export interface GraphModel {
  name: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Follows that point to no input: not drawn, counted. */
  broken: number;
  summary: string;
}

export const FAMILIES = 6;
const MAX_TEXT = 40;
const ORDINAL = ['1st', '2nd', '3rd'];
const ordinal = (n: number) => ORDINAL[n - 1] ?? `${n}th`;

/** Cuts long lock text so that a node keeps a sane size; reads at most `max` characters of it. */
export function clip(text: string, max = MAX_TEXT): string {
  if (text.length <= max) return text;
  const chars: string[] = [];
  for (const c of text) if (chars.push(c) > max) return `${chars.slice(0, max - 1).join('')}…`;
  return text;
}

/** Node size from its text: a monospace-ish estimate, so that layout needs no DOM. */
function size(lines: string[], root: boolean): { width: number; height: number } {
  const widest = Math.max(...lines.map((l, i) => [...l].length * (i === 0 ? 7.6 : 6.6)));
  return { width: Math.round(Math.max(96, widest + 24)), height: root ? 36 : 16 + 15 * lines.length };
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Each reachable node's shortest input path from the root, as parent links, and its last name. */
export interface ShortestPaths {
  /** Paths as (parent, name) links: a chain of n nodes costs O(n); `shown` elides long ones. */
  paths: InputPaths;
  /** The last input name of each node's first (shortest) path; absent for the root. */
  names: Map<string, string>;
}

/** Shortest input paths (breadth first, inputs in name order), without building any path. */
export function shortestPaths(flake: FlakeGraphDto): ShortestPaths | undefined {
  if (!flake.root || !flake.nodes[flake.root]) return undefined;
  const paths = new InputPaths(flake.root);
  const names = new Map<string, string>();
  const queue = [flake.root];
  for (let i = 0; i < queue.length; i++) {
    const key = queue[i];
    for (const e of [...(flake.nodes[key]?.inputs ?? [])].sort(byName)) {
      if (!e.target || !flake.nodes[e.target] || !paths.add(key, e.name, e.target)) continue;
      names.set(e.target, e.name);
      queue.push(e.target);
    }
  }
  return { paths, names };
}

/**
 * The input through which a node is reached, for the Flake Inputs view's commands: the one flake.nix
 * declares (or that has the follows fix, when `want` says so), else one on a shortest path. Only
 * the chosen path is built: O(edges + its length), not one path per parent.
 */
export function inputPathTo(flake: FlakeGraphDto, nodeKey: string, want: 'declaration' | 'addFollows' = 'declaration'): { path: string[]; edge: InputEdgeDto } | undefined {
  const paths = shortestPaths(flake)?.paths;
  if (!paths) return undefined;
  const candidates: { parent: string; depth: number; edge: InputEdgeDto }[] = [];
  for (const parent of paths.keys()) {
    for (const edge of flake.nodes[parent]?.inputs ?? []) if (edge.target === nodeKey) candidates.push({ parent, depth: paths.depth(parent)!, edge });
  }
  candidates.sort((a, b) => a.depth - b.depth || Number(!!a.edge.follows) - Number(!!b.edge.follows));
  const best = candidates.find((c) => (want === 'declaration' ? c.edge.declaration : c.edge.addFollows)) ?? candidates[0];
  return best && { path: [...paths.first(best.parent)!, best.edge.name], edge: best.edge };
}

export function buildModel(flake: FlakeGraphDto, now: number): GraphModel {
  const sp = shortestPaths(flake);
  const paths = sp?.paths;
  const reachable = paths ? [...paths.keys()] : [];
  // Colour families: upstreams locked at more than one revision, nixpkgs first.
  const groups = new Map<string, LockNodeDto[]>();
  for (const key of reachable) {
    const n = flake.nodes[key];
    if (!n.upstream || key === flake.root) continue;
    const group = groups.get(n.upstream);
    if (group) group.push(n);
    else groups.set(n.upstream, [n]);
  }
  const multi = [...groups.entries()].filter(([, ns]) => ns.length > 1);
  multi.sort(([a], [b]) => (isNixpkgsIdentity(a) !== isNixpkgsIdentity(b) ? (isNixpkgsIdentity(a) ? -1 : 1) : a < b ? -1 : a > b ? 1 : 0));
  const colour = new Map<string, { family: number; shade: number }>();
  multi.forEach(([, ns], family) => {
    [...ns]
      .sort((a, b) => (b.lastModified ?? 0) - (a.lastModified ?? 0))
      .forEach((n, shade) => colour.set(n.key, { family: family % FAMILIES, shade: Math.min(shade, 3) }));
  });

  const incomingFix = new Set<string>();
  const edges: GraphEdge[] = [];
  let broken = 0;
  for (const key of reachable) {
    for (const e of flake.nodes[key].inputs) {
      if (!e.target || !paths!.has(e.target)) {
        broken++;
        continue;
      }
      if (e.addFollows) incomingFix.add(e.target);
      edges.push({ id: `e${edges.length}`, from: key, to: e.target, name: e.name, follows: !!e.follows });
    }
  }

  const nodes = reachable.map((key): GraphNode => {
    const n = flake.nodes[key];
    const root = key === flake.root;
    const inputName = root ? flake.name : sp!.names.get(key)!;
    const name = clip(inputName);
    const ref = n.reference ? clip(n.reference) : '';
    const detail = root ? 'this flake' : n.rev ? n.rev.slice(0, 7) : ref || (n.narHash ? clip(n.narHash, 20) : '');
    const age = n.lastModified ? formatAge(n.lastModified, now) + (n.outdated ? ' · old' : '') : undefined;
    const duplicate = n.duplicate ? `${ordinal(n.duplicate.ordinal)} ${clip(n.duplicate.upstream, 20)}` : undefined;
    const title = [
      // The path as the server's messages show it: a 5,000-deep chain shows its two ends.
      root ? flake.name : paths!.shown(key, 1)[0],
      n.reference,
      n.rev,
      n.lastModified ? `${new Date(n.lastModified * 1000).toISOString().slice(0, 10)} (${formatAge(n.lastModified, now)})` : undefined,
      n.flake ? undefined : 'not a flake (flake = false)',
      n.duplicate ? `${ordinal(n.duplicate.ordinal)} of ${n.duplicate.revisions} revisions of ${n.duplicate.upstream}: add a follows` : undefined,
      n.outdated ? 'older than flakeLens.nixpkgs.maxAgeDays' : undefined,
      `lock node ${key}`,
    ]
      .filter((x): x is string => !!x)
      .join('\n');
    const lines = root ? [name] : [name, detail, age ?? ''].filter((l, i) => i === 0 || l);
    if (duplicate) lines[0] = `${lines[0]}  ${duplicate}`;
    return {
      id: key,
      name,
      depth: paths!.depth(key)!,
      detail,
      age,
      title,
      search: [inputName, key, n.reference, n.rev].filter(Boolean).join('\n').toLowerCase(),
      ...colour.get(key),
      root,
      flake: n.flake,
      nixpkgs: !root && !!n.upstream && isNixpkgsIdentity(n.upstream),
      duplicate,
      outdated: !!n.outdated,
      canAddFollows: incomingFix.has(key),
      ...size(lines, root),
    };
  });
  return { name: flake.name, nodes, edges, broken, summary: flake.summary };
}

export interface FilterOptions {
  query?: string;
  onlyNixpkgs?: boolean;
  onlyDuplicates?: boolean;
}

/**
 * The nodes to keep bright: those matching every active criterion and every node on a path from
 * the root to one of them. Undefined when no criterion is active (nothing is dimmed).
 */
export function highlighted(model: GraphModel, opts: FilterOptions): Set<string> | undefined {
  const q = opts.query?.trim().toLowerCase() ?? '';
  if (!q && !opts.onlyNixpkgs && !opts.onlyDuplicates) return undefined;
  const parents = new Map<string, string[]>();
  for (const e of model.edges) {
    const list = parents.get(e.to);
    if (list) list.push(e.from);
    else parents.set(e.to, [e.from]);
  }
  const keep = new Set<string>();
  const queue: string[] = [];
  for (const n of model.nodes) {
    if (q && !n.search.includes(q)) continue;
    if (opts.onlyNixpkgs && !n.nixpkgs) continue;
    if (opts.onlyDuplicates && !n.duplicate) continue;
    keep.add(n.id);
    queue.push(n.id);
  }
  // Everything upstream of a match lies on some path from the root to it.
  for (let i = 0; i < queue.length; i++) {
    for (const p of parents.get(queue[i]) ?? []) {
      if (!keep.has(p)) {
        keep.add(p);
        queue.push(p);
      }
    }
  }
  return keep;
}
