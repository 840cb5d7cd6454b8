// legacy-packages: `import <nixpkgs input> { <only the system> }` → `<input>.legacyPackages.<system>`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding, Fix } from '../../server/src/rules/findings';
import { applyEdits, applyFix, lint, spans } from '../helpers/lint';
import { nixMissing, nixParseText } from '../helpers/nix';
import { fixAllEdits } from '../../server/src/rules/fixes';

const INPUT = 'inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";';
function flake(outputs: string, inputs = INPUT): string {
  return `{\n  ${inputs}\n  outputs = ${outputs};\n}\n`;
}

/** Nix itself must accept the text (skipped when nix-instantiate is not installed). */
async function assertNixParses(text: string): Promise<void> {
  if (nixMissing()) return;
  const r = await nixParseText(text);
  assert.ok(r.ok, `nix-instantiate --parse rejects:\n${text}\n${r.stderr}`);
}

const only = (fs: Finding[], code = 'legacy-packages') => fs.filter((f) => f.code === code);

/** Lints, expects exactly one legacy-packages finding on `span`, applies its fix, checks the text. */
async function expectFix(text: string, span: string, expected: string, opts: Parameters<typeof lint>[1] = {}): Promise<Fix> {
  const fs = only(await lint(text, opts));
  assert.deepEqual(spans(text, fs), [span]);
  const f = fs[0];
  assert.equal(f.severity, 'warning');
  assert.equal(f.fixes.length, 1);
  const fix = f.fixes[0];
  assert.equal(fix.safe, true);
  assert.equal(fix.preferred, true);
  const out = applyFix(text, fix);
  assert.equal(out, expected);
  await assertNixParses(text);
  await assertNixParses(out);
  // Fixed text is clean for this rule.
  assert.deepEqual(only(await lint(out, opts)), []);
  return fix;
}

/** The server's fix-all: every safe quick-fix whose edits do not overlap one already chosen. */
async function fixAll(text: string, opts: Parameters<typeof lint>[1] = {}): Promise<string> {
  return applyEdits(text, fixAllEdits(await lint(text, opts)));
}

test('formal nixpkgs with `inherit system;` → nixpkgs.legacyPackages.${system}', async () => {
  const text = flake(`{ self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = import nixpkgs { inherit system; };
    in { packages.\${system}.default = pkgs.hello; }`);
  const fix = await expectFix(text, 'import nixpkgs { inherit system; }', text.replace('import nixpkgs { inherit system; }', 'nixpkgs.legacyPackages.${system}'));
  assert.match(fix.title, /nixpkgs\.legacyPackages\.\$\{system\}/);
});

test('message says what and why', async () => {
  const text = flake('{ nixpkgs, ... }: { x = import nixpkgs { system = "x86_64-linux"; }; }');
  const [f] = only(await lint(text));
  assert.match(f.message, /import nixpkgs/);
  assert.match(f.message, /instance|evaluates nixpkgs again/);
  assert.match(f.message, /nixpkgs\.legacyPackages\.x86_64-linux/);
});

test('literal system → .x86_64-linux', async () => {
  const text = flake('{ nixpkgs, ... }: { x = import nixpkgs { system = "x86_64-linux"; }; }');
  await expectFix(text, 'import nixpkgs { system = "x86_64-linux"; }', text.replace('import nixpkgs { system = "x86_64-linux"; }', 'nixpkgs.legacyPackages.x86_64-linux'));
});

test('expression system → .${expr}', async () => {
  const text = flake('{ nixpkgs, ... }: let cfg = { arch = "x86_64-linux"; }; in { x = import nixpkgs { system = cfg.arch; }; }');
  await expectFix(text, 'import nixpkgs { system = cfg.arch; }', text.replace('import nixpkgs { system = cfg.arch; }', 'nixpkgs.legacyPackages.${cfg.arch}'));
});

test('interpolated string system stays an expression', async () => {
  const text = flake('{ nixpkgs, ... }: let arch = "x86_64"; in { x = import nixpkgs { system = "${arch}-linux"; }; }');
  await expectFix(text, 'import nixpkgs { system = "${arch}-linux"; }', text.replace('import nixpkgs { system = "${arch}-linux"; }', 'nixpkgs.legacyPackages.${"${arch}-linux"}'));
});

