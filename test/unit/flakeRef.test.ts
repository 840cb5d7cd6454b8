// The flake reference reader (server/src/lock/flakeRef.ts): a table of URLs → parsed form after
// Nix's grammar, hostile URLs (huge, control characters, escapes, userinfo, empty hosts), the
// attribute form, identities, the nixpkgs check and the stale-lock comparison; and `nix flake
// metadata` on local path:/git+file: references as the oracle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  archiveRevision,
  declaredRef,
  forgeRepoOf,
  isNixpkgs,
  parseFlakeRef,
  refFromAttrs,
  repoOf,
  sameFlakeRef,
  upstreamIdentity,
  upstreamName,
  type FlakeRef,
} from '../../server/src/lock/flakeRef';
import { nixFlakesMissing } from '../helpers/nix';

const REV = '0123456789abcdef0123456789abcdef01234567';

/** The parsed form without empty fields, params as an object: what the table spells out. */
function view(r: FlakeRef): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (v === undefined || k === 'attrs') continue;
    if (v instanceof Map) {
      if (v.size) out[k] = Object.fromEntries(v);
    } else out[k] = v;
  }
  return out;
}

/** [url, parsed form, and `ref` as its span reads back in the URL when the ref has a span]. */
const TABLE: [string, Record<string, unknown>][] = [
  // Forges: owner/repo[/ref-or-rev], query ref/rev/host/dir.
  ['github:NixOS/nixpkgs', { type: 'github', owner: 'NixOS', repo: 'nixpkgs' }],
  ['github:NixOS/nixpkgs/nixos-23.11', { type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-23.11', refSpan: { start: 21, end: 32 } }],
  [`github:NixOS/nixpkgs/${REV}`, { type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: REV }],
  ['github:o/r?ref=main&dir=sub&host=ghe.example', { type: 'github', owner: 'o', repo: 'r', ref: 'main', refSpan: { start: 15, end: 19 }, dir: 'sub', host: 'ghe.example', params: { ref: 'main', dir: 'sub', host: 'ghe.example' } }],
  // Nix drops empty path segments and joins the rest of the path into the ref.
  ['github:/o/r/', { type: 'github', owner: 'o', repo: 'r' }],
  ['github:o/r/release/1.0', { type: 'github', owner: 'o', repo: 'r', ref: 'release/1.0', refSpan: { start: 11, end: 22 } }],
  // Too few segments (an authority takes the first): Nix rejects them; no owner/repo here.
  ['github:o', { type: 'github' }],
  ['github://o/r', { type: 'github' }],
  // GitLab subgroups are escaped: %2F stays inside the owner.
  ['gitlab:veloren%2Fdev/rfcs', { type: 'gitlab', owner: 'veloren/dev', repo: 'rfcs' }],
  ['sourcehut:~user/repo/v1', { type: 'sourcehut', owner: '~user', repo: 'repo', ref: 'v1', refSpan: { start: 21, end: 23 } }],
  // git: the URL fetched keeps its transport; ref/rev/dir come from the query.
  ['git+https://github.com/NixOS/nixpkgs.git?ref=nixos-unstable&shallow=1', { type: 'git', url: 'https://github.com/NixOS/nixpkgs.git', ref: 'nixos-unstable', refSpan: { start: 45, end: 59 }, params: { ref: 'nixos-unstable', shallow: '1' } }],
  [`git+ssh://git@github.com/NixOS/nixpkgs?rev=${REV}`, { type: 'git', url: 'ssh://git@github.com/NixOS/nixpkgs', rev: REV, params: { rev: REV } }],
  ['git+file:///home/me/nixpkgs?dir=x', { type: 'git', url: 'file:///home/me/nixpkgs', dir: 'x', params: { dir: 'x' } }],
  ['git+file:/tmp/repo', { type: 'git', url: 'file:/tmp/repo' }],
  ['git://example.org/r', { type: 'git', url: 'git://example.org/r' }],
  ['hg+https://hg.example/r', { type: 'hg', url: 'https://hg.example/r' }],
  // Web downloads: a flake input is a tarball whatever the suffix; file+ fetches one file.
  [`https://github.com/NixOS/nixpkgs/archive/${REV}.tar.gz`, { type: 'tarball', url: `https://github.com/NixOS/nixpkgs/archive/${REV}.tar.gz` }],
  ['tarball+https://x.example/y?narHash=sha256-a', { type: 'tarball', url: 'https://x.example/y', params: { narHash: 'sha256-a' } }],
  ['file+https://x.example/y.txt', { type: 'file', url: 'https://x.example/y.txt' }],
  ['https://flakehub.com/f/NixOS/nixpkgs/0.1', { type: 'tarball', url: 'https://flakehub.com/f/NixOS/nixpkgs/0.1' }],
  // Paths: `path:` as written (Nix 2.8 does not decode it), bare absolute and relative ones.
  ['path:/tmp/a', { type: 'path', path: '/tmp/a' }],
  ['path:///tmp/a', { type: 'path', path: '/tmp/a' }],
  ['path:/tmp/a%20b', { type: 'path', path: '/tmp/a%20b' }],
  ['/abs/x', { type: 'path', path: '/abs/x' }],
  ['./rel', { type: 'path', path: './rel' }],
  ['~/src/nixpkgs', { type: 'path', path: '~/src/nixpkgs' }],
  // Registry: a flake id with an optional ref and/or rev, `flake:` with a query.
  ['nixpkgs', { type: 'indirect', id: 'nixpkgs' }],
  ['nixpkgs/nixos-23.11', { type: 'indirect', id: 'nixpkgs', ref: 'nixos-23.11', refSpan: { start: 8, end: 19 } }],
  [`nixpkgs/nixos-23.11/${REV}`, { type: 'indirect', id: 'nixpkgs', ref: 'nixos-23.11', refSpan: { start: 8, end: 19 }, rev: REV }],
  [`nixpkgs/${REV}`, { type: 'indirect', id: 'nixpkgs', rev: REV }],
  ['flake:nixpkgs/nixos-23.11', { type: 'indirect', id: 'nixpkgs', ref: 'nixos-23.11', refSpan: { start: 14, end: 25 } }],
  ['flake:nixpkgs?dir=lib', { type: 'indirect', id: 'nixpkgs', dir: 'lib', params: { dir: 'lib' } }],
  // Not a flake id (a query, an uppercase scheme, NUL): Nix reads these as relative paths.
  ['nixpkgs?ref=x', { type: 'path', path: 'nixpkgs', params: { ref: 'x' } }],
  ['GITHUB:NixOS/nixpkgs', { type: 'path', path: 'GITHUB:NixOS/nixpkgs' }],
  ['nixpkgs\u0000', { type: 'path', path: 'nixpkgs\u0000' }],
  // A ref starts with a letter, digit or `@` (Nix's refRegex); an empty one is no ref.
  ['nixpkgs//x', { type: 'path', path: 'nixpkgs//x' }],
  ['nixpkgs/', { type: 'path', path: 'nixpkgs/' }],
  ['nixpkgs/release+1', { type: 'indirect', id: 'nixpkgs', ref: 'release+1', refSpan: { start: 8, end: 17 } }],
  ['', { type: 'path', path: '' }],
  ['foo:bar', { type: 'unknown' }],
  // Escapes: decoded in forge segments and the query; bad ones kept as written; first key wins.
  ['github:%4EixOS/nixpkgs?ref=%zz&dir=a%2Fb&dir=c', { type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: '%zz', refSpan: { start: 27, end: 30 }, dir: 'a/b', params: { ref: '%zz', dir: 'a/b' } }],
  ['github:NixOS/nixpkgs\n', { type: 'github', owner: 'NixOS', repo: 'nixpkgs\n' }],
];

test('parseFlakeRef: the table of URLs', () => {
  for (const [url, want] of TABLE) {
    const got = parseFlakeRef(url);
    assert.deepEqual(view(got), want, JSON.stringify(url));
    // A span names exactly the ref's text in the URL (no escapes in these), so a fix can rewrite it.
    if (got.refSpan && !url.includes('%')) assert.equal(url.slice(got.refSpan.start, got.refSpan.end), got.ref, url);
  }
});

test('parseFlakeRef: hostile URLs are read in linear time, never throw', () => {
  const N = 150_000;
  const cases: [string, (r: FlakeRef) => void][] = [
    ['github:o/r/' + 'a'.repeat(N), (r) => assert.equal(r.ref?.length, N)],
    ['github:o/r' + '/'.repeat(N), (r) => assert.deepEqual([r.owner, r.repo, r.ref], ['o', 'r', undefined])],
    ['github:o/r?' + '&'.repeat(N) + 'ref=x', (r) => assert.equal(r.ref, 'x')],
    ['git+https://x.example' + '/'.repeat(N) + 'y', (r) => assert.equal(r.url?.length, N + 18)],
    ['nixpkgs/' + 'a/'.repeat(N / 2), (r) => assert.equal(r.type, 'indirect')],
    ['/'.repeat(N), (r) => assert.equal(r.type, 'path')],
    ['%'.repeat(N), (r) => assert.equal(r.type, 'path')],
    ['github:' + '%41'.repeat(N / 3) + '/r', (r) => assert.equal(r.owner, 'A'.repeat(N / 3))],
    ['git+https://' + '@'.repeat(N) + 'github.com/NixOS/nixpkgs', (r) => assert.equal(isNixpkgs(r), false)],
  ];
  for (const [url, check] of cases) check(parseFlakeRef(url));
});

test('userinfo, empty and scp-style hosts are not GitHub', () => {
  for (const url of ['git+https://github.com@evil.example/NixOS/nixpkgs', 'git+https://u:p@github.com/NixOS/nixpkgs', 'git+https:///NixOS/nixpkgs', 'git+ssh://git@github.com:NixOS/nixpkgs']) {
    assert.equal(isNixpkgs(url), false, url);
  }
  // The host after the userinfo is the one fetched from.
  assert.equal(repoOf(parseFlakeRef('git+https://github.com@evil.example/NixOS/nixpkgs'))?.host, 'evil.example');
  assert.equal(forgeRepoOf(parseFlakeRef('git+https://github.com@evil.example/NixOS/nixpkgs')), undefined);
  assert.equal(upstreamIdentity({ type: 'git', url: 'https://github.com@evil.example/NixOS/nixpkgs' }), 'git:https://github.com@evil.example/NixOS/nixpkgs');
  // Credentials do not change the repository.
  assert.equal(upstreamIdentity(parseFlakeRef('git+https://u:p@github.com/NixOS/nixpkgs')), 'github:github.com/nixos/nixpkgs');
  // An empty host or a non-numeric port (scp style, which Nix rejects) has no repository.
  assert.equal(repoOf(parseFlakeRef('git+https:///NixOS/nixpkgs')), undefined);
  assert.equal(repoOf(parseFlakeRef('git+ssh://git@github.com:NixOS/nixpkgs')), undefined);
  assert.equal(isNixpkgs('git+ssh://git@github.com/NixOS/nixpkgs.git'), true);
});

test('repoOf: forges with their default host, git URLs with GitLab subgroups', () => {
  assert.deepEqual(repoOf(parseFlakeRef('github:Someone/nixpkgs')), { type: 'github', host: 'github.com', owner: 'Someone', repo: 'nixpkgs' });
  assert.deepEqual(repoOf(parseFlakeRef('sourcehut:~u/r?host=git.example')), { type: 'sourcehut', host: 'git.example', owner: '~u', repo: 'r' });
  assert.deepEqual(repoOf(parseFlakeRef('git+https://GitLab.com/a/b/nixpkgs.git')), { type: 'git', host: 'gitlab.com', owner: 'a/b', repo: 'nixpkgs' });
  assert.deepEqual(repoOf({ type: 'git', url: 'ssh://git@git.example:2222/me/nixpkgs' }), { type: 'git', host: 'git.example', owner: 'me', repo: 'nixpkgs' });
  assert.equal(repoOf(parseFlakeRef('path:/src/nixpkgs')), undefined);
});

test('archiveRevision: the commit of a GitHub archive, nothing else', () => {
  assert.equal(archiveRevision({ type: 'tarball', url: `https://github.com/NixOS/nixpkgs/archive/${REV}.tar.gz` }), REV);
  assert.equal(archiveRevision({ type: 'tarball', url: `https://github.com/o/r/archive/${REV}.zip?narHash=x` }), REV);
  for (const url of [`https://github.com/o/r/archive/nixos-23.11.tar.gz`, `https://github.com@evil.example/o/r/archive/${REV}.tar.gz`, `http://github.com/o/r/archive/${REV}.tar.gz`, `https://github.com/o/r/x/archive/${REV}.tar.gz`, `https://github.com/o/r/archive/${REV.toUpperCase()}.tar.gz`]) {
    assert.equal(archiveRevision({ type: 'tarball', url }), undefined, url);
  }
});

test('the attribute form and the URL form of a reference agree', () => {
  const pairs: [string, Record<string, string>][] = [
    ['github:NixOS/nixpkgs/nixos-23.11', { type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-23.11' }],
    ['github:NixOS/nixpkgs?dir=lib', { type: 'github', owner: 'NixOS', repo: 'nixpkgs', dir: 'lib' }],
    ['git+https://example.org/r.git?ref=main', { type: 'git', url: 'https://example.org/r.git', ref: 'main' }],
    ['https://example.org/a.tar.gz', { type: 'tarball', url: 'https://example.org/a.tar.gz' }],
    ['path:/src/x', { type: 'path', path: '/src/x' }],
    ['nixpkgs/nixos-23.11', { type: 'indirect', id: 'nixpkgs', ref: 'nixos-23.11' }],
  ];
  for (const [url, attrs] of pairs) {
    const a = parseFlakeRef(url);
    const b = refFromAttrs({ ...attrs, type: attrs.type });
    assert.equal(upstreamIdentity(a), upstreamIdentity(b), url);
    assert.equal(upstreamName(a), upstreamName(b), url);
    assert.ok(sameFlakeRef(a, b), url);
    for (const k of ['type', 'owner', 'repo', 'url', 'path', 'id', 'ref', 'dir'] as const) assert.equal(a[k], b[k], `${url} ${k}`);
  }
});

test('sameFlakeRef: spelling does not matter, the source and ref/rev/dir do', () => {
  const same: [string, Record<string, string>][] = [
    ['flake:nixpkgs', { type: 'indirect', id: 'nixpkgs' }],
    ['./sub', { type: 'path', path: './sub' }],
    ['path:sub/', { type: 'path', path: './sub' }],
    ['github:/o/r', { type: 'github', owner: 'o', repo: 'r' }],
    ['github:o/r?ref=main&shallow=1', { type: 'github', owner: 'o', repo: 'r', ref: 'main' }],
    ['gitlab:veloren%2Fdev/rfcs', { type: 'gitlab', owner: 'veloren%2Fdev', repo: 'rfcs' }],
    ['tarball+https://flakehub.com/f/NixOS/nixpkgs/0.1.*.tar.gz', { type: 'tarball', url: 'https://flakehub.com/f/NixOS/nixpkgs/0.1.%2A.tar.gz' }],
    [`nixpkgs/nixos-23.11/${REV}`, { type: 'indirect', id: 'nixpkgs', ref: 'nixos-23.11', rev: REV }],
  ];
  for (const [url, attrs] of same) assert.ok(sameFlakeRef(url, attrs as never), url);
  const differ: [string, Record<string, string>][] = [
    ['github:o/r/main', { type: 'github', owner: 'o', repo: 'r' }],
    ['github:O/r', { type: 'github', owner: 'o', repo: 'r' }],
    ['github:o/r?dir=lib', { type: 'github', owner: 'o', repo: 'r' }],
    ['git+https://x.example/y', { type: 'tarball', url: 'https://x.example/y' }],
    ['nixpkgs', { type: 'indirect', id: 'nixpkgs-unstable' }],
  ];
  for (const [url, attrs] of differ) assert.ok(!sameFlakeRef(url, attrs as never), url);
});

test('isNixpkgs: one answer for the URL and the attribute form', () => {
  const yes = ['github:NixOS/nixpkgs', 'gitlab:nixos/nixpkgs', 'nixpkgs', 'git+https://github.com/NixOS/nixpkgs', 'https://channels.nixos.org/nixos-24.05/nixexprs.tar.xz', 'path:/src/nixpkgs', 'git+file:///home/me/nixpkgs.git'];
  const no = ['github:NixOS/nixpkgs?dir=lib', 'github:NixOS/nixpkgs?dir=x', 'github:someone/nixpkgs-tools', 'path:./nixpkgs', 'hg+https://example.org/nixpkgs', 'flake:Nixpkgs'];
  for (const url of yes) assert.equal(isNixpkgs(url), true, url);
  for (const url of no) assert.equal(isNixpkgs(url), false, url);
  // A url that is not a web URL does not make a tarball nixpkgs.
  assert.equal(isNixpkgs({ type: 'tarball', url: 'nixpkgs' }), false);
  assert.equal(isNixpkgs({ type: 'tarball', url: 'https://github.com/NixOS/nixpkgs/archive/x.tar.gz' }), true);
});

test('declaredRef: a url, or the attribute form when flake.nix gives a type', () => {
  const v = (value: string) => ({ value });
  assert.equal(declaredRef({ attrs: {} }), undefined);
  assert.deepEqual(view(declaredRef({ url: v('github:o/r/main'), attrs: { ref: v('dev') } })!), { type: 'github', owner: 'o', repo: 'r', ref: 'dev' });
  assert.deepEqual(view(declaredRef({ url: v('github:o/r'), attrs: { dir: v('lib') } })!), { type: 'github', owner: 'o', repo: 'r', dir: 'lib' });
  // With a type, the url is the transport URL of the attribute form.
  assert.deepEqual(view(declaredRef({ url: v('https://github.com/NixOS/nixpkgs'), attrs: { type: v('git'), ref: v('nixos-unstable') } })!), { type: 'git', url: 'https://github.com/NixOS/nixpkgs', ref: 'nixos-unstable' });
  assert.equal(isNixpkgs(declaredRef({ url: v('https://github.com/NixOS/nixpkgs'), attrs: { type: v('git') } })!), true);
});

test('nix flake metadata agrees on local path: and git+file: references', (t) => {
  const why = nixFlakesMissing();
  if (why) return t.skip(why);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flakeref-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  {
    const flake = '{ outputs = _: { }; }\n';
    for (const d of ['a', 'a/sub', 'repo', 'repo/sub']) {
      fs.mkdirSync(path.join(dir, d), { recursive: true });
      fs.writeFileSync(path.join(dir, d, 'flake.nix'), flake);
    }
    const git = (...args: string[]) => spawnSync('git', ['-c', 'user.email=t@example.org', '-c', 'user.name=t', ...args], { cwd: path.join(dir, 'repo'), encoding: 'utf8' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-qm', 'x');
    const refs = [`path:${dir}/a`, `path://${dir}/a`, `${dir}/a`, `git+file://${dir}/repo?ref=main&dir=sub`, `git+file://${dir}/repo?dir=sub&dir=other`, `git+file:${dir}/repo`];
    for (const ref of refs) {
      const r = spawnSync('nix', ['--extra-experimental-features', 'nix-command flakes', '--offline', 'flake', 'metadata', '--json', ref], {
        encoding: 'utf8',
        env: { ...process.env, NIX_REMOTE: `local?root=${path.join(dir, 'store')}`, XDG_CACHE_HOME: path.join(dir, 'cache'), HOME: dir },
      });
      assert.equal(r.status, 0, `${ref}: ${r.stderr}`);
      const original = JSON.parse(r.stdout).original as Record<string, string>;
      const mine = parseFlakeRef(ref);
      assert.equal(mine.type, original.type, ref);
      assert.equal(mine.dir, original.dir, ref);
      assert.equal(mine.ref, original.ref, ref);
      // Nix 2.8 leaves `dir` in a git URL; the URL fetched is the same.
      if (original.type === 'git') assert.equal(mine.url, original.url.split('?')[0], ref);
      else assert.equal(mine.path, original.path, ref);
      assert.ok(sameFlakeRef(ref, original as never), ref);
    }
  }
});
