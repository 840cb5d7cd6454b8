// The input graph of a parsed lock: follows resolved, who pulls in what, which upstreams are
// locked at more than one revision, and the tree `nix flake metadata` prints (Nix 2.8 format).
import { getInput, LockFile, LockInput, LockNode, RefAttrs, resolveInput, Resolution } from './lockfile';
import { trimTrailingSlashes } from './urls';

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

/**
 * What makes two locks "the same upstream": forge type + host + owner/repo (case-insensitive,
 * GitHub treats them so) + `dir`; the URL for git, mercurial, tarball and file; the path for
 * path inputs. `dir` matters: nixpkgs?dir=lib is a different flake from nixpkgs.
 */
export function upstreamIdentity(attrs: RefAttrs): string {
  const dir = typeof attrs.dir === 'string' && attrs.dir !== '' ? `?dir=${attrs.dir}` : '';
  switch (attrs.type) {
    case 'github':
    case 'gitlab':
    case 'sourcehut': {
      const host = String(attrs.host ?? defaultHost(attrs.type)).toLowerCase();
      return `${attrs.type}:${host}/${String(attrs.owner ?? '').toLowerCase()}/${String(attrs.repo ?? '').toLowerCase()}${dir}`;
    }
    case 'git':
    case 'hg':
    case 'mercurial':
    case 'tarball':
    case 'file': {
      const forge = forgeRepo(String(attrs.url ?? ''), attrs.type);
      if (forge) return `${forge.type}:${forge.host}/${forge.owner.toLowerCase()}/${forge.repo.toLowerCase()}${dir}`;
      return `${attrs.type}:${stripQuery(String(attrs.url ?? ''))}${dir}`;
    }
    case 'path':
      return `path:${String(attrs.path ?? '')}${dir}`;
    case 'indirect':
      return `indirect:${String(attrs.id ?? '')}${dir}`;
    default:
      return `${attrs.type}:${JSON.stringify(attrs)}`;
  }
}

/**
 * The forge repository a git/tarball URL fetches, so that `git+https://github.com/NixOS/nixpkgs`,
 * `https://github.com/NixOS/nixpkgs/archive/<rev>.tar.gz` and FlakeHub's `NixOS/nixpkgs` count as
 * the same upstream as `github:NixOS/nixpkgs`. FlakeHub publishes flakes from GitHub under the
 * repository's owner/name (`https://flakehub.com/f/O/R/<version>`, locked as
 * `https://api.flakehub.com/f/pinned/O/R/...`).
 */
function forgeRepo(url: string, type: string): { type: string; host: string; owner: string; repo: string } | undefined {
  let u: URL;
  try {
    u = new URL(url.replace(/^[a-z]+\+/, ''));
  } catch {
    return undefined;
  }
  const host = u.hostname.toLowerCase();
  const parts = u.pathname.split('/').filter((p) => p !== '');
  if ((type === 'tarball' || type === 'file') && (host === 'flakehub.com' || host === 'api.flakehub.com')) {
    // /f/O/R/<version>[.tar.gz] or /f/pinned/O/R/<version>/<id>/source.tar.gz
    const rest = parts[0] === 'f' ? (parts[1] === 'pinned' ? parts.slice(2) : parts.slice(1)) : [];
    return rest.length >= 2 ? { type: 'github', host: 'github.com', owner: decodePart(rest[0]), repo: decodePart(rest[1]) } : undefined;
  }
  if (host !== 'github.com' && host !== 'gitlab.com') return undefined;
  if (parts.length < 2) return undefined;
  const forge = host === 'github.com' ? 'github' : 'gitlab';
  if (type === 'git') {
    // The whole path is the repository (GitLab has subgroups; GitHub has exactly two parts).
    if (forge === 'github' && parts.length !== 2) return undefined;
    const path = parts.map(decodePart);
    path[path.length - 1] = path[path.length - 1].replace(/\.git$/, '');
    return { type: forge, host, owner: path.slice(0, -1).join('/'), repo: path[path.length - 1] };
  }
  // Archives: github.com/O/R/archive/<ref>.tar.gz, gitlab.com/O/R/-/archive/...
  if (forge === 'github' && parts.length >= 4 && parts[2] === 'archive') return { type: forge, host, owner: decodePart(parts[0]), repo: decodePart(parts[1]) };
  return undefined;
}

