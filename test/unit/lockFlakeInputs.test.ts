import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ParsedNix } from '../../server/src/nix/parser';
import { allDecls, findDecl, readFlakeInputs } from '../../server/src/lock/flakeInputs';
import { fixture } from './lockHelpers';

async function read(text: string) {
  const p = await ParsedNix.create(text);
  return readFlakeInputs(p.tree.rootNode);
}

test('flat style: inputs.X.url, inputs.X.inputs.Y.follows, flake = false', async () => {
  const text = [
    '{',
    '  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";',
    '  inputs.hm.url = "github:nix-community/home-manager";',
    '  inputs.hm.inputs.nixpkgs.follows = "nixpkgs";',
    '  inputs.src.flake = false;',
    '  outputs = { self, nixpkgs, hm, src }: { };',
    '}',
  ].join('\n');
  const fi = await read(text);
  assert.deepEqual([...fi.inputs.keys()], ['nixpkgs', 'hm', 'src']);
  const hm = fi.inputs.get('hm')!;
  assert.equal(hm.url!.value, 'github:nix-community/home-manager');
  assert.equal(text.slice(hm.nameStart, hm.nameEnd), 'hm');
  const f = findDecl(fi, ['hm', 'nixpkgs'])!;
  assert.equal(f.follows!.value, 'nixpkgs');
  assert.equal(text.slice(f.follows!.start, f.follows!.end), '"nixpkgs"');
  assert.deepEqual(f.path, ['hm', 'nixpkgs']);
  assert.equal(fi.inputs.get('src')!.flake!.value, false);
  assert.equal(fi.container!.style, 'flat');
  assert.deepEqual(hm.sites.map((s) => s.prefix), [['inputs', 'hm'], ['inputs', 'hm']]);
  assert.deepEqual(fi.outputs!.formals.map((f) => f.name), ['self', 'nixpkgs', 'hm', 'src']);
  assert.equal(fi.outputs!.ellipsis, false);
});

test('set style with per-input sets, attribute form, "quoted" names and nested follows', async () => {
  const text = `{
  inputs = {
    nixpkgs = {
      type = "github";
      owner = "NixOS";
      repo = "nixpkgs";
      ref = "nixos-24.05";
      dir = "lib";
    };
    "flake-utils".url = "github:numtide/flake-utils";
    a = {
      url = "github:o/a";
      inputs.b.inputs.c.follows = "nixpkgs";
      inputs.d = { follows = ""; };
    };
    x.follows = "a/b";
  };
  outputs = inputs@{ self, ... }: { };
}`;
  const fi = await read(text);
  assert.equal(fi.container!.style, 'set');
  const np = fi.inputs.get('nixpkgs')!;
  assert.deepEqual(Object.fromEntries(Object.entries(np.attrs).map(([k, v]) => [k, v.value])), { type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-24.05', dir: 'lib' });
  assert.equal(fi.inputs.get('flake-utils')!.url!.value, 'github:numtide/flake-utils');
  assert.equal(findDecl(fi, ['a', 'b', 'c'])!.follows!.value, 'nixpkgs');
  assert.equal(findDecl(fi, ['a', 'd'])!.follows!.value, '');
  assert.equal(fi.inputs.get('x')!.follows!.value, 'a/b');
  // a's own set is where new lines go: sites inside it have an empty prefix.
  assert.ok(fi.inputs.get('a')!.sites.some((s) => s.prefix.length === 0));
  assert.equal(fi.outputs!.atBinding, 'inputs');
  assert.equal(fi.outputs!.ellipsis, true);
  assert.deepEqual(allDecls(fi).map((d) => d.path.join('/')), ['nixpkgs', 'flake-utils', 'a', 'a/b', 'a/b/c', 'a/d', 'x']);
});

test('inputs.X = { ... } sets and uses in the outputs body', async () => {
  const fi = await read(fixture('flake-false', 'flake.nix'));
  assert.equal(fi.inputs.get('data')!.flake!.value, false);
  assert.equal(fi.inputs.get('src')!.flake!.value, false);
  const o = (await read('{ inputs.a.url = "x"; outputs = { self, a, b }: let c = a; in { inherit b; }; }')).outputs!;
  assert.ok(o.usedNames.has('a') && o.usedNames.has('b'));
  assert.equal(o.dynamicUse, false);
  const dyn = (await read('{ outputs = { self, a }: { x = self.inputs.a; }; }')).outputs!;
  assert.equal(dyn.dynamicUse, true);
});

test('a flake.nix that is not an attribute set is opaque', async () => {
  assert.equal((await read('import ./flake-impl.nix')).opaque, true);
  assert.equal((await read('{ inputs = import ./inputs.nix; outputs = _: {}; }')).opaque, true);
});
