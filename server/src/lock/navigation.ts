// Navigation over a flake's inputs: hover (what an input is locked to, who else uses it), go to
// definition (use → declaration → lock node, follows string → followed input) and document
// links (flake references → web pages). Pure: offsets are UTF-16 offsets into the given texts.
//
// The flake.nix tree is needed to recognise uses in `outputs` and every spelling of a
// declaration; LockContext does not keep it, so pass it as `flakeRoot` (see navContext). Without
// it only what readFlakeInputs recorded is recognised (first name of each declaration, follows
// strings, outputs formals).
import { formatAge } from './age';
import type { Node } from '../nix/parser';
import { resolve } from '../nix/syntax';
import { allDecls, findDecl, InputDecl, staticString, StrValue } from './flakeInputs';
import { Graph, inputOf, lastModifiedDate, nodeAt, revisionOf, shortRev } from './graph';
import { declaredRef, parseFlakeRef, refToUrl, upstreamIdentity, upstreamName, type FlakeRef } from './flakeRef';
import { LockNode, parseLock, RefAttrs } from './lockfile';
import { LockContext, makeContext } from './rules';
import { mdCode, mdText } from '../markdown';
import { safeWebUrl, trimTrailingSlashes, urlPath, validHost } from './urls';

export interface NavContext extends LockContext {
  /** The flake.nix tree (`ParsedNix.tree.rootNode`) the context was made from. */
  flakeRoot?: Node;
}

/** makeContext, keeping the flake.nix tree for navigation. */
export function navContext(opts: { flakeText?: string; flakeRoot?: Node; lockText?: string; flakePath?: string; lockPath?: string }): NavContext {
  return { ...makeContext(opts), flakeRoot: opts.flakeRoot };
}

/** What sits at an offset of flake.nix. `path` is the input path from the root flake. */
export interface InputHit {
  /** 'decl': an input's name in a declaration; 'use': a use in outputs; 'follows': a follows string. */
  kind: 'decl' | 'use' | 'follows';
  path: string[];
  start: number;
  end: number;
  /** For 'follows': the followed path (`"home-manager/nixpkgs"` → ['home-manager', 'nixpkgs']). */
  follows?: string[];
}

// ---------------------------------------------------------------------------------------------
// What is at an offset

export function inputAt(ctx: NavContext, offset: number): InputHit | undefined {
  if (ctx.flakeText === undefined) return undefined;
  if (ctx.flakeRoot) {
    return hitInTree(ctx.flakeRoot, offset) ?? (offset > 0 ? hitInTree(ctx.flakeRoot, offset - 1) : undefined);
  }
  return hitWithoutTree(ctx, offset);
}

function hitWithoutTree(ctx: NavContext, offset: number): InputHit | undefined {
  const fi = ctx.flake;
  if (!fi || fi.opaque) return undefined;
  for (const d of allDecls(fi)) {
    if (offset >= d.nameStart && offset <= d.nameEnd) return { kind: 'decl', path: d.path, start: d.nameStart, end: d.nameEnd };
    const f = d.follows;
    if (f && f.value !== '' && offset >= f.start && offset <= f.end) return { kind: 'follows', path: d.path, start: f.start, end: f.end, follows: f.value.split('/') };
  }
  for (const f of fi.outputs?.formals ?? []) {
    if (f.name !== 'self' && offset >= f.start && offset <= f.end) return { kind: 'use', path: [f.name], start: f.start, end: f.end };
  }
  return undefined;
}

function isSet(n: Node | null | undefined): n is Node {
  return !!n && (n.type === 'attrset_expression' || n.type === 'rec_attrset_expression');
}

function unparen(n: Node | null): Node | null {
  while (n && n.type === 'parenthesized_expression') n = n.namedChildren.find((c) => c && c.type !== 'comment') ?? null;
  return n;
}

function same(a: Node | null | undefined, b: Node | null | undefined): boolean {
  return !!a && !!b && a.type === b.type && a.startIndex === b.startIndex && a.endIndex === b.endIndex;
}

/** The flake's top-level attribute set, as readFlakeInputs finds it. */
function topSet(root: Node): Node | undefined {
  const first = root.type === 'source_code' ? root.namedChildren.find((c) => c && c.type !== 'comment') ?? null : root;
  const top = unparen(first);
  return isSet(top) ? top : undefined;
}

