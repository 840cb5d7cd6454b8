// Flake references: the one reader of the URL form (`github:o/r/ref?dir=x`, `git+https://…?ref=`,
// `nixpkgs/nixos-24.05`, `path:…`, `https://….tar.gz`) and of the attribute form (flake.nix
// `{ type = …; }`, flake.lock `locked`/`original`), and what the rest of Flake Lens asks of them:
// which upstream a reference names, whether it is nixpkgs, whether a declared URL is the one a lock
// entry was made from, and the URL Nix 2.8 prints for a lock entry.
//
// The URL form follows Nix's parseFlakeRef: a flake id (`nixpkgs`, `nixpkgs/<ref>[/<rev>]`) first,
// then a URL with a scheme, else a path. Everything is indexOf and character tests: hostile locks
// carry 150 KB URLs, on which a backtracking RegExp would hang.
import type { RefAttrs } from './lockfile';
import { trimTrailingSlashes } from './urls';

/** A flake reference in one typed form, from a URL or from attributes. */
export interface FlakeRef {
  /** Nix's input type: github, gitlab, sourcehut, git, hg, tarball, file, path, indirect; from
   *  attributes, whatever `type` says (a lock may name a type this file does not know). */
  type: string;
  /** Forges (`github:owner/repo`), percent-decoded (Nix 2.8 keeps the escapes and lets the forge
   *  decode them). From attributes: the attribute as written, whatever the type. */
  owner?: string;
  repo?: string;
  /** Forges: `?host=`/`host` as written. */
  host?: string;
  /** git, hg, tarball, file: the URL fetched, without the `git+`/`tarball+` prefix (from a URL)
   *  and without its query or fragment. From attributes: `url` up to its query. */
  url?: string;
  path?: string;
  /** Indirect (registry) references. */
  id?: string;
  ref?: string;
  rev?: string;
  /** The flake's subdirectory (`?dir=`); undefined when absent or empty. */
  dir?: string;
  /** Every query parameter (first one wins, as in Nix's decodeQuery), percent-decoded. */
  params: Map<string, string>;
  /** Where `ref` is written in the parsed URL text, so that it can be rewritten in place. */
  refSpan?: { start: number; end: number };
  /** The attribute set this came from, when it came from one. */
  attrs?: RefAttrs;
}

const FORGE_HOSTS: Record<string, string> = { github: 'github.com', gitlab: 'gitlab.com', sourcehut: 'git.sr.ht' };
const GIT_SCHEMES = new Set(['git+http', 'git+https', 'git+ssh', 'git+git', 'git+file', 'git']);
const HG_SCHEMES = new Set(['hg+http', 'hg+https', 'hg+ssh', 'hg+file']);
const WEB_SCHEMES = new Set(['http', 'https', 'file']);

/** `decodeURIComponent`, or the text as written when it is not valid percent-encoding. */
export function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const code = (s: string, i: number) => s.charCodeAt(i);
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;
const isLowerHex = (c: number) => isDigit(c) || (c >= 97 && c <= 102);

/** A git commit as Nix's revRegex has it: 40 lowercase hex digits. */
export function isCommitHash(s: string): boolean {
  if (s.length !== 40) return false;
  for (let i = 0; i < 40; i++) if (!isLowerHex(code(s, i))) return false;
  return true;
}

/** Nix's flakeIdRegex: `[a-zA-Z][a-zA-Z0-9_-]*`. */
export function isFlakeId(s: string): boolean {
  if (s === '' || !isAlpha(code(s, 0))) return false;
  for (let i = 1; i < s.length; i++) {
    const c = code(s, i);
    if (!isAlpha(c) && !isDigit(c) && c !== 95 && c !== 45) return false;
  }
  return true;
}

/** A branch or tag name (with an optional `/<rev>`) after a flake id: Nix's refRegex,
 *  `[a-zA-Z0-9@][a-zA-Z0-9_.\/@+-]*`. */
