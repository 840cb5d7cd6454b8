// repeated-import: the same nixpkgs instance built more than once in one file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../../server/src/rules/findings';
import { applyEdits, applyFix, lint, spans } from '../helpers/lint';
import { nixMissing, nixParseText } from '../helpers/nix';
import { fixAllEdits } from '../../server/src/rules/fixes';

const INPUT = 'inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";';
function flake(outputs: string, inputs = INPUT): string {
  return `{\n  ${inputs}\n  outputs = ${outputs};\n}\n`;
}
const only = (fs: Finding[], code = 'repeated-import') => fs.filter((f) => f.code === code);
const UNFREE = 'import nixpkgs { inherit system; config.allowUnfree = true; }';

async function assertNixParses(text: string): Promise<void> {
  if (nixMissing()) return;
  const r = await nixParseText(text);
  assert.ok(r.ok, `nix-instantiate --parse rejects:\n${text}\n${r.stderr}`);
}

/** The server's fix-all: every safe quick-fix whose edits do not overlap one already chosen. */
async function fixAll(text: string, opts: Parameters<typeof lint>[1] = {}): Promise<string> {
  return applyEdits(text, fixAllEdits(await lint(text, opts)));
}

/** Every finding of the group carries the same fix; applying it gives `expected`, which parses and is clean. */
async function expectGroupFix(text: string, count: number, expected: string, opts: Parameters<typeof lint>[1] = {}): Promise<Finding[]> {
  const fs = only(await lint(text, opts));
  assert.equal(fs.length, count, JSON.stringify(spans(text, fs)));
  for (const f of fs) {
    assert.equal(f.severity, 'warning');
    assert.equal(f.fixes.length, 1);
    assert.equal(f.fixes[0].safe, true);
    assert.equal(applyFix(text, f.fixes[0]), expected);
  }
  await assertNixParses(text);
  await assertNixParses(expected);
  assert.deepEqual(only(await lint(expected, opts)), []);
  return fs;
}

test('two equal config imports in one let: reuse the existing binding', async () => {
  const text = flake(`{ self, nixpkgs }:
    let
      system = "x86_64-linux";
      a = ${UNFREE};
      b = import nixpkgs {
        inherit system;
        config.allowUnfree = true;
      };
    in { packages.\${system} = { x = a.hello; y = b.git; }; }`);
  const fs = await expectGroupFix(text, 2, text.replace(/b = import nixpkgs \{[^}]*\}/, 'b = a'));
  // Related information: every other site.
  for (const f of fs) {
    assert.equal(f.related?.length, 1);
    assert.notEqual(f.related![0].start, f.start);
    assert.match(text.slice(f.related![0].start, f.related![0].end), /^import nixpkgs \{/);
    assert.match(f.message, /2 times/);
    assert.match(f.message, /separate nixpkgs instance/);
  }
  assert.match(fs[0].fixes[0].title, /Reuse `a`/);
});

test('two equal imports in the let body: bind once in the enclosing let', async () => {
  const text = flake(`{ self, nixpkgs }:
    let
      system = "x86_64-linux";
    in {
      packages.\${system}.a = (${UNFREE}).hello;
      packages.\${system}.b = (${UNFREE}).git;
    }`);
  const expected = flake(`{ self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = ${UNFREE};
    in {
      packages.\${system}.a = pkgs.hello;
      packages.\${system}.b = pkgs.git;
    }`);
  await expectGroupFix(text, 2, expected);
});

test('single-line let gets the binding on the same line', async () => {
  const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; in { a = ${UNFREE}; b = ${UNFREE}; }`);
  const expected = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; pkgs = ${UNFREE}; in { a = pkgs; b = pkgs; }`);
  await expectGroupFix(text, 2, expected);
});

test('no let around the sites: wrap the nearest common expression in a new let', async () => {
  const call = 'import nixpkgs { system = "x86_64-linux"; config.allowUnfree = true; }';
  const text = flake(`{ self, nixpkgs }: { a = ${call}; b = [ (${call}).hello ]; }`);
  const expected = flake(`{ self, nixpkgs }: let pkgs = ${call}; in { a = pkgs; b = [ pkgs.hello ]; }`);
  await expectGroupFix(text, 2, expected);
});

test('wrapping in an argument position adds parentheses', async () => {
  const call = 'import nixpkgs { system = "x86_64-linux"; config.allowUnfree = true; }';
  const text = flake(`{ self, nixpkgs }: { a = builtins.attrNames { x = ${call}; y = ${call}; }; }`);
  const expected = flake(`{ self, nixpkgs }: { a = builtins.attrNames (let pkgs = ${call}; in { x = pkgs; y = pkgs; }); }`);
  await expectGroupFix(text, 2, expected);
});