function bindingsOf(set: Node): Node[] {
  const bs = set.namedChildren.find((c) => c?.type === 'binding_set');
  return bs ? (bs.namedChildren.filter((c) => c?.type === 'binding') as Node[]) : [];
}

/** Static name of an attrpath element, else undefined. */
function attrText(a: Node): string | undefined {
  if (a.type === 'identifier') return a.text;
  if (a.type === 'string_expression') return staticString(a);
  return undefined;
}

function attrElements(attrpath: Node): Node[] {
  return attrpath.namedChildren.filter((c) => c && c.type !== 'comment') as Node[];
}

/** outputsFunction per tree: it reads every top-level binding, and every hover asks for it. */
const outputsMemo = new WeakMap<object, { topId: number; fn: Node | undefined }>();

/** The outputs function (`outputs = <function>;`) of the top-level set. */
function outputsFunction(top: Node): Node | undefined {
  const memo = outputsMemo.get(top.tree);
  if (memo?.topId === top.id) return memo.fn;
  const fn = findOutputsFunction(top);
  outputsMemo.set(top.tree, { topId: top.id, fn });
  return fn;
}

function findOutputsFunction(top: Node): Node | undefined {
  for (const b of bindingsOf(top)) {
    const ap = b.childForFieldName('attrpath');
    if (!ap) continue;
    const els = attrElements(ap);
    if (els.length !== 1 || attrText(els[0]) !== 'outputs') continue;
    const v = unparen(b.childForFieldName('expression'));
    return v?.type === 'function_expression' ? v : undefined;
  }
  return undefined;
}

/**
 * The attribute path from the top-level set down to and including `binding`'s own attrpath:
 * `inputs = { a = { inputs.b.follows = ...; }; }` gives [inputs, a, inputs, b, follows] for the
 * inner binding. Undefined when the binding is not under `top` through plain nested sets.
 */
function fullBindingPath(binding: Node, top: Node): { names: string[]; own: number } | undefined {
  const own = ownNames(binding);
  if (!own) return undefined;
  let names = own;
  let cur = binding;
  for (;;) {
    const set = cur.parent?.type === 'binding_set' ? cur.parent.parent : null;
    if (!isSet(set)) return undefined;
    if (same(set, top)) return { names, own: names.length - own.length };
    const outer = set.parent;
    if (outer?.type !== 'binding' || !same(outer.childForFieldName('expression'), set)) return undefined;
    const outerNames = ownNames(outer);
    if (!outerNames) return undefined;
    names = [...outerNames, ...names];
    cur = outer;
  }
}

function ownNames(binding: Node): string[] | undefined {
  const ap = binding.childForFieldName('attrpath');
  if (!ap) return undefined;
  const out: string[] = [];
  for (const a of attrElements(ap)) {
    const t = attrText(a);
    if (t === undefined) return undefined;
    out.push(t);
  }
  return out;
}

/**
 * Reads an attribute path of the shape NAME (inputs NAME)* [rest], starting at `from`, and
 * returns the positions of the input names: [inputs, a, inputs, b, url] from 1 → a@1, b@3.
 */
function inputNamePositions(names: string[], from: number): number[] {
  const out: number[] = [];
  for (let k = from; k < names.length; k += 2) {
    out.push(k);
    if (names[k + 1] !== 'inputs') break;
  }
  return out;
}