test('`system = system;` is the same as inherit', async () => {
  const text = flake('{ nixpkgs, ... }: let system = "aarch64-linux"; in { x = import nixpkgs { system = system; }; }');
  await expectFix(text, 'import nixpkgs { system = system; }', text.replace('import nixpkgs { system = system; }', 'nixpkgs.legacyPackages.${system}'));
});

test('`inherit (x) system;` → .${x.system}', async () => {
  const text = flake('{ nixpkgs, ... }: let host = { system = "x86_64-linux"; }; in { x = import nixpkgs { inherit (host) system; }; }');
  await expectFix(text, 'import nixpkgs { inherit (host) system; }', text.replace('import nixpkgs { inherit (host) system; }', 'nixpkgs.legacyPackages.${host.system}'));
});

test('localSystem = { inherit system; } / { system = "…"; } / "…"', async () => {
  for (const [arg, sys] of [
    ['localSystem = { inherit system; };', '${system}'],
    ['localSystem = { system = "aarch64-darwin"; };', 'aarch64-darwin'],
    ['localSystem = "x86_64-linux";', 'x86_64-linux'],
    ['localSystem = system;', '${system}'],
  ]) {
    const call = `import nixpkgs { ${arg} }`;
    const text = flake(`{ nixpkgs, ... }: let system = "x86_64-linux"; in { x = ${call}; }`);
    await expectFix(text, call, text.replace(call, `nixpkgs.legacyPackages.${sys}`));
  }
});

test('empty config and overlays still count as system-only', async () => {
  for (const extra of ['config = {};', 'overlays = [];', 'config = { }; overlays = [ ];', 'overlays = []; config = {};']) {
    const call = `import nixpkgs { inherit system; ${extra} }`;
    const text = flake(`{ nixpkgs, ... }: let system = "x86_64-linux"; in { x = ${call}; }`);
    await expectFix(text, call, text.replace(call, 'nixpkgs.legacyPackages.${system}'));
  }
});

test('config, overlays, crossSystem or anything else: not legacy-packages', async () => {
  for (const extra of [
    'config.allowUnfree = true;',
    'config = { allowUnfree = true; };',
    'overlays = [ (final: prev: { }) ];',
    'crossSystem = "aarch64-linux";',
    'crossOverlays = [ ];',
  ]) {
    const text = flake(`{ nixpkgs, ... }: let system = "x86_64-linux"; in { x = import nixpkgs { inherit system; ${extra} }; }`);
    assert.deepEqual(only(await lint(text)), [], extra);
  }
});

test('opaque arguments (function argument, rec set, //, select) are left alone', async () => {
  for (const args of ['rec { system = "x86_64-linux"; }', '({ inherit system; } // args)', 'cfg.args', 'fnArg', 'loop']) {
    const text = flake(`{ nixpkgs, ... }: fnArg: let system = "x86_64-linux"; args = { inherit system; }; cfg = { inherit args; }; loop = loop2; loop2 = loop; in { x = import nixpkgs ${args}; }`);
    assert.deepEqual(only(await lint(text)), [], args);
  }
});

test('(import nixpkgs { … }).attr loses its parentheses', async () => {
  const text = flake('{ nixpkgs, ... }: let system = "x86_64-linux"; in { x = (import nixpkgs { inherit system; }).hello; }');
  await expectFix(text, 'import nixpkgs { inherit system; }', text.replace('(import nixpkgs { inherit system; }).hello', 'nixpkgs.legacyPackages.${system}.hello'));
});

test('(import nixpkgs { … }).attr or default', async () => {
  const text = flake('{ nixpkgs, ... }: let system = "x86_64-linux"; in { x = (import nixpkgs { inherit system; }).hello or null; }');
  await expectFix(text, 'import nixpkgs { inherit system; }', text.replace('(import nixpkgs { inherit system; }).hello or null', 'nixpkgs.legacyPackages.${system}.hello or null'));
});

test('with import nixpkgs { … }; …', async () => {
  const text = flake('{ nixpkgs, ... }: let system = "x86_64-linux"; in { x = with import nixpkgs { inherit system; }; [ hello git ]; }');
  await expectFix(text, 'import nixpkgs { inherit system; }', text.replace('with import nixpkgs { inherit system; };', 'with nixpkgs.legacyPackages.${system};'));
});

