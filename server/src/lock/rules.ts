// Rules about flake inputs and flake.lock. Pure: they take texts and trees, return findings.
// Findings on flake.nix and on flake.lock are returned separately (their offsets are per file).
import type { Finding, Fix, OffsetEdit } from '../rules/findings';
import type { Node } from '../nix/parser';
import { allDecls, attrName, DeclSite, FlakeInputs, findDecl, InputDecl, isIdentifier, nixString, readFlakeInputs } from './flakeInputs';
import { buildGraph, Duplicate, findDuplicates, Graph, inputOf, Instance, nodeAt, shortRev, showPath } from './graph';
import { parseFlakeRef, refToUrl, sameFlakeRef, upstreamIdentity } from './flakeRef';
import { getInput, LockNode, LockParseResult, parseLock, RefAttrs } from './lockfile';

export interface LockContext {
  flakeText?: string;
  flake?: FlakeInputs;
  lockText?: string;
  parsed?: LockParseResult;
  graph?: Graph;
  /** Absolute paths, used only for `related` locations that point into the other file. */
  flakePath?: string;
  lockPath?: string;
}

export function makeContext(opts: { flakeText?: string; flakeRoot?: Node; lockText?: string; flakePath?: string; lockPath?: string }): LockContext {
  const ctx: LockContext = { flakeText: opts.flakeText, lockText: opts.lockText, flakePath: opts.flakePath, lockPath: opts.lockPath };
  if (opts.flakeRoot) ctx.flake = readFlakeInputs(opts.flakeRoot, opts.flakeText);
  if (opts.lockText !== undefined) {
    ctx.parsed = parseLock(opts.lockText);
    if (ctx.parsed.lock) ctx.graph = buildGraph(ctx.parsed.lock);
  }
  return ctx;
}

export interface LockFindings {
  /** Findings in flake.nix offsets. */
  flake: Finding[];
  /** Findings in flake.lock offsets. */
  lock: Finding[];
}

export function checkLockRules(ctx: LockContext): LockFindings {
  return {
    flake: [...missingFollows(ctx), ...staleLock(ctx), ...deadOverride(ctx), ...brokenFollows(ctx), ...indirectInput(ctx), ...unusedInput(ctx)],
    lock: [...lockError(ctx), ...staleLockEntries(ctx), ...duplicateLockNode(ctx)],
  };
}

function describe(i: Instance | undefined): string {
  if (!i) return '?';
  const rev = i.rev ? shortRev(i.rev) : i.node;
  return i.date ? `${rev} (${i.date})` : rev;
}

function lockUsable(ctx: LockContext): ctx is LockContext & { graph: Graph; flake: FlakeInputs; flakeText: string } {
  return !!ctx.graph && !!ctx.flake && ctx.flakeText !== undefined && !ctx.flake.opaque;
}

// ---- missing-follows ----

/** Copies deeper than this are left to duplicate-lock-node (the deepest real lock path we know is 7). */
export const MAX_FOLLOWS_PATH = 32;

export function missingFollows(ctx: LockContext): Finding[] {
  if (!lockUsable(ctx)) return [];
  const { graph, flake } = ctx;
  const lock = graph.lock;
  const out: Finding[] = [];
  for (const dup of findDuplicates(graph)) {
    for (const extra of dup.extras) {
      const node = lock.nodes.get(extra.node)!;
      // Real locks nest a handful of inputs deep; a crafted chain thousands deep would make this
      // loop quadratic. duplicate-lock-node still reports such a copy.
      for (const path of graph.paths.get(extra.node, MAX_FOLLOWS_PATH)!) {
        if (path.length < 2) continue; // two root inputs at different revisions: deliberate
        const top = findDecl(flake, [path[0]]);
        if (!top || top.follows) continue;
        const target = followTarget(dup, path);
        if (!sameKind(node, lock.nodes.get(target.instance.node))) continue;
        if (pathThroughNonFlake(ctx, path)) continue;
        if (declaredFollows(flake, path)) continue; // declared but not locked yet: stale-lock says so
        if (deliberateCopy(ctx, node, path, dup)) continue;
        const fix = followsFix(ctx, path, target.name);
        out.push({
          code: 'missing-follows',
          start: top.nameStart,
          end: top.nameEnd,
          severity: 'warning',
          message: `${showPath(path)} locks ${describe(extra)}; your ${target.name} is ${describe(target.instance)}`,
          fixes: fix ? [fix] : [],
          // Offsets in flake.lock mean nothing without its path (they would be read as flake.nix's).
          related: ctx.lockPath ? [{ start: node.keyStart, end: node.keyEnd, message: `second copy: '${node.key}'`, file: ctx.lockPath }] : undefined,
        });
      }
    }
  }
  return out;
}

