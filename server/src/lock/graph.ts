// The input graph of a parsed lock: follows resolved, who pulls in what, which upstreams are
// locked at more than one revision, and the tree `nix flake metadata` prints (Nix 2.8 format).
import { getInput, LockFile, LockInput, LockNode, RefAttrs, resolveInput, Resolution } from './lockfile';
import { archiveRevision, isNixpkgsIdentity, refToUrl, upstreamIdentity, upstreamName } from './flakeRef';

export interface Edge {
  from: string;
  name: string;
  /** The node the input ends up at, or undefined when its follows is broken. */
  to?: string;
  follows?: string[];
}

export interface Graph {
  lock: LockFile;
  /** Resolved inputs per node key, in lock order. */
  edges: Map<string, Edge[]>;
  /** For each node reachable from the root: the input-name paths that reach it without a
   *  follows, shortest first (capped), e.g. [['home-manager', 'nixpkgs']]. */
  paths: InputPaths;
}

const MAX_PATHS_PER_NODE = 8;

/** A path for a message: whole when short; a crafted 10,000-deep chain would make every message
 *  (one per copy) as long as the chain, quadratic text in all. */
export function showPath(path: readonly string[]): string {
  if (path.length <= SHOWN_WHOLE) return path.join('/');
  return elided(path.slice(0, SHOWN_ENDS), path.length, path.slice(-SHOWN_ENDS));
}

/** Paths up to this length are shown whole; longer ones show SHOWN_ENDS names at each end. */
const SHOWN_WHOLE = 12;
const SHOWN_ENDS = 5;

function elided(head: readonly string[], length: number, tail: readonly string[]): string {
  return `${head.join('/')}/…(${length - 2 * SHOWN_ENDS} more)…/${tail.join('/')}`;
}

/**
 * The paths that reach each node, stored as (parent node, input name) links so that paths share
 * their prefixes: a chain of n nodes costs O(n), not the O(n²) of one array per node. Building a
 * path costs its length, so callers ask only for the paths they can use (`get` with a maximum
 * length) or for their message text (`shown`, O(1) per path however deep).
 */
export class InputPaths {
  /** Per node: where its paths come from; the first entry lies on a shortest path. */
  private readonly via = new Map<string, { from: string; name: string }[]>();
  private readonly depths = new Map<string, number>();
  /** Per node: the first SHOWN_ENDS names of its first path (shared with the parent once full). */
  private readonly heads = new Map<string, readonly string[]>();

  constructor(private readonly root: string) {
    this.via.set(root, []);
    this.depths.set(root, 0);
    this.heads.set(root, []);
  }

  /** The length of a node's shortest path (0 for the root). */
  depth(key: string): number | undefined {
    return this.depths.get(key);
  }

  /** Records an edge; false when the node was already reached (nothing to explore). */
  add(from: string, name: string, to: string): boolean {
    const known = this.via.get(to);
    if (!known) {
      this.via.set(to, [{ from, name }]);
      this.depths.set(to, this.depths.get(from)! + 1);
      const head = this.heads.get(from)!;
      this.heads.set(to, head.length >= SHOWN_ENDS ? head : [...head, name]);
      return true;
    }
    if (known.length < MAX_PATHS_PER_NODE && to !== this.root) known.push({ from, name });
    return false;
  }

  /** The first (a shortest) path to a node: walks parent links back to the root. */
  first(key: string): string[] | undefined {
    if (!this.via.has(key)) return undefined;
    const names: string[] = [];
    for (let cur = this.via.get(key)![0]; cur; cur = this.via.get(cur.from)![0]) names.push(cur.name);
    return names.reverse();
  }

  /** The last `n` names of a node's first path, in O(n). */
  private tail(key: string, n: number): string[] {
    const names: string[] = [];
    for (let cur = this.via.get(key)![0]; cur && names.length < n; cur = this.via.get(cur.from)![0]) names.push(cur.name);
    return names.reverse();
  }

  /** How many paths are recorded for a node (at most MAX_PATHS_PER_NODE). */
  count(key: string): number {
    return Math.max(1, this.via.get(key)?.length ?? 0);
  }

  /** The node's paths of at most `maxLength` names (all by default), shortest first. */
  get(key: string, maxLength = Infinity): string[][] | undefined {
    const via = this.via.get(key);
    if (!via) return undefined;
    if (via.length === 0) return [[]];
    return via.filter((v) => this.depths.get(v.from)! < maxLength).map((v) => [...this.first(v.from)!, v.name]);
  }

  /** The first `limit` paths to a node as showPath prints them, without building long paths. */
  shown(key: string, limit = MAX_PATHS_PER_NODE): string[] {
    const via = this.via.get(key);
    if (!via) return [];
    if (via.length === 0) return [''];
    return via.slice(0, limit).map((v) => this.showEdge(v.from, v.name)!);
  }