function isRefText(s: string, from: number): boolean {
  if (from >= s.length) return false;
  const first = code(s, from);
  if (!isAlpha(first) && !isDigit(first) && first !== 64) return false;
  for (let i = from + 1; i < s.length; i++) {
    const c = code(s, i);
    if (!isAlpha(c) && !isDigit(c) && c !== 95 && c !== 46 && c !== 47 && c !== 64 && c !== 43 && c !== 45) return false;
  }
  return true;
}

/** A URL scheme as Nix's parseURL takes it (`[a-z][a-z0-9+.-]*`), or undefined. */
function schemeOf(s: string): string | undefined {
  const colon = s.indexOf(':');
  if (colon <= 0 || !(code(s, 0) >= 97 && code(s, 0) <= 122)) return undefined;
  for (let i = 1; i < colon; i++) {
    const c = code(s, i);
    if (!(c >= 97 && c <= 122) && !isDigit(c) && c !== 43 && c !== 46 && c !== 45) return undefined;
  }
  return s.slice(0, colon);
}

/** The parts of `scheme:[//authority]path[?query][#fragment]`, with offsets into `s`. */
export interface UriParts {
  scheme?: string;
  /** Lowercased host without userinfo and port; undefined without an authority. */
  host?: string;
  userinfo?: string;
  path: string;
  pathStart: number;
  /** The query's text after `?`, and where it starts; undefined without one. */
  query?: string;
  queryStart: number;
}

/** Splits a URL (or a path with a query) into its parts: indexOf only, no normalisation. */
export function splitUri(s: string): UriParts {
  const scheme = schemeOf(s);
  let at = scheme === undefined ? 0 : scheme.length + 1;
  const hash = s.indexOf('#', at);
  const end = hash < 0 ? s.length : hash;
  const q = s.indexOf('?', at);
  const pathEnd = q >= 0 && q < end ? q : end;
  const out: UriParts = { scheme, path: '', pathStart: at, queryStart: -1 };
  if (scheme !== undefined && s.startsWith('//', at)) {
    let slash = s.indexOf('/', at + 2);
    if (slash < 0 || slash > pathEnd) slash = pathEnd;
    const authority = s.slice(at + 2, slash);
    const atSign = authority.lastIndexOf('@');
    if (atSign >= 0) out.userinfo = authority.slice(0, atSign);
    let host = authority.slice(atSign + 1);
    // `host:port` (digits only); `[v6]:port`.
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && colon > host.lastIndexOf(']')) {
      let digits = true;
      for (let i = colon + 1; i < host.length; i++) if (!isDigit(code(host, i))) digits = false;
      // A non-numeric port (`git@github.com:owner/repo`, scp style) makes no valid host.
      host = digits ? host.slice(0, colon) : '';
    }
    out.host = host.toLowerCase();
    at = slash;
  }
  out.path = s.slice(at, pathEnd);
  out.pathStart = at;
  if (pathEnd < end) {
    out.query = s.slice(pathEnd + 1, end);
    out.queryStart = pathEnd + 1;
  }
  return out;
}

interface Segment {
  text: string;
  start: number;
  end: number;
}

/** Non-empty `/`-separated segments of a path (Nix's tokenizeString), each percent-decoded, with
 *  raw offsets. Split before decoding: `%2F` stays inside its segment (GitLab subgroups are written
 *  `gitlab:veloren%2Fdev/rfcs`). */
export function pathSegments(path: string, offset = 0): Segment[] {
  const out: Segment[] = [];
  let from = 0;
  while (from <= path.length) {
    let to = path.indexOf('/', from);
    if (to < 0) to = path.length;
    if (to > from) out.push({ text: percentDecode(path.slice(from, to)), start: offset + from, end: offset + to });
    from = to + 1;
  }
  return out;
}

/** Query parameters as Nix's decodeQuery reads them: `k=v` pairs split on `&`, decoded, the first
 *  of each key kept, parts without `=` ignored; with the raw offsets of each value. */
