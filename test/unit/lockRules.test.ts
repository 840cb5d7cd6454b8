import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ParsedNix } from '../../server/src/nix/parser';
import { checkLockRules, makeContext } from '../../server/src/lock/rules';
import type { Finding } from '../../server/src/rules/findings';
import { findDecl, readFlakeInputs } from '../../server/src/lock/flakeInputs';
import { applyEdits, fixture, hasCommand, nixParses, ROOT } from './lockHelpers';

async function run(flakeText: string, lockText?: string) {
  const p = await ParsedNix.create(flakeText);
  return checkLockRules(makeContext({ flakeText, flakeRoot: p.tree.rootNode, lockText }));
}

async function scenario(name: string) {
  return run(fixture(name, 'flake.nix'), fixture(name, 'flake.lock'));
}

const codes = (fs: Finding[], code: string) => fs.filter((f) => f.code === code);
const NIX = hasCommand('nix-instantiate');

test('missing-follows: no-follows fixture gets one warning and a flat-style fix', async () => {
  const text = fixture('no-follows', 'flake.nix');
  const r = await scenario('no-follows');
  const mf = codes(r.flake, 'missing-follows');
  assert.equal(mf.length, 1);
  assert.equal(mf[0].severity, 'warning');
  assert.equal(text.slice(mf[0].start, mf[0].end), 'home-manager');
  assert.match(mf[0].message, /^home-manager\/nixpkgs locks [0-9a-f]{7} \(2024-03-01\); your nixpkgs is [0-9a-f]{7} \(2024-05-20\)$/);
  const fixed = applyEdits(text, mf[0].fixes[0].edits);
  assert.ok(fixed.includes('  inputs.home-manager.url = "path:/tmp/flake-lens-lock-fixtures/upstream/home-manager";\n  inputs.home-manager.inputs.nixpkgs.follows = "nixpkgs";\n'));
  if (NIX) assert.deepEqual(nixParses(fixed), { ok: true });
  // The duplicate is also reported on flake.lock, on the extra node's key.
  const lockText = fixture('no-follows', 'flake.lock');
  const dup = codes(r.lock, 'duplicate-lock-node');
  assert.equal(dup.length, 1);
  assert.match(lockText.slice(dup[0].start, dup[0].end), /^"nixpkgs(_\d+)?": \{$/);
  assert.match(dup[0].message, /pulled in by home-manager\/nixpkgs/);
});

test('declarations in a flake.nix that starts with blank lines keep their own indentation', async () => {
  const text = '\n'.repeat(30) + '# my flake\n{\n    inputs.a.url = "github:o/a";\n  outputs = { a, ... }: { x = a; };\n}\n';
  const p = await ParsedNix.create(text);
  const fi = readFlakeInputs(p.tree.rootNode, text);
  assert.equal(fi.container?.indent, '    ');
  assert.equal(findDecl(fi, ['a'])?.sites[0].indent, '    ');
  assert.ok(fi.outputs?.uses('a'));
  // Without the full text, the root's own text is used with its offset: same answers.
  // (A fresh tree: readings are memoised per tree.)
  const fromRoot = readFlakeInputs((await ParsedNix.create(text)).tree.rootNode);
  assert.equal(fromRoot.container?.indent, '    ');
  assert.ok(fromRoot.outputs?.uses('a'));
});

test('missing-follows is silent when follows are in place', async () => {
  for (const s of ['with-follows', 'nested-chain-follows', 'follows-path', 'flake-false']) {
    const r = await scenario(s);
    assert.deepEqual(codes(r.flake, 'missing-follows'), [], s);
    assert.deepEqual(codes(r.lock, 'duplicate-lock-node'), [], s);
    assert.deepEqual(codes(r.flake, 'stale-lock'), [], s);
    assert.deepEqual(codes(r.flake, 'broken-follows'), [], s);
    assert.deepEqual(r.lock.filter((f) => f.code !== 'duplicate-lock-node'), [], s);
  }
});

test('missing-follows fix keeps the nested-set style and the attribute-form one-liner', async () => {
  const nested = fixture('nested-attrset', 'flake.nix');
  const f1 = codes((await scenario('nested-attrset')).flake, 'missing-follows')[0];
  const out1 = applyEdits(nested, f1.fixes[0].edits);
  assert.ok(out1.includes('      url = "path:/tmp/flake-lens-lock-fixtures/upstream/home-manager";\n      inputs.nixpkgs.follows = "nixpkgs";\n    };'), out1);
  const attrs = fixture('attrs-form', 'flake.nix');
  const f2 = codes((await scenario('attrs-form')).flake, 'missing-follows');
  assert.equal(f2.length, 1);
  const out2 = applyEdits(attrs, f2[0].fixes[0].edits);
  assert.ok(out2.includes('path = "/tmp/flake-lens-lock-fixtures/upstream/home-manager"; inputs.nixpkgs.follows = "nixpkgs"; };'), out2);
  if (NIX) for (const t of [out1, out2]) assert.deepEqual(nixParses(t), { ok: true });
});

test('missing-follows for a/b/nixpkgs lifts b to the root (Nix 2.8 ignores deeper overrides)', async () => {
  const text = fixture('nested-chain', 'flake.nix');
  const mf = codes((await scenario('nested-chain')).flake, 'missing-follows');
  assert.equal(mf.length, 1);
  assert.match(mf[0].message, /^wrapper\/home-manager\/nixpkgs locks/);
  const out = applyEdits(text, mf[0].fixes[0].edits);
  // Same shape as the nested-chain-follows fixture, which real Nix locks without a duplicate.
  assert.ok(out.includes('    wrapper.inputs.home-manager.follows = "home-manager";\n    home-manager.url = "path:/tmp/flake-lens-lock-fixtures/upstream/home-manager";\n    home-manager.inputs.nixpkgs.follows = "nixpkgs";\n  };'), out);
  assert.ok(out.includes('outputs = { self, nixpkgs, wrapper, home-manager }:'), out);
  if (NIX) assert.deepEqual(nixParses(out), { ok: true });
});

test('missing-follows skips flake = false inputs and dir=lib copies', async () => {
  // attrs-form's lib-user pulls nixpkgs?dir=lib at the old revision: not reported.
  const r = await scenario('attrs-form');
  assert.ok(codes(r.flake, 'missing-follows').every((f) => !/lib-user/.test(f.message)));
  // The same graph, but home-manager declared flake = false in flake.nix: nothing to follow.
  const text = fixture('no-follows', 'flake.nix').replace('inputs.home-manager.url = "path:/tmp/flake-lens-lock-fixtures/upstream/home-manager";', '$&\n  inputs.home-manager.flake = false;');
  const r2 = await run(text, fixture('no-follows', 'flake.lock'));
  assert.deepEqual(codes(r2.flake, 'missing-follows'), []);
});

test('stale-lock: declared follows not in the lock, new input, removed input', async () => {
  // with-follows' flake.nix against no-follows' lock: the follows is not reflected.
  const text = fixture('with-follows', 'flake.nix');
  const r = await run(text, fixture('no-follows', 'flake.lock'));
  const st = codes(r.flake, 'stale-lock');
  assert.equal(st.length, 1);
  assert.equal(text.slice(st[0].start, st[0].end), '"nixpkgs"');
  assert.match(st[0].message, /home-manager\/nixpkgs' should follow 'nixpkgs'/);
  // Declared follows: missing-follows defers to stale-lock.
  assert.deepEqual(codes(r.flake, 'missing-follows'), []);
  const added = fixture('no-follows', 'flake.nix').replace('  outputs', '  inputs.extra.url = "github:o/extra";\n  outputs');
  const r2 = await run(added, fixture('no-follows', 'flake.lock'));
  assert.deepEqual(codes(r2.flake, 'stale-lock').map((f) => added.slice(f.start, f.end)), ['extra']);
  const removed = fixture('no-follows', 'flake.nix').replace(/ *inputs\.home-manager\.url = .*\n/, '').replace(', home-manager', '');
  const lockText = fixture('no-follows', 'flake.lock');
  const r3 = await run(removed, lockText);
  const gone = codes(r3.lock, 'stale-lock');
  assert.equal(gone.length, 1);
  assert.match(lockText.slice(gone[0].start, gone[0].end), /^"home-manager": "home-manager"$/);
  assert.match(gone[0].message, /no longer declared/);
  // Still an argument of outputs: Nix now wants it from the registry, the lock has a path.
  const formalOnly = fixture('no-follows', 'flake.nix').replace(/ *inputs\.home-manager\.url = .*\n/, '');
  const r4 = await run(formalOnly, lockText);
  assert.match(codes(r4.lock, 'stale-lock')[0]?.message ?? '', /only an argument of outputs now, .* flake\.lock has 'path:/);
});

test('broken-follows: unknown input, self follows, missing a/b target', async () => {
  const lockText = fixture('follows-path', 'flake.lock');
  const base = fixture('follows-path', 'flake.nix');
  const bad = base.replace('inputs.nixpkgs.follows = "home-manager/nixpkgs";', 'inputs.nixpkgs.follows = "home-manager/nixpkgz";');
  const r = await run(bad, lockText);
  const bf = codes(r.flake, 'broken-follows');
  assert.equal(bf.length, 1);
  assert.equal(bf[0].severity, 'error');
  assert.equal(bad.slice(bf[0].start, bf[0].end), '"home-manager/nixpkgz"');
  assert.match(bf[0].message, /'home-manager' has no input 'nixpkgz'/);
  const r2 = await run('{ inputs.a.follows = "nope"; inputs.b.follows = "b"; outputs = _: {}; }');
  assert.deepEqual(codes(r2.flake, 'broken-follows').map((f) => f.message), [
    "'a' follows 'nope', but this flake has no input 'nope'",
    "input 'b' follows itself",
  ]);
  // Named only as an outputs formal, nixpkgs is an input (Nix locks it from the registry).
  const formal = '{ inputs.a.url = "github:o/a"; inputs.a.inputs.nixpkgs.follows = "nixpkgs"; outputs = { self, nixpkgs, a }: { }; }';
  assert.deepEqual(codes((await run(formal)).flake, 'broken-follows'), []);
  const selfOnly = '{ inputs.a.url = "github:o/a"; inputs.a.inputs.x.follows = "self"; outputs = { self, a }: { }; }';
  assert.equal(codes((await run(selfOnly)).flake, 'broken-follows').length, 1);
});

test('indirect-input: url = "nixpkgs", flake:…, no url', async () => {
  const text = fixture('indirect', 'flake.nix');
  const r = await scenario('indirect');
  const ii = codes(r.flake, 'indirect-input');
  assert.deepEqual(ii.map((f) => text.slice(f.start, f.end)), ['"nixpkgs"', '"flake:nixpkgs"']);
  assert.ok(ii.every((f) => f.severity === 'information'));
  const r2 = await run('{ inputs.nixpkgs = { }; inputs.x.url = "github:o/x"; inputs.y.url = "nixpkgs/nixos-24.05"; outputs = _: {}; }');
  assert.deepEqual(codes(r2.flake, 'indirect-input').map((f) => f.message.slice(0, 40)), [
    "input 'nixpkgs' has no url, so Nix looks",
    "'nixpkgs/nixos-24.05' is looked up in th",
  ]);
});

test('indirect-input offers the github URL the registry resolved to', async () => {
  const lock = JSON.stringify({
    nodes: {
      root: { inputs: { nixpkgs: 'nixpkgs' } },
      nixpkgs: {
        locked: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: 'a'.repeat(40), narHash: 'sha256-x', lastModified: 1 },
        original: { type: 'indirect', id: 'nixpkgs', ref: 'nixos-24.05' },
      },
    },
    root: 'root',
    version: 7,
  });
  const text = '{ inputs.nixpkgs.url = "nixpkgs/nixos-24.05"; outputs = { self, nixpkgs }: nixpkgs; }';
  const r = await run(text, lock);
  const f = codes(r.flake, 'indirect-input')[0];
  assert.equal(applyEdits(text, f.fixes[0].edits), '{ inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05"; outputs = { self, nixpkgs }: nixpkgs; }');
});

test('unused-input only when provably unused', async () => {
  const r = await scenario('indirect');
  // All of indirect's formals are unused by `{ }`, and none is followed by another input.
  assert.deepEqual(codes(r.flake, 'unused-input').map((f) => f.message), [
    "input 'nixpkgs' is never used by outputs",
    "input 'other' is never used by outputs",
    "input 'home-manager' is never used by outputs",
    "input 'unused' is never used by outputs",
  ]);
  const used = '{ inputs.a.url = "github:o/a"; inputs.b.url = "github:o/b"; outputs = { self, a, b }: { x = a; }; }';
  const f = codes((await run(used)).flake, 'unused-input');
  assert.deepEqual(f.map((x) => used.slice(x.start, x.end)), ['b']);
  assert.deepEqual(f[0].tags, ['unnecessary']);
  assert.equal(f[0].severity, 'hint');
  for (const t of [
    '{ inputs.b.url = "github:o/b"; outputs = { self, b, ... }: { }; }',
    '{ inputs.b.url = "github:o/b"; outputs = inputs@{ self, b }: { }; }',
    '{ inputs.b.url = "github:o/b"; outputs = inputs: { }; }',
    '{ inputs.b.url = "github:o/b"; outputs = { self, b }: { x = self.inputs.b; }; }',
    '{ inputs.b.url = "github:o/b"; outputs = { self, b }: { inherit b; }; }',
    '{ inputs.b.url = "github:o/b"; inputs.c.inputs.n.follows = "b"; outputs = { self, b, c }: c; }',
    // flake-compat is locked for default.nix, which reads flake.lock (NixOS/templates, comin).
    '{ inputs.flake-compat = { url = "github:edolstra/flake-compat"; flake = false; }; outputs = { self, flake-compat }: { }; }',
    '{ inputs.compat = { url = "github:NixOS/flake-compat"; flake = false; }; outputs = { self, compat }: { }; }',
  ]) {
    assert.deepEqual(codes((await run(t)).flake, 'unused-input'), [], t);
  }
  const asFlake = '{ inputs.flake-compat.url = "github:edolstra/flake-compat"; outputs = { self, flake-compat }: { }; }';
  assert.equal(codes((await run(asFlake)).flake, 'unused-input').length, 1, 'a flake-compat input read as a flake is not the lock-reading pattern');
});

test('lock-error findings come from a broken flake.lock, on flake.lock', async () => {
  const lockText = '{\n  "nodes": {\n    "root": { "inputs": { "a": ["b"], "b": ["a"] } }\n  },\n  "root": "root",\n  "version": 7\n}';
  const r = await run('{ inputs.a.url = "github:o/a"; inputs.b.url = "github:o/b"; outputs = _: {}; }', lockText);
  const le = codes(r.lock, 'lock-error');
  assert.equal(le.length, 2);
  assert.ok(le.every((f) => f.severity === 'error' && /leads back to itself/.test(f.message)));
  assert.equal(lockText.slice(le[0].start, le[0].end), '["b"]');
  const r2 = await run('{ outputs = _: {}; }', '{"nodes": ');
  assert.deepEqual(codes(r2.lock, 'lock-error').map((f) => f.message), ['flake.lock is not valid JSON: unexpected end of file']);
  // Nothing else runs on a lock that does not parse, and nothing throws.
  assert.deepEqual(r2.flake, []);
});

test('rules never throw on odd flake.nix text', async () => {
  for (const t of ['', '{', '{ inputs = 3; }', '{ inputs.${x}.url = "a"; outputs = 1; }', 'let x = 1; in x', '{ inputs."".url = ""; outputs = { }: { }; }']) {
    await run(t, fixture('no-follows', 'flake.lock'));
  }
});

test('applying the add-follows fix and re-locking with real nix removes the duplicate', { skip: !hasCommand('nix') && 'nix not on PATH', timeout: 300_000 }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-relock-'));
  try {
    const work = path.join(tmp, 'work');
    const out = path.join(tmp, 'out');
    execFileSync('bash', [path.join(ROOT, 'scripts', 'make-lock-fixtures.sh'), out], { env: { ...process.env, WORK: work }, stdio: 'pipe' });
    for (const s of ['no-follows', 'nested-attrset', 'nested-chain', 'attrs-form']) {
      const dir = path.join(work, 'scenarios', s);
      const text = fs.readFileSync(path.join(dir, 'flake.nix'), 'utf8');
      const before = await run(text, fs.readFileSync(path.join(dir, 'flake.lock'), 'utf8'));
      const mf = codes(before.flake, 'missing-follows');
      assert.equal(mf.length, 1, s);
      assert.equal(codes(before.lock, 'duplicate-lock-node').length, 1, s);
      const fixed = applyEdits(text, mf[0].fixes[0].edits);
      fs.writeFileSync(path.join(dir, 'flake.nix'), fixed);
      execFileSync('nix', ['--extra-experimental-features', 'nix-command flakes', '--option', 'flake-registry', path.join(work, 'registry.json'), 'flake', 'lock', `path:${dir}`, '--offline'], { stdio: 'pipe' });
      const after = await run(fixed, fs.readFileSync(path.join(dir, 'flake.lock'), 'utf8'));
      assert.deepEqual(codes(after.flake, 'missing-follows'), [], s);
      assert.deepEqual(codes(after.lock, 'duplicate-lock-node'), [], s);
      assert.deepEqual(codes(after.flake, 'stale-lock'), [], s);
      assert.deepEqual(codes(after.lock, 'lock-error'), [], s);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('stale-lock: a changed url is reported, equivalent spellings are not', async () => {
  // No fixture declares a url its lock disagrees with.
  for (const s of ['no-follows', 'with-follows', 'nested-attrset', 'nested-chain', 'nested-chain-follows', 'follows-path', 'flake-false', 'indirect', 'attrs-form', 'handmade']) {
    assert.deepEqual(codes((await scenario(s)).flake, 'stale-lock'), [], s);
  }
  const text = fixture('handmade', 'flake.nix').replace('github:NixOS/nixpkgs/nixos-23.11', 'github:NixOS/nixpkgs/nixos-24.05');
  const st = codes((await run(text, fixture('handmade', 'flake.lock'))).flake, 'stale-lock');
  assert.equal(st.length, 1);
  assert.equal(text.slice(st[0].start, st[0].end), '"github:NixOS/nixpkgs/nixos-24.05"');
  assert.match(st[0].message, /flake\.lock has 'github:NixOS\/nixpkgs\/nixos-23\.11'/);
  const same = fixture('handmade', 'flake.nix').replace('github:NixOS/nixpkgs/nixos-23.11', 'github:NixOS/nixpkgs?ref=nixos-23.11');
  assert.deepEqual(codes((await run(same, fixture('handmade', 'flake.lock'))).flake, 'stale-lock'), []);
});

test('a second root input of the same upstream is deliberate; copies matching it are not extra', async () => {
  const gh = (rev: string, date: number) => ({ type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: rev.repeat(40), narHash: `sha256-${rev}`, lastModified: date });
  const lock = JSON.stringify({
    nodes: {
      root: { inputs: { nixpkgs: 'nixpkgs', 'nixpkgs-unstable': 'nixpkgs-unstable', hm: 'hm', tool: 'tool' } },
      nixpkgs: { locked: gh('a', 1700000000), original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-23.11' } },
      'nixpkgs-unstable': { locked: gh('b', 1710000000), original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs' } },
      hm: { inputs: { nixpkgs: 'nixpkgs_2' }, locked: { type: 'github', owner: 'o', repo: 'hm', rev: 'c'.repeat(40) }, original: { type: 'github', owner: 'o', repo: 'hm' } },
      nixpkgs_2: { locked: gh('b', 1710000000), original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs' } },
      tool: { inputs: { 'nixpkgs-unstable': 'nixpkgs_3' }, locked: { type: 'github', owner: 'o', repo: 'tool', rev: 'd'.repeat(40) }, original: { type: 'github', owner: 'o', repo: 'tool' } },
      nixpkgs_3: { locked: gh('e', 1690000000), original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs' } },
    },
    root: 'root',
    version: 7,
  });
  const text = '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-23.11";\n  inputs.nixpkgs-unstable.url = "github:NixOS/nixpkgs";\n  inputs.hm.url = "github:o/hm";\n  inputs.tool.url = "github:o/tool";\n  outputs = { self, ... }: { };\n}';
  const r = await run(text, lock);
  // hm's copy equals nixpkgs-unstable: nothing to report. tool's copy is extra, and follows the
  // root input of the same name.
  const mf = codes(r.flake, 'missing-follows');
  assert.deepEqual(mf.map((f) => f.message), ['tool/nixpkgs-unstable locks eeeeeee (2023-07-22); your nixpkgs-unstable is bbbbbbb (2024-03-09)']);
  assert.ok(applyEdits(text, mf[0].fixes[0].edits).includes('  inputs.tool.url = "github:o/tool";\n  inputs.tool.inputs.nixpkgs-unstable.follows = "nixpkgs-unstable";\n'));
  assert.deepEqual(codes(r.lock, 'duplicate-lock-node').map((f) => lock.slice(f.start, f.end)), ['"nixpkgs_3":{']);
});

test('add-follows fix in many layouts: nix parses the result and it declares the follows', async () => {
  const gh = (repo: string, rev: string) => ({ type: 'github', owner: 'o', repo, rev: rev.repeat(40), narHash: `sha256-${rev}`, lastModified: 1700000000 });
  const lock = JSON.stringify({
    nodes: {
      root: { inputs: { nixpkgs: 'nixpkgs', hm: 'hm' } },
      nixpkgs: { locked: gh('nixpkgs', 'a'), original: { type: 'github', owner: 'o', repo: 'nixpkgs' } },
      hm: { inputs: { nixpkgs: 'nixpkgs_2' }, locked: gh('hm', 'b'), original: { type: 'github', owner: 'o', repo: 'hm' } },
      nixpkgs_2: { locked: gh('nixpkgs', 'c'), original: { type: 'github', owner: 'o', repo: 'nixpkgs' } },
    },
    root: 'root',
    version: 7,
  });
  const N = 'nixpkgs.url = "github:o/nixpkgs";';
  const layouts = [
    `{\n  inputs.${N}\n  inputs.hm.url = "github:o/hm"; # home\n  outputs = { self, nixpkgs, hm }: { };\n}\n`,
    `{ inputs = { ${N} hm.url = "github:o/hm"; }; outputs = _: { }; }`,
    `{\n  inputs.${N}\n  inputs.hm = {\n    url = "github:o/hm";\n  };\n  outputs = _: { };\n}`,
    `{\n  inputs = {\n    ${N}\n    hm = { url = "github:o/hm"; flake = true; };\n  };\n  outputs = _: { };\n}`,
    `{\n  inputs."hm".url = "github:o/hm";\n  inputs.${N}\n  outputs = _: { };\n}`,
    `rec {\n\tinputs = {\n\t\t${N}\n\t\thm.url = "github:o/hm";\n\t};\n\toutputs = _: { };\n}`,
    `{\r\n  inputs.${N}\r\n  inputs.hm.url = "github:o/hm";\r\n  outputs = _: { };\r\n}\r\n`,
    `{\n  inputs.${N}\n  inputs.hm = { };\n  outputs = _: { };\n}`,
    `{\n  inputs = {\n    ${N}\n    hm.url = "github:o/hm";\n    /* last */\n  };\n  outputs = _: { };\n}`,
  ];
  for (const text of layouts) {
    const mf = codes((await run(text, lock)).flake, 'missing-follows');
    assert.equal(mf.length, 1, text);
    const fixed = applyEdits(text, mf[0].fixes[0].edits);
    if (NIX) assert.deepEqual(nixParses(fixed), { ok: true }, fixed);
    const p = await ParsedNix.create(fixed);
    const fi = readFlakeInputs(p.tree.rootNode);
    assert.equal(findDecl(fi, ['hm', 'nixpkgs'])?.follows?.value, 'nixpkgs', fixed);
    assert.equal(fi.inputs.get('hm')!.url?.value ?? 'none', text.includes('hm = { }') ? 'none' : 'github:o/hm', fixed);
    // A trailing comment stays on its own line.
    if (text.includes('# home')) assert.ok(fixed.includes('"github:o/hm"; # home\n  inputs.hm.inputs.nixpkgs.follows'), fixed);
    // Lines keep the file's line endings.
    if (text.includes('\r\n')) assert.ok(!/[^\r]\n/.test(fixed), JSON.stringify(fixed));
    // Re-analysing the fixed text against a lock that has the follows finds nothing to do.
    const followed = JSON.parse(lock);
    followed.nodes.hm.inputs.nixpkgs = ['nixpkgs'];
    delete followed.nodes.nixpkgs_2;
    const again = await run(fixed, JSON.stringify(followed));
    assert.deepEqual(codes(again.flake, 'missing-follows'), [], fixed);
    assert.deepEqual(codes(again.flake, 'stale-lock'), [], fixed);
  }
});

test('a follows nested two inputs deep is explained, since re-locking cannot apply it in Nix 2.8', async () => {
  const text = fixture('nested-chain', 'flake.nix').replace('    wrapper.url', '    wrapper.inputs.home-manager.inputs.nixpkgs.follows = "nixpkgs";\n    wrapper.url');
  const r = await run(text, fixture('nested-chain', 'flake.lock'));
  const st = codes(r.flake, 'stale-lock');
  assert.equal(st.length, 1);
  assert.match(st[0].message, /Nix 2\.8 ignores follows nested more than one input deep; make 'wrapper\/home-manager' follow a root input/);
  // Related locations into flake.lock only when its path is known.
  const p = await ParsedNix.create(fixture('no-follows', 'flake.nix'));
  const withPath = checkLockRules(makeContext({ flakeText: fixture('no-follows', 'flake.nix'), flakeRoot: p.tree.rootNode, lockText: fixture('no-follows', 'flake.lock'), lockPath: '/x/flake.lock' }));
  assert.equal(codes(withPath.flake, 'missing-follows')[0].related?.[0].file, '/x/flake.lock');
  assert.equal(codes((await scenario('no-follows')).flake, 'missing-follows')[0].related, undefined);
});

// A lock from a compact description: node -> { inputs, locked, original, flake }.
function lockOf(nodes: Record<string, { inputs?: Record<string, string | string[]>; gh?: [string, string, string]; original?: Record<string, unknown>; flake?: false }>): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(nodes)) {
    const n: Record<string, unknown> = {};
    if (v.inputs) n.inputs = v.inputs;
    if (v.gh) {
      n.locked = { type: 'github', owner: v.gh[0], repo: v.gh[1], rev: v.gh[2].repeat(40).slice(0, 40), narHash: `sha256-${k}`, lastModified: 1700000000 };
      n.original = v.original ?? { type: 'github', owner: v.gh[0], repo: v.gh[1] };
    }
    if (v.flake === false) n.flake = false;
    out[k] = n;
  }
  return JSON.stringify({ nodes: out, root: 'root', version: 7 }, null, 2);
}

test('urls that are not strings: URI and path literals are urls; an unreadable url is not "no url"', async () => {
  const text = '{ inputs.nurpkgs.url = github:nix-community/NUR; inputs.fish.url = ./flakes/fish; inputs.d.url = "github:${o}/d"; outputs = _: { }; }';
  const p = await ParsedNix.create(text);
  const fi = readFlakeInputs(p.tree.rootNode, text);
  assert.deepEqual([fi.inputs.get('nurpkgs')!.url, fi.inputs.get('fish')!.url!.value], [{ value: 'github:nix-community/NUR', start: 23, end: 47, literal: 'uri' }, './flakes/fish']);
  assert.deepEqual(codes((await run(text)).flake, 'indirect-input'), []);
  // Compared with the lock like strings: a URI literal matching the lock is not stale.
  const lock = lockOf({ root: { inputs: { nurpkgs: 'nur' } }, nur: { gh: ['nix-community', 'NUR', 'a'] } });
  const one = '{ inputs.nurpkgs.url = github:nix-community/NUR; outputs = _: { }; }';
  assert.deepEqual(codes((await run(one, lock)).flake, 'stale-lock'), []);
});

test('stale-lock: percent-encoding and a leading slash are spelling, not change', async () => {
  const lock = JSON.stringify({
    nodes: {
      root: { inputs: { hub: 'hub' } },
      hub: { locked: { type: 'tarball', url: 'https://api.flakehub.com/f/pinned/NixOS/nixpkgs/0.1.1/x/source.tar.gz', narHash: 'sha256-x' }, original: { type: 'tarball', url: 'https://flakehub.com/f/NixOS/nixpkgs/0.1.%2A' } },
    },
    root: 'root',
    version: 7,
  });
  assert.deepEqual(codes((await run('{ inputs.hub.url = "https://flakehub.com/f/NixOS/nixpkgs/0.1.*"; outputs = _: { }; }', lock)).flake, 'stale-lock'), []);
  assert.equal(codes((await run('{ inputs.hub.url = "https://flakehub.com/f/NixOS/nixpkgs/0.2.*"; outputs = _: { }; }', lock)).flake, 'stale-lock').length, 1);
});

test('indirect-input fix keeps the revision of nixpkgs/<rev>', async () => {
  const rev = 'b582bb5b0d7af253b05d58314b85ab8ec46b8d19';
  const lock = JSON.stringify({
    nodes: {
      root: { inputs: { 'nixpkgs-hyprland': 'n' } },
      n: { locked: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev, narHash: 'sha256-x', lastModified: 1 }, original: { type: 'indirect', id: 'nixpkgs', rev } },
    },
    root: 'root',
    version: 7,
  });
  const text = `{ inputs.nixpkgs-hyprland.url = "nixpkgs/${rev}"; outputs = _: { }; }`;
  const f = codes((await run(text, lock)).flake, 'indirect-input')[0];
  assert.equal(applyEdits(text, f.fixes[0].edits), `{ inputs.nixpkgs-hyprland.url = "github:NixOS/nixpkgs/${rev}"; outputs = _: { }; }`);
});

test('missing-follows: a middle input follows the root input of its upstream instead of a new root input', async () => {
  const lock = lockOf({
    root: { inputs: { nixpkgs: 'nixpkgs', lib: 'lib', tool: 'tool' } },
    nixpkgs: { gh: ['NixOS', 'nixpkgs', 'a'] },
    lib: { inputs: { nixpkgs: ['nixpkgs'] }, gh: ['o', 'lib', 'b'] },
    tool: { inputs: { lib: 'lib_2' }, gh: ['o', 'tool', 'c'] },
    lib_2: { inputs: { nixpkgs: 'nixpkgs_2' }, gh: ['o', 'lib', 'd'] },
    nixpkgs_2: { gh: ['NixOS', 'nixpkgs', 'e'] },
  });
  const text = '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  inputs.lib.url = "github:o/lib";\n  inputs.lib.inputs.nixpkgs.follows = "nixpkgs";\n  inputs.tool.url = "github:o/tool";\n  outputs = { self, nixpkgs, lib, tool }: { };\n}\n';
  const mf = codes((await run(text, lock)).flake, 'missing-follows').filter((f) => f.message.startsWith('tool/lib/nixpkgs'));
  assert.equal(mf.length, 1);
  assert.equal(mf[0].fixes[0].title, 'Make tool/lib follow lib');
  const fixed = applyEdits(text, mf[0].fixes[0].edits);
  assert.ok(fixed.includes('  inputs.tool.url = "github:o/tool";\n  inputs.tool.inputs.lib.follows = "lib";\n'), fixed);
  assert.ok(fixed.includes('outputs = { self, nixpkgs, lib, tool }:'), 'no new root input, formals unchanged');
  if (NIX) assert.deepEqual(nixParses(fixed), { ok: true });
  // Written but not locked yet: the path is not reported again (the fix is idempotent).
  assert.deepEqual(codes((await run(fixed, lock)).flake, 'missing-follows').filter((f) => f.message.startsWith('tool/')), []);
});

test('missing-follows: deliberate copies (a pinned commit, a commented-out follows) are not reported', async () => {
  const lock = lockOf({
    root: { inputs: { nixpkgs: 'nixpkgs', nix: 'nix', hm: 'hm' } },
    nixpkgs: { gh: ['NixOS', 'nixpkgs', 'a'] },
    nix: { inputs: { 'nixpkgs-regression': 'reg' }, gh: ['NixOS', 'nix', 'b'] },
    reg: { gh: ['NixOS', 'nixpkgs', 'c'], original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: 'c'.repeat(40) } },
    hm: { inputs: { nixpkgs: 'nixpkgs_2' }, gh: ['nix-community', 'home-manager', 'd'] },
    nixpkgs_2: { gh: ['NixOS', 'nixpkgs', 'e'] },
  });
  const plain = '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  inputs.nix.url = "github:NixOS/nix";\n  inputs.hm = {\n    url = "github:nix-community/home-manager";\n  };\n  outputs = _: { };\n}\n';
  let r = await run(plain, lock);
  assert.deepEqual(codes(r.flake, 'missing-follows').map((f) => f.message.split(' ')[0]), ['hm/nixpkgs']);
  assert.equal(codes(r.lock, 'duplicate-lock-node').length, 1, 'the pinned nixpkgs-regression is not a duplicate worth a warning');
  for (const comment of [
    '    # inputs.nixpkgs.follows = "nixpkgs"; # keeps the binary cache\n',
    '    # inputs."nixpkgs".follows = "nixpkgs";\n',
  ]) {
    const text = plain.replace('  };\n  outputs', `${comment}  };\n  outputs`);
    r = await run(text, lock);
    assert.deepEqual(codes(r.flake, 'missing-follows'), [], text);
    assert.deepEqual(codes(r.lock, 'duplicate-lock-node'), [], text);
  }
  const flat = plain.replace('  outputs', '  # hm.inputs.nixpkgs.follows = "nixpkgs";\n  outputs');
  assert.deepEqual(codes((await run(flat, lock)).flake, 'missing-follows'), []);
  // A comment about another input's follows does not count.
  const other = plain.replace('  outputs', '  # nix.inputs.nixpkgs.follows = "nixpkgs";\n  # xhm.inputs.nixpkgs.follows = "nixpkgs";\n  outputs');
  assert.equal(codes((await run(other, lock)).flake, 'missing-follows').length, 1);
});

test('missing-follows: copies under Determinate, Nix or Hyprland (built from their own pins for their caches) are not reported', async () => {
  const plain = '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  inputs.dep.url = "github:o/dep";\n  outputs = _: { };\n}\n';
  for (const [owner, repo] of [['DeterminateSystems', 'nix-src'], ['NixOS', 'nix'], ['hyprwm', 'Hyprland']]) {
    // dep -> <vendor> -> nixpkgs at another revision: following would rebuild the vendor's build.
    const lock = lockOf({
      root: { inputs: { nixpkgs: 'nixpkgs', dep: 'dep' } },
      nixpkgs: { gh: ['NixOS', 'nixpkgs', 'a'] },
      dep: { inputs: { vendor: 'vendor' }, gh: ['o', 'dep', 'b'] },
      vendor: { inputs: { nixpkgs: 'nixpkgs_2' }, gh: [owner, repo, 'c'] },
      nixpkgs_2: { gh: ['NixOS', 'nixpkgs', 'd'] },
    });
    const r = await run(plain, lock);
    assert.deepEqual(codes(r.flake, 'missing-follows'), [], `${owner}/${repo}`);
    assert.deepEqual(codes(r.lock, 'duplicate-lock-node'), [], `${owner}/${repo}`);
  }
  // The same shape under any other upstream is reported.
  const lock = lockOf({
    root: { inputs: { nixpkgs: 'nixpkgs', dep: 'dep' } },
    nixpkgs: { gh: ['NixOS', 'nixpkgs', 'a'] },
    dep: { inputs: { vendor: 'vendor' }, gh: ['o', 'dep', 'b'] },
    vendor: { inputs: { nixpkgs: 'nixpkgs_2' }, gh: ['o', 'tool', 'c'] },
    nixpkgs_2: { gh: ['NixOS', 'nixpkgs', 'd'] },
  });
  assert.deepEqual(codes((await run(plain, lock)).flake, 'missing-follows').map((f) => f.message.split(' ')[0]), ['dep/vendor/nixpkgs']);
});

test('missing-follows: a dependency\'s second nixpkgs on another branch beside its main one is not reported; an only copy is', async () => {
  const branch = (ref: string) => ({ type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref });
  const lock = lockOf({
    root: { inputs: { nixpkgs: 'nixpkgs', sops: 'sops' } },
    nixpkgs: { gh: ['NixOS', 'nixpkgs', 'a'], original: branch('nixos-unstable') },
    // sops-nix: its nixpkgs follows the root, its nixpkgs-stable is a deliberate second branch.
    sops: { inputs: { nixpkgs: ['nixpkgs'], 'nixpkgs-stable': 'stable' }, gh: ['Mic92', 'sops-nix', 'b'] },
    stable: { gh: ['NixOS', 'nixpkgs', 'c'], original: branch('release-25.05') },
  });
  const flake = '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";\n  inputs.sops.url = "github:Mic92/sops-nix";\n  inputs.sops.inputs.nixpkgs.follows = "nixpkgs";\n  outputs = _: { };\n}\n';
  let r = await run(flake, lock);
  assert.deepEqual(codes(r.flake, 'missing-follows'), []);
  assert.deepEqual(codes(r.lock, 'duplicate-lock-node'), []);
  // Without the sibling, the dependency's only nixpkgs is an ordinary copy: reported.
  const only = lockOf({
    root: { inputs: { nixpkgs: 'nixpkgs', sops: 'sops' } },
    nixpkgs: { gh: ['NixOS', 'nixpkgs', 'a'], original: branch('nixos-unstable') },
    sops: { inputs: { 'nixpkgs-stable': 'stable' }, gh: ['Mic92', 'sops-nix', 'b'] },
    stable: { gh: ['NixOS', 'nixpkgs', 'c'], original: branch('release-25.05') },
  });
  r = await run(flake.replace('  inputs.sops.inputs.nixpkgs.follows = "nixpkgs";\n', ''), only);
  assert.deepEqual(codes(r.flake, 'missing-follows').map((f) => f.message.split(' ')[0]), ['sops/nixpkgs-stable']);
});

test('follows fixes never write a lock-derived name into Nix code unquoted (hostile input names)', async () => {
  const hostile = 'b ? null, ... }: builtins.trace "INJECTED" { }; #';
  // a/<hostile>/nixpkgs: the middle input would become a root input and an outputs formal.
  const deep = lockOf({
    root: { inputs: { nixpkgs: 'nixpkgs', a: 'a' } },
    nixpkgs: { gh: ['NixOS', 'nixpkgs', 'a'] },
    a: { inputs: { [hostile]: 'b' }, gh: ['o', 'a', 'b'] },
    b: { inputs: { nixpkgs: 'nixpkgs_2' }, gh: ['o', 'b', 'c'] },
    nixpkgs_2: { gh: ['NixOS', 'nixpkgs', 'd'] },
  });
  const text = '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  inputs.a.url = "github:o/a";\n  outputs = { self, nixpkgs, a }: { };\n}\n';
  const mf = codes((await run(text, deep)).flake, 'missing-follows');
  assert.equal(mf.length, 1);
  assert.deepEqual(mf[0].fixes, [], 'a name that is not an identifier cannot become a formal: no fix');
  // a/<hostile> is the copy itself: it appears only as a quoted attribute name.
  const shallow = lockOf({
    root: { inputs: { nixpkgs: 'nixpkgs', a: 'a' } },
    nixpkgs: { gh: ['NixOS', 'nixpkgs', 'a'] },
    a: { inputs: { [hostile]: 'nixpkgs_2' }, gh: ['o', 'a', 'b'] },
    nixpkgs_2: { gh: ['NixOS', 'nixpkgs', 'd'] },
  });
  const f2 = codes((await run(text, shallow)).flake, 'missing-follows');
  assert.equal(f2.length, 1);
  const fixed = applyEdits(text, f2[0].fixes[0].edits);
  assert.ok(fixed.includes('outputs = { self, nixpkgs, a }: { };'), fixed);
  if (!NIX) return;
  assert.deepEqual(nixParses(fixed), { ok: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-hostile-'));
  try {
    fs.writeFileSync(path.join(dir, 'flake.nix'), fixed);
    const expr = `let f = import ${dir}/flake.nix; in [ (builtins.attrNames f.inputs.a.inputs) (builtins.functionArgs f.outputs) ]`;
    const out = execFileSync('nix-instantiate', ['--eval', '--strict', '--json', '-E', expr], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.deepEqual(JSON.parse(out), [[hostile], { a: false, nixpkgs: false, self: false }]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
