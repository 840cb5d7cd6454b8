// impure-in-flake: search paths, builtins.currentSystem/getEnv/nixPath, import nixpkgs without a system.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../server/src/rules/findings';
import { applyFix, lint, spans } from '../helpers/lint';
import { nixMissing, nixParseText } from '../helpers/nix';

const INPUT = 'inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";';
function flake(outputs: string, inputs = INPUT): string {
  return `{\n  ${inputs}\n  outputs = ${outputs};\n}\n`;
}
const only = (fs: Finding[], code = 'impure-in-flake') => fs.filter((f) => f.code === code);

async function assertNixParses(text: string): Promise<void> {
  if (nixMissing()) return;
  const r = await nixParseText(text);
  assert.ok(r.ok, `nix-instantiate --parse rejects:\n${text}\n${r.stderr}`);
}

test('import <nixpkgs> {} is an error on the search path, with the input as a fix when the system is in scope', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; in { x = import <nixpkgs> { }; }');
  const fs = only(await lint(text));
  assert.deepEqual(spans(text, fs), ['<nixpkgs>']);
  const f = fs[0];
  assert.equal(f.severity, 'error');
  assert.match(f.message, /NIX_PATH/);
  assert.match(f.message, /pure/);
  assert.equal(f.fixes.length, 1);
  assert.equal(f.fixes[0].safe, false);
  assert.match(f.fixes[0].title, /changes meaning/);
  const out = applyFix(text, f.fixes[0]);
  assert.equal(out, text.replace('import <nixpkgs> { }', 'nixpkgs.legacyPackages.${system}'));
  await assertNixParses(out);
});

test('import <nixpkgs> { inherit system; } → the input, with @-pattern inputs', async () => {
  const text = flake('inputs@{ self, ... }: let system = "x86_64-linux"; in { x = (import <nixpkgs> { inherit system; }).hello; }');
  const [f] = only(await lint(text));
  assert.equal(text.slice(f.start, f.end), '<nixpkgs>');
  const out = applyFix(text, f.fixes[0]);
  assert.equal(out, text.replace('(import <nixpkgs> { inherit system; }).hello', 'inputs.nixpkgs.legacyPackages.${system}.hello'));
  await assertNixParses(out);
});

test('import <nixpkgs> with a literal system', async () => {
  const text = flake('{ self, nixpkgs }: { x = import <nixpkgs> { system = "aarch64-linux"; }; }');
  const [f] = only(await lint(text));
  const out = applyFix(text, f.fixes[0]);
  assert.equal(out, text.replace('import <nixpkgs> { system = "aarch64-linux"; }', 'nixpkgs.legacyPackages.aarch64-linux'));
  await assertNixParses(out);
});

test('no fix without a system in scope, with config, or for other search paths', async () => {
  for (const [outputs, span] of [
    ['{ self, nixpkgs }: { x = import <nixpkgs> { }; }', '<nixpkgs>'],
    ['{ self, nixpkgs }: let system = "x"; in { x = import <nixpkgs> { inherit system; config.allowUnfree = true; }; }', '<nixpkgs>'],
    ['{ self, nixpkgs }: let system = "x"; in { x = import <nixpkgs/lib> { }; }', '<nixpkgs/lib>'],
    ['{ self, nixpkgs }: let system = "x"; in { x = import <home-manager> { }; }', '<home-manager>'],
    ['{ self, nixpkgs }: { x = <nixpkgs/nixos/modules/foo.nix>; }', '<nixpkgs/nixos/modules/foo.nix>'],
  ]) {
    const text = flake(outputs);
    const fs = only(await lint(text));
    assert.deepEqual(spans(text, fs), [span], outputs);
    assert.deepEqual(fs[0].fixes, [], outputs);
  }
});

test('impure builtins', async () => {
  for (const [expr, span, why] of [
    ['builtins.currentSystem', 'builtins.currentSystem', /machine/],
    ['builtins.getEnv "HOME"', 'builtins.getEnv', /environment/],
    ['builtins.nixPath', 'builtins.nixPath', /NIX_PATH/],
    ['builtins.findFile builtins.nixPath "nixpkgs"', 'builtins.findFile', /NIX_PATH/],
    ['__currentSystem', '__currentSystem', /machine/],
    ['__getEnv "USER"', '__getEnv', /environment/],
  ] as const) {
    const text = flake(`{ self, nixpkgs }: { x = ${expr}; }`);
    const fs = only(await lint(text));
    assert.ok(spans(text, fs).includes(span), `${expr}: ${spans(text, fs)}`);
    const f = fs.find((x) => text.slice(x.start, x.end) === span)!;
    assert.equal(f.severity, 'error');
    assert.match(f.message, why, expr);
  }
});