function parseQuery(query: string | undefined, queryStart: number): Map<string, { value: string; start: number; end: number }> {
  const out = new Map<string, { value: string; start: number; end: number }>();
  if (query === undefined) return out;
  let from = 0;
  // The next `=` is looked up once per `=`, not once per part: `&&&…` stays linear.
  let eq = -1;
  while (from <= query.length) {
    let to = query.indexOf('&', from);
    if (to < 0) to = query.length;
    if (eq < from && eq !== -2) {
      eq = query.indexOf('=', from);
      if (eq < 0) eq = -2;
    }
    if (eq >= 0 && eq < to) {
      const key = percentDecode(query.slice(from, eq));
      if (!out.has(key)) out.set(key, { value: percentDecode(query.slice(eq + 1, to)), start: queryStart + eq + 1, end: queryStart + to });
    }
    from = to + 1;
  }
  return out;
}

/** Reads a flake reference URL as Nix's parseFlakeRef does (without touching the file system:
 *  a path stays a path, whether or not it is in a git repository). Never throws. */
export function parseFlakeRef(url: string): FlakeRef {
  // A flake id: `nixpkgs`, `nixpkgs/<ref>`, `nixpkgs/<rev>`, `nixpkgs/<ref>/<rev>` (no query).
  const hash = url.indexOf('#');
  const body = hash < 0 ? url : url.slice(0, hash);
  const slash = body.indexOf('/');
  const id = slash < 0 ? body : body.slice(0, slash);
  if (isFlakeId(id) && (slash < 0 || isRefText(body, slash + 1))) {
    return indirect(id, slash < 0 ? [] : pathSegments(body.slice(slash + 1), slash + 1), new Map());
  }
  const u = splitUri(url);
  if (u.scheme === undefined) return pathRef(u.path, u);
  const query = parseQuery(u.query, u.queryStart);
  const params = new Map([...query].map(([k, v]) => [k, v.value]));
  const dir = params.get('dir') || undefined;
  const base: FlakeRef = { type: 'unknown', params, dir };
  const withRef = (r: FlakeRef): FlakeRef => {
    const ref = query.get('ref');
    if (r.ref === undefined && ref) {
      r.ref = ref.value;
      r.refSpan = { start: ref.start, end: ref.end };
    }
    if (r.rev === undefined && params.get('rev')) r.rev = params.get('rev');
    return r;
  };
  const scheme = u.scheme;
  if (scheme in FORGE_HOSTS) {
    const segs = pathSegments(u.path, u.pathStart);
    if (segs.length < 2) return { ...base, type: scheme };
    const r: FlakeRef = { ...base, type: scheme, owner: segs[0].text, repo: segs[1].text, host: params.get('host') };
    if (segs.length === 3 && isCommitHash(segs[2].text)) r.rev = segs[2].text;
    else if (segs.length >= 3) {
      r.ref = segs.slice(2).map((x) => x.text).join('/');
      r.refSpan = { start: segs[2].start, end: segs[segs.length - 1].end };
    }
    return withRef(r);
  }
  if (scheme === 'flake') return { ...indirect('', pathSegments(u.path, u.pathStart), params), dir };
  // The URL fetched: up to the query or fragment, without the `git+`-style prefix.
  const fetched = url.slice(plusEnd(scheme), u.query !== undefined ? u.queryStart - 1 : hash < 0 ? url.length : hash);
  if (GIT_SCHEMES.has(scheme)) return withRef({ ...base, type: 'git', url: fetched });
  if (HG_SCHEMES.has(scheme)) return withRef({ ...base, type: 'hg', url: fetched });
  // Nix 2.8 reads a path as written: `path:/a%20b` is the folder `a%20b`.
  if (scheme === 'path') return withRef({ ...base, type: 'path', path: u.path });
  const plus = scheme.indexOf('+');
  const outer = plus < 0 ? '' : scheme.slice(0, plus);
  const inner = plus < 0 ? scheme : scheme.slice(plus + 1);
  // A plain http(s) URL is a tarball for a flake input (Nix reads it as a tree, whatever its
  // suffix; FlakeHub's `…/0.1` too); `file+` fetches one file. Its query stays part of the URL.
  if (WEB_SCHEMES.has(inner) && (outer === '' || outer === 'tarball' || outer === 'file')) {
    return { ...base, type: outer === 'file' ? 'file' : 'tarball', url: fetched, rev: params.get('rev') };
  }
  return base;
}

