// nixpkgs-config-import: an import with config/overlays/crossSystem/… is information, never rewritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../server/src/rules/findings';
import { lint, spans } from '../helpers/lint';

const INPUT = 'inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";';
function flake(outputs: string, inputs = INPUT): string {
  return `{\n  ${inputs}\n  outputs = ${outputs};\n}\n`;
}
const only = (fs: Finding[], code = 'nixpkgs-config-import') => fs.filter((f) => f.code === code);

test('config, overlays, crossSystem and other arguments are reported as information', async () => {
  const cases: [string, string][] = [
    ['config.allowUnfree = true;', 'config'],
    ['config = { allowUnfree = true; };', 'config'],
    ['overlays = [ (final: prev: { }) ];', 'overlays'],
    ['overlays = [ self.overlays.default ];', 'overlays'],
    ['crossSystem = { config = "aarch64-unknown-linux-gnu"; };', 'crossSystem'],
    ['crossOverlays = [ (final: prev: { }) ];', 'crossOverlays'],
    ['config = import ./config.nix;', 'config'],
    ['localSystem = { inherit system; gcc.arch = "znver3"; };', 'localSystem'],
  ];
  for (const [extra, name] of cases) {
    const call = `import nixpkgs { inherit system; ${extra} }`;
    const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; in { x = ${call}; }`);
    const fs = only(await lint(text));
    assert.deepEqual(spans(text, fs), [call], extra);
    const f = fs[0];
    assert.equal(f.severity, 'information');
    assert.match(f.message, new RegExp('`' + name + '`'), extra);
    assert.match(f.message, /new nixpkgs instance/);
    assert.match(f.message, /devShells|checks/);
    assert.match(f.message, /overlay/);
    // No rewrite that would change meaning.
    assert.deepEqual(f.fixes.filter((x) => x.safe), [], extra);
    // Not legacy-packages.
    assert.deepEqual(only(await lint(text), 'legacy-packages'), [], extra);
  }
});

test('names every extra argument once', async () => {
  const call = 'import nixpkgs { inherit system; config.allowUnfree = true; config.cudaSupport = true; overlays = [ ]; crossSystem = "aarch64-linux"; }';
  const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; in { x = ${call}; }`);
  const [f] = only(await lint(text));
  assert.match(f.message, /`config`, `crossSystem`/);
  assert.equal(f.message.match(/`config`/g)?.length, 1);
  assert.ok(!/`overlays`/.test(f.message), 'empty overlays is not an argument that needs an instance');
});

test('reached through inputs.X, @-pattern and alias; modules too', async () => {
  const call = 'import inputs.nixpkgs { system = "x86_64-linux"; overlays = [ ]; config.allowUnfree = true; }';
  assert.equal(only(await lint(flake(`inputs@{ self, ... }: { x = ${call}; }`))).length, 1);
  assert.equal(only(await lint(`{ inputs, ... }: { x = ${call}; }`, { isFlake: false })).length, 1);
  assert.equal(only(await lint(flake(`{ self, nixpkgs }: let np = nixpkgs; in { x = import np { system = "x"; config = { a = 1; }; }; }`))).length, 1);
});

test('not reported for non-nixpkgs or shadowed names, nor for system-only imports', async () => {
  for (const outputs of [
    '{ self, nixpkgs }: { f = nixpkgs: import nixpkgs { system = "x"; config.allowUnfree = true; }; }',
    '{ self, nixpkgs }: { x = import ./pkgs.nix { system = "x"; config.allowUnfree = true; }; }',
    '{ self, nixpkgs }: { x = import nixpkgs { system = "x86_64-linux"; }; }',
    '{ self, nixpkgs }: { x = import nixpkgs { system = "x86_64-linux"; config = { }; overlays = [ ]; }; }',
  ]) {
    assert.deepEqual(only(await lint(flake(outputs))), [], outputs);
  }
});

test('config imports are left untouched by fix-all', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; in { x = import nixpkgs { inherit system; config.allowUnfree = true; }; }');
  for (const f of await lint(text)) assert.deepEqual(f.fixes.filter((x) => x.safe), [], f.code);
});

test('suppression and settings', async () => {
  const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; in {
    # flake-lens: ignore nixpkgs-config-import
    x = import nixpkgs { inherit system; config.allowUnfree = true; };
    y = import nixpkgs { inherit system; overlays = [ (f: p: { }) ]; };
  }`);
  assert.equal(only(await lint(text)).length, 1);
  assert.equal(only(await lint(text, { settings: { rules: { 'nixpkgs-config-import': 'off' } } })).length, 0);
  const fs = only(await lint(text, { settings: { rules: { 'nixpkgs-config-import': 'hint' } } }));
  assert.deepEqual(fs.map((f) => f.severity), ['hint']);
});

test('inherit lists: every inherited name is an argument of its own', async () => {
  const cases: [string, RegExp][] = [
    ['inherit system config;', /with `config` /],
    ['inherit (args) system config overlays;', /with `config`, `overlays` /],
    ['inherit system; inherit (args) crossSystem;', /with `crossSystem` /],
  ];
  for (const [bindings, message] of cases) {
    const call = `import nixpkgs { ${bindings} }`;
    const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; config = { }; args = { inherit system config; overlays = [ ]; crossSystem = null; }; in { x = ${call}; }`);
    const fs = only(await lint(text));
    assert.deepEqual(spans(text, fs), [call], bindings);
    assert.match(fs[0].message, message, bindings);
    assert.deepEqual(only(await lint(text), 'legacy-packages'), [], bindings);
  }
});

test('localSystem that may be an elaborated system set is not a plain system', async () => {
  for (const value of ['lib.systems.elaborate "x86_64-linux"', 'rec { system = "x86_64-linux"; }', '{ system = "x86_64-linux"; gcc.arch = "znver3"; }']) {
    const call = `import nixpkgs { localSystem = ${value}; }`;
    const text = flake(`{ self, nixpkgs }: let lib = nixpkgs.lib; in { x = ${call}; }`);
    assert.deepEqual(spans(text, only(await lint(text))), [call], value);
    assert.deepEqual(only(await lint(text), 'legacy-packages'), [], value);
  }
});

test('system given twice (system and localSystem) is not a plain system', async () => {
  const call = 'import nixpkgs { system = "x86_64-linux"; localSystem = "aarch64-linux"; }';
  const text = flake(`{ self, nixpkgs }: { x = ${call}; }`);
  assert.deepEqual(only(await lint(text), 'legacy-packages'), []);
  assert.match(only(await lint(text))[0].message, /`localSystem`/);
});