test('as a function argument and an operand', async () => {
  const text = flake('{ nixpkgs, ... }: let system = "x86_64-linux"; f = x: x; in { x = f (import nixpkgs { inherit system; }); y = import nixpkgs { inherit system; } // { }; }');
  const fs = only(await lint(text));
  assert.equal(fs.length, 2);
  const out = await fixAll(text);
  assert.equal(out, text.replace('(import nixpkgs { inherit system; })', 'nixpkgs.legacyPackages.${system}').replace('import nixpkgs { inherit system; } //', 'nixpkgs.legacyPackages.${system} //'));
  await assertNixParses(out);
});

test('inputs.nixpkgs through the @-pattern', async () => {
  const text = flake('inputs@{ self, ... }: let system = "x86_64-linux"; in { x = import inputs.nixpkgs { inherit system; }; }');
  await expectFix(text, 'import inputs.nixpkgs { inherit system; }', text.replace('import inputs.nixpkgs { inherit system; }', 'inputs.nixpkgs.legacyPackages.${system}'));
});

test('inputs.nixpkgs through a plain `inputs:` argument', async () => {
  const text = flake('inputs: let system = "x86_64-linux"; in { x = import inputs.nixpkgs { inherit system; }; }');
  await expectFix(text, 'import inputs.nixpkgs { inherit system; }', text.replace('import inputs.nixpkgs { inherit system; }', 'inputs.nixpkgs.legacyPackages.${system}'));
});

test('self.inputs.nixpkgs', async () => {
  const text = flake('{ self, ... }: let system = "x86_64-linux"; in { x = import self.inputs.nixpkgs { inherit system; }; }');
  await expectFix(text, 'import self.inputs.nixpkgs { inherit system; }', text.replace('import self.inputs.nixpkgs { inherit system; }', 'self.inputs.nixpkgs.legacyPackages.${system}'));
});

test('let alias of an input', async () => {
  const text = flake('{ nixpkgs, ... }: let np = nixpkgs; system = "x86_64-linux"; in { x = import np { inherit system; }; }');
  await expectFix(text, 'import np { inherit system; }', text.replace('import np { inherit system; }', 'np.legacyPackages.${system}'));
});

test('`inherit (inputs) nixpkgs;` in a let', async () => {
  const text = flake('inputs@{ self, ... }: let inherit (inputs) nixpkgs; system = "x86_64-linux"; in { x = import nixpkgs { inherit system; }; }');
  await expectFix(text, 'import nixpkgs { inherit system; }', text.replace('import nixpkgs { inherit system; }', 'nixpkgs.legacyPackages.${system}'));
});

test('parenthesised target and arguments', async () => {
  const text = flake('{ nixpkgs, ... }: let system = "x86_64-linux"; in { x = import (nixpkgs) ({ inherit system; }); }');
  await expectFix(text, 'import (nixpkgs) ({ inherit system; })', text.replace('import (nixpkgs) ({ inherit system; })', 'nixpkgs.legacyPackages.${system}'));
});

test('shadowing: an inner lambda argument named nixpkgs is not the input', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; mk = nixpkgs: import nixpkgs { inherit system; }; in { x = mk ./vendored; }');
  assert.deepEqual(only(await lint(text)), []);
});

test('shadowing: a let binding named nixpkgs is not the input', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; in { x = let nixpkgs = ./vendored; in import nixpkgs { inherit system; }; }');
  assert.deepEqual(only(await lint(text)), []);
});

test('shadowing: a formals pattern of an inner function', async () => {
  const text = flake('inputs@{ self, nixpkgs, ... }: { lib.mk = { nixpkgs, system }: import nixpkgs { inherit system; }; }');
  assert.deepEqual(only(await lint(text)), []);
});

test('shadowing: `inputs` rebound in an inner let', async () => {
  const text = flake('inputs@{ self, ... }: { x = let inputs = { nixpkgs = ./vendored; }; in import inputs.nixpkgs { system = "x86_64-linux"; }; }');
  assert.deepEqual(only(await lint(text)), []);
});

test('a non-nixpkgs input is not flagged', async () => {
  const text = flake(
    '{ self, nixpkgs, home-manager }: { x = import home-manager { system = "x86_64-linux"; }; y = import ./foo.nix { system = "x86_64-linux"; }; }',
    'inputs.nixpkgs.url = "github:NixOS/nixpkgs"; inputs.home-manager.url = "github:nix-community/home-manager";',
  );
  assert.deepEqual(only(await lint(text)), []);
});