/** Where the URL fetched starts: after `git+`, `tarball+`, …, if the scheme has such a prefix. */
const plusEnd = (scheme: string) => scheme.indexOf('+') + 1;

function indirect(id: string, segs: Segment[], params: Map<string, string>): FlakeRef {
  const r: FlakeRef = { type: 'indirect', params };
  let rest = segs;
  if (id === '') {
    if (segs.length === 0) return r;
    r.id = segs[0].text;
    rest = segs.slice(1);
  } else r.id = id;
  if (rest.length > 0 && isCommitHash(rest[rest.length - 1].text)) {
    r.rev = rest[rest.length - 1].text;
    rest = rest.slice(0, -1);
  }
  if (rest.length > 0) {
    r.ref = rest.map((x) => x.text).join('/');
    r.refSpan = { start: rest[0].start, end: rest[rest.length - 1].end };
  } else if (params.get('ref')) r.ref = params.get('ref');
  if (r.rev === undefined && params.get('rev')) r.rev = params.get('rev');
  r.dir = params.get('dir') || undefined;
  return r;
}

function pathRef(path: string, u: UriParts): FlakeRef {
  const params = new Map([...parseQuery(u.query, u.queryStart)].map(([k, v]) => [k, v.value]));
  return { type: 'path', path, params, dir: params.get('dir') || undefined, rev: params.get('rev') || undefined };
}

/** A reference in attribute form (flake.nix `{ type = …; }`, flake.lock `locked`/`original`):
 *  every string attribute as it is, `url` split from its query. */
export function refFromAttrs(attrs: RefAttrs | Readonly<Record<string, unknown>>): FlakeRef {
  const str = (k: string) => (typeof attrs[k] === 'string' ? (attrs[k] as string) : undefined);
  const r: FlakeRef = { type: str('type') ?? '', params: new Map(), attrs: attrs as RefAttrs };
  for (const k of ['owner', 'repo', 'host', 'path', 'id', 'ref', 'rev'] as const) if (str(k) !== undefined) r[k] = str(k);
  const url = str('url');
  if (url !== undefined) {
    const q = url.indexOf('?');
    r.url = q < 0 ? url : url.slice(0, q);
    if (q >= 0) for (const [k, v] of parseQuery(url.slice(q + 1), q + 1)) r.params.set(k, v.value);
  }
  r.dir = str('dir') || undefined;
  return r;
}

/** What a flake.nix input declaration refers to: its `url`, or its attribute form when it has a
 *  `type` (then `url` is one attribute among others, as in Nix); undefined without either. A `ref`
 *  or `dir` beside a plain url is not Nix's syntax but says what the author meant: it is read. */
export function declaredRef(decl: { url?: { value: string }; attrs: Readonly<Record<string, { value: string } | undefined>> }): FlakeRef | undefined {
  const a = decl.attrs;
  if (a.type) {
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(a)) if (v) attrs[k] = v.value;
    if (decl.url) attrs.url = decl.url.value;
    return refFromAttrs(attrs);
  }
  if (!decl.url) return undefined;
  const r = parseFlakeRef(decl.url.value);
  if (a.ref) {
    r.ref = a.ref.value;
    r.refSpan = undefined;
  }
  if (a.dir?.value) r.dir = a.dir.value;
  return r;
}

/** A reference given as a URL string or as attributes. */
export type RefLike = FlakeRef | RefAttrs;
const asRef = (r: RefLike): FlakeRef => (r.params instanceof Map ? (r as FlakeRef) : refFromAttrs(r as RefAttrs));

/** The URL a git/hg/tarball/file reference fetches, without a `git+`-style prefix or query. */
export function fetchUrl(r: FlakeRef): string | undefined {
  if (r.url === undefined) return undefined;
  const plus = r.url.indexOf('+');
  const colon = r.url.indexOf(':');
  return plus >= 0 && plus < colon && schemeOf(r.url) !== undefined ? r.url.slice(plus + 1) : r.url;
}

/** A checkout on this machine: a path, or git over `file:`. */
export function isLocal(ref: RefLike): boolean {
  const r = asRef(ref);
  return r.type === 'path' || (r.type === 'git' && splitUri(fetchUrl(r) ?? '').scheme === 'file');
}

