import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParsedNix } from '../../server/src/nix/parser';
import { makeContext } from '../../server/src/lock/rules';
import { flakeLinks, flakeRefLink, formatAge, inputAt, inputDefinition, inputHover, lockLinks, navContext, NavContext } from '../../server/src/lock/navigation';

const ROOT = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the repo root');
    dir = up;
  }
  return dir;
})();

const FIX = path.join(ROOT, 'test', 'fixtures', 'lock');
const read = (scenario: string, file: string) => fs.readFileSync(path.join(FIX, scenario, file), 'utf8');

async function ctxFor(flakeText: string, lockText?: string): Promise<NavContext> {
  const p = await ParsedNix.create(flakeText);
  return navContext({ flakeText, flakeRoot: p.tree.rootNode, lockText });
}

async function scenario(name: string): Promise<{ ctx: NavContext; text: string; lock: string }> {
  const text = read(name, 'flake.nix');
  const lock = read(name, 'flake.lock');
  return { ctx: await ctxFor(text, lock), text, lock };
}

/** Offset inside the nth (0-based) occurrence of `needle`, `delta` characters in. */
function at(text: string, needle: string, nth = 0, delta = 1): number {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`no occurrence ${nth} of ${needle}`);
  }
  return i + delta;
}

const start = (text: string, needle: string, nth = 0) => at(text, needle, nth, 0);

// 2024-05-20T12:00Z is nixpkgs_2's lastModified in the fixtures; twelve days later:
const NOW = Date.parse('2024-06-01T12:00:00Z');
const REV2 = '3238fc4ad5f46ec51a09ee976a4e0360318f6fb4';
const REV1 = '39ba16e8351e7f448f882dd026003b34ff891bb2';

test('hover on a flat declaration: URL as written, rev short + full, date and age, narHash, depends, duplicate warning', async () => {
  const { ctx, text } = await scenario('no-follows');
  const off = at(text, 'inputs.nixpkgs.url', 0, 'inputs.'.length + 2);
  const h = inputHover(ctx, off, NOW)!;
  assert.ok(h);
  assert.equal(text.slice(h.start, h.end), 'nixpkgs');
  assert.equal(h.start, start(text, 'nixpkgs.url'));
  const md = h.markdown;
  assert.match(md, /\*\*URL:\*\* `git\+file:\/\/\/tmp\/flake-lens-lock-fixtures\/upstream\/nixpkgs`/);
  // The locked reference without the rev (the next line shows it), then the rev short + full.
  assert.ok(md.includes('**Locked:** `git+file:///tmp/flake-lens-lock-fixtures/upstream/nixpkgs?ref=master`\n'), md);
  assert.ok(md.includes(`**Revision:** \`3238fc4\` (\`${REV2}\`) on \`master\``), md);
  assert.ok(md.includes(`\`${REV2}\``), md);
  assert.ok(md.includes('2024-05-20, 12 days ago'), md);
  assert.ok(md.includes('`sha256-0fa2uviNHJR+uUM6Fo+QAAEeuPYqghzZpC98vA08pFI=`'), md);
  assert.ok(md.includes('**Lock node:** `nixpkgs_2`'), md);
  assert.ok(md.includes('**Depended on as:** `nixpkgs`\n'), md);
  assert.ok(!md.includes('Followed by'), md);
  // The lock also holds the older nixpkgs that home-manager pulls in.
  assert.match(md, /⚠️ flake\.lock also holds nixpkgs at `39ba16e` \(2024-03-01\) via `home-manager\/nixpkgs`/);
  // The older revision's full hash is not presented as this input's revision.
  assert.ok(!md.includes(REV1), md);
});

test('hover: age follows `now`', async () => {
  const { ctx, text } = await scenario('no-follows');
  const off = at(text, 'nixpkgs.url');
  assert.ok(inputHover(ctx, off, Date.parse('2024-05-20T13:00:00Z'))!.markdown.includes('2024-05-20, today'));
  assert.ok(inputHover(ctx, off, Date.parse('2024-05-21T12:00:00Z'))!.markdown.includes('2024-05-20, 1 day ago'));
  assert.ok(inputHover(ctx, off, Date.parse('2024-09-20T12:00:00Z'))!.markdown.includes('2024-05-20, 4 months ago'));
});

