// One flake: flake.nix and the flake.lock beside it, analysed together. Pure: callers read files.
// Gives the findings for both files, the root inputs that the lock says are nixpkgs (for the
// nixpkgs rules), and the input graph the tree view shows.
import type { Finding, Fix, RuleCode } from './findings';
import { LineIndex } from '../nix/lineIndex';
import type { Node } from '../nix/parser';
import type { FlakeGraphDto, InputEdgeDto, LockNodeDto, Range } from '../protocol';
import { allDecls, findDecl, type InputDecl } from '../lock/flakeInputs';
import { findDuplicates, MEANINGFUL_TIMESTAMP, revisionOf, type Graph } from '../lock/graph';
import { fetchUrl, isNixpkgs, refFromAttrs, refToUrl, upstreamIdentity, upstreamName } from '../lock/flakeRef';
import type { RefAttrs } from '../lock/lockfile';
import { safeWebUrl, urlPath, validHost } from '../lock/urls';
import { brokenFollows, deadOverride, duplicateLockNode, followsFix, MAX_FIX_DEPTH, indirectInput, LockContext, lockError, makeContext, missingFollows, staleLock, staleLockEntries, unusedInput } from '../lock/rules';

export interface FlakeFiles {
  flakeText?: string;
  flakeRoot?: Node;
  lockText?: string;
  flakePath?: string;
  lockPath?: string;
}

/** Parsed locks by text: re-analysing flake.nix on every keystroke must not re-parse a big lock. */
const lockMemo = new Map<string, Pick<LockContext, 'parsed' | 'graph'>>();
const LOCK_MEMO_SIZE = 4;

export function flakeContext(files: FlakeFiles): LockContext {
  if (files.lockText === undefined) return makeContext(files);
  let lock = lockMemo.get(files.lockText);
  if (!lock) {
    const { parsed, graph } = makeContext({ lockText: files.lockText });
    lock = { parsed, graph };
    lockMemo.set(files.lockText, lock);
    if (lockMemo.size > LOCK_MEMO_SIZE) lockMemo.delete(lockMemo.keys().next().value!);
  }
  return { ...makeContext({ ...files, lockText: undefined }), lockText: files.lockText, ...lock };
}

/** The flake-level rules, each only when enabled, split by the file they are about. */
export function flakeFindings(ctx: LockContext, enabled: (code: RuleCode) => boolean): { flake: Finding[]; lock: Finding[] } {
  const run = (code: RuleCode, f: (c: LockContext) => Finding[]) => (enabled(code) ? f(ctx) : []);
  return {
    flake: [
      ...run('missing-follows', missingFollows),
      ...run('stale-lock', staleLock),
      ...run('dead-override', deadOverride),
      ...run('broken-follows', brokenFollows),
      ...run('indirect-input', indirectInput),
      ...run('unused-input', unusedInput),
    ],
    lock: [...run('lock-error', lockError), ...run('stale-lock', staleLockEntries), ...run('duplicate-lock-node', duplicateLockNode)],
  };
}

/** Root inputs that flake.lock resolves to nixpkgs. */
export function lockNixpkgsInputs(graph: Graph | undefined): string[] {
  if (!graph) return [];
  const out: string[] = [];
  for (const e of graph.edges.get(graph.lock.root) ?? []) {
    const node = e.to ? graph.lock.nodes.get(e.to) : undefined;
    if (node && ((node.original && isNixpkgs(node.original)) || (node.locked && isNixpkgs(node.locked)))) out.push(e.name);
  }
  return out;
}

/**
 * "Add all missing follows": every missing-follows fix in one edit. Fixes insert text; inserts
 * at the same offset are concatenated in finding order, and a fix whose edits would overlap a
 * replacement is left out.
 */