export interface RepoName {
  /** Forges: github/gitlab/sourcehut; URLs: the reference's type. */
  type: string;
  host: string;
  owner: string;
  repo: string;
}

/**
 * The repository a reference names: a forge's host/owner/repo, or a git/hg URL's host and path
 * (owner: every segment but the last; GitLab has subgroups), `.git` dropped.
 */
export function repoOf(ref: RefLike): RepoName | undefined {
  const r = asRef(ref);
  if (r.type in FORGE_HOSTS) {
    if (r.owner === undefined || r.repo === undefined) return undefined;
    return { type: r.type, host: (r.host ?? FORGE_HOSTS[r.type]).toLowerCase(), owner: r.owner, repo: r.repo };
  }
  if (r.type !== 'git' && r.type !== 'hg') return undefined;
  const u = splitUri(fetchUrl(r) ?? '');
  if (!u.host) return undefined;
  const segs = pathSegments(u.path).map((x) => x.text);
  if (segs.length < 2) return undefined;
  return { type: r.type, host: u.host, owner: segs.slice(0, -1).join('/'), repo: stripGit(segs[segs.length - 1]) };
}

/** The commit a GitHub archive names (`https://github.com/O/R/archive/<rev>.tar.gz`, as
 *  flake-parts locks nixpkgs-lib), comparable with github: locks. */
export function archiveRevision(ref: RefLike): string | undefined {
  const r = asRef(ref);
  const u = splitUri(r.url ?? '');
  if (u.scheme !== 'https' || u.host !== 'github.com' || u.userinfo !== undefined) return undefined;
  const segs = pathSegments(u.path).map((x) => x.text);
  if (segs.length !== 4 || segs[2] !== 'archive') return undefined;
  const file = segs[3];
  const rev = file.endsWith('.tar.gz') ? file.slice(0, -7) : file.endsWith('.zip') ? file.slice(0, -4) : '';
  return isCommitHash(rev) ? rev : undefined;
}

const stripGit = (s: string) => (s.endsWith('.git') ? s.slice(0, -4) : s);

/**
 * The forge repository a git or tarball URL fetches, so that `git+https://github.com/NixOS/nixpkgs`,
 * `https://github.com/NixOS/nixpkgs/archive/<rev>.tar.gz` and FlakeHub's `NixOS/nixpkgs` count as
 * the same upstream as `github:NixOS/nixpkgs`. FlakeHub publishes flakes from GitHub under the
 * repository's owner/name (`https://flakehub.com/f/O/R/<version>`, locked as
 * `https://api.flakehub.com/f/pinned/O/R/...`).
 */
export function forgeRepoOf(ref: RefLike): RepoName | undefined {
  const r = asRef(ref);
  const u = splitUri(fetchUrl(r) ?? '');
  if (u.host === undefined) return undefined;
  const host = u.host;
  const parts = pathSegments(u.path).map((x) => x.text);
  if ((r.type === 'tarball' || r.type === 'file') && (host === 'flakehub.com' || host === 'api.flakehub.com')) {
    // /f/O/R/<version>[.tar.gz] or /f/pinned/O/R/<version>/<id>/source.tar.gz
    const rest = parts[0] === 'f' ? (parts[1] === 'pinned' ? parts.slice(2) : parts.slice(1)) : [];
    return rest.length >= 2 ? { type: 'github', host: 'github.com', owner: rest[0], repo: rest[1] } : undefined;
  }
  if ((host !== 'github.com' && host !== 'gitlab.com') || parts.length < 2) return undefined;
  const forge = host === 'github.com' ? 'github' : 'gitlab';
  if (r.type === 'git') {
    // The whole path is the repository (GitLab has subgroups; GitHub has exactly two parts).
    if (forge === 'github' && parts.length !== 2) return undefined;
    return { type: forge, host, owner: parts.slice(0, -1).join('/'), repo: stripGit(parts[parts.length - 1]) };
  }
  // Archives: github.com/O/R/archive/<ref>.tar.gz
  if (forge === 'github' && parts.length >= 4 && parts[2] === 'archive') {
    return { type: forge, host, owner: parts[0], repo: parts[1] };
  }
  return undefined;
}