/** The root input a copy should follow: the one named like the path's last input
 *  (nixpkgs-unstable for a `.../nixpkgs-unstable`), else the preferred one. */
function followTarget(dup: Duplicate, path: string[]): { name: string; instance: Instance } {
  return dup.rootInputs.find((r) => r.name === path[path.length - 1]) ?? { name: dup.rootInput, instance: dup.rootInstance };
}

/** Following is only the same kind of thing when both are flakes or both are plain sources
 *  (`flake = false`): a flake in place of a source tree changes what the dependency receives. */
function sameKind(a: LockNode | undefined, b: LockNode | undefined): boolean {
  return !!a && !!b && a.flake === b.flake;
}

/** An input before the last one on the path is a plain source: it has no inputs to override. */
function pathThroughNonFlake(ctx: LockContext & { graph: Graph; flake: FlakeInputs }, path: string[]): boolean {
  // One walk down both the declarations and the lock: a prefix at a time would be quadratic.
  let decls: Map<string, InputDecl> | undefined = ctx.flake.inputs;
  let key: string | undefined = ctx.graph.lock.root;
  for (const name of path.slice(0, -1)) {
    const d: InputDecl | undefined = decls?.get(name);
    decls = d?.inputs;
    if (d?.flake && !d.flake.value) return true;
    key = key === undefined ? undefined : inputOf(ctx.graph, key, name)?.to;
    if (key && !ctx.graph.lock.nodes.get(key)!.flake) return true;
  }
  return false;
}

/** flake.nix already makes the path, or an input on it, follow something. */
function declaredFollows(flake: FlakeInputs, path: string[]): boolean {
  // One walk down the declarations: a findDecl per prefix would be quadratic in the path's length.
  let d = flake.inputs.get(path[0]);
  for (let k = 1; k < path.length && d; k++) {
    d = d.inputs.get(path[k]);
    if (d?.follows) return true;
  }
  return false;
}

/**
 * A second copy its owners chose on purpose, which no follows should replace:
 * - pinned to an exact commit by the flake that declares it (`nixpkgs-regression` in Nix's flake:
 *   a test-only pin);
 * - a follows for this very path that the author commented out in flake.nix
 *   (`# inputs.nixpkgs.follows = "nixpkgs"; # keeps the cache`);
 * - under an upstream whose builds come from its vendor's cache, built from its own pins
 *   (CACHED_FROM_OWN_PINS);
 * - the dependency's second copy of an upstream on another branch, next to its main one
 *   (`nixpkgs-stable` beside `nixpkgs`, haskell.nix's `nixpkgs-2311`): following the root's copy
 *   would switch its branch, not remove a duplicate.
 */
function deliberateCopy(ctx: LockContext, node: LockNode, path: string[], dup: Duplicate): boolean {
  if (typeof node.original?.rev === 'string') return true;
  if (ctx.flake && followsCommentedOut(ctx.flake, path)) return true;
  const graph = ctx.graph;
  if (!graph) return false;
  // The lock nodes along the path: the root, then one per input (undefined once it breaks).
  const keys: (string | undefined)[] = [graph.lock.root];
  for (const name of path) {
    const at = keys[keys.length - 1];
    keys.push(at === undefined ? undefined : inputOf(graph, at, name)?.to);
  }
  for (const key of keys.slice(1, -1)) {
    const n = key === undefined ? undefined : graph.lock.nodes.get(key);
    if (n && [n.original, n.locked].some((a) => a && CACHED_FROM_OWN_PINS.has(upstreamIdentity(a)))) return true;
  }
  return secondBranch(graph, node, keys[keys.length - 2], path[path.length - 1], followTarget(dup, path));
}