test('formatAge', () => {
  const t = Date.parse('2024-05-20T12:00:00Z') / 1000;
  const day = 86_400_000;
  assert.equal(formatAge(t, t * 1000 + 1000), 'today');
  assert.equal(formatAge(t, t * 1000 + day), '1 day ago');
  assert.equal(formatAge(t, t * 1000 + 59 * day), '59 days ago');
  assert.equal(formatAge(t, t * 1000 + 60 * day), '2 months ago');
  assert.equal(formatAge(t, t * 1000 + 800 * day), '2 years ago');
  assert.equal(formatAge(t, t * 1000 - day), 'in the future');
});

test('hover on an input without duplicates has no warning; home-manager lists what it pulls in as its own path', async () => {
  const { ctx, text } = await scenario('no-follows');
  const h = inputHover(ctx, at(text, 'home-manager.url'), NOW)!;
  assert.equal(text.slice(h.start, h.end), 'home-manager');
  assert.ok(h.markdown.includes('**Lock node:** `home-manager`'), h.markdown);
  assert.ok(h.markdown.includes('**Depended on as:** `home-manager`'), h.markdown);
  assert.ok(h.markdown.includes('2024-01-01'), h.markdown);
  assert.ok(!h.markdown.includes('⚠️'), h.markdown);
  // A path input has no commit: no revision line.
  assert.ok(!h.markdown.includes('**Revision:**'), h.markdown);
});

test('hover on a nested follows declaration resolves through follows and lists who follows', async () => {
  const { ctx, text } = await scenario('with-follows');
  // `inputs.home-manager.inputs.nixpkgs.follows = "nixpkgs";` — the second `nixpkgs` name there.
  const off = at(text, 'inputs.nixpkgs.follows', 0, 'inputs.'.length + 1);
  const hit = inputAt(ctx, off)!;
  assert.deepEqual(hit, { kind: 'decl', path: ['home-manager', 'nixpkgs'], start: hit.start, end: hit.end });
  const h = inputHover(ctx, off, NOW)!;
  assert.equal(text.slice(h.start, h.end), 'nixpkgs');
  assert.equal(h.start, start(text, 'nixpkgs.follows'));
  assert.ok(h.markdown.startsWith('**nixpkgs** — input of `home-manager`'), h.markdown);
  assert.ok(h.markdown.includes('**Follows:** `nixpkgs`'), h.markdown);
  assert.ok(h.markdown.includes('**Lock node:** `nixpkgs`'), h.markdown);
  assert.ok(h.markdown.includes('**Followed by:** `home-manager/nixpkgs`'), h.markdown);
  assert.ok(h.markdown.includes(`\`${REV2}\``), h.markdown);
  assert.ok(!h.markdown.includes('⚠️'), h.markdown);
  // The root nixpkgs shows the same follower.
  const root = inputHover(ctx, at(text, 'nixpkgs.url'), NOW)!;
  assert.ok(root.markdown.includes('**Followed by:** `home-manager/nixpkgs`'), root.markdown);
  assert.ok(root.markdown.includes('**Depended on as:** `nixpkgs`'), root.markdown);
});

test('a declaration name is recognised in every binding that mentions it, not only the first', async () => {
  const { ctx, text } = await scenario('with-follows');
  // Third `home-manager` occurrence: `inputs.home-manager.inputs.nixpkgs.follows`.
  const off = at(text, 'home-manager', 2, 3);
  assert.ok(text.slice(off - 3).startsWith('home-manager.inputs.nixpkgs.follows'));
  const h = inputHover(ctx, off, NOW)!;
  assert.equal(h.start, start(text, 'home-manager', 2));
  assert.equal(text.slice(h.start, h.end), 'home-manager');
  assert.ok(h.markdown.includes('**Lock node:** `home-manager`'), h.markdown);
  const d = inputDefinition(ctx, off)!;
  assert.equal(d.file, 'lock');
});

test('not an input name: url, inputs, follows keywords and the URL string', async () => {
  const { ctx, text } = await scenario('with-follows');
  assert.equal(inputHover(ctx, at(text, 'url ='), NOW), undefined);
  assert.equal(inputHover(ctx, at(text, 'inputs.nixpkgs.url'), NOW), undefined);
  assert.equal(inputHover(ctx, at(text, 'follows ='), NOW), undefined);
  assert.equal(inputHover(ctx, at(text, 'git+file', 0, 5), NOW), undefined);
  assert.equal(inputDefinition(ctx, at(text, 'git+file', 0, 5)), undefined);
  // `self` is not an input.
  assert.equal(inputHover(ctx, at(text, 'self'), NOW), undefined);
});