/** A URL without its query, trailing slashes and `.git`. */
function bareUrl(url: string): string {
  const s = trimTrailingSlashes(url);
  return s.endsWith('.git') ? s.slice(0, -4) : s;
}

/**
 * What makes two locks "the same upstream": forge type + host + owner/repo (case-insensitive,
 * GitHub treats them so) + `dir`; the URL for git, mercurial, tarball and file; the path for
 * path inputs. `dir` matters: nixpkgs?dir=lib is a different flake from nixpkgs.
 */
export function upstreamIdentity(ref: RefLike): string {
  const r = asRef(ref);
  const dir = r.dir !== undefined ? `?dir=${r.dir}` : '';
  switch (r.type) {
    case 'github':
    case 'gitlab':
    case 'sourcehut':
      return `${r.type}:${(r.host ?? FORGE_HOSTS[r.type]).toLowerCase()}/${(r.owner ?? '').toLowerCase()}/${(r.repo ?? '').toLowerCase()}${dir}`;
    case 'git':
    case 'hg':
    case 'mercurial':
    case 'tarball':
    case 'file': {
      const forge = forgeRepoOf(r);
      if (forge) return `${forge.type}:${forge.host}/${forge.owner.toLowerCase()}/${forge.repo.toLowerCase()}${dir}`;
      return `${r.type}:${bareUrl(r.url ?? '')}${dir}`;
    }
    case 'path':
      return `path:${r.path ?? ''}${dir}`;
    case 'indirect':
      return `indirect:${r.id ?? ''}${dir}`;
    default:
      return `${r.type}:${JSON.stringify(r.attrs ?? { url: r.url, path: r.path })}`;
  }
}

/** The short name of an upstream: repo for forges, last path segment for URLs and paths. */
export function upstreamName(ref: RefLike): string {
  const r = asRef(ref);
  if (r.repo !== undefined) return r.repo.toLowerCase();
  const forge = r.url !== undefined ? forgeRepoOf(r) : undefined;
  if (forge) return forge.repo.toLowerCase();
  const u = bareUrl(r.url ?? r.path ?? r.id ?? '');
  return u.slice(u.lastIndexOf('/') + 1).toLowerCase();
}

/** Is an upstream identity (see upstreamIdentity) nixpkgs itself, not a subflake of it? */
export function isNixpkgsIdentity(identity: string): boolean {
  return /[/:]nixpkgs(\?|$)/i.test(identity) && !identity.includes('?dir=');
}

const lc = (s: string | undefined) => s?.toLowerCase();

/** An absolute (or `~/`) local path whose last segment is `nixpkgs`: a checkout of it. A relative
 *  `./nixpkgs` is a folder of this repository, often a flake of its own. */
function isNixpkgsCheckout(path: string): boolean {
  if (!path.startsWith('/') && !path.startsWith('~/')) return false;
  const segs = pathSegments(path);
  return segs.length > 0 && stripGit(segs[segs.length - 1].text.toLowerCase()) === 'nixpkgs';
}

/** nixpkgs (or Determinate Systems' weekly snapshot of nixos-unstable) on the web: a channel
 *  tarball, a GitHub archive, a FlakeHub release. */
function isNixpkgsWebUrl(url: string): boolean {
  const u = splitUri(url);
  if (u.scheme === 'file') return isNixpkgsCheckout(percentDecode(u.path));
  if (u.scheme !== 'https' || u.userinfo !== undefined) return false;
  const segs = pathSegments(u.path).map((x) => x.text.toLowerCase());
  switch (u.host) {
    case 'channels.nixos.org':
      return u.query === undefined;
    case 'nixos.org':
      return (
        u.query === undefined &&
        (segs[0] === 'channels' || (segs.length === 2 && /^(?:nixos|nixpkgs)-./.test(segs[0]) && segs[1] === 'nixexprs.tar.xz'))
      );
    case 'github.com':
      return segs.length >= 3 && segs[0] === 'nixos' && segs[1] === 'nixpkgs' && (segs[2] === 'archive' || segs[2] === 'tarball');
    case 'flakehub.com':
    case 'api.flakehub.com': {
      const rest = segs[0] === 'f' ? (segs[1] === 'pinned' ? segs.slice(2) : segs.slice(1)) : [];
      return (rest[0] === 'nixos' && rest[1] === 'nixpkgs') || (rest[0] === 'determinatesystems' && rest[1] === 'nixpkgs-weekly');
    }
    default:
      return false;
  }
}