function hitInTree(root: Node, offset: number): InputHit | undefined {
  const top = topSet(root);
  if (!top) return undefined;
  let n: Node | null = root.descendantForIndex(offset, offset);
  if (!n || offset < n.startIndex || offset > n.endIndex) return undefined;
  if (n.type === 'string_fragment' || n.type === 'escape_sequence' || n.type === '"') n = n.parent;
  if (!n) return undefined;

  // A follows string: `follows = "nixpkgs"`.
  if (n.type === 'string_expression' && n.parent?.type === 'binding' && same(n.parent.childForFieldName('expression'), n)) {
    const value = staticString(n);
    const full = fullBindingPath(n.parent, top);
    if (value === undefined || value === '' || !full || full.names[0] !== 'inputs') return undefined;
    const pos = inputNamePositions(full.names, 1);
    const last = pos[pos.length - 1];
    if (last === undefined || last + 2 !== full.names.length || full.names[last + 1] !== 'follows') return undefined;
    return { kind: 'follows', path: pos.map((p) => full.names[p]), start: n.startIndex, end: n.endIndex, follows: value.split('/') };
  }

  const outputs = outputsFunction(top);
  const parent = n.parent;
  if (!parent) return undefined;

  // An element of an attrpath: a declaration's name or `inputs.x` in outputs.
  if (parent.type === 'attrpath' && (n.type === 'identifier' || n.type === 'string_expression')) {
    const els = attrElements(parent);
    const idx = els.findIndex((e) => same(e, n));
    const owner = parent.parent;
    if (idx < 0 || !owner) return undefined;
    if (owner.type === 'binding') {
      const full = fullBindingPath(owner, top);
      if (!full || full.names[0] !== 'inputs') return undefined;
      const g = full.own + idx;
      const pos = inputNamePositions(full.names, 1).filter((p) => p <= g);
      if (pos[pos.length - 1] !== g) return undefined;
      return { kind: 'decl', path: pos.map((p) => full.names[p]), start: n.startIndex, end: n.endIndex };
    }
    if (owner.type === 'select_expression' && outputs && same(owner.childForFieldName('attrpath'), parent)) {
      const base = unparen(owner.childForFieldName('expression'));
      if (base?.type !== 'variable_expression') return undefined;
      const names: string[] = [];
      for (const e of els.slice(0, idx + 1)) {
        const t = attrText(e);
        if (t === undefined) return undefined;
        names.push(t);
      }
      const kind = bindingKind(outputs, base);
      // `inputs.a.inputs.b` (inputs = the @-binding or plain argument) or `self.inputs.a`.
      const from = kind === 'all' ? 0 : kind === 'self' && names[0] === 'inputs' ? 1 : -1;
      if (from < 0 || idx < from) return undefined;
      const pos = inputNamePositions(names, from);
      if (pos[pos.length - 1] !== idx) return undefined;
      return { kind: 'use', path: pos.map((p) => names[p]), start: n.startIndex, end: n.endIndex };
    }
    return undefined;
  }

  if (!outputs || n.type !== 'identifier') return undefined;
  // A formal of the outputs function: `{ self, nixpkgs, ... }`.
  if (parent.type === 'formal' && same(parent.childForFieldName('name'), n)) {
    if (!same(parent.parent?.parent, outputs) || n.text === 'self') return undefined;
    return { kind: 'use', path: [n.text], start: n.startIndex, end: n.endIndex };
  }
  // A variable bound by such a formal.
  if (parent.type === 'variable_expression') {
    const kind = bindingKind(outputs, parent);
    return kind === 'formal' ? { kind: 'use', path: [n.text], start: n.startIndex, end: n.endIndex } : undefined;
  }
  // `inherit nixpkgs;` / `inherit (inputs) nixpkgs;`
  if (parent.type === 'inherited_attrs') {
    const inh = parent.parent;
    if (!inh) return undefined;
    if (inh.type === 'inherit_from') {
      const base = unparen(inh.childForFieldName('expression'));
      if (base?.type === 'variable_expression' && bindingKind(outputs, base) === 'all') return { kind: 'use', path: [n.text], start: n.startIndex, end: n.endIndex };
      return undefined;
    }
    const scopeOwner = inh.parent?.parent;
    if (!scopeOwner) return undefined;
    const r = resolve(n.text, scopeOwner);
    if (same(r.scope, outputs) && r.binder?.parent?.type === 'formal' && n.text !== 'self') {
      return { kind: 'use', path: [n.text], start: n.startIndex, end: n.endIndex };
    }
  }
  return undefined;
}

