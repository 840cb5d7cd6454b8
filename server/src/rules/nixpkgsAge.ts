// Age and support of the root nixpkgs inputs, as flake-checker checks them in CI, but where the
// input is written: outdated-nixpkgs (locked revision older than flakeLens.nixpkgs.maxAgeDays),
// unsupported-nixpkgs-branch (an explicit ref that is not a supported channel branch) and
// non-upstream-nixpkgs (a fork). Pure: `now` is passed in; without it the two rules that depend
// on the date do not run.
import type { Finding, Fix } from './findings';
import type { FlakeGraphDto } from '../protocol';
import { nixString, type InputDecl, type StrValue } from '../lock/flakeInputs';
import { inputOf, lastModifiedDate, MEANINGFUL_TIMESTAMP, revisionOf, shortRev } from '../lock/graph';
import type { LockNode } from '../lock/lockfile';
import { declaredRef, isLocal, isNixpkgs, refFromAttrs, repoOf, type FlakeRef } from '../lock/flakeRef';
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

/** A nixpkgs repository whose owner is not NixOS: `someone/nixpkgs` on a forge or over git. */
function forkOf(s: FlakeRef | undefined): string | undefined {
  if (!s || s.dir || s.type === 'hg') return undefined;
  const r = repoOf(s);
  if (!r || r.repo.toLowerCase() !== 'nixpkgs') return undefined;
  if (r.owner.toLowerCase() === 'nixos' && r.host === 'github.com') return undefined;
  return r.host === 'github.com' ? `${r.owner}/${r.repo}` : `${r.host}/${r.owner}/${r.repo}`;
}

/** A root nixpkgs input: its declaration in flake.nix (if read) and its lock node (if locked). */
export interface RootNixpkgs {
  name: string;
  decl?: InputDecl;
  node?: LockNode;
  /** What it refers to: as flake.nix declares it, else as flake.lock's `original` says. */
  source?: FlakeRef;
  /** Where the ref is in flake.nix, when it can be rewritten: offsets and how to write it. */
  refEdit?: { start: number; end: number; quote: boolean };
  /** `owner/nixpkgs` of a fork. */
  fork?: string;
  /** Where to report an input flake.nix does not declare: its formal in `outputs`. */
  formal?: { start: number; end: number };
}

/** The declared source of an input, and where its ref can be rewritten in flake.nix. */
function declaredSource(d: InputDecl, text: string | undefined): { source?: FlakeRef; refEdit?: RootNixpkgs['refEdit'] } {
  const source = declaredRef(d);
  if (!source) return {};
  let refEdit: RootNixpkgs['refEdit'];
  if (d.attrs.ref) refEdit = literal(d.attrs.ref, text);
  else if (d.url && source.refSpan && text !== undefined && text[d.url.start] === '"' && text.slice(d.url.start + 1, d.url.end - 1) === d.url.value) {
    // A plain "..." literal without escapes: URL offsets map to the file one to one.
    refEdit = { start: d.url.start + 1 + source.refSpan.start, end: d.url.start + 1 + source.refSpan.end, quote: false };
  }
  return { source, refEdit };
}

/** A `ref = "…"` string literal is rewritten whole. */
function literal(v: StrValue, text: string | undefined): RootNixpkgs['refEdit'] {
  return text !== undefined && (text[v.start] === '"' || text.startsWith("''", v.start)) ? { start: v.start, end: v.end, quote: true } : undefined;
}

function nodeIsNixpkgs(node: LockNode | undefined): boolean {
  return !!node && ((!!node.original && isNixpkgs(node.original)) || (!!node.locked && isNixpkgs(node.locked)));
}

/**
 * The root inputs that are nixpkgs. With flake.nix: declared ones, not follows (a follows shares
 * the followed input's node, reported there). Without it: the lock's root inputs.
 */
export function rootNixpkgsInputs(ctx: LockContext, extraInputs: readonly string[] = []): RootNixpkgs[] {
  const graph = ctx.graph;
  const rootEdges = graph ? (graph.edges.get(graph.lock.root) ?? []) : [];
  // inputOf looks names up in an index (first of a repeated key wins): a scan per input would be
  // quadratic in a flake with thousands of inputs.
  const edgeOf = (name: string) => (graph ? inputOf(graph, graph.lock.root, name) : undefined);
  const nodeOf = (name: string) => {
    const e = edgeOf(name);
    return e?.to && !e.follows ? graph!.lock.nodes.get(e.to) : undefined;
  };
  const out: RootNixpkgs[] = [];
  if (ctx.flake) {
    if (ctx.flake.opaque) return [];
    for (const d of ctx.flake.inputs.values()) {
      if (d.follows || d.flake?.value === false) continue;
      const node = nodeOf(d.name);
      const { source, refEdit } = declaredSource(d, ctx.flakeText);
      const declared = source && source.type !== 'unknown';
      const original = node?.original && refFromAttrs(node.original);
      const fork = declared ? forkOf(source) : forkOf(original);
      const upstream = declared ? isNixpkgs(source) : nodeIsNixpkgs(node);
      if (!upstream && !fork && !extraInputs.includes(d.name)) continue;
      out.push({ name: d.name, decl: d, node, source: declared ? source : original, refEdit, fork });
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
    const e = edgeOf(name);
    if (!e || e.follows || !e.to) return undefined;
    const node = graph!.lock.nodes.get(e.to)!;
    if (!node.flake) return undefined;
    const source = node.original && refFromAttrs(node.original);
    const fork = forkOf(source) ?? forkOf(node.locked && refFromAttrs(node.locked));
    if (!nodeIsNixpkgs(node) && !fork && !extraInputs.includes(e.name)) return undefined;
    return { name: e.name, node, source, fork };
  }
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
  return !!l && isLocal(l);
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
    const ref = i.source?.ref;
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