test('a fresh name that is not used anywhere in the file', async () => {
  const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; pkgs = 1; in { a = ${UNFREE}; b = ${UNFREE}; c = pkgs; }`);
  const [f] = only(await lint(text));
  const out = applyFix(text, f.fixes[0]);
  assert.match(out, /pkgs' = import nixpkgs/);
  assert.match(out, /a = pkgs'; b = pkgs'; c = pkgs;/);
  await assertNixParses(out);
  const stable = flake(
    `{ self, stable }: let system = "x86_64-linux"; in { a = import stable { inherit system; overlays = [ ]; config.x = 1; }; b = import stable { inherit system; overlays = [ ]; config.x = 1; }; }`,
    'inputs.stable.url = "github:NixOS/nixpkgs/nixos-24.05";',
  );
  const [g] = only(await lint(stable));
  assert.match(applyFix(stable, g.fixes[0]), /stablePkgs = import stable/);
});

test('whitespace and comments in the arguments do not matter; values do', async () => {
  const a = 'import nixpkgs { inherit system; config.allowUnfree = true; }';
  const b = 'import nixpkgs {\n      inherit system;\n      config.allowUnfree = true;\n    }';
  const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; in { a = ${a}; b = ${b}; }`);
  assert.equal(only(await lint(text)).length, 2);
  const c = 'import nixpkgs { inherit system; config.allowUnfree = false; }';
  assert.deepEqual(only(await lint(flake(`{ self, nixpkgs }: let system = "x86_64-linux"; in { a = ${a}; b = ${c}; }`))), []);
  const d = 'import nixpkgs { system = "aarch64-linux"; config.allowUnfree = true; }';
  assert.deepEqual(only(await lint(flake(`{ self, nixpkgs }: let system = "x86_64-linux"; in { a = ${a}; b = ${d}; }`))), []);
});

test('the same text under different binders is not the same instance', async () => {
  const text = flake(`{ self, nixpkgs }: {
    a = let system = "x86_64-linux"; in ${UNFREE};
    b = let system = "aarch64-linux"; in ${UNFREE};
    c = map (system: ${UNFREE}) [ "x86_64-linux" "aarch64-linux" ];
  }`);
  assert.deepEqual(only(await lint(text)), []);
});

test('the same text under `with` that may bind differently is not grouped, and never hoisted out of the with', async () => {
  const text = flake(`{ self, nixpkgs }: let a = { system = "x86_64-linux"; }; b = { system = "aarch64-linux"; }; in {
    x = with a; ${UNFREE};
    y = with b; ${UNFREE};
  }`);
  assert.deepEqual(only(await lint(text)), []);
  const same = flake(`{ self, nixpkgs }: let a = { system = "x86_64-linux"; }; in {
    x = with a; { p = ${UNFREE}; q = ${UNFREE}; };
  }`);
  const fs = only(await lint(same));
  assert.equal(fs.length, 2);
  const out = applyFix(same, fs[0].fixes[0]);
  assert.match(out, /x = with a; let pkgs = import nixpkgs \{ inherit system; config\.allowUnfree = true; \}; in \{ p = pkgs; q = pkgs; \};/);
  await assertNixParses(out);
});

test('genAttrs over hosts with a fixed system: one instance per host', async () => {
  const call = 'import nixpkgs { system = "x86_64-linux"; config.allowUnfree = true; }';
  const text = flake(`{ self, nixpkgs }: {
    nixosConfigurations = nixpkgs.lib.genAttrs [ "a" "b" ] (host: (${call}).hello);
  }`);
  const fs = only(await lint(text));
  assert.deepEqual(spans(text, fs), [call]);
  const f = fs[0];
  assert.match(f.message, /genAttrs/);
  assert.match(f.message, /each application/);
  assert.equal(f.related?.length, 1);
  assert.equal(text.slice(f.related![0].start, f.related![0].end).startsWith('host:'), true);
  const expected = flake(`{ self, nixpkgs }: {
    nixosConfigurations = let pkgs = ${call}; in nixpkgs.lib.genAttrs [ "a" "b" ] (host: pkgs.hello);
  }`);
  const out = applyFix(text, f.fixes[0]);
  assert.equal(out, expected);
  await assertNixParses(out);
  assert.deepEqual(only(await lint(out)), []);
});