test('definition: declaration → lock node key; formal → declaration; follows string → followed declaration', async () => {
  const { ctx, text, lock } = await scenario('no-follows');
  const d1 = inputDefinition(ctx, at(text, 'nixpkgs.url'))!;
  assert.equal(d1.file, 'lock');
  assert.equal(lock.slice(d1.start, d1.end), '"nixpkgs_2"');
  assert.ok(lock.slice(d1.start).startsWith('"nixpkgs_2": {'));
  const formal = at(text, 'nixpkgs, home-manager }');
  const d2 = inputDefinition(ctx, formal)!;
  assert.deepEqual(d2, { file: 'flake', start: start(text, 'nixpkgs.url'), end: start(text, 'nixpkgs.url') + 'nixpkgs'.length });
  const h = inputHover(ctx, formal, NOW)!;
  assert.equal(h.start, start(text, 'nixpkgs, home-manager }'));
  assert.ok(h.markdown.includes('**Lock node:** `nixpkgs_2`'));

  const wf = await scenario('with-follows');
  const d3 = inputDefinition(wf.ctx, at(wf.text, '"nixpkgs";', 0, 3))!;
  assert.deepEqual(d3, { file: 'flake', start: start(wf.text, 'nixpkgs.url'), end: start(wf.text, 'nixpkgs.url') + 7 });
  // The nested follows declaration leads to the node it resolves to: the root's nixpkgs.
  const d4 = inputDefinition(wf.ctx, at(wf.text, 'nixpkgs.follows'))!;
  assert.equal(d4.file, 'lock');
  assert.ok(wf.lock.slice(d4.start).startsWith('"nixpkgs": {\n      "locked"'), wf.lock.slice(d4.start, d4.start + 40));
});

test('follows to a nested path goes to the lock node; hover on it describes the followed input', async () => {
  const { ctx, text, lock } = await scenario('follows-path');
  const off = at(text, '"home-manager/nixpkgs"', 0, 4);
  const hit = inputAt(ctx, off)!;
  assert.equal(hit.kind, 'follows');
  assert.deepEqual(hit.follows, ['home-manager', 'nixpkgs']);
  assert.equal(text.slice(hit.start, hit.end), '"home-manager/nixpkgs"');
  const d = inputDefinition(ctx, off)!;
  assert.equal(d.file, 'lock');
  assert.equal(lock.slice(d.start, d.end), '"nixpkgs"');
  const h = inputHover(ctx, off, NOW)!;
  assert.ok(h.markdown.includes(`\`${REV1}\``), h.markdown);
  assert.ok(h.markdown.includes('2024-03-01, 3 months ago'), h.markdown);
  assert.ok(h.markdown.includes('**Depended on as:** `home-manager/nixpkgs`'), h.markdown);
  assert.ok(h.markdown.includes('**Followed by:** `lib-user/nixpkgs-lib`, `nixpkgs`'), h.markdown);

  // `wrapper.inputs.home-manager.follows = "home-manager"` → the root declaration.
  const d2 = inputDefinition(ctx, at(text, '"home-manager";', 0, 2))!;
  assert.deepEqual(d2, { file: 'flake', start: start(text, 'home-manager.url'), end: start(text, 'home-manager.url') + 12 });

  // The root `nixpkgs` is itself a follows: its hover says so and it lands on home-manager's node.
  const root = inputHover(ctx, at(text, 'nixpkgs.follows'), NOW)!;
  assert.ok(root.markdown.includes('**Follows:** `home-manager/nixpkgs`'), root.markdown);
  assert.ok(root.markdown.includes('**Lock node:** `nixpkgs`'), root.markdown);
  const home = inputHover(ctx, at(text, 'home-manager.url'), NOW)!;
  assert.ok(home.markdown.includes('**Followed by:** `wrapper/home-manager`'), home.markdown);
});