/**
 * Upstreams whose users take the builds from the vendor's binary cache, built against the vendor's
 * own pins: a follows under them makes the cache miss and rebuilds them. Determinate: "We
 * deliberately don't override nix's nixpkgs, since the version distributed by the determinate nix
 * release has been validated by our CI flow" (DeterminateSystems/determinate#139); Hyprland: "Do
 * not override Hyprland's nixpkgs input unless you know what you are doing. Doing so will render
 * the cache useless" (wiki.hypr.land/Nix/Cachix). Nix itself and its forks build Nix the same way.
 */
const CACHED_FROM_OWN_PINS = new Set([
  ...[
    ['DeterminateSystems', 'determinate'],
    ['DeterminateSystems', 'nix-src'],
    ['NixOS', 'nix'],
    ['domenkozar', 'nix'],
    ['cachix', 'nix'],
    ['lix-project', 'lix'],
    ['hyprwm', 'Hyprland'],
    ['hyprwm', 'xdg-desktop-portal-hyprland'],
  ].map(([owner, repo]) => upstreamIdentity({ type: 'github', owner, repo })),
  upstreamIdentity({ type: 'git', url: 'https://git.lix.systems/lix-project/lix' }),
]);

/**
 * The copy is its parent's second input of that upstream, under its own name and on another
 * branch than the root input it would follow (`nixpkgs-stable` on `nixos-25.05` beside the
 * parent's `nixpkgs`). Without a sibling of the same upstream it is the parent's only copy, and
 * following stays sound advice (agenix's `darwin` following the root's `nix-darwin`).
 */
function secondBranch(graph: Graph, node: LockNode, parent: string | undefined, name: string, target: { name: string; instance: Instance }): boolean {
  const ref = node.original?.ref;
  const targetNode = graph.lock.nodes.get(target.instance.node);
  if (name === target.name || typeof ref !== 'string' || ref === targetNode?.original?.ref || !node.original || parent === undefined) return false;
  const id = upstreamIdentity(node.original);
  for (const e of graph.edges.get(parent) ?? []) {
    if (e.name === name || !e.to) continue;
    const sibling = graph.lock.nodes.get(e.to);
    // By `locked` too: a sibling that follows the user's registry `nixpkgs` is locked to GitHub.
    if ([sibling?.original, sibling?.locked].some((a) => a && upstreamIdentity(a) === id)) return true;
  }
  return false;
}

/** A comment holding `inputs.b.follows` inside input a's own set, or `a.inputs.b.follows` anywhere
 *  outside `outputs` (quotes and spaces ignored). Plain string search: no RegExp from file text. */
export function followsCommentedOut(flake: FlakeInputs, path: string[]): boolean {
  if (path.length < 2) return false;
  const rel = `${path.slice(1).map((n) => `inputs.${n}`).join('.')}.follows`;
  const qualified = `${path[0]}.${rel}`;
  const top = flake.inputs.get(path[0]);
  for (const c of squeezedComments(flake)) {
    if (containsName(c.text, qualified, true)) return true;
    if (top?.sets.some((r) => c.start >= r.start && c.end <= r.end) && containsName(c.text, rel, false)) return true;
  }
  return false;
}