test('module (isFlake: false): nixpkgs* names and inputs.nixpkgs* count', async () => {
  const cases: [string, string, string][] = [
    ['{ nixpkgs, ... }: { x = import nixpkgs { system = "x86_64-linux"; }; }', 'import nixpkgs { system = "x86_64-linux"; }', 'nixpkgs.legacyPackages.x86_64-linux'],
    ['{ inputs, pkgs, ... }: { x = import inputs.nixpkgs-stable { inherit (pkgs) system; }; }', 'import inputs.nixpkgs-stable { inherit (pkgs) system; }', 'inputs.nixpkgs-stable.legacyPackages.${pkgs.system}'],
    ['{ nixpkgs-unstable, system, ... }: import nixpkgs-unstable { inherit system; }', 'import nixpkgs-unstable { inherit system; }', 'nixpkgs-unstable.legacyPackages.${system}'],
  ];
  for (const [text, span, repl] of cases) {
    await expectFix(text, span, text.replace(span, repl), { isFlake: false });
  }
});

test('module (isFlake: false): other names are not nixpkgs', async () => {
  for (const text of [
    '{ pkgs, ... }: { x = import pkgs.path { system = "x86_64-linux"; }; }',
    '{ inputs, ... }: { x = import inputs.home-manager { system = "x86_64-linux"; }; }',
    '{ src, ... }: import src { system = "x86_64-linux"; }',
  ]) {
    assert.deepEqual(only(await lint(text, { isFlake: false })), [], text);
  }
});