test('builtins.currentSystem with system in scope: unsafe fix to `system`', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; in { x = builtins.currentSystem; }');
  const [f] = only(await lint(text));
  assert.equal(f.fixes.length, 1);
  assert.equal(f.fixes[0].safe, false);
  assert.match(f.fixes[0].title, /changes meaning/);
  const out = applyFix(text, f.fixes[0]);
  assert.equal(out, text.replace('x = builtins.currentSystem;', 'x = system;'));
  await assertNixParses(out);
  const noSystem = flake('{ self, nixpkgs }: { x = builtins.currentSystem; }');
  assert.deepEqual(only(await lint(noSystem))[0].fixes, []);
});

test('no `system` fix inside the value of the `system` binding itself (it would become `system = system;`)', async () => {
  const own = flake('{ self, nixpkgs }: let system = builtins.currentSystem; in { x = system; }');
  const [f] = only(await lint(own));
  assert.equal(own.slice(f.start, f.end), 'builtins.currentSystem');
  assert.deepEqual(f.fixes, []);
  // The same for a rec set, a formal's default and a value that merely contains the node.
  for (const outputs of [
    '{ self, nixpkgs }: rec { system = builtins.currentSystem; }',
    '{ self, nixpkgs }: { f = { system ? builtins.currentSystem }: system; }',
    '{ self, nixpkgs }: let system = if builtins.currentSystem == "x" then "a" else "b"; in { x = system; }',
  ]) {
    const fs = only(await lint(flake(outputs)));
    assert.equal(fs.length, 1, outputs);
    assert.deepEqual(fs[0].fixes, [], outputs);
  }
  // Another binding of the same let, or an outer `system`, still gets the fix.
  const other = flake('{ self, nixpkgs }: let system = "x86_64-linux"; host = builtins.currentSystem; in { x = host; }');
  const [g] = only(await lint(other));
  assert.equal(applyFix(other, g.fixes[0]), other.replace('host = builtins.currentSystem;', 'host = system;'));
  const outer = flake('{ self, nixpkgs }: let system = "x86_64-linux"; in { x = let y = builtins.currentSystem; in y; }');
  const [h] = only(await lint(outer));
  assert.equal(h.fixes.length, 1);
  await assertNixParses(applyFix(outer, h.fixes[0]));
});

test('a rebound `builtins` is not flagged; other builtins are fine', async () => {
  for (const outputs of [
    '{ self, nixpkgs }: let builtins = { currentSystem = "x"; }; in { x = builtins.currentSystem; }',
    '{ self, nixpkgs }: { x = builtins.map (y: y) [ ]; y = builtins.getFlake; }',
    '{ self, nixpkgs }: { x = builtins.currentSystemFoo or null; }',
  ]) {
    assert.deepEqual(only(await lint(flake(outputs))), [], outputs);
  }
});