test('set style and `inputs@{ ... }`: formal and per-input set name', async () => {
  const { ctx, text, lock } = await scenario('nested-attrset');
  const formal = at(text, 'nixpkgs, ...');
  const d = inputDefinition(ctx, formal)!;
  assert.equal(d.file, 'flake');
  assert.equal(text.slice(d.start, d.end), 'nixpkgs');
  assert.equal(d.start, start(text, 'nixpkgs.url'));
  const hm = inputDefinition(ctx, at(text, 'home-manager = {'))!;
  assert.equal(hm.file, 'lock');
  assert.equal(lock.slice(hm.start, hm.end), '"home-manager"');
  const h = inputHover(ctx, at(text, 'home-manager = {'), NOW)!;
  assert.equal(text.slice(h.start, h.end), 'home-manager');
  assert.ok(h.markdown.includes('**URL:** `path:/tmp/flake-lens-lock-fixtures/upstream/home-manager`'), h.markdown);
});

test('attribute form declarations show their fields', async () => {
  const { ctx, text } = await scenario('attrs-form');
  const h = inputHover(ctx, at(text, 'nixpkgs = {'), NOW)!;
  assert.ok(h.markdown.includes('**Declared:** `type = "git"; url = "file:///tmp/flake-lens-lock-fixtures/upstream/nixpkgs"; ref = "master"`'), h.markdown);
  assert.ok(h.markdown.includes('`3238fc4`'), h.markdown);
});

const OUTPUTS = `{
  inputs = {
    nixpkgs.url = "git+file:///tmp/flake-lens-lock-fixtures/upstream/nixpkgs";
    home-manager = { url = "path:/tmp/flake-lens-lock-fixtures/upstream/home-manager"; };
  };
  outputs = inputs@{ self, nixpkgs, ... }:
    let
      pkgs = nixpkgs.legacyPackages;
      hm = inputs.home-manager;
      inherit (inputs) home-manager;
      shadow = nixpkgs: nixpkgs.lib;
      deep = inputs.home-manager.inputs.nixpkgs;
      viaSelf = self.inputs.nixpkgs;
      other = inputs.nixpkgs.lib;
    in { inherit nixpkgs; };
}`;

test('uses in outputs: variables bound by formals, inputs.x, inherit (inputs), inherit, self.inputs.x', async () => {
  const text = OUTPUTS;
  const ctx = await ctxFor(text, read('no-follows', 'flake.lock'));
  const declStart = start(text, 'nixpkgs.url');
  const hmDecl = start(text, 'home-manager = {');
  const cases: [number, string[], number][] = [
    [at(text, 'nixpkgs.legacyPackages'), ['nixpkgs'], declStart],
    [at(text, 'home-manager;', 0, 2), ['home-manager'], hmDecl],
    [at(text, 'home-manager;', 1, 2), ['home-manager'], hmDecl],
    [at(text, 'nixpkgs;\n      viaSelf', 0, 2), ['home-manager', 'nixpkgs'], -1],
    [at(text, 'nixpkgs;\n      other', 0, 2), ['nixpkgs'], declStart],
    [at(text, 'nixpkgs.lib;\n    in', 0, 2), ['nixpkgs'], declStart],
    [at(text, 'nixpkgs; };', 0, 2), ['nixpkgs'], declStart],
  ];
  for (const [off, p, def] of cases) {
    const hit = inputAt(ctx, off);
    assert.ok(hit, `no hit at ${JSON.stringify(text.slice(off - 5, off + 10))}`);
    assert.equal(hit.kind, 'use', text.slice(off - 5, off + 10));
    assert.deepEqual(hit.path, p, text.slice(off - 5, off + 10));
    assert.equal(text.slice(hit.start, hit.end), p[p.length - 1]);
    assert.ok(hit.start <= off && off <= hit.end);
    const d = inputDefinition(ctx, off)!;
    if (def >= 0) assert.deepEqual(d, { file: 'flake', start: def, end: def + p[0].length }, text.slice(off - 5, off + 10));
  }
  // `inputs.home-manager.inputs.nixpkgs` is home-manager's own nixpkgs: not declared here, so the
  // definition is its lock node and the hover warns about the root's newer copy.
  const deep = at(text, 'nixpkgs;\n      viaSelf', 0, 2);
  const d = inputDefinition(ctx, deep)!;
  assert.equal(d.file, 'lock');
  const h = inputHover(ctx, deep, NOW)!;
  assert.ok(h.markdown.startsWith('**nixpkgs** — input of `home-manager`'), h.markdown);
  assert.ok(h.markdown.includes(`\`${REV1}\``), h.markdown);
  assert.ok(h.markdown.includes('at `3238fc4` (2024-05-20) via `nixpkgs`'), h.markdown);
});