function decodePart(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

function defaultHost(type: string): string {
  return type === 'github' ? 'github.com' : type === 'gitlab' ? 'gitlab.com' : 'git.sr.ht';
}

function stripQuery(url: string): string {
  const q = url.indexOf('?');
  return trimTrailingSlashes(q < 0 ? url : url.slice(0, q)).replace(/\.git$/, '');
}

/** The locked revision: the commit when there is one, else the content hash. */
export function revisionOf(node: LockNode): string | undefined {
  const l = node.locked;
  if (!l) return undefined;
  if (typeof l.rev === 'string') return l.rev;
  // A GitHub archive names its commit (flake-parts' nixpkgs-lib): comparable with github: locks.
  const archive = typeof l.url === 'string' ? /^https:\/\/github\.com\/[^/?#]+\/[^/?#]+\/archive\/([0-9a-f]{40})\.(?:tar\.gz|zip)(?:\?|$)/.exec(l.url) : null;
  if (archive) return archive[1];
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

/** The short name of an upstream: repo for forges, last path segment for URLs. */
export function upstreamName(attrs: RefAttrs): string {
  if (typeof attrs.repo === 'string') return attrs.repo.toLowerCase();
  const forge = typeof attrs.url === 'string' ? forgeRepo(attrs.url, String(attrs.type)) : undefined;
  if (forge) return forge.repo.toLowerCase();
  const u = stripQuery(String(attrs.url ?? attrs.path ?? attrs.id ?? ''));
  return u.slice(u.lastIndexOf('/') + 1).toLowerCase();
}

/** Is an upstream identity (see upstreamIdentity) nixpkgs itself, not a subflake of it? */
export function isNixpkgs(identity: string): boolean {
  return /[/:]nixpkgs(\?|$)/i.test(identity) && !identity.includes('?dir=');
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
  out.sort((a, b) => Number(isNixpkgs(b.identity)) - Number(isNixpkgs(a.identity)) || (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
  return out;
}

// ---- URLs as Nix 2.8 prints them (FlakeRef::to_string of the locked ref) ----

/** Nix's percentEncode: RFC 3986 unreserved + sub-delims + ':' '@' stay, the rest is %xx (lowercase). */
function percentEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~!$&'()*+,;=:@]/.test(c)) out += c;
    else out += '%' + byte.toString(16).padStart(2, '0');
  }
  return out;
}

function withQuery(base: string, query: Map<string, string>): string {
  if (query.size === 0) return base;
  const keys = [...query.keys()].sort();
  return base + '?' + keys.map((k) => `${percentEncode(k)}=${percentEncode(query.get(k)!)}`).join('&');
}

/** `base?k=v&…` with the query decoded (undecodable parts kept as written). */
export function splitUrl(url: string): { base: string; query: Map<string, string> } {
  const q = url.indexOf('?');
  const query = new Map<string, string>();
  if (q < 0) return { base: url, query };
  for (const part of url.slice(q + 1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    try {
      query.set(decodeURIComponent(k), decodeURIComponent(v));
    } catch {
      query.set(k, v);
    }
  }
  return { base: url.slice(0, q), query };
}

/** Renders a flake reference (locked or original attrs) as a URL, the way Nix 2.8 does. */
export function refToUrl(attrs: RefAttrs): string {
  const query = new Map<string, string>();
  const dir = typeof attrs.dir === 'string' && attrs.dir !== '' ? attrs.dir : undefined;
  let base: string;
  switch (attrs.type) {
    case 'github':
    case 'gitlab':
    case 'sourcehut': {
      let p = `${attrs.owner}/${attrs.repo}`;
      if (typeof attrs.rev === 'string') p += `/${attrs.rev}`;
      else if (typeof attrs.ref === 'string') p += `/${attrs.ref}`;
      base = `${attrs.type}:${p}`;
      if (typeof attrs.host === 'string') query.set('host', attrs.host);
      break;
    }
    case 'git':
    case 'hg':
    case 'mercurial': {
      const prefix = attrs.type === 'git' ? 'git' : 'hg';
      const u = splitUrl(String(attrs.url ?? ''));
      for (const [k, v] of u.query) query.set(k, v);
      base = u.base.startsWith(`${prefix}:`) || u.base.startsWith(`${prefix}://`) ? u.base : `${prefix}+${u.base}`;
      if (typeof attrs.ref === 'string') query.set('ref', attrs.ref);
      if (typeof attrs.rev === 'string') query.set('rev', attrs.rev);
      break;
    }
    case 'tarball':
    case 'file': {
      const u = splitUrl(String(attrs.url ?? ''));
      for (const [k, v] of u.query) query.set(k, v);
      base = u.base;
      if (typeof attrs.narHash === 'string') query.set('narHash', attrs.narHash);
      break;
    }
    case 'path': {
      base = `path:${attrs.path}`;
      for (const [k, v] of Object.entries(attrs)) {
        if (k === 'type' || k === 'path' || k === 'dir') continue;
        query.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
      }
      break;
    }
    case 'indirect': {
      let p = `flake:${attrs.id}`;
      if (typeof attrs.ref === 'string') p += `/${attrs.ref}`;
      if (typeof attrs.rev === 'string') p += `/${attrs.rev}`;
      base = p;
      break;
    }
    default:
      base = `${attrs.type}:${attrs.url ?? attrs.path ?? ''}`;
  }
  if (dir) query.set('dir', dir);
  return withQuery(base, query);
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