export function combineFollowsFixes(findings: Finding[]): Fix | undefined {
  const fixes = findings.filter((f) => f.code === 'missing-follows').map((f) => f.fixes[0]).filter((f): f is Fix => !!f);
  if (fixes.length < 2) return undefined;
  const inserts = new Map<number, string>();
  for (const fix of fixes) {
    if (fix.edits.some((e) => e.start !== e.end)) continue;
    for (const e of fix.edits) {
      const prev = inserts.get(e.start) ?? '';
      // Two findings may need the same new root input: add it once.
      if (!prev.includes(e.newText)) inserts.set(e.start, prev + e.newText);
    }
  }
  if (inserts.size === 0) return undefined;
  return {
    title: `Add all missing follows (${fixes.length})`,
    edits: [...inserts].sort((a, b) => a[0] - b[0]).map(([at, newText]) => ({ start: at, end: at, newText })),
    safe: false,
    kind: 'quickfix',
  };
}

/** A web page for an upstream, when there is an obvious one. */
export function webUrl(attrs: RefAttrs | undefined, rev?: string): string | undefined {
  if (!attrs) return undefined;
  const forge = (fallback: string) => {
    // Only a well-formed host and plain owner/repo segments: the lock chooses them.
    const host = attrs.host === undefined ? fallback : validHost(attrs.host);
    const repo = urlPath(String(attrs.owner), String(attrs.repo));
    return host && repo ? `https://${host}/${repo}` : undefined;
  };
  const commit = (prefix: string) => (rev ? `${prefix}${encodeURIComponent(rev)}` : '');
  const ref = typeof attrs.ref === 'string' ? urlPath(attrs.ref) : undefined;
  const at = rev ? commit('/commit/') : ref ? `/tree/${ref}` : '';
  switch (attrs.type) {
    case 'github': {
      const b = forge('github.com');
      return b && b + at;
    }
    case 'gitlab': {
      const b = forge('gitlab.com');
      return b && b + commit('/-/commit/');
    }
    case 'sourcehut': {
      const b = forge('git.sr.ht');
      return b && b + commit('/commit/');
    }
    case 'git':
    case 'tarball':
    case 'file': {
      const url = fetchUrl(refFromAttrs(attrs)) ?? '';
      return /^https?:\/\//.test(url) ? safeWebUrl(url) : undefined;
    }
    default:
      return undefined;
  }
}

function range(index: LineIndex | undefined, start: number, end: number): Range | undefined {
  return index ? { start: index.positionAt(start), end: index.positionAt(end) } : undefined;
}