  /** The path of input `name` of node `from`, as showPath prints it; undefined when `from` is unreached. */
  showEdge(from: string, name: string): string | undefined {
    const depth = this.depths.get(from);
    if (depth === undefined) return undefined;
    if (depth + 1 <= SHOWN_WHOLE) return [...this.first(from)!, name].join('/');
    return elided(this.heads.get(from)!, depth + 1, [...this.tail(from, SHOWN_ENDS - 1), name]);
  }

  has(key: string): boolean {
    return this.via.has(key);
  }

  get size(): number {
    return this.via.size;
  }

  keys(): IterableIterator<string> {
    return this.via.keys();
  }
}

export function buildGraph(lock: LockFile): Graph {
  const edges = new Map<string, Edge[]>();
  const cache = new Map<string, Resolution>();
  for (const node of lock.nodes.values()) {
    const list: Edge[] = [];
    for (const input of node.inputs) {
      let r: Resolution;
      if (input.target.kind === 'follows') {
        const k = input.target.path.join('\u0000');
        r = cache.get(k) ?? resolveInput(lock, input);
        cache.set(k, r);
      } else r = resolveInput(lock, input);
      list.push({
        from: node.key,
        name: input.name,
        to: r.ok ? r.node : undefined,
        follows: input.target.kind === 'follows' ? input.target.path : undefined,
      });
    }
    edges.set(node.key, list);
  }
  // Breadth-first over direct (non-follows) edges, so the first path recorded is a shortest one.
  const paths = new InputPaths(lock.root);
  const queue = [lock.root];
  for (let q = 0; q < queue.length; q++) {
    for (const e of edges.get(queue[q]) ?? []) {
      if (!e.follows && e.to && paths.add(queue[q], e.name, e.to)) queue.push(e.to);
    }
  }
  return { lock, edges, paths };
}

/** The node an input path from the root leads to (follows resolved), if any. */
export function nodeAt(graph: Graph, path: string[]): string | undefined {
  let cur = graph.lock.root;
  for (const name of path) {
    const e = graph.edges.get(cur)?.find((x) => x.name === name);
    if (!e?.to) return undefined;
    cur = e.to;
  }
  return cur;
}

/** The locked revision: the commit when there is one, else the content hash. */
export function revisionOf(node: LockNode): string | undefined {
  const l = node.locked;
  if (!l) return undefined;
  if (typeof l.rev === 'string') return l.rev;
  const archive = archiveRevision(l);
  if (archive) return archive;
  if (typeof l.narHash === 'string') return l.narHash;
  return undefined;
}

/** `abcdef1` for commits, the hash otherwise; what messages show. */
export function shortRev(rev: string): string {
  return /^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 7) : rev.replace(/^sha256-/, '').slice(0, 12);
}

/** `lastModified` as a UTC date (YYYY-MM-DD), like `nix flake update` prints it. */
/** Store paths carry timestamps at the epoch (0 or 1): those are not dates worth showing. */
export const MEANINGFUL_TIMESTAMP = 86_400 * 365;

export function lastModifiedDate(node: LockNode): string | undefined {
  const t = node.locked?.lastModified;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < MEANINGFUL_TIMESTAMP) return undefined;
  const d = new Date(t * 1000);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().slice(0, 10);
}

export interface Instance {
  node: string;
  rev?: string;
  date?: string;
}

export interface Duplicate {
  identity: string;
  /** The root input others should follow: the one named like the upstream (`nixpkgs`), else the
   *  first root input of that upstream. */
  rootInput: string;
  rootInstance: Instance;
  /** Every root input of this upstream (a flake may want both nixpkgs and nixpkgs-unstable). */
  rootInputs: { name: string; instance: Instance }[];
  /** Copies at a revision none of the root's inputs uses. */
  extras: Instance[];
}

/**
 * Upstreams reachable from the root that are locked at more than one revision and that the root
 * itself also uses as a direct input. nixpkgs first, then by identity.
 */
export function findDuplicates(graph: Graph): Duplicate[] {
  // Graphs are never changed once built; three rules and the graph request ask for the same list.
  let found = duplicatesOf.get(graph);
  if (!found) duplicatesOf.set(graph, (found = computeDuplicates(graph)));
  return found;
}

const duplicatesOf = new WeakMap<Graph, Duplicate[]>();