/**
 * Is this reference nixpkgs itself (not its `lib` subflake, nor any other subdirectory)? GitHub's
 * NixOS/nixpkgs in any form (forge, git, archive, FlakeHub), a channel, the registry's `nixpkgs`,
 * or a local checkout whose folder is named nixpkgs.
 */
export function isNixpkgs(ref: RefLike | string): boolean {
  const r = typeof ref === 'string' ? parseFlakeRef(ref) : asRef(ref);
  if (r.dir !== undefined) return false;
  switch (r.type) {
    case 'indirect':
      return r.id === 'nixpkgs';
    case 'github':
    case 'gitlab':
      return lc(r.owner) === 'nixos' && lc(r.repo) === 'nixpkgs';
    case 'git': {
      const u = splitUri(fetchUrl(r) ?? '');
      if (u.scheme === 'file') return isNixpkgsCheckout(percentDecode(u.path));
      const segs = pathSegments(u.path).map((x) => x.text.toLowerCase());
      return (
        (u.scheme === 'https' || u.scheme === 'ssh' || u.scheme === 'git') &&
        u.host === 'github.com' &&
        (u.userinfo === undefined || u.userinfo === 'git') &&
        segs.length === 2 &&
        segs[0] === 'nixos' &&
        stripGit(segs[1]) === 'nixpkgs'
      );
    }
    case 'path':
      return r.path !== undefined && isNixpkgsCheckout(r.path);
    case 'tarball':
    case 'file':
      return r.url !== undefined && isNixpkgsWebUrl(fetchUrl(r)!);
    default:
      return false;
  }
}

/** The part of a reference that says where it comes from, spelled one way: what stays when the
 *  ref, rev, query and percent-encoding are set aside. */
function locationKey(r: FlakeRef): string {
  switch (r.type) {
    case 'github':
    case 'gitlab':
    case 'sourcehut':
      // A lock keeps `veloren%2Fdev` as Nix read it; the URL reader decodes it.
      return `${r.type}:${percentDecode(r.owner ?? '')}/${percentDecode(r.repo ?? '')}`;
    case 'indirect':
      return `flake:${r.id ?? ''}`;
    case 'path': {
      const p = percentDecode(trimTrailingSlashes(r.path ?? ''));
      return `path:${p.startsWith('./') ? p.slice(2) : p}`;
    }
    case 'git':
    case 'hg':
      return `${r.type}+${percentDecode(trimTrailingSlashes(fetchUrl(r) ?? ''))}`;
    case 'tarball':
    case 'file':
      // Nix picks tarball or file by the URL's suffix and the server's answer: one spelling.
      return `web:${percentDecode(trimTrailingSlashes(fetchUrl(r) ?? ''))}`;
    default:
      return `${r.type}:${r.url ?? r.path ?? ''}`;
  }
}

/**
 * Whether two references name the same source at the same ref/rev/dir, however each is spelled
 * (flake: prefix, tarball+/file+ prefixes, bare paths, `github:/o/r`, query order and query keys
 * Nix does not compare, percent-encoding). The host of a forge is not compared.
 */
export function sameFlakeRef(a: RefLike | string, b: RefLike | string): boolean {
  const x = typeof a === 'string' ? parseFlakeRef(a) : asRef(a);
  const y = typeof b === 'string' ? parseFlakeRef(b) : asRef(b);
  return locationKey(x) === locationKey(y) && (x.ref ?? '') === (y.ref ?? '') && (x.rev ?? '') === (y.rev ?? '') && (x.dir ?? '') === (y.dir ?? '');
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

/** `base?k=v&…` with the query decoded (undecodable parts kept as written; the last of a key wins). */
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