/** The input graph of one flake, as the tree view wants it. */
export function graphDto(ctx: LockContext, flakeUri: string, lockUri: string | undefined, name: string): FlakeGraphDto {
  const flakeIndex = ctx.flakeText !== undefined ? new LineIndex(ctx.flakeText) : undefined;
  const lockIndex = ctx.lockText !== undefined ? new LineIndex(ctx.lockText) : undefined;
  const base = { flakeUri, lockUri, name, nodes: {} as Record<string, LockNodeDto> };
  if (ctx.lockText === undefined) {
    // A flake without inputs (a helper flake, a mock) needs no lock.
    if (ctx.flake && ctx.flake.inputs.size === 0 && !ctx.flake.opaque) return { ...base, summary: 'no inputs' };
    return { ...base, problem: 'No flake.lock yet: run `nix flake lock`.', summary: 'not locked' };
  }
  const graph = ctx.graph;
  const errors = ctx.parsed?.errors ?? [];
  if (!graph) return { ...base, problem: `flake.lock cannot be read: ${errors[0]?.message ?? 'unknown error'}`, summary: 'unreadable lock' };
  const lock = graph.lock;

  const duplicates = findDuplicates(graph);
  const dupOf = new Map<string, { upstream: string; ordinal: number; revisions: number }>();
  for (const d of duplicates) {
    const revisions = new Set([...d.rootInputs.map((r) => r.instance.rev ?? r.instance.node), ...d.extras.map((e) => e.rev ?? e.node)]).size;
    const upstream = upstreamName(lock.nodes.get(d.extras[0].node)!.locked!);
    d.extras.forEach((e, i) => dupOf.set(e.node, { upstream, ordinal: d.rootInputs.length + 1 + i, revisions }));
  }
  // The follows fix for each input path that pulls in an extra copy.
  const fixFor = new Map<string, Fix>();
  if (ctx.flake) {
    for (const d of duplicates) {
      for (const e of d.extras) {
        for (const p of graph.paths.get(e.node, MAX_FIX_DEPTH)!) {
          const fix = d.rootInput ? followsFix(ctx, p, d.rootInput) : undefined;
          if (fix) fixFor.set(p.join('/'), fix);
        }
      }
    }
  }

  const nodes: Record<string, LockNodeDto> = {};
  // Declarations and fixes only exist down to the deepest path flake.nix declares or a fix names:
  // building every node's path would cost O(depth²) on a long chain.
  let deepest = 0;
  if (ctx.flake) for (const d of allDecls(ctx.flake)) deepest = Math.max(deepest, d.path.length);
  for (const p of fixFor.keys()) deepest = Math.max(deepest, p.split('/').length);
  for (const node of lock.nodes.values()) {
    const depth = graph.paths.depth(node.key);
    const parentPath = depth !== undefined && depth < deepest ? graph.paths.first(node.key) : undefined;
    const inputs: InputEdgeDto[] = (graph.edges.get(node.key) ?? []).map((e) => {
      const dto: InputEdgeDto = { name: e.name, target: e.to, follows: e.follows };
      if (parentPath && ctx.flake && flakeIndex) {
        const path = [...parentPath, e.name];
        const decl: InputDecl | undefined = findDecl(ctx.flake, path);
        if (decl) dto.declaration = range(flakeIndex, decl.nameStart, decl.nameEnd);
        const fix = fixFor.get(path.join('/'));
        if (fix) dto.addFollows = { title: fix.title, edits: fix.edits.map((x) => ({ range: range(flakeIndex, x.start, x.end)!, newText: x.newText })) };
      }
      return dto;
    });
    nodes[node.key] = {
      key: node.key,
      reference: node.original ? refToUrl(node.original) : undefined,
      lockedReference: node.locked ? refToUrl(node.locked) : undefined,
      webUrl: webUrl(node.original ?? node.locked, typeof node.locked?.rev === 'string' ? node.locked.rev : undefined),
      upstream: node.locked || node.original ? upstreamIdentity((node.locked ?? node.original)!) : undefined,
      // A commit, when there is one (path and tarball inputs only have a narHash).
      rev: typeof node.locked?.rev === 'string' ? node.locked.rev : undefined,
      narHash: typeof node.locked?.narHash === 'string' ? node.locked.narHash : undefined,
      lastModified: typeof node.locked?.lastModified === 'number' && node.locked.lastModified >= MEANINGFUL_TIMESTAMP ? node.locked.lastModified : undefined,
      flake: node.flake,
      lockRange: range(lockIndex, node.keyStart, node.keyEnd),
      duplicate: dupOf.get(node.key),
      inputs,
    };
  }
  return { ...base, root: lock.root, nodes, summary: summary(graph, duplicates.length), problem: errors.length ? errors[0].message : undefined };
}

/** "nixpkgs: 2 revisions, 3 inputs follow the root". */
function summary(graph: Graph, duplicateUpstreams: number): string {
  const lock = graph.lock;
  const revs = new Set<string>();
  for (const key of graph.paths.keys()) {
    const n = lock.nodes.get(key);
    if (n?.locked && key !== lock.root && (isNixpkgs(n.locked) || upstreamName(n.locked) === 'nixpkgs')) revs.add(revisionOf(n) ?? key);
  }
  let follows = 0;
  for (const [key, edges] of graph.edges) {
    if (key === lock.root || !graph.paths.has(key)) continue;
    follows += edges.filter((e) => e.follows && e.follows.length === 1).length;
  }
  const parts = [`nixpkgs: ${revs.size} revision${revs.size === 1 ? '' : 's'}`, `${follows} input${follows === 1 ? '' : 's'} follow the root`];
  if (duplicateUpstreams > 0) parts.push(`${duplicateUpstreams} upstream${duplicateUpstreams === 1 ? '' : 's'} duplicated`);
  return parts.join(', ');
}