test('map over hosts inside a let: the binding goes to that let', async () => {
  const call = 'import nixpkgs { system = "x86_64-linux"; overlays = [ self.overlays.default ]; }';
  const text = flake(`{ self, nixpkgs }:
    let
      hosts = [ "a" "b" ];
    in {
      machines = map (host: { name = host; pkgs = ${call}; }) hosts;
    }`);
  const expected = flake(`{ self, nixpkgs }:
    let
      hosts = [ "a" "b" ];
      pkgs' = ${call};
    in {
      machines = map (host: { name = host; pkgs = pkgs'; }) hosts;
    }`);
  const fs = only(await lint(text));
  assert.equal(fs.length, 1);
  assert.match(fs[0].message, /`map`/);
  const out = applyFix(text, fs[0].fixes[0]);
  assert.equal(out, expected);
  await assertNixParses(out);
});

test('an import that depends on the iterated value is not repeated', async () => {
  for (const outputs of [
    `{ self, nixpkgs }: { x = nixpkgs.lib.genAttrs [ "x86_64-linux" ] (system: ${UNFREE}); }`,
    '{ self, nixpkgs }: { x = map (h: import nixpkgs { system = h.system; config.allowUnfree = true; }) [ ]; }',
    '{ self, nixpkgs }: { x = builtins.mapAttrs (name: cfg: import nixpkgs { inherit (cfg) system; overlays = [ ]; config = cfg.config; }) { }; }',
    '{ self, nixpkgs }: { x = map (host: let system = host.system; in import nixpkgs { inherit system; config.allowUnfree = true; }) [ ]; }',
    '{ self, nixpkgs }: { x = map (host: let c = host.config; in import nixpkgs { system = "x86_64-linux"; config = c; }) [ ]; }',
  ]) {
    assert.deepEqual(only(await lint(flake(outputs))), [], outputs);
  }
});

test('an import in a function that is not applied by an iterator is not repeated', async () => {
  const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; mk = host: (${UNFREE}).hello; in { a = mk "a"; }`);
  assert.deepEqual(only(await lint(text)), []);
});

test('system-only duplicates: legacy-packages covers them by default (related lists every site)', async () => {
  const call = 'import nixpkgs { inherit system; }';
  const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; in { a = ${call}; b = ${call}; c = ${call}; }`);
  const all = await lint(text);
  assert.deepEqual(only(all), []);
  const lp = only(all, 'legacy-packages');
  assert.equal(lp.length, 3);
  for (const f of lp) assert.equal(f.related?.length, 2);
});

test('system-only duplicates: reported by repeated-import when legacy-packages is off', async () => {
  const call = 'import nixpkgs { inherit system; }';
  const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; in { a = ${call}; b = ${call}; }`);
  const settings = { rules: { 'legacy-packages': 'off' } };
  const expected = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; pkgs = ${call}; in { a = pkgs; b = pkgs; }`);
  await expectGroupFix(text, 2, expected, { settings });
  // And in a loop.
  const loop = flake(`{ self, nixpkgs }: { x = map (h: import nixpkgs { system = "x86_64-linux"; }) [ 1 2 ]; }`);
  assert.equal(only(await lint(loop, { settings })).length, 1);
  assert.equal(only(await lint(loop)).length, 0);
});

test('inputs.nixpkgs and modules (isFlake: false)', async () => {
  const call = 'import inputs.nixpkgs { system = "x86_64-linux"; config.allowUnfree = true; }';
  const mod = `{ inputs, ... }: { a = ${call}; b = ${call}; }`;
  const expected = `{ inputs, ... }: let pkgs = ${call}; in { a = pkgs; b = pkgs; }`;
  await expectGroupFix(mod, 2, expected, { isFlake: false });
  const fl = flake(`inputs@{ self, ... }: { a = ${call}; b = ${call}; }`);
  assert.equal(only(await lint(fl)).length, 2);
});