function computeDuplicates(graph: Graph): Duplicate[] {
  const { lock } = graph;
  const groups = new Map<string, Instance[]>();
  for (const key of graph.paths.keys()) {
    if (key === lock.root) continue;
    const node = lock.nodes.get(key)!;
    if (!node.locked) continue;
    const id = upstreamIdentity(node.locked);
    const list = groups.get(id) ?? [];
    list.push({ node: key, rev: revisionOf(node), date: lastModifiedDate(node) });
    groups.set(id, list);
  }
  const rootEdges = graph.edges.get(lock.root) ?? [];
  const revKey = (i: Instance) => i.rev ?? i.node;
  const out: Duplicate[] = [];
  for (const [identity, list] of groups) {
    if (new Set(list.map(revKey)).size < 2) continue;
    // Keyed by node: a lock with hundreds of copies of nixpkgs would make this quadratic.
    const byNode = new Map<string, Instance>();
    for (const i of list) if (!byNode.has(i.node)) byNode.set(i.node, i);
    const rootInputs = rootEdges
      .filter((e) => e.to && byNode.has(e.to))
      .map((e) => ({ name: e.name, instance: byNode.get(e.to!)! }));
    if (rootInputs.length === 0) continue;
    // Root inputs of the same upstream at different revisions are deliberate (nixpkgs and
    // nixpkgs-unstable); only copies matching none of them are extra.
    const rootRevs = new Set(rootInputs.map((r) => revKey(r.instance)));
    const extras = list.filter((i) => !rootRevs.has(revKey(i)));
    if (extras.length === 0) continue;
    const repo = upstreamName(lock.nodes.get(rootInputs[0].instance.node)!.locked!);
    const preferred = rootInputs.find((r) => r.name === repo) ?? rootInputs[0];
    out.push({ identity, rootInput: preferred.name, rootInstance: preferred.instance, rootInputs, extras });
  }
  out.sort((a, b) => Number(isNixpkgsIdentity(b.identity)) - Number(isNixpkgsIdentity(a.identity)) || (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
  return out;
}

export interface TreeOptions {
  /** Emit the bold escapes Nix prints around names (it does so even when piped). */
  ansi?: boolean;
  /** Applied to every name and URL from the lock (the CLI makes them safe for a terminal). */
  escape?: (s: string) => string;
}

/**
 * The `Inputs:` section of `nix flake metadata` (Nix 2.8): inputs sorted by name, a node reached a
 * second time is printed but not expanded, follows print as `'<name>' follows input '<path>'`.
 * The lines above it (Resolved URL, Locked URL, Path, Last modified) describe the root's own
 * source and store path, which the lock does not contain, so they are not produced here.
 */
export function printTree(graph: Graph, opts: TreeOptions = {}): string {
  const { lock } = graph;
  const esc = opts.escape ?? ((s: string) => s);
  const bold = (s: string) => (opts.ansi ? `\x1b[1m${esc(s)}\x1b[0m` : esc(s));
  const root = lock.nodes.get(lock.root);
  const lines: string[] = [];
  if (!root || root.inputs.length === 0) return '';
  lines.push(bold('Inputs:'));
  const visited = new Set<string>([lock.root]);
  // Explicit stack instead of recursion: a 2,000-deep chain must not overflow.
  type Frame = { node: LockNode; prefix: string; inputs: LockInput[]; i: number };
  const sorted = (n: LockNode) => [...n.inputs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const stack: Frame[] = [{ node: root, prefix: '', inputs: sorted(root), i: 0 }];
  while (stack.length) {
    const f = stack[stack.length - 1];
    if (f.i >= f.inputs.length) {
      stack.pop();
      continue;
    }
    const input = f.inputs[f.i++];
    const last = f.i === f.inputs.length;
    const branch = f.prefix + (last ? '└───' : '├───');
    if (input.target.kind === 'follows') {
      lines.push(`${branch}${bold(input.name)} follows input '${esc(input.target.path.join('/'))}'`);
      continue;
    }
    const child = lock.nodes.get(input.target.node);
    const url = child?.locked ? esc(refToUrl(child.locked)) : '?';
    lines.push(`${branch}${bold(input.name)}: ${url}`);
    if (child && !visited.has(child.key)) {
      visited.add(child.key);
      stack.push({ node: child, prefix: f.prefix + (last ? '    ' : '│   '), inputs: sorted(child), i: 0 });
    }
  }
  return lines.join('\n') + '\n';
}

/** Every input of every node with its resolution; used by rules and the graph view. */
export function inputOf(graph: Graph, nodeKey: string, name: string): Edge | undefined {
  // Indexed per node on first use: a scan per lookup is quadratic on a root with thousands of inputs.
  let index = edgeIndex.get(graph);
  if (!index) edgeIndex.set(graph, (index = new Map()));
  let byName = index.get(nodeKey);
  if (!byName) {
    byName = new Map();
    // The first edge of a repeated name wins, as in getInput.
    for (const e of graph.edges.get(nodeKey) ?? []) if (!byName.has(e.name)) byName.set(e.name, e);
    index.set(nodeKey, byName);
  }
  return byName.get(name);
}

const edgeIndex = new WeakMap<Graph, Map<string, Map<string, Edge>>>();

export { getInput };