test('import nixpkgs {} without a system: error, fix where the system is in scope', async () => {
  const call = 'import nixpkgs { }';
  const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; in { x = ${call}; }`);
  const fs = only(await lint(text));
  assert.deepEqual(spans(text, fs), [call]);
  assert.match(fs[0].message, /without a system/);
  assert.match(fs[0].message, /currentSystem/);
  const fix = fs[0].fixes[0];
  assert.equal(fix.safe, false);
  const out = applyFix(text, fix);
  assert.equal(out, text.replace(call, 'nixpkgs.legacyPackages.${system}'));
  await assertNixParses(out);
  // Not legacy-packages: that rule needs a system.
  assert.deepEqual(only(await lint(text), 'legacy-packages'), []);
});

test('import inputs.nixpkgs { config = …; } without a system: the fix adds `inherit system;`', async () => {
  const call = 'import inputs.nixpkgs { config.allowUnfree = true; }';
  const text = flake(`inputs: let system = "x86_64-linux"; in { x = ${call}; }`);
  const fs = only(await lint(text));
  assert.deepEqual(spans(text, fs), [call]);
  const out = applyFix(text, fs[0].fixes[0]);
  assert.equal(out, text.replace(call, 'import inputs.nixpkgs { inherit system; config.allowUnfree = true; }'));
  await assertNixParses(out);
});

test('import nixpkgs {} without a system and none in scope: no fix', async () => {
  const text = flake('{ self, nixpkgs }: { x = import nixpkgs { }; }');
  const [f] = only(await lint(text));
  assert.deepEqual(f.fixes, []);
});

test('flake.nix only: modules are not checked', async () => {
  const text = '{ nixpkgs, ... }: { x = import <nixpkgs> { }; y = builtins.currentSystem; z = import nixpkgs { }; }';
  assert.deepEqual(only(await lint(text, { isFlake: false })), []);
});

test('inside an ERROR node nothing is flagged or fixed', async () => {
  const text = flake('{ self, nixpkgs }: { x = import <nixpkgs> { } ] ; }');
  for (const f of only(await lint(text))) for (const fix of f.fixes) assert.fail(`fix offered inside broken code: ${fix.title}`);
});

test('suppression comment and settings', async () => {
  const text = flake(`{ self, nixpkgs }: {
    # flake-lens: ignore impure-in-flake
    x = builtins.currentSystem;
    y = builtins.getEnv "HOME";
  }`);
  assert.deepEqual(spans(text, only(await lint(text))), ['builtins.getEnv']);
  assert.deepEqual(only(await lint(text, { settings: { rules: { 'impure-in-flake': 'off' } } })), []);
  assert.deepEqual(only(await lint(text, { settings: { rules: { 'impure-in-flake': 'warning' } } })).map((f) => f.severity), ['warning']);
});

test('`inherit (builtins) currentSystem getEnv;` is flagged on each impure name', async () => {
  const text = flake('{ self, nixpkgs }: let inherit (builtins) currentSystem getEnv map; in { x = currentSystem; }');
  const fs = only(await lint(text));
  assert.deepEqual(spans(text, fs), ['currentSystem', 'getEnv']);
  assert.ok(fs[0].start < text.indexOf('getEnv'), 'flagged where it is inherited');
  const shadowed = flake('{ self, nixpkgs }: let builtins = { currentSystem = "x"; }; in let inherit (builtins) currentSystem; in { x = currentSystem; }');
  assert.deepEqual(only(await lint(shadowed)), []);
});

test('`with builtins; currentSystem` is flagged; a lexically bound name or another with is not', async () => {
  const text = flake('{ self, nixpkgs }: { x = with builtins; currentSystem; y = with builtins; let currentSystem = "x"; in currentSystem; z = with { }; getEnv "HOME"; }');
  assert.deepEqual(spans(text, only(await lint(text))), ['currentSystem']);
  assert.equal(only(await lint(text))[0].start, text.indexOf('currentSystem;'));
});

test('a system given as localSystem is pure (issue 8: hyprwm, nixos-apple-silicon shapes)', async () => {
  for (const args of [
    '{ localSystem.system = system; overlays = [ ]; }',
    '{ localSystem.system = system; overlays = with self.overlays; [ default ]; }',
    '{ localSystem = { inherit system; }; overlays = [ (final: prev: { }) ]; }',
    '{ localSystem = system; crossSystem = "aarch64-linux"; }',
    '{ crossSystem.system = "aarch64-linux"; localSystem.system = system; overlays = [ self.overlays.default ]; }',
    '{ localSystem = { system = system; gcc.arch = "znver3"; }; }',
    '{ localSystem.system = system; localSystem.gcc.arch = "znver3"; }',
    '{ localSystem = lib.systems.elaborate system; config.allowUnfree = true; }',
    '{ inherit localSystem; }',
  ]) {
    const text = flake(`{ self, nixpkgs }: let lib = nixpkgs.lib; localSystem = "x86_64-linux"; in { x = system: import nixpkgs ${args}; }`);
    assert.deepEqual(spans(text, only(await lint(text))), [], args);
  }
});

test('crossSystem without localSystem or system still falls back to currentSystem', async () => {
  const text = flake('{ self, nixpkgs }: { x = import nixpkgs { crossSystem.system = "aarch64-linux"; }; }');
  assert.deepEqual(spans(text, only(await lint(text))), ['import nixpkgs { crossSystem.system = "aarch64-linux"; }']);
});

test('localSystem.system alone is a plain system for legacy-packages', async () => {
  const text = flake('{ self, nixpkgs }: { x = system: import nixpkgs { localSystem.system = system; }; }');
  const fs = await lint(text);
  assert.deepEqual(spans(text, only(fs, 'legacy-packages')), ['import nixpkgs { localSystem.system = system; }']);
  const out = applyFix(text, only(fs, 'legacy-packages')[0].fixes[0]);
  assert.equal(out, text.replace('import nixpkgs { localSystem.system = system; }', 'nixpkgs.legacyPackages.${system}'));
  await assertNixParses(out);
  // With more localSystem attributes it is an elaborated platform: a config import.
  const elaborate = flake('{ self, nixpkgs }: { x = system: import nixpkgs { localSystem.system = system; localSystem.gcc.arch = "znver3"; }; }');
  const ef = await lint(elaborate);
  assert.deepEqual(only(ef, 'legacy-packages'), []);
  assert.equal(only(ef, 'nixpkgs-config-import').length, 1);
});

test('arguments through a binding without a system: impure, and the fix does not edit the binding', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; args = { config.allowUnfree = true; }; in { x = import nixpkgs args; y = import nixpkgs argsWithSystem; argsWithSystem = { }; }');
  const fs = only(await lint(text));
  assert.deepEqual(spans(text, fs), ['import nixpkgs args']);
  assert.deepEqual(fs[0].fixes, []);
  const bound = flake('{ self, nixpkgs }: let nixpkgsArgs = { localSystem.system = "x86_64-linux"; config = { }; }; in { x = import nixpkgs nixpkgsArgs; }');
  assert.deepEqual(only(await lint(bound)), []);
});