test('uses in outputs: shadowed names, other attributes and the inputs variable itself are not inputs', async () => {
  const text = OUTPUTS;
  const ctx = await ctxFor(text, read('no-follows', 'flake.lock'));
  // `shadow = nixpkgs: nixpkgs.lib;` — the lambda's own parameter and its use.
  assert.equal(inputAt(ctx, at(text, 'nixpkgs: nixpkgs', 0, 2)), undefined);
  assert.equal(inputAt(ctx, at(text, 'nixpkgs.lib;', 0, 2)), undefined);
  assert.equal(inputAt(ctx, at(text, 'legacyPackages', 0, 3)), undefined);
  assert.equal(inputAt(ctx, at(text, 'inputs.home-manager;', 0, 2)), undefined);
  assert.equal(inputAt(ctx, at(text, 'lib;\n    in', 0, 1)), undefined);
  // `self.inputs` — `inputs` there is an attribute, not an input name.
  assert.equal(inputAt(ctx, at(text, 'inputs.nixpkgs;\n      other', 0, 2)), undefined);
  assert.equal(inputHover(ctx, at(text, 'nixpkgs: nixpkgs', 0, 2), NOW), undefined);
  assert.equal(inputDefinition(ctx, at(text, 'nixpkgs: nixpkgs', 0, 2)), undefined);
});