/** What a variable is bound to, seen from its use: a formal of outputs, the whole inputs set, self. */
function bindingKind(outputs: Node, variable: Node): 'formal' | 'all' | 'self' | undefined {
  const name = variable.childForFieldName('name')?.text ?? variable.text;
  const r = resolve(name, variable);
  if (!same(r.scope, outputs) || !r.binder) return undefined;
  if (same(outputs.childForFieldName('universal'), r.binder)) return 'all';
  if (r.binder.parent?.type === 'formal') return name === 'self' ? 'self' : 'formal';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Hover

/** `today`, `1 day ago`, `12 days ago`, `3 months ago`, `2 years ago`. */
export { formatAge };

const code = mdCode;
/** Lists in a hover stop here: a lock can make them as long as it likes. */
const HOVER_LIST_MAX = 10;

function capped(items: string[]): string {
  return items.length <= HOVER_LIST_MAX ? items.join(', ') : `${items.slice(0, HOVER_LIST_MAX).join(', ')} and ${items.length - HOVER_LIST_MAX} more`;
}

/** Input path of an edge (`home-manager/nixpkgs`), named by the first path reaching its node. */
function edgePath(graph: Graph, from: string, name: string): string {
  return graph.paths.showEdge(from, name) ?? `${from}/${name}`;
}

/** The locked reference without what other lines show (rev, hashes, dates). */
function refWithoutHashes(attrs: RefAttrs): string {
  const copy = { ...attrs } as RefAttrs;
  delete copy.rev;
  delete copy.narHash;
  delete copy.lastModified;
  delete copy.revCount;
  return refToUrl(copy);
}

/** How flake.nix declares the input: its URL as written, the attribute form, or follows. */
function declaredAs(d: InputDecl): string | undefined {
  const attrs = Object.entries(d.attrs);
  if (attrs.length > 0) {
    const fields: [string, StrValue][] = d.url ? [...attrs, ['url', d.url]] : attrs;
    fields.sort((a, b) => a[1].start - b[1].start);
    return `**Declared:** ${code(fields.map(([k, v]) => `${k} = ${JSON.stringify(v.value)}`).join('; '))}`;
  }
  if (d.url) return `**URL:** ${code(d.url.value)}`;
  if (d.follows) return `**Follows:** ${code(d.follows.value === '' ? '(this flake)' : d.follows.value)}`;
  return undefined;
}

export function inputHover(ctx: NavContext, offset: number, now: number = Date.now()): { start: number; end: number; markdown: string } | undefined {
  const hit = inputAt(ctx, offset);
  if (!hit) return undefined;
  const path = hit.kind === 'follows' ? hit.follows! : hit.path;
  const decl = ctx.flake ? findDecl(ctx.flake, path) : undefined;
  const graph = ctx.graph;
  const key = graph ? nodeAt(graph, path) : undefined;
  const node = key ? graph!.lock.nodes.get(key) : undefined;
  if (!decl && !node) return undefined;

  const lines: string[] = [];
  const title = path.length > 1 ? `**${mdText(path[path.length - 1])}** — input of ${code(path.slice(0, -1).join('/'))}` : `**${mdText(path[0])}** — flake input`;
  lines.push(title + (node && !node.flake ? ' (not a flake)' : ''));
  lines.push('');
  const items: string[] = [];
  const declared = decl ? declaredAs(decl) : undefined;
  if (declared) items.push(declared);
  if (decl?.follows && !declared?.startsWith('**Follows')) items.push(`**Follows:** ${code(decl.follows.value)}`);
  // A follows in the lock (possibly declared by another flake).
  if (graph && path.length > 0) {
    const parentKey = nodeAt(graph, path.slice(0, -1));
    const edge = parentKey ? inputOf(graph, parentKey, path[path.length - 1]) : undefined;
    if (edge?.follows && !decl?.follows) items.push(`**Follows:** ${code(edge.follows.join('/'))}`);
  }
  if (graph && !node) {
    items.push('*Not in flake.lock — run `nix flake lock`.*');
  }
  if (graph && node && key) {
    const locked = node.locked;
    if (locked) items.push(`**Locked:** ${code(refWithoutHashes(locked))}`);
    if (locked && typeof locked.rev === 'string') {
      items.push(`**Revision:** ${code(shortRev(locked.rev))} (${code(locked.rev)})` + (typeof locked.ref === 'string' ? ` on ${code(locked.ref)}` : ''));
    }
    const date = lastModifiedDate(node);
    if (date && typeof locked?.lastModified === 'number') items.push(`**Updated:** ${date}, ${formatAge(locked.lastModified, now)}`);
    if (locked && typeof locked.narHash === 'string') items.push(`**narHash:** ${code(locked.narHash)}`);
    items.push(`**Lock node:** ${code(key)}`);
    const reached = graph.paths.shown(key);
    if (reached.length) items.push(`**Depended on as:** ${capped(reached.map(code))}`);
    // Count every follower, name only the first few (each name costs a walk to the root).
    const followers: { from: string; name: string }[] = [];
    for (const [from, edges] of graph.edges) for (const e of edges) if (e.follows && e.to === key) followers.push({ from, name: e.name });
    if (followers.length) {
      const named = followers.slice(0, HOVER_LIST_MAX).map((f) => code(edgePath(graph, f.from, f.name)));
      const rest = followers.length - named.length;
      items.push(`**Followed by:** ${named.join(', ')}${rest ? ` and ${rest} more` : ''}`);
    }
  }
  lines.push(...items.map((i) => `- ${i}`));
  const warning = node && key && graph ? otherRevisions(graph, key, node) : undefined;
  if (warning) lines.push('', warning);
  return { start: hit.start, end: hit.end, markdown: lines.join('\n') };
}

/** `⚠ flake.lock also holds nixpkgs at 39ba16e (2024-03-01) via home-manager/nixpkgs`. */
function otherRevisions(graph: Graph, key: string, node: LockNode): string | undefined {
  if (!node.locked) return undefined;
  const id = upstreamIdentity(node.locked);
  const mine = revisionOf(node) ?? key;
  const others: string[] = [];
  let more = 0;
  for (const k of graph.paths.keys()) {
    if (k === key || k === graph.lock.root) continue;
    const other = graph.lock.nodes.get(k);
    if (!other?.locked || upstreamIdentity(other.locked) !== id) continue;
    const rev = revisionOf(other) ?? k;
    if (rev === mine) continue;
    if (others.length >= HOVER_LIST_MAX) {
      more++;
      continue;
    }
    const date = lastModifiedDate(other);
    others.push(`${code(shortRev(rev))}${date ? ` (${date})` : ''} via ${capped(graph.paths.shown(k).map(code))}`);
  }
  if (others.length === 0) return undefined;
  return `⚠️ flake.lock also holds ${mdText(upstreamName(node.locked))} at ${others.join('; ')}${more ? ` and ${more} more` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Definition

export function inputDefinition(ctx: NavContext, offset: number): { file: 'flake' | 'lock'; start: number; end: number } | undefined {
  const hit = inputAt(ctx, offset);
  if (!hit) return undefined;
  const declOf = (p: string[]) => (ctx.flake ? findDecl(ctx.flake, p) : undefined);
  const lockNode = (p: string[]) => {
    const key = ctx.graph ? nodeAt(ctx.graph, p) : undefined;
    const node = key ? ctx.graph!.lock.nodes.get(key) : undefined;
    return node ? { file: 'lock' as const, start: node.keyStart, end: node.keyEnd } : undefined;
  };
  const declLoc = (d: InputDecl | undefined) => (d ? { file: 'flake' as const, start: d.nameStart, end: d.nameEnd } : undefined);
  switch (hit.kind) {
    case 'use':
      return declLoc(declOf(hit.path)) ?? lockNode(hit.path);
    case 'decl':
      return lockNode(hit.path);
    case 'follows': {
      const target = hit.follows!;
      const exact = declLoc(declOf(target)) ?? lockNode(target);
      if (exact) return exact;
      for (let k = target.length - 1; k > 0; k--) {
        const d = declOf(target.slice(0, k));
        if (d) return declLoc(d);
      }
      return undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Links

export interface FlakeLink {
  start: number;
  end: number;
  target: string;
  tooltip: string;
}


const FORGES = new Map<string, { host: string; tree: string; label: string }>([
  ['github', { host: 'github.com', tree: '/tree/', label: 'GitHub' }],
  ['gitlab', { host: 'gitlab.com', tree: '/-/tree/', label: 'GitLab' }],
  ['sourcehut', { host: 'git.sr.ht', tree: '/tree/', label: 'sourcehut' }],
]);

/** The web page of a flake reference as written in flake.nix, when it has one. */
export function flakeRefLink(url: string): { target: string; tooltip: string } | undefined {
  return refLink(parseFlakeRef(url), url);
}

/** The web page of a reference; `written` is the url as flake.nix gives it (a download link keeps
 *  its query). */
function refLink(r: FlakeRef, written: string | undefined): { target: string; tooltip: string } | undefined {
  const forge = FORGES.get(r.type);
  if (forge) {
    const { owner, repo } = r;
    if (!owner || !repo) return undefined;
    const ref = r.ref || r.rev;
    // A `?host=` that is not a plain host name (empty, userinfo, a path) makes no link.
    const host = r.host !== undefined ? validHost(r.host) : forge.host;
    const repoPath = urlPath(owner, repo);
    if (!host || !repoPath) return undefined;
    let target = `https://${host}/${repoPath}`;
    const refPath = ref ? urlPath(ref) : undefined;
    if (r.type === 'github' && r.dir) target += `/tree/${refPath ?? 'HEAD'}/${urlPath(r.dir) ?? ''}`;
    else if (refPath) target += forge.tree + refPath;
    return { target, tooltip: `${owner}/${repo}${ref ? ` (${ref})` : ''} on ${host === forge.host ? forge.label : host}` };
  }
  const web = r.url !== undefined && /^https?:\/\//.test(r.url);
  if (r.type === 'git' && web) {
    const clean = safeWebUrl(trimTrailingSlashes(r.url!));
    if (!clean) return undefined;
    const repo = trimTrailingSlashes(clean).replace(/\.git$/, '');
    const target = r.ref ? `${repo}/tree/${urlPath(r.ref) ?? ''}` : r.rev ? `${repo}/commit/${encodeURIComponent(r.rev)}` : clean;
    return { target, tooltip: `Git repository ${clean}` };
  }
  if (r.type === 'hg' && web) {
    const base = safeWebUrl(r.url!);
    return base ? { target: base, tooltip: `Mercurial repository ${base}` } : undefined;
  }
  if ((r.type === 'tarball' || r.type === 'file') && web) {
    // The download itself, query and all (`?narHash=`).
    const at = written?.indexOf(r.url!) ?? -1;
    const target = safeWebUrl(at >= 0 ? written!.slice(at) : r.url!);
    return target ? { target, tooltip: `Download ${target}` } : undefined;
  }
  // Indirect: `nixpkgs`, `nixpkgs/nixos-24.05`, `flake:nixpkgs`. Only nixpkgs has a known home.
  if (r.type === 'indirect' && r.id === 'nixpkgs') {
    const ref = r.rev ?? r.ref;
    const refPath = ref ? urlPath(ref) : undefined;
    return {
      target: `https://github.com/NixOS/nixpkgs${refPath ? `/tree/${refPath}` : ''}`,
      tooltip: `nixpkgs from the flake registry (github:NixOS/nixpkgs${ref ? `/${ref}` : ''})`,
    };
  }
  return undefined;
}

