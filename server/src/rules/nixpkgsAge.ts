// Age and support of the root nixpkgs inputs, as flake-checker checks them in CI, but where the
// input is written: outdated-nixpkgs (locked revision older than flakeLens.nixpkgs.maxAgeDays),
// unsupported-nixpkgs-branch (an explicit ref that is not a supported channel branch) and
// non-upstream-nixpkgs (a fork). Pure: `now` is passed in; without it the two rules that depend
// on the date do not run.
import type { Finding, Fix } from './findings';
import type { FlakeGraphDto } from '../protocol';
import { isNixpkgsUrl } from '../nix/nixpkgs';
import { isNixpkgsRef } from './flake';
import { nixString, type InputDecl, type StrValue } from '../lock/flakeInputs';
import { lastModifiedDate, MEANINGFUL_TIMESTAMP, revisionOf, shortRev } from '../lock/graph';
import type { LockNode, RefAttrs } from '../lock/lockfile';
import type { LockContext } from '../lock/rules';
import { branchVerdict } from '../lock/nixpkgsBranches';

const DAY = 86_400_000;

export interface NixpkgsPolicy {
  /** Milliseconds since the epoch; the server passes Date.now(), tests and `check --now` a fixed day. */
  now?: number;
  maxAgeDays: number;
  /** flakeLens.nixpkgs.supportedBranches: replaces the computed set when not empty. */
  supportedBranches?: readonly string[];
  /** flakeLens.nixpkgs.checkedInputs: the root inputs whose age and branch are checked; empty or absent: all. */
  checkedInputs?: readonly string[];
  /** flakeLens.nixpkgsInputs: more root input names to treat as nixpkgs. */
  extraInputs?: readonly string[];
}