test('suppression comment and settings', async () => {
  const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; in {
    a = ${UNFREE};
    # flake-lens: ignore repeated-import
    b = ${UNFREE};
  }`);
  assert.equal(only(await lint(text)).length, 1);
  assert.deepEqual(only(await lint(text, { settings: { rules: { 'repeated-import': 'off' } } })), []);
  assert.deepEqual(only(await lint(text, { settings: { rules: { 'repeated-import': 'error' } } })).map((f) => f.severity), ['error']);
});

test('fix-all twice equals once; the result parses', async () => {
  const text = flake(`{ self, nixpkgs }:
    let
      system = "x86_64-linux";
      hosts = [ "a" "b" ];
    in {
      a = ${UNFREE};
      b = (${UNFREE}).hello;
      c = map (h: import nixpkgs { inherit system; overlays = [ self.overlays.default ]; }) hosts;
      d = import nixpkgs { inherit system; };
      e = import nixpkgs { inherit system; };
    }`);
  const once = await fixAll(text);
  const twice = await fixAll(once);
  assert.equal(twice, once);
  assert.deepEqual(only(await lint(once)), []);
  assert.deepEqual(only(await lint(once), 'legacy-packages'), []);
  assert.equal((once.match(/config\.allowUnfree/g) ?? []).length, 1);
  await assertNixParses(once);
});

test('two groups hoisted into one let become one fix that binds both (fix-all in one pass)', async () => {
  const a = 'import nixpkgs { inherit system; config.allowUnfree = true; }';
  const b = 'import nixpkgs { inherit system; overlays = [ self.overlays.default ]; }';
  const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; in { a = ${a}; b = ${a}; c = ${b}; d = ${b}; }`);
  const fs = only(await lint(text));
  assert.equal(fs.length, 4);
  const expected = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; pkgs = ${a}; pkgs' = ${b}; in { a = pkgs; b = pkgs; c = pkgs'; d = pkgs'; }`);
  for (const f of fs) {
    assert.match(f.fixes[0].title, /`pkgs`, `pkgs'`/);
    assert.equal(applyFix(text, f.fixes[0]), expected);
  }
  assert.equal(await fixAll(text), expected);
  await assertNixParses(expected);
  const wrap = flake(`{ self, nixpkgs }: { a = ${a}; b = ${a}; c = ${b}; d = ${b}; }`).replace(/inherit system;/g, 'system = "x";');
  const once = await fixAll(wrap);
  assert.equal(await fixAll(once), once);
  assert.deepEqual(only(await lint(once)), []);
  assert.match(once, /outputs = \{ self, nixpkgs \}: let pkgs = import nixpkgs \{ system = "x"; config\.allowUnfree = true; \}; pkgs' = import nixpkgs \{ system = "x"; overlays = \[ self\.overlays\.default \]; \}; in \{ a = pkgs; b = pkgs; c = pkgs'; d = pkgs'; \};/);
  await assertNixParses(once);
});

test('a let-bound function called in several places: hoisted into that let', async () => {
  const call = 'import nixpkgs { system = "x86_64-linux"; config.allowUnfree = true; }';
  const text = flake(`{ self, nixpkgs }:
    let
      mkHost = name: nixpkgs.lib.nixosSystem { pkgs = ${call}; modules = [ ./hosts ]; };
    in {
      nixosConfigurations.a = mkHost "a";
      nixosConfigurations.b = mkHost "b";
    }`);
  const fs = only(await lint(text));
  assert.deepEqual(spans(text, fs), [call]);
  assert.match(fs[0].message, /`mkHost`, which this file calls 2 times/);
  assert.equal(fs[0].related?.[0].message, 'called 2 times');
  const expected = flake(`{ self, nixpkgs }:
    let
      mkHost = name: nixpkgs.lib.nixosSystem { pkgs = pkgs'; modules = [ ./hosts ]; };
      pkgs' = ${call};
    in {
      nixosConfigurations.a = mkHost "a";
      nixosConfigurations.b = mkHost "b";
    }`);
  const out = applyFix(text, fs[0].fixes[0]);
  assert.equal(out, expected);
  await assertNixParses(out);
  assert.deepEqual(only(await lint(out)), []);
});

test('a let-bound function passed by name to an iterator', async () => {
  const call = 'import nixpkgs { system = "x86_64-linux"; overlays = [ self.overlays.default ]; }';
  const text = flake(`{ self, nixpkgs }: let mk = host: (${call}).hello; in { xs = map mk [ "a" "b" ]; }`);
  const fs = only(await lint(text));
  assert.deepEqual(spans(text, fs), [call]);
  assert.match(fs[0].message, /`mk`, which is passed to `map`/);
  const out = applyFix(text, fs[0].fixes[0]);
  assert.equal(out, flake(`{ self, nixpkgs }: let mk = host: pkgs.hello; pkgs = ${call}; in { xs = map mk [ "a" "b" ]; }`));
  await assertNixParses(out);
});

test('a let-bound function called once, or depending on its argument, is not repeated', async () => {
  for (const outputs of [
    `{ self, nixpkgs }: let system = "x"; mk = host: ${UNFREE}; in { a = mk "a"; }`,
    `{ self, nixpkgs }: let mk = system: ${UNFREE}; in { a = mk "a"; b = mk "b"; }`,
    `{ self, nixpkgs }: let mk = host: import nixpkgs { inherit (host) system; config.allowUnfree = true; }; in { a = mk { system = "x"; }; b = mk { system = "y"; }; }`,
  ]) {
    assert.deepEqual(only(await lint(flake(outputs))), [], outputs);
  }
});