test('plain argument `outputs = inputs: ...`', async () => {
  const text = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = inputs: { x = inputs.nixpkgs.lib; y = inputs; };
}`;
  const ctx = await ctxFor(text);
  const off = at(text, 'nixpkgs.lib');
  assert.deepEqual(inputAt(ctx, off), { kind: 'use', path: ['nixpkgs'], start: start(text, 'nixpkgs.lib'), end: start(text, 'nixpkgs.lib') + 7 });
  assert.deepEqual(inputDefinition(ctx, off), { file: 'flake', start: start(text, 'nixpkgs.url'), end: start(text, 'nixpkgs.url') + 7 });
  assert.equal(inputAt(ctx, at(text, 'inputs; }')), undefined);
  // No lock: the declaration alone, and nowhere to go from it.
  const h = inputHover(ctx, off, NOW)!;
  assert.ok(h.markdown.includes('**URL:** `github:NixOS/nixpkgs`'), h.markdown);
  assert.ok(!h.markdown.includes('Lock node'), h.markdown);
  assert.ok(!h.markdown.includes('Not in flake.lock'), h.markdown);
  assert.equal(inputDefinition(ctx, at(text, 'nixpkgs.url')), undefined);
});

test('follows to a path neither declared nor locked goes to the deepest declared input', async () => {
  const text = `{
  inputs.a.url = "github:o/a";
  inputs.b.url = "github:o/b";
  inputs.b.inputs.x.follows = "a/y";
  outputs = { self, a, b }: { };
}`;
  const ctx = await ctxFor(text);
  const off = at(text, '"a/y"', 0, 2);
  assert.deepEqual(inputAt(ctx, off)?.follows, ['a', 'y']);
  assert.deepEqual(inputDefinition(ctx, off), { file: 'flake', start: start(text, 'a.url'), end: start(text, 'a.url') + 1 });
  // Nothing to describe: neither declared nor locked.
  assert.equal(inputHover(ctx, off, NOW), undefined);
});

test('an input the lock does not have yet says so', async () => {
  const text = `{
  inputs.nixpkgs.url = "git+file:///tmp/flake-lens-lock-fixtures/upstream/nixpkgs";
  inputs.fresh.url = "github:o/fresh";
  outputs = { self, nixpkgs, fresh }: { };
}`;
  const ctx = await ctxFor(text, read('no-follows', 'flake.lock'));
  const h = inputHover(ctx, at(text, 'fresh }'), NOW)!;
  assert.equal(text.slice(h.start, h.end), 'fresh');
  assert.ok(h.markdown.includes('Not in flake.lock'), h.markdown);
  assert.ok(h.markdown.includes('**URL:** `github:o/fresh`'), h.markdown);
  assert.equal(inputDefinition(ctx, at(text, 'fresh.url')), undefined);
});

test('cursor just after a name still finds it (offset at the end)', async () => {
  const { ctx, text } = await scenario('no-follows');
  const s = start(text, 'nixpkgs.url');
  assert.equal(inputHover(ctx, s + 7, NOW)!.start, s);
  assert.equal(inputHover(ctx, s, NOW)!.start, s);
});

test('without the tree (plain LockContext): first declaration names, follows strings and formals', async () => {
  const text = read('with-follows', 'flake.nix');
  const p = await ParsedNix.create(text);
  const ctx = makeContext({ flakeText: text, flakeRoot: p.tree.rootNode, lockText: read('with-follows', 'flake.lock') });
  const h = inputHover(ctx, at(text, 'nixpkgs.url'), NOW)!;
  assert.equal(h.start, start(text, 'nixpkgs.url'));
  assert.ok(h.markdown.includes('**Lock node:** `nixpkgs`'));
  assert.deepEqual(inputDefinition(ctx, at(text, '"nixpkgs";', 0, 2)), { file: 'flake', start: start(text, 'nixpkgs.url'), end: start(text, 'nixpkgs.url') + 7 });
  assert.deepEqual(inputDefinition(ctx, at(text, 'nixpkgs, home')), { file: 'flake', start: start(text, 'nixpkgs.url'), end: start(text, 'nixpkgs.url') + 7 });
});

// ---- links ----

function linkTable(text: string, links: { start: number; end: number; target: string }[]): [string, string][] {
  return links.map((l) => [text.slice(l.start, l.end), l.target]);
}

test('flakeLinks on the handmade fixture: github (ref, dir), gitlab, sourcehut, hg, git+https ?ref, tarball', async () => {
  const { ctx, text } = await scenario('handmade');
  assert.deepEqual(linkTable(text, flakeLinks(ctx)), [
    ['github:NixOS/nixpkgs/nixos-23.11', 'https://github.com/NixOS/nixpkgs/tree/nixos-23.11'],
    ['github:nixos/nixpkgs/nixos-23.11?dir=lib', 'https://github.com/nixos/nixpkgs/tree/nixos-23.11/lib'],
    ['github:nix-community/home-manager', 'https://github.com/nix-community/home-manager'],
    ['gitlab:foo/bar', 'https://gitlab.com/foo/bar'],
    ['sourcehut:~foo/bar', 'https://git.sr.ht/~foo/bar'],
    ['hg+https://hg.example.com/repo', 'https://hg.example.com/repo'],
    ['git+https://example.com/repo.git?ref=main&submodules=1', 'https://example.com/repo/tree/main'],
    ['https://example.com/x.tar.gz', 'https://example.com/x.tar.gz'],
    ['github:foo/shared', 'https://github.com/foo/shared'],
    ['github:foo/shared', 'https://github.com/foo/shared'],
  ]);
  for (const l of flakeLinks(ctx)) assert.ok(l.tooltip.length > 0);
});

test('flakeLinks: indirect nixpkgs links to NixOS/nixpkgs; path:, git+file: and file: do not link', async () => {
  const ind = await scenario('indirect');
  assert.deepEqual(linkTable(ind.text, flakeLinks(ind.ctx)), [
    ['nixpkgs', 'https://github.com/NixOS/nixpkgs'],
    ['flake:nixpkgs', 'https://github.com/NixOS/nixpkgs'],
  ]);
  const attrs = await scenario('attrs-form');
  assert.deepEqual(flakeLinks(attrs.ctx), []);
  const nf = await scenario('no-follows');
  assert.deepEqual(flakeLinks(nf.ctx), []);
});

test('flakeLinks: inline forms (subgroups, refs, hosts, indented strings, attribute form)', async () => {
  const text = `{
  inputs = {
    a.url = "gitlab:veloren%2Fdev/veloren/master";
    b.url = "sourcehut:~user/repo/v1";
    c.url = "git+https://github.com/o/r?ref=dev";
    d.url = "git+https://example.com/r.git";
    e.url = "git+ssh://git@github.com/o/r";
    f.url = "flake:foo";
    g.url = "nixpkgs/nixos-24.05";
    h.url = "tarball+https://example.com/y.tar.gz";
    i.url = ''github:o/indented'';
    j = { type = "github"; owner = "NixOS"; repo = "nix"; ref = "2.18-maintenance"; };
    k.url = "github:o/r?host=ghe.example.com";
    l.url = "git+https://example.com/r?rev=${'a'.repeat(40)}";
    m.url = "./sub";
    n.url = "github:only-owner";
  };
  outputs = { self, ... }: { };
}`;
  const ctx = await ctxFor(text);
  assert.deepEqual(linkTable(text, flakeLinks(ctx)), [
    ['gitlab:veloren%2Fdev/veloren/master', 'https://gitlab.com/veloren/dev/veloren/-/tree/master'],
    ['sourcehut:~user/repo/v1', 'https://git.sr.ht/~user/repo/tree/v1'],
    ['git+https://github.com/o/r?ref=dev', 'https://github.com/o/r/tree/dev'],
    ['git+https://example.com/r.git', 'https://example.com/r.git'],
    ['nixpkgs/nixos-24.05', 'https://github.com/NixOS/nixpkgs/tree/nixos-24.05'],
    ['tarball+https://example.com/y.tar.gz', 'https://example.com/y.tar.gz'],
    ['github:o/indented', 'https://github.com/o/indented'],
    ['nix', 'https://github.com/NixOS/nix/tree/2.18-maintenance'],
    ['github:o/r?host=ghe.example.com', 'https://ghe.example.com/o/r'],
    [`git+https://example.com/r?rev=${'a'.repeat(40)}`, `https://example.com/r/commit/${'a'.repeat(40)}`],
  ]);
});