/** The comments with quotes and spaces removed and only those mentioning a follows, once per flake.nix. */
const squeezed = new WeakMap<FlakeInputs, { text: string; start: number; end: number }[]>();
function squeezedComments(flake: FlakeInputs): { text: string; start: number; end: number }[] {
  let list = squeezed.get(flake);
  if (!list) {
    list = flake.comments.filter((c) => c.text.includes('follows')).map((c) => ({ ...c, text: c.text.replace(/["\s]/g, '') }));
    squeezed.set(flake, list);
  }
  return list;
}

/** `needle` in `hay`, not preceded by a character that would make it part of a longer name. */
function containsName(hay: string, needle: string, afterDot: boolean): boolean {
  for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) {
    const before = i === 0 ? '' : hay[i - 1];
    if (before === '' || !/[A-Za-z0-9_'-]/.test(before) && (afterDot || before !== '.')) return true;
  }
  return false;
}

interface Insert {
  at: number;
  text: string;
}

/** Where and how to add a line `inputs.<child>...` to a declared root input, in its style. */
function insertUnder(text: string, decl: InputDecl, relative: string[], valueText: string): Insert {
  // Prefer the input's own set (`x = { ... }`), then the last binding that mentions it.
  const own = decl.sites.filter((s) => s.prefix.length === 0);
  const site: DeclSite = own.length ? own[own.length - 1] : decl.sites[decl.sites.length - 1];
  return insertAfterSite(text, site, [...site.prefix, ...relative], valueText);
}

function insertAfterSite(text: string, site: { end: number; start: number; indent: string }, attrpath: string[], valueText: string): Insert {
  const line = `${attrpath.map(attrName).join('.')} = ${valueText};`;
  const lineStart = text.lastIndexOf('\n', site.start - 1) + 1;
  const sameLine = text.slice(lineStart, site.start).trim() !== '';
  if (sameLine) return { at: site.end, text: ` ${line}` };
  let eol = text.indexOf('\n', site.end);
  if (eol < 0) eol = text.length;
  const crlf = eol > 0 && text[eol - 1] === '\r';
  const lineEnd = crlf ? eol - 1 : eol;
  const nl = crlf || (eol === text.length && text.includes('\r\n')) ? '\r\n' : '\n';
  // Keep a trailing comment on its own binding's line.
  const at = /^[ \t]*(#.*)?$/.test(text.slice(site.end, lineEnd)) ? lineEnd : site.end;
  return { at, text: `${nl}${site.indent}${line}` };
}

function freeRootName(ctx: LockContext & { graph: Graph; flake: FlakeInputs }, want: string, parent: string, taken: Set<string>): string {
  const rootLock = ctx.graph.lock.nodes.get(ctx.graph.lock.root)!;
  const used = (n: string) => taken.has(n) || ctx.flake.inputs.has(n) || !!getInput(rootLock, n) || n === 'self';
  if (!used(want)) return want;
  let n = `${parent}-${want}`;
  for (let k = 2; used(n); k++) n = `${parent}-${want}-${k}`;
  return n;
}

/** Deeper paths get no fix: each level adds a root input, and a crafted lock can nest thousands. */
export const MAX_FIX_DEPTH = 8;

/**
 * The edit that makes `path` follow the root's copy. One level (`a/nixpkgs`) is a single
 * `inputs.a.inputs.nixpkgs.follows`. Nix 2.8 ignores overrides nested deeper than that
 * (`inputs.a.inputs.b.inputs.nixpkgs.follows` has no effect, and without a url it even breaks
 * locking), so for `a/b/nixpkgs` the middle input `b` follows a root input instead: one the root
 * already has for b's upstream (`a.inputs.b.follows = "b"`), else b is lifted to the root with
 * the url it was locked from, `a.inputs.b` follows it, and it follows nixpkgs.
 *
 * Names from flake.lock reach Nix code only as quoted attribute names and strings; a new root
 * input must be an identifier (it goes into `outputs` formals), else there is no fix.
 */
export function followsFix(ctx: LockContext, path: string[], rootInput: string): Fix | undefined {
  if (!lockUsable(ctx) || path.length > MAX_FIX_DEPTH) return undefined;
  const { flake, flakeText: text, graph } = ctx;
  const top = findDecl(flake, [path[0]]);
  if (!top || top.sites.length === 0) return undefined;
  if ([...path, rootInput].some((n) => n === '' || /[\x00-\x1f\x7f]/.test(n))) return undefined;
  const inserts: Insert[] = [];
  const newRoots: { name: string; url: string; follows: [string, string] | undefined }[] = [];
  let owner = path[0]; // root name of the input whose child we redirect
  const taken = new Set<string>();
  // Where the chain ends: the path's last input follows rootInput, unless a middle one can
  // follow a root input of its own upstream first.
  let end = { at: path.length - 1, follow: rootInput };
  for (let k = 1; k < path.length - 1; k++) {
    const key = nodeAt(graph, path.slice(0, k + 1));
    const same = key ? rootOfSameUpstream(graph, key, path[0], path[k]) : undefined;
    if (same) {
      end = { at: k, follow: same };
      break;
    }
    const original: RefAttrs | undefined = key ? graph.lock.nodes.get(key)!.original : undefined;
    if (!original || original.type === 'indirect' || (original.type === 'path' && !String(original.path ?? '').startsWith('/'))) return undefined;
    const name = freeRootName(ctx, path[k], owner, taken);
    if (!isIdentifier(name)) return undefined; // it goes into the outputs formals
    taken.add(name);
    newRoots.push({ name, url: refToUrl(original), follows: undefined });
    if (k === 1) inserts.push(insertUnder(text, top, ['inputs', path[k], 'follows'], nixString(name)));
    else newRoots[newRoots.length - 2].follows = [path[k], name];
    owner = name;
  }
  const last = path[end.at];
  if (newRoots.length === 0) inserts.push(insertUnder(text, top, ['inputs', last, 'follows'], nixString(end.follow)));
  else newRoots[newRoots.length - 1].follows = [last, end.follow];
  if (newRoots.length) {
    const c = flake.container;
    if (!c) return undefined;
    let block = '';
    for (const r of newRoots) {
      const base = [...c.prefix, r.name];
      block += insertAfterSite(text, { start: c.lastStart, end: c.insertAfter, indent: c.indent }, [...base, 'url'], nixString(r.url)).text;
      if (r.follows) {
        block += insertAfterSite(text, { start: c.lastStart, end: c.insertAfter, indent: c.indent }, [...base, 'inputs', r.follows[0], 'follows'], nixString(r.follows[1])).text;
      }
    }
    inserts.push({ at: c.insertAfter, text: block });
    // The outputs function receives every root input; explicit formals must name the new ones.
    const o = flake.outputs;
    if (o?.hasFormals && !o.ellipsis) {
      const lastFormal = o.formals[o.formals.length - 1];
      if (!lastFormal) return undefined;
      inserts.push({ at: lastFormal.end, text: newRoots.map((r) => `, ${r.name}`).join('') });
    }
  }
  const shown = path.slice(0, end.at + 1).join('/');
  return {
    title:
      newRoots.length === 0
        ? `Make ${shown} follow ${end.follow}`
        : `Make ${shown} follow ${end.follow} (adds root input${newRoots.length > 1 ? 's' : ''} ${newRoots.map((r) => r.name).join(', ')})`,
    edits: mergeInserts(inserts),
    // Changes which revision the input builds against: useful, but not meaning-preserving.
    safe: false,
    kind: 'quickfix',
    preferred: true,
  };
}

/** A root input (other than `except`) locked from the same upstream as node `key`, of the same
 *  kind (flake or source); the one named `prefer` first. */
function rootOfSameUpstream(graph: Graph, key: string, except: string, prefer: string): string | undefined {
  const node = graph.lock.nodes.get(key);
  if (!node?.locked) return undefined;
  const id = upstreamIdentity(node.locked);
  const found: string[] = [];
  for (const e of graph.edges.get(graph.lock.root) ?? []) {
    if (!e.to || e.name === except) continue;
    const other = graph.lock.nodes.get(e.to);
    if (other?.locked && sameKind(node, other) && upstreamIdentity(other.locked) === id) found.push(e.name);
  }
  return found.find((n) => n === prefer) ?? found[0];
}

function mergeInserts(inserts: Insert[]): OffsetEdit[] {
  const by = new Map<number, string>();
  for (const i of inserts) by.set(i.at, (by.get(i.at) ?? '') + i.text);
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([at, newText]) => ({ start: at, end: at, newText }));
}

// ---- stale-lock ----

/** Declarations in flake.nix that flake.lock does not reflect yet (findings in flake.nix). */
export function staleLock(ctx: LockContext): Finding[] {
  if (!lockUsable(ctx)) return [];
  const { graph, flake } = ctx;
  const lock = graph.lock;
  const root = lock.nodes.get(lock.root)!;
  const out: Finding[] = [];
  const stale = (start: number, end: number, why: string): void => {
    out.push({ code: 'stale-lock', start, end, severity: 'warning', message: `${why}; run \`nix flake lock\``, fixes: [] });
  };
  for (const d of allDecls(flake)) {
    const li = d.path.length === 1 ? getInput(root, d.name) : inputAt(ctx, d.path);
    if (d.path.length === 1 && !li) {
      stale(d.nameStart, d.nameEnd, `input '${d.name}' is not in flake.lock`);
      continue;
    }
    // Attribute form (`type = "git"; url = "file:..."`) spells urls differently: not compared.
    if (d.path.length === 1 && d.url && !d.attrs.type && li?.target.kind === 'node' && !d.follows) {
      const original = lock.nodes.get(li.target.node)?.original;
      if (original && !urlMatchesOriginal(d.url.value, original)) {
        stale(d.url.start, d.url.end, `url changed: flake.lock has '${refToUrl(original)}'`);
      }
    }
    if (!d.follows) continue;
    const want = d.follows.value === '' ? [] : d.follows.value.split('/');
    // An override of an input the dependency does not have: re-locking changes nothing
    // (dead-override reports it).
    if (!li) continue;
    if (li.target.kind !== 'follows' || li.target.path.join('/') !== want.join('/')) {
      const now = li.target.kind === 'follows' ? `follows '${li.target.path.join('/')}'` : `is locked separately as '${li.target.node}'`;
      if (d.path.length >= 3 && li.target.kind === 'node') {
        // Re-locking will not help here: Nix 2.8 drops overrides nested this deep.
        out.push({
          code: 'stale-lock',
          start: d.follows.start,
          end: d.follows.end,
          severity: 'warning',
          message: `'${d.path.join('/')}' should follow '${d.follows.value}' but in flake.lock it ${now}: Nix 2.8 ignores follows nested more than one input deep; make '${d.path.slice(0, 2).join('/')}' follow a root input instead`,
          fixes: [],
        });
        continue;
      }
      stale(d.follows.start, d.follows.end, `'${d.path.join('/')}' should follow '${d.follows.value}' but in flake.lock it ${now}`);
    }
  }
  return out;
}

/**
 * Whether a declared url is the one the lock's `original` was made from. Lenient where the two
 * spellings differ without meaning (see sameFlakeRef): only the source and ref/rev/dir count.
 */
export function urlMatchesOriginal(url: string, original: RefAttrs): boolean {
  return sameFlakeRef(url, original);
}

function inputAt(ctx: LockContext & { graph: Graph }, path: string[]) {
  const parent = nodeAt(ctx.graph, path.slice(0, -1));
  if (!parent) return undefined;
  return getInput(ctx.graph.lock.nodes.get(parent)!, path[path.length - 1]);
}

/**
 * Overrides of inputs a dependency does not have (`a.inputs.gone.follows = "x"` when `a` has no
 * input `gone`): Nix ignores them and `nix flake lock` leaves the lock as it is, so they are dead
 * configuration, not a stale lock. Only when the dependency is locked from the url flake.nix gives.
 */
export function deadOverride(ctx: LockContext): Finding[] {
  if (!lockUsable(ctx)) return [];
  const { graph, flake } = ctx;
  const lock = graph.lock;
  const root = lock.nodes.get(lock.root)!;
  const out: Finding[] = [];
  for (const d of allDecls(flake)) {
    if (d.path.length < 2 || (!d.follows && !d.url)) continue;
    // An ancestor with a follows or a changed url: what it will have after re-locking is unknown.
    const top = flake.inputs.get(d.path[0]);
    const li = getInput(root, d.path[0]);
    const topNode = li?.target.kind === 'node' ? lock.nodes.get(li.target.node) : undefined;
    if (!top || top.follows || !topNode?.original || (top.url && !top.attrs.type && !urlMatchesOriginal(top.url.value, topNode.original))) continue;
    if (d.path.slice(1, -1).some((_, i) => findDecl(flake, d.path.slice(0, i + 2))?.follows)) continue;
    if (inputAt(ctx, d.path)) continue;
    const parentKey = nodeAt(graph, d.path.slice(0, -1));
    const parent = parentKey ? lock.nodes.get(parentKey) : undefined;
    if (!parent?.flake) continue;
    const v = d.follows ?? d.url!;
    out.push({
      code: 'dead-override',
      start: v.start,
      end: v.end,
      severity: 'warning',
      message: `'${d.path.slice(0, -1).join('/')}' (as locked) has no input '${d.name}', so this override does nothing: Nix ignores it, and re-locking does not change that`,
      fixes: [],
    });
  }
  return out;
}

/** Root inputs in flake.lock that flake.nix no longer declares (findings in flake.lock). */
export function staleLockEntries(ctx: LockContext): Finding[] {
  if (!ctx.parsed?.lock || !ctx.flake || ctx.flake.opaque) return [];
  const lock = ctx.parsed.lock;
  const root = lock.nodes.get(lock.root)!;
  // Nix makes every formal of `outputs` (but self) an input, locked from the registry
  // (`{"type": "indirect", "id": NAME}`) when flake.nix does not declare it.
  const formals = new Set((ctx.flake.outputs?.formals ?? []).map((f) => f.name).filter((n) => n !== 'self'));
  const out: Finding[] = [];
  for (const i of root.inputs) {
    if (ctx.flake.inputs.has(i.name)) continue;
    let why = `input '${i.name}' is locked but no longer declared in flake.nix`;
    if (formals.has(i.name)) {
      const original = i.target.kind === 'node' ? lock.nodes.get(i.target.node)?.original : undefined;
      if (original?.type === 'indirect' && original.id === i.name) continue;
      why = `input '${i.name}' is only an argument of outputs now, which Nix looks up in the flake registry, but flake.lock has ${original ? `'${refToUrl(original)}'` : 'a follows'}`;
    }
    out.push({ code: 'stale-lock', start: i.keyStart, end: i.valueEnd, severity: 'warning', message: `${why}; run \`nix flake lock\``, fixes: [] });
  }
  return out;
}

// ---- broken-follows ----

export function brokenFollows(ctx: LockContext): Finding[] {
  const flake = ctx.flake;
  if (!flake || flake.opaque) return [];
  const out: Finding[] = [];
  for (const d of allDecls(flake)) {
    if (!d.follows) continue;
    const target = d.follows.value === '' ? [] : d.follows.value.split('/');
    const err = (message: string) =>
      out.push({ code: 'broken-follows', start: d.follows!.start, end: d.follows!.end, severity: 'error', message, fixes: [] });
    if (target.length === 0) continue; // `follows = ""` is the flake itself: legal
    if (d.path.length === 1 && target[0] === d.name) {
      err(`input '${d.name}' follows itself`);
      continue;
    }
    // An `outputs` formal is an input too (Nix locks it from the registry).
    const first = flake.inputs.get(target[0]) ?? flake.outputs?.formals.find((f) => f.name === target[0] && f.name !== 'self');
    if (!first) {
      err(`'${d.path.join('/')}' follows '${d.follows.value}', but this flake has no input '${target[0]}'`);
      continue;
    }
    if (target.length > 1 && ctx.graph) {
      const rootLock = ctx.graph.lock.nodes.get(ctx.graph.lock.root)!;
      if (!getInput(rootLock, target[0])) continue; // not locked yet: stale-lock covers it
      for (let k = 2; k <= target.length; k++) {
        if (!nodeAt(ctx.graph, target.slice(0, k))) {
          err(`'${d.path.join('/')}' follows '${d.follows.value}', but '${target.slice(0, k - 1).join('/')}' has no input '${target[k - 1]}'`);
          break;
        }
      }
    }
  }
  return out;
}

// ---- indirect-input ----

export function indirectInput(ctx: LockContext): Finding[] {
  const flake = ctx.flake;
  if (!flake || flake.opaque) return [];
  const out: Finding[] = [];
  for (const d of flake.inputs.values()) {
    if (d.follows) continue;
    let why: string | undefined;
    let start = d.nameStart;
    let end = d.nameEnd;
    if (d.url) {
      const u = d.url.value;
      if (parseFlakeRef(u).type === 'indirect') {
        why = `'${u}' is looked up in the flake registry, so what it means depends on the machine`;
        start = d.url.start;
        end = d.url.end;
      }
    } else if (d.attrs.type?.value === 'indirect') {
      why = `input '${d.name}' is looked up in the flake registry`;
      start = d.attrs.type.start;
      end = d.attrs.type.end;
    } else if (!d.attrs.type && !d.urlExpr) {
      why = `input '${d.name}' has no url, so Nix looks '${d.name}' up in the flake registry`;
    }
    if (!why) continue;
    const fixes: Fix[] = [];
    const pinned = pinnedUrl(ctx, d.name);
    if (pinned && d.url) {
      fixes.push({ title: `Use ${pinned}`, edits: [{ start: d.url.start, end: d.url.end, newText: nixString(pinned) }], safe: false, kind: 'quickfix' });
    }
    out.push({ code: 'indirect-input', start, end, severity: 'information', message: why, fixes });
  }
  return out;
}

/** What the registry resolved an input to, as a URL with the ref or revision the reference gave
 *  but not the one the registry chose (github etc. only). */
function pinnedUrl(ctx: LockContext, name: string): string | undefined {
  const g = ctx.graph;
  if (!g) return undefined;
  const key = nodeAt(g, [name]);
  const node = key ? g.lock.nodes.get(key) : undefined;
  const l = node?.locked;
  if (!l || !['github', 'gitlab', 'sourcehut'].includes(l.type)) return undefined;
  const orig = node!.original;
  const attrs: RefAttrs = { type: l.type, owner: l.owner as string, repo: l.repo as string };
  // Keep the pin the registry reference carried (`nixpkgs/<rev>`, `nixpkgs/nixos-24.05`).
  if (orig && typeof orig.rev === 'string') attrs.rev = orig.rev;
  else if (orig && typeof orig.ref === 'string') attrs.ref = orig.ref;
  if (typeof l.dir === 'string') attrs.dir = l.dir;
  return refToUrl(attrs);
}

// ---- unused-input ----

export function unusedInput(ctx: LockContext): Finding[] {
  const flake = ctx.flake;
  const o = flake?.outputs;
  // Provable only with an explicit formals set: `...` or `@` let the body reach any input.
  if (!flake || flake.opaque || !o || !o.hasFormals || o.ellipsis || o.atBinding || o.dynamicUse) return [];
  const out: Finding[] = [];
  // Inputs that another input follows are still needed. Collected once: a scan of every
  // declaration per formal was quadratic in a flake with thousands of inputs.
  let followed: Set<string> | undefined;
  for (const f of o.formals) {
    if (f.name === 'self' || o.uses(f.name)) continue;
    const d = flake.inputs.get(f.name);
    if (!d) continue;
    followed ??= new Set(allDecls(flake).flatMap((x) => (x.follows ? [x.follows.value.split('/')[0]] : [])));
    if (followed.has(f.name)) continue;
    // flake-compat is declared only to be locked: default.nix and shell.nix fetch it by reading
    // flake.lock, outside outputs (the pattern flake-compat's README gives).
    if (d.flake?.value === false && (f.name === 'flake-compat' || (d.url?.value ?? '').includes('flake-compat'))) continue;
    out.push({
      code: 'unused-input',
      start: d.nameStart,
      end: d.nameEnd,
      severity: 'hint',
      message: `input '${f.name}' is never used by outputs`,
      fixes: [],
      tags: ['unnecessary'],
      related: [{ start: f.start, end: f.end, message: 'its unused formal' }],
    });
  }
  return out;
}

// ---- flake.lock findings ----

export function lockError(ctx: LockContext): Finding[] {
  if (!ctx.parsed) return [];
  return ctx.parsed.errors.map((e) => ({
    code: 'lock-error' as const,
    start: e.start,
    end: e.end,
    severity: 'error' as const,
    message: e.message,
    fixes: [],
  }));
}

export function duplicateLockNode(ctx: LockContext): Finding[] {
  const g = ctx.graph;
  if (!g) return [];
  const out: Finding[] = [];
  for (const dup of findDuplicates(g)) {
    for (const extra of dup.extras) {
      const node = g.lock.nodes.get(extra.node)!;
      // Chosen on purpose (see missing-follows): a pinned commit or a commented-out follows. Only
      // paths missing-follows would flag can be commented-out follows; building longer ones would
      // make a crafted chain quadratic.
      const count = g.paths.count(extra.node);
      const short = g.paths.get(extra.node, MAX_FOLLOWS_PATH)!;
      if (short.length === count && short.every((p) => p.length >= 2 && deliberateCopy(ctx, node, p, dup))) continue;
      const who = g.paths.shown(extra.node, 3).join(', ') + (count > 3 ? ` and ${count - 3} more` : '');
      out.push({
        code: 'duplicate-lock-node',
        // `"nixpkgs_2": {` — the key through the opening brace.
        start: node.keyStart,
        end: node.start + 1,
        severity: 'warning',
        message: `'${node.key}' is another copy of ${dup.rootInput} at ${describe(extra)}, pulled in by ${who}; the root's ${dup.rootInput} is ${describe(dup.rootInstance)}`,
        fixes: [],
      });
    }
  }
  return out;
}