/** The range of a string literal's content (without quotes). */
function contentRange(text: string, s: StrValue): { start: number; end: number } {
  const q = text.startsWith("''", s.start) ? 2 : text[s.start] === '"' ? 1 : 0;
  return { start: s.start + q, end: s.end - q };
}

/** Links on the flake references in flake.nix inputs. */
export function flakeLinks(ctx: NavContext): FlakeLink[] {
  const text = ctx.flakeText;
  if (text === undefined || !ctx.flake) return [];
  const out: FlakeLink[] = [];
  for (const d of allDecls(ctx.flake)) {
    const r = declaredRef(d);
    if (!r) continue;
    // A url links where it is written; the attribute form of a forge on its repo string.
    const at = d.url ?? (FORGES.has(r.type) && d.attrs.repo && text[d.attrs.repo.start] === '"' ? d.attrs.repo : undefined);
    const link = at && refLink(r, d.url?.value);
    if (link) out.push({ ...contentRange(text, at), ...link });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Links from forge nodes in flake.lock (on the node's key) to the locked commit. */
export function lockLinks(lockText: string): FlakeLink[] {
  const lock = parseLock(lockText).lock;
  if (!lock) return [];
  const out: FlakeLink[] = [];
  for (const node of lock.nodes.values()) {
    const l = node.locked;
    if (!l || typeof l.owner !== 'string' || typeof l.repo !== 'string' || typeof l.rev !== 'string') continue;
    const forge = FORGES.get(l.type);
    if (!forge) continue;
    // The tooltip names the host the link really opens; a malformed host makes no link.
    const host = l.host === undefined ? forge.host : validHost(l.host);
    const repoPath = urlPath(l.owner, l.repo);
    if (!host || !repoPath) continue;
    const commit = l.type === 'gitlab' ? '/-/commit/' : '/commit/';
    out.push({
      start: node.keyStart,
      end: node.keyEnd,
      target: `https://${host}/${repoPath}${commit}${encodeURIComponent(l.rev)}`,
      tooltip: `Commit ${shortRev(l.rev)} of ${l.owner}/${l.repo} on ${host}`,
    });
  }
  return out.sort((a, b) => a.start - b.start);
}