test('flakeRefLink: unknown and local references have no link', () => {
  for (const u of ['path:/x', 'git+file:///x', 'file:///x.tar.gz', '/abs/path', './rel', 'flake:foo', 'foo', 'toString:a/b', 'constructor:a/b', 'github:', '']) {
    assert.equal(flakeRefLink(u), undefined, u);
  }
  assert.equal(flakeRefLink('nixpkgs')!.target, 'https://github.com/NixOS/nixpkgs');
  assert.equal(flakeRefLink('github:NixOS/nixpkgs?dir=lib')!.target, 'https://github.com/NixOS/nixpkgs/tree/HEAD/lib');
  assert.equal(flakeRefLink('github:NixOS/nixpkgs?ref=nixos-unstable')!.target, 'https://github.com/NixOS/nixpkgs/tree/nixos-unstable');
});

test('lockLinks: forge nodes link their key to the locked commit', () => {
  const lock = read('handmade', 'flake.lock');
  const rev = '205fd4226592cc83fd4c0885a3e4c9c400efabb5';
  assert.deepEqual(linkTable(lock, lockLinks(lock)), [
    ['"gl"', `https://gitlab.com/foo/bar/-/commit/${rev}`],
    ['"home-manager"', 'https://github.com/nix-community/home-manager/commit/9f8e7d6c5b4a39281706f5e4d3c2b1a098765432'],
    ['"lib"', `https://github.com/nixos/nixpkgs/commit/${rev}`],
    ['"nixpkgs"', 'https://github.com/nixos/nixpkgs/commit/a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'],
    ['"nixpkgs-lib"', `https://github.com/nixos/nixpkgs/commit/${rev}`],
    ['"nixpkgs_2"', `https://github.com/NixOS/nixpkgs/commit/${rev}`],
    ['"nixpkgs_3"', `https://github.com/NixOS/nixpkgs/commit/${rev}`],
    ['"nixpkgs_4"', `https://github.com/NixOS/nixpkgs/commit/${rev}`],
    ['"same-a"', `https://github.com/foo/shared/commit/${rev}`],
    ['"same-b"', `https://github.com/foo/shared/commit/${rev}`],
    ['"sh"', `https://git.sr.ht/~foo/bar/commit/${rev}`],
  ]);
  const l = lockLinks(lock).find((x) => lock.slice(x.start, x.end) === '"nixpkgs_2"')!;
  assert.ok(lock.slice(l.start).startsWith('"nixpkgs_2": {'));
  assert.ok(l.tooltip.includes('205fd42'), l.tooltip);
  // git/path nodes and unparsable text give no links.
  assert.deepEqual(lockLinks(read('no-follows', 'flake.lock')), []);
  assert.deepEqual(lockLinks('{ not json'), []);
});