test('related information lists the other sites of the same input', async () => {
  const text = flake(`{ nixpkgs, ... }: {
    a = import nixpkgs { system = "x86_64-linux"; };
    b = import nixpkgs { system = "aarch64-linux"; };
  }`);
  const fs = only(await lint(text));
  assert.equal(fs.length, 2);
  for (const f of fs) {
    assert.equal(f.related?.length, 1);
    const r = f.related![0];
    assert.notEqual(r.start, f.start);
    assert.match(text.slice(r.start, r.end), /^import nixpkgs \{ system = "/);
  }
});

test('suppression comment on the line above silences only that rule', async () => {
  const text = flake(`{ nixpkgs, ... }: {
    # flake-lens: ignore legacy-packages
    a = import nixpkgs { system = "x86_64-linux"; };
    b = import nixpkgs { system = "aarch64-linux"; };
  }`);
  const fs = only(await lint(text));
  assert.deepEqual(spans(text, fs), ['import nixpkgs { system = "aarch64-linux"; }']);
});

test('suppression comment for another rule does not silence legacy-packages', async () => {
  const text = flake(`{ nixpkgs, ... }: {
    # flake-lens: ignore repeated-import
    a = import nixpkgs { system = "x86_64-linux"; };
  }`);
  assert.equal(only(await lint(text)).length, 1);
});

test('trailing suppression comment and ignore-file', async () => {
  const a = flake('{ nixpkgs, ... }: {\n    a = import nixpkgs { system = "x86_64-linux"; }; # flake-lens: ignore legacy-packages\n  }');
  assert.deepEqual(only(await lint(a)), []);
  const b = '# flake-lens: ignore-file legacy-packages\n' + flake('{ nixpkgs, ... }: { a = import nixpkgs { system = "x86_64-linux"; }; }');
  assert.deepEqual(only(await lint(b)), []);
});

test('settings: off and severity override', async () => {
  const text = flake('{ nixpkgs, ... }: { a = import nixpkgs { system = "x86_64-linux"; }; }');
  assert.deepEqual(only(await lint(text, { settings: { rules: { 'legacy-packages': 'off' } } })), []);
  const [f] = only(await lint(text, { settings: { rules: { 'legacy-packages': 'error' } } }));
  assert.equal(f.severity, 'error');
  const [g] = only(await lint(text, { settings: { rules: { 'legacy-packages': 'bogus' } } }));
  assert.equal(g.severity, 'warning');
});

test('no fix edits inside a syntax error; the rest of a broken file is still fixed', async () => {
  const text = flake('{ nixpkgs, ... }: { a = import nixpkgs { system = "x86_64-linux"; ; }; b = import nixpkgs { system = "aarch64-linux"; }; }');
  const fs = only(await lint(text));
  const broken = fs.find((f) => text.slice(f.start, f.end).includes('; ;'));
  if (broken) assert.deepEqual(broken.fixes, []);
  const ok = fs.find((f) => text.slice(f.start, f.end) === 'import nixpkgs { system = "aarch64-linux"; }');
  assert.ok(ok);
  assert.equal(applyFix(text, ok.fixes[0]), text.replace('import nixpkgs { system = "aarch64-linux"; }', 'nixpkgs.legacyPackages.aarch64-linux'));
});

test('fix-all twice equals once; the result parses', async () => {
  const text = flake(`{ self, nixpkgs, ... }@inputs:
    let
      system = "x86_64-linux";
      pkgs = import nixpkgs { inherit system; };
      pkgsArm = import inputs.nixpkgs { system = "aarch64-linux"; config = { }; };
    in {
      packages.\${system}.default = (import nixpkgs { inherit system; }).hello;
      devShells.\${system}.default = with import nixpkgs { localSystem = { inherit system; }; }; mkShell { };
      checks.\${system}.x = pkgsArm.hello;
      unfree = import nixpkgs { inherit system; config.allowUnfree = true; };
    }`);
  const once = await fixAll(text);
  const twice = await fixAll(once);
  assert.equal(twice, once);
  assert.equal(only(await lint(once)).length, 0);
  assert.match(once, /unfree = import nixpkgs \{ inherit system; config\.allowUnfree = true; \}/);
  assert.match(once, /pkgsArm = inputs\.nixpkgs\.legacyPackages\.aarch64-linux;/);
  assert.match(once, /default = nixpkgs\.legacyPackages\.\$\{system\}\.hello;/);
  await assertNixParses(once);
});

test('follows input and a second nixpkgs input', async () => {
  const text = flake(
    '{ nixpkgs, stable, ... }: { a = import stable { system = "x86_64-linux"; }; }',
    'inputs.nixpkgs.url = "github:NixOS/nixpkgs"; inputs.stable.url = "github:NixOS/nixpkgs/nixos-24.05";',
  );
  await expectFix(text, 'import stable { system = "x86_64-linux"; }', text.replace('import stable { system = "x86_64-linux"; }', 'stable.legacyPackages.x86_64-linux'));
});

test('related information marks the sites that build the same instance', async () => {
  const text = flake(`{ nixpkgs, ... }: let system = "x86_64-linux"; in {
    a = import nixpkgs { inherit system; };
    b = import nixpkgs {
      inherit system;
    };
    c = import nixpkgs { system = "aarch64-linux"; };
  }`);
  const fs = only(await lint(text));
  assert.equal(fs.length, 3);
  const [a, b, c] = fs;
  assert.deepEqual(a.related!.map((r) => r.message), ['the same instance is imported again here', 'nixpkgs is also imported here']);
  assert.match(a.message, /same instance 2 times/);
  assert.match(b.message, /same instance 2 times/);
  assert.ok(!/same instance/.test(c.message));
  assert.deepEqual(c.related!.map((r) => r.message), ['nixpkgs is also imported here', 'nixpkgs is also imported here']);
});

test('import "${nixpkgs}" { … } is the same as import nixpkgs', async () => {
  const text = flake('inputs@{ self, nixpkgs, ... }: let system = "x86_64-linux"; in { a = import "${nixpkgs}" { inherit system; }; b = import "${inputs.nixpkgs}" { system = "aarch64-linux"; }; c = import "${nixpkgs}/pkgs" { inherit system; }; }');
  const fs = only(await lint(text));
  assert.deepEqual(spans(text, fs), ['import "${nixpkgs}" { inherit system; }', 'import "${inputs.nixpkgs}" { system = "aarch64-linux"; }']);
  const out = await fixAll(text);
  assert.equal(out, text.replace('import "${nixpkgs}" { inherit system; }', 'nixpkgs.legacyPackages.${system}').replace('import "${inputs.nixpkgs}" { system = "aarch64-linux"; }', 'inputs.nixpkgs.legacyPackages.aarch64-linux'));
  await assertNixParses(out);
});

test('arguments through a let binding: nixpkgsArgs = { inherit system; config = { }; }', async () => {
  const text = flake(
    '{ nixpkgs, stable, ... }: let system = "x86_64-linux"; nixpkgsArgs = { inherit system; config = { }; }; in { a = import stable nixpkgsArgs; b = import nixpkgs nixpkgsArgs; }',
    `${INPUT} inputs.stable.url = "github:NixOS/nixpkgs/nixos-24.05";`,
  );
  const fs = only(await lint(text));
  assert.deepEqual(spans(text, fs), ['import stable nixpkgsArgs', 'import nixpkgs nixpkgsArgs']);
  const out = applyEdits(text, fixAllEdits(fs));
  assert.equal(out, text.replace('import stable nixpkgsArgs', 'stable.legacyPackages.${system}').replace('import nixpkgs nixpkgsArgs', 'nixpkgs.legacyPackages.${system}'));
  await assertNixParses(out);
});

test('arguments through a chain of aliases and a rec set', async () => {
  const viaAlias = flake('{ nixpkgs, ... }: let args = base; base = { system = "x86_64-linux"; }; in { x = import nixpkgs args; }');
  await expectFix(viaAlias, 'import nixpkgs args', viaAlias.replace('import nixpkgs args', 'nixpkgs.legacyPackages.x86_64-linux'));
  const viaRec = flake('{ nixpkgs, ... }: rec { args = { system = "x86_64-linux"; }; pkgs = import nixpkgs args; }');
  await expectFix(viaRec, 'import nixpkgs args', viaRec.replace('import nixpkgs args', 'nixpkgs.legacyPackages.x86_64-linux'));
  // config or overlays through the binding: information, not a legacy-packages warning.
  const cfg = flake('{ nixpkgs, ... }: let system = "x86_64-linux"; args = { inherit system; config.allowUnfree = true; }; in { x = import nixpkgs args; }');
  assert.deepEqual(only(await lint(cfg)), []);
  assert.deepEqual(spans(cfg, only(await lint(cfg), 'nixpkgs-config-import')), ['import nixpkgs args']);
});

test('a bound system that means something else at the import: warning without a rewrite', async () => {
  // `system` in the binding is the let's; at the import it is the lambda's argument.
  const text = flake('{ nixpkgs, ... }: let system = "x86_64-linux"; args = { inherit system; }; in { x = system: import nixpkgs args; }');
  const [f] = only(await lint(text));
  assert.equal(text.slice(f.start, f.end), 'import nixpkgs args');
  assert.deepEqual(f.fixes, []);
});

test('a long chain of aliases stops at a bound, and does not hang', async () => {
  const names = Array.from({ length: 2000 }, (_, i) => `a${i} = a${i + 1};`).join(' ');
  const text = flake(`{ nixpkgs, ... }: let ${names} a2000 = { system = "x86_64-linux"; }; in { x = import nixpkgs a0; }`);
  assert.deepEqual(only(await lint(text)), []);
});

test('the fallback of `legacyPackages.${system} or (import …)` is left alone (nix-community/nh shape)', async () => {
  const text = flake('{ nixpkgs, ... }: { f = system: nixpkgs.legacyPackages.${system} or (import nixpkgs { inherit system; }); }');
  assert.deepEqual(only(await lint(text)), []);
  // Any other `or` default is still an import to replace.
  const other = flake('{ nixpkgs, ... }: { f = system: self.pkgs.${system} or (import nixpkgs { inherit system; }); }');
  assert.deepEqual(spans(other, only(await lint(other))), ['import nixpkgs { inherit system; }']);
});

test('in a module, a formal with a default is not a flake input (numtide/devshell shape)', async () => {
  const viaInputs = '{ system ? builtins.currentSystem, inputs ? import ./flake.lock.nix { }, pkgs ? import inputs.nixpkgs { inherit system; } }: pkgs';
  assert.deepEqual(only(await lint(viaInputs, { isFlake: false })), []);
  const viaNixpkgs = '{ nixpkgs ? <nixpkgs>, system }: import nixpkgs { inherit system; }';
  assert.deepEqual(only(await lint(viaNixpkgs, { isFlake: false })), []);
  // Without defaults they are the caller's flake inputs, as before.
  const plain = '{ inputs, system }: import inputs.nixpkgs { inherit system; }';
  assert.deepEqual(spans(plain, only(await lint(plain, { isFlake: false }))), ['import inputs.nixpkgs { inherit system; }']);
});