/** Where a source comes from, read from a declared URL or attribute set, or from a lock entry. */
export interface Source {
  type: string;
  owner?: string;
  repo?: string;
  host?: string;
  dir?: string;
  /** The explicit ref; `start`/`end` index the URL text when it came from one. */
  ref?: { value: string; start?: number; end?: number };
}

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** The parts of a flake reference URL these rules need, with the ref's position in the URL. */
export function parseSource(url: string): Source | undefined {
  const q = url.indexOf('?');
  const base = q < 0 ? url : url.slice(0, q);
  const src: Source = { type: '' };
  // Query parameters, with the offset of each value (a `?ref=` can be rewritten in place).
  if (q >= 0) {
    let at = q + 1;
    for (const part of url.slice(q + 1).split('&')) {
      const eq = part.indexOf('=');
      const k = decode(eq < 0 ? part : part.slice(0, eq));
      const v = eq < 0 ? '' : part.slice(eq + 1);
      if (k === 'ref') src.ref = { value: decode(v), start: at + eq + 1, end: at + part.length };
      else if (k === 'host') src.host = decode(v);
      else if (k === 'dir') src.dir = decode(v);
      at += part.length + 1;
    }
  }
  const forge = /^(github|gitlab|sourcehut):([^/]+)\/([^/]+)(?:\/(.+))?$/.exec(base);
  if (forge) {
    src.type = forge[1];
    src.owner = decode(forge[2]);
    src.repo = decode(forge[3]);
    if (forge[4] !== undefined && !/^[0-9a-f]{40}$/.test(forge[4])) {
      const start = forge[1].length + 1 + forge[2].length + 1 + forge[3].length + 1;
      src.ref = { value: decode(forge[4]), start, end: start + forge[4].length };
    }
    return src;
  }
  const git = /^git\+(?:https?|ssh|git|file):\/\/(?:[^@/]*@)?([^/:]+)(?::\d+)?[/:]([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(base);
  if (git) {
    src.type = 'git';
    src.host = git[1].toLowerCase();
    src.owner = decode(git[2]);
    src.repo = decode(git[3]);
    return src;
  }
  if (/^git\+/.test(base)) return { ...src, type: 'git' };
  const indirect = /^(?:flake:)?([a-zA-Z][a-zA-Z0-9_-]*)(?:\/(.+))?$/.exec(base);
  if (indirect && !base.includes('://')) {
    src.type = 'indirect';
    src.repo = indirect[1];
    const rest = indirect[2];
    if (rest !== undefined && !/^[0-9a-f]{40}$/.test(rest)) {
      const start = base.length - rest.length;
      src.ref = { value: decode(rest), start, end: base.length };
    }
    return src;
  }
  return { type: 'other' };
}

/** Source of a lock entry (`original` for the ref, as flake-checker reads it). */
function lockSource(attrs: RefAttrs | undefined): Source | undefined {
  if (!attrs) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (attrs.type === 'git' && typeof attrs.url === 'string') {
    const s = parseSource(`git+${attrs.url.replace(/^git\+/, '')}`) ?? { type: 'git' };
    return { ...s, ref: str(attrs.ref) !== undefined ? { value: str(attrs.ref)! } : undefined, dir: str(attrs.dir) };
  }
  return {
    type: attrs.type,
    owner: str(attrs.owner),
    repo: attrs.type === 'indirect' ? str(attrs.id) : str(attrs.repo),
    host: str(attrs.host),
    dir: str(attrs.dir),
    ref: str(attrs.ref) !== undefined ? { value: str(attrs.ref)! } : undefined,
  };
}

/** A nixpkgs repository whose owner is not NixOS: `someone/nixpkgs` on a forge or over git. */
function forkOf(s: Source | undefined): string | undefined {
  if (!s || s.dir || !s.owner || s.repo?.toLowerCase() !== 'nixpkgs') return undefined;
  if (!['github', 'gitlab', 'sourcehut', 'git'].includes(s.type)) return undefined;
  const host = (s.host ?? (s.type === 'github' ? 'github.com' : s.type === 'gitlab' ? 'gitlab.com' : s.type === 'sourcehut' ? 'git.sr.ht' : '')).toLowerCase();
  if (s.owner.toLowerCase() === 'nixos' && host === 'github.com') return undefined;
  return host === 'github.com' ? `${s.owner}/${s.repo}` : `${host}/${s.owner}/${s.repo}`;
}

/** A root nixpkgs input: its declaration in flake.nix (if read) and its lock node (if locked). */
export interface RootNixpkgs {
  name: string;
  decl?: InputDecl;
  node?: LockNode;
  source?: Source;
  /** Where the ref is in flake.nix, when it can be rewritten: offsets and how to write it. */
  refEdit?: { start: number; end: number; quote: boolean };
  /** `owner/nixpkgs` of a fork. */
  fork?: string;
  /** Where to report an input flake.nix does not declare: its formal in `outputs`. */
  formal?: { start: number; end: number };
}

/** The declared source of an input: from its URL, or its attribute form (`type`, `owner`, …). */
function declaredSource(d: InputDecl, text: string | undefined): { source?: Source; refEdit?: RootNixpkgs['refEdit'] } {
  const a = d.attrs;
  if (d.url) {
    const type = a.type?.value;
    const url = type === 'git' && !/^git\+/.test(d.url.value) ? `git+${d.url.value}` : d.url.value;
    const source = parseSource(url);
    if (!source) return {};
    if (a.ref) source.ref = { value: a.ref.value };
    const shift = url.length - d.url.value.length;
    let refEdit: RootNixpkgs['refEdit'];
    if (a.ref) refEdit = literal(a.ref, text);
    else if (source.ref?.start !== undefined && text !== undefined && text[d.url.start] === '"' && text.slice(d.url.start + 1, d.url.end - 1) === d.url.value) {
      // A plain "..." literal without escapes: URL offsets map to the file one to one.
      refEdit = { start: d.url.start + 1 + source.ref.start - shift, end: d.url.start + 1 + source.ref.end! - shift, quote: false };
    }
    return { source, refEdit };
  }
  if (!a.type) return {};
  const source: Source = { type: a.type.value, owner: a.owner?.value, repo: a.type.value === 'indirect' ? a.id?.value : a.repo?.value, host: a.host?.value, dir: a.dir?.value };
  if (a.ref) source.ref = { value: a.ref.value };
  return { source, refEdit: a.ref ? literal(a.ref, text) : undefined };
}

/** A `ref = "…"` string literal is rewritten whole. */
function literal(v: StrValue, text: string | undefined): RootNixpkgs['refEdit'] {
  return text !== undefined && (text[v.start] === '"' || text.startsWith("''", v.start)) ? { start: v.start, end: v.end, quote: true } : undefined;
}

function nodeIsNixpkgs(node: LockNode | undefined): boolean {
  // flake.lock stores git URLs without the `git+` that isNixpkgsUrl expects.
  const git = (a: RefAttrs | undefined) => a?.type === 'git' && typeof a.url === 'string' && !a.dir && isNixpkgsUrl(`git+${a.url.replace(/^git\+/, '')}`);
  return !!node && (isNixpkgsRef(node.original) || isNixpkgsRef(node.locked) || git(node.original) || git(node.locked));
}

/**
 * The root inputs that are nixpkgs. With flake.nix: declared ones, not follows (a follows shares
 * the followed input's node, reported there). Without it: the lock's root inputs.
 */
export function rootNixpkgsInputs(ctx: LockContext, extraInputs: readonly string[] = []): RootNixpkgs[] {
  const graph = ctx.graph;
  const rootEdges = graph ? (graph.edges.get(graph.lock.root) ?? []) : [];
  // By name, the first edge of each (as `find` gave): a search per input was quadratic at 10,000 inputs.
  const edgeByName = new Map<string, (typeof rootEdges)[number]>();
  for (const e of rootEdges) if (!edgeByName.has(e.name)) edgeByName.set(e.name, e);
  const nodeOf = (name: string) => {
    const e = edgeByName.get(name);
    return e?.to && !e.follows ? graph!.lock.nodes.get(e.to) : undefined;
  };
  const out: RootNixpkgs[] = [];
  if (ctx.flake) {
    if (ctx.flake.opaque) return [];
    for (const d of ctx.flake.inputs.values()) {
      if (d.follows || d.flake?.value === false) continue;
      const node = nodeOf(d.name);
      const { source, refEdit } = declaredSource(d, ctx.flakeText);
      const declared = source && source.type !== 'other';
      const fork = declared ? forkOf(source) : forkOf(lockSource(node?.original));
      const upstream = d.url ? isNixpkgsUrl(declaredUrl(d)) : declared ? isNixpkgsRef(sourceAttrs(source!)) : nodeIsNixpkgs(node);
      if (!upstream && !fork && !extraInputs.includes(d.name)) continue;
      out.push({ name: d.name, decl: d, node, source: declared ? source : lockSource(node?.original), refEdit, fork });
    }
    // `outputs = { self, nixpkgs }: …` without `inputs.nixpkgs`: Nix fetches it from the registry.
    for (const f of ctx.flake.outputs?.formals ?? []) {
      if (f.name === 'self' || ctx.flake.inputs.has(f.name)) continue;
      const found = lockRoot(f.name);
      if (found) out.push({ ...found, formal: { start: f.start, end: f.end } });
    }
    return out;
  }
  for (const e of rootEdges) {
    const found = lockRoot(e.name);
    if (found) out.push(found);
  }
  return out;

  /** A root input read from flake.lock alone. */
  function lockRoot(name: string): RootNixpkgs | undefined {
    const e = edgeByName.get(name);
    if (!e || e.follows || !e.to) return undefined;
    const node = graph!.lock.nodes.get(e.to)!;
    if (!node.flake) return undefined;
    const source = lockSource(node.original);
    const fork = forkOf(source) ?? forkOf(lockSource(node.locked));
    if (!nodeIsNixpkgs(node) && !fork && !extraInputs.includes(e.name)) return undefined;
    return { name: e.name, node, source, fork };
  }
}

function declaredUrl(d: InputDecl): string {
  return d.attrs.type?.value === 'git' && !/^git\+/.test(d.url!.value) ? `git+${d.url!.value}` : d.url!.value;
}

function sourceAttrs(s: Source): RefAttrs {
  const attrs: RefAttrs = { type: s.type };
  for (const k of ['owner', 'repo', 'host', 'dir'] as const) if (s[k] !== undefined) attrs[k] = s[k]!;
  if (s.type === 'indirect' && s.repo) attrs.id = s.repo;
  return attrs;
}

/** Where a finding about an input goes: its URL in flake.nix, else its name; the lock node's key in flake.lock. */
function site(i: RootNixpkgs): { start: number; end: number } {
  if (i.formal) return i.formal;
  if (i.decl) return i.decl.url ? { start: i.decl.url.start, end: i.decl.url.end } : { start: i.decl.nameStart, end: i.decl.nameEnd };
  return { start: i.node!.keyStart, end: i.node!.start + 1 };
}

/** Whole days since a lock entry's lastModified, when it has a real one. */
export function lockedAgeDays(node: LockNode | undefined, now: number): number | undefined {
  const t = node?.locked?.lastModified;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < MEANINGFUL_TIMESTAMP) return undefined;
  return Math.floor((now - t * 1000) / DAY);
}

/** A checkout on this machine (`path:`, `git+file:`): its age is the author's own business, and
 *  its lastModified is a local commit or mtime, not an upstream release. */
function isLocalCheckout(node: LockNode | undefined): boolean {
  // The source as written: a registry `nixpkgs` may be locked to a store path, and is not local.
  const l = node?.original ?? node?.locked;
  return l?.type === 'path' || (l?.type === 'git' && typeof l.url === 'string' && l.url.replace(/^git\+/, '').startsWith('file:'));
}

/** Older than the limit, as flake-checker counts: more than maxAgeDays whole days. */
/** Age and branch are checked on these root inputs only (flake-checker's `--nixpkgs-keys`). */
function checked(name: string, policy: NixpkgsPolicy): boolean {
  return !policy.checkedInputs?.length || policy.checkedInputs.includes(name);
}

export function isOutdated(node: LockNode | undefined, policy: NixpkgsPolicy): boolean {
  if (policy.now === undefined || isLocalCheckout(node)) return false;
  const days = lockedAgeDays(node, policy.now);
  return days !== undefined && days > policy.maxAgeDays;
}

export function outdatedNixpkgs(ctx: LockContext, policy: NixpkgsPolicy): Finding[] {
  if (policy.now === undefined) return [];
  const out: Finding[] = [];
  for (const i of rootNixpkgsInputs(ctx, policy.extraInputs)) {
    if (!checked(i.name, policy) || !isOutdated(i.node, policy)) continue;
    const days = lockedAgeDays(i.node, policy.now)!;
    const rev = revisionOf(i.node!);
    out.push({
      code: 'outdated-nixpkgs',
      ...site(i),
      severity: 'warning',
      message:
        `nixpkgs input '${i.name}' is locked to ${rev ? `${shortRev(rev)} of ` : ''}${lastModifiedDate(i.node!)}, ${days} days old ` +
        `(limit: ${policy.maxAgeDays} days, flakeLens.nixpkgs.maxAgeDays), so it misses newer security fixes; update it with \`nix flake lock --update-input ${i.name}\``,
      fixes: [],
    });
  }
  return out;
}

export function unsupportedNixpkgsBranch(ctx: LockContext, policy: NixpkgsPolicy): Finding[] {
  if (policy.now === undefined) return [];
  const out: Finding[] = [];
  for (const i of rootNixpkgsInputs(ctx, policy.extraInputs)) {
    // A fork's branches are its own: non-upstream-nixpkgs reports the fork itself.
    const ref = i.source?.ref?.value;
    if (i.fork || ref === undefined || !checked(i.name, policy)) continue;
    const v = branchVerdict(ref, policy.now, policy.supportedBranches);
    if (v.supported) continue;
    const fixes: Fix[] = [];
    if (i.refEdit) {
      for (const [k, b] of v.suggestions.slice(0, 2).entries()) {
        fixes.push({
          title: `Use ${b} (then update flake.lock)`,
          edits: [{ start: i.refEdit.start, end: i.refEdit.end, newText: i.refEdit.quote ? nixString(b) : b }],
          // Moves the input to another branch: not meaning-preserving, never applied by fix-all.
          safe: false,
          kind: 'quickfix',
          preferred: k === 0,
        });
      }
    }
    const where = i.refEdit && !i.refEdit.quote ? { start: i.refEdit.start, end: i.refEdit.end } : i.decl?.attrs.ref ? { start: i.decl.attrs.ref.start, end: i.decl.attrs.ref.end } : site(i);
    out.push({
      code: 'unsupported-nixpkgs-branch',
      ...where,
      severity: 'warning',
      message: `nixpkgs input '${i.name}' tracks '${ref}', which is not a supported branch: ${v.reason}` + (v.suggestions.length ? `; move to ${v.suggestions.slice(0, 2).join(' or ')}` : ''),
      fixes,
    });
  }
  return out;
}

export function nonUpstreamNixpkgs(ctx: LockContext, policy: NixpkgsPolicy): Finding[] {
  const out: Finding[] = [];
  for (const i of rootNixpkgsInputs(ctx, policy.extraInputs)) {
    if (!i.fork) continue;
    out.push({
      code: 'non-upstream-nixpkgs',
      ...site(i),
      severity: 'information',
      message: `nixpkgs input '${i.name}' comes from the fork ${i.fork}, not NixOS/nixpkgs: it gets upstream's fixes only when its owner merges them`,
      fixes: [],
    });
  }
  return out;
}

/** Sets `outdated` on the lock nodes of outdated root nixpkgs inputs (the tree view and the graph). */
export function markOutdated(dto: FlakeGraphDto, ctx: LockContext, policy: NixpkgsPolicy): void {
  for (const i of rootNixpkgsInputs(ctx, policy.extraInputs)) {
    const n = i.node ? dto.nodes[i.node.key] : undefined;
    if (n && checked(i.name, policy) && isOutdated(i.node, policy)) n.outdated = true;
  }
}
