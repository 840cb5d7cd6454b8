// refactorsAt: `X.legacyPackages.<system>` under the cursor → `import X { … }` (refactor.rewrite).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DocumentContext } from '../../server/src/rules/context';
import type { Fix } from '../../server/src/rules/findings';
import { ParsedNix } from '../../server/src/nix/parser';
import { refactorsAt } from '../../server/src/rules/refactors';
import { applyFix, lint } from '../helpers/lint';
import { nixMissing, nixParseText } from '../helpers/nix';

const INPUT = 'inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";';
function flake(outputs: string, inputs = INPUT): string {
  return `{\n  ${inputs}\n  outputs = ${outputs};\n}\n`;
}

async function assertNixParses(text: string): Promise<void> {
  if (nixMissing()) return;
  const r = await nixParseText(text);
  assert.ok(r.ok, `nix-instantiate --parse rejects:\n${text}\n${r.stderr}`);
}

/** Refactors with the cursor on the first occurrence of `at` (offset `delta` into it), or a selection of it. */
async function refactors(
  text: string,
  at: string,
  opts: { isFlake?: boolean; delta?: number; select?: boolean; lockNixpkgsInputs?: string[] } = {},
): Promise<Fix[]> {
  const i = text.indexOf(at);
  assert.ok(i >= 0, `${at} not in text`);
  const parsed = await ParsedNix.create(text);
  try {
    const ctx = new DocumentContext(text, parsed.tree, { isFlake: opts.isFlake ?? true, lockNixpkgsInputs: opts.lockNixpkgsInputs });
    const start = i + (opts.delta ?? 0);
    return refactorsAt(ctx, start, opts.select ? i + at.length : start);
  } finally {
    parsed.dispose();
  }
}

async function expectRewrite(text: string, at: string, expected: string, opts: Parameters<typeof refactors>[2] = {}): Promise<void> {
  const fixes = await refactors(text, at, opts);
  assert.equal(fixes.length, 1, `no refactor at ${at}`);
  const [fix] = fixes;
  assert.equal(fix.kind, 'refactor.rewrite');
  assert.equal(fix.safe, true);
  assert.match(fix.title, /import /);
  const out = applyFix(text, fix);
  assert.equal(out, expected);
  await assertNixParses(text);
  await assertNixParses(out);
}

test('X.legacyPackages.${system} → import X { inherit system; }', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; pkgs = nixpkgs.legacyPackages.${system}; in { }');
  await expectRewrite(text, 'legacyPackages', text.replace('nixpkgs.legacyPackages.${system}', 'import nixpkgs { inherit system; }'));
});

test('cursor anywhere on the select, or a selection of it', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; pkgs = nixpkgs.legacyPackages.${system}; in { }');
  const expected = text.replace('nixpkgs.legacyPackages.${system}', 'import nixpkgs { inherit system; }');
  await expectRewrite(text, 'nixpkgs.legacyPackages', expected);
  await expectRewrite(text, '${system}; in', expected, { delta: 3 });
  await expectRewrite(text, 'nixpkgs.legacyPackages.${system}', expected, { select: true });
});

test('literal system → { system = "x86_64-linux"; }, also quoted', async () => {
  const text = flake('{ self, nixpkgs }: { pkgs = nixpkgs.legacyPackages.x86_64-linux; other = nixpkgs.legacyPackages."aarch64-linux"; }');
  await expectRewrite(text, 'legacyPackages.x86', text.replace('nixpkgs.legacyPackages.x86_64-linux', 'import nixpkgs { system = "x86_64-linux"; }'));
  await expectRewrite(text, 'legacyPackages."', text.replace('nixpkgs.legacyPackages."aarch64-linux"', 'import nixpkgs { system = "aarch64-linux"; }'));
});

test('expression system → { system = expr; }', async () => {
  const text = flake('{ self, nixpkgs }: let host = { system = "x86_64-linux"; }; in { pkgs = nixpkgs.legacyPackages.${host.system}; }');
  await expectRewrite(text, 'legacyPackages', text.replace('nixpkgs.legacyPackages.${host.system}', 'import nixpkgs { system = host.system; }'));
});

test('attributes after the system: parenthesised import, rest kept', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; in { x = nixpkgs.legacyPackages.${system}.hello; }');
  await expectRewrite(text, 'legacyPackages', text.replace('nixpkgs.legacyPackages.${system}.hello', '(import nixpkgs { inherit system; }).hello'));
});

test('`or` defaults stay correct', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; in { x = nixpkgs.legacyPackages.${system}.python3Packages.foo or null; }');
  await expectRewrite(
    text,
    'legacyPackages',
    text.replace('nixpkgs.legacyPackages.${system}.python3Packages.foo or null', '(import nixpkgs { inherit system; }).python3Packages.foo or null'),
  );
  // With the default right after the system, it also covers an unknown system; an import would throw instead.
  const bare = flake('{ self, nixpkgs }: let system = "x86_64-linux"; in { x = nixpkgs.legacyPackages.${system} or { }; }');
  assert.deepEqual(await refactors(bare, 'legacyPackages'), []);
});

test('in argument, list element and `or` default positions the import is parenthesised', async () => {
  const cases: [string, string][] = [
    ['{ x = f nixpkgs.legacyPackages.${system}; }', '{ x = f (import nixpkgs { inherit system; }); }'],
    ['{ x = [ nixpkgs.legacyPackages.${system} ]; }', '{ x = [ (import nixpkgs { inherit system; }) ]; }'],
    ['{ x = a.b or nixpkgs.legacyPackages.${system}; }', '{ x = a.b or (import nixpkgs { inherit system; }); }'],
  ];
  for (const [body, expected] of cases) {
    const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; f = x: x; a = { }; in ${body}`);
    await expectRewrite(text, 'legacyPackages', text.replace(body, expected));
  }
});

test('where an application needs no parentheses it gets none', async () => {
  const cases: [string, string][] = [
    ['with nixpkgs.legacyPackages.${system}; [ hello ]', 'with import nixpkgs { inherit system; }; [ hello ]'],
    ['nixpkgs.legacyPackages.${system} // { }', 'import nixpkgs { inherit system; } // { }'],
    ['{ inherit (nixpkgs.legacyPackages.${system}) hello; }', '{ inherit (import nixpkgs { inherit system; }) hello; }'],
  ];
  for (const [body, expected] of cases) {
    const text = flake(`{ self, nixpkgs }: let system = "x86_64-linux"; in ${body}`);
    await expectRewrite(text, 'legacyPackages', text.replace(body, expected));
  }
});

test('inputs.nixpkgs, self.inputs.nixpkgs, @-pattern and a let alias', async () => {
  const cases: [string, string, string][] = [
    ['inputs: let system = "x"; in { p = inputs.nixpkgs.legacyPackages.${system}; }', 'inputs.nixpkgs.legacyPackages.${system}', 'import inputs.nixpkgs { inherit system; }'],
    ['inputs@{ self, ... }: let system = "x"; in { p = inputs.nixpkgs.legacyPackages.${system}.hello; }', 'inputs.nixpkgs.legacyPackages.${system}.hello', '(import inputs.nixpkgs { inherit system; }).hello'],
    ['{ self, ... }: let system = "x"; in { p = self.inputs.nixpkgs.legacyPackages.${system}; }', 'self.inputs.nixpkgs.legacyPackages.${system}', 'import self.inputs.nixpkgs { inherit system; }'],
    ['{ self, nixpkgs }: let np = nixpkgs; system = "x"; in { p = np.legacyPackages.${system}; }', 'np.legacyPackages.${system}', 'import np { inherit system; }'],
  ];
  for (const [outputs, from, to] of cases) {
    const text = flake(outputs);
    await expectRewrite(text, 'legacyPackages', text.replace(from, to));
  }
});

test('module (isFlake: false)', async () => {
  const text = '{ inputs, pkgs, ... }: { x = inputs.nixpkgs-stable.legacyPackages.${pkgs.system}.hello; }';
  await expectRewrite(text, 'legacyPackages', text.replace('inputs.nixpkgs-stable.legacyPackages.${pkgs.system}.hello', '(import inputs.nixpkgs-stable { system = pkgs.system; }).hello'), { isFlake: false });
});

test('nothing offered for non-nixpkgs, shadowed names, bare legacyPackages, or elsewhere', async () => {
  const cases: [string, string][] = [
    ['{ self, nixpkgs, utils }: { x = utils.legacyPackages.x86_64-linux; }', 'legacyPackages'],
    ['{ self, nixpkgs }: { f = nixpkgs: nixpkgs.legacyPackages.x86_64-linux; }', 'legacyPackages'],
    ['{ self, nixpkgs }: { x = nixpkgs.legacyPackages; }', 'legacyPackages'],
    ['{ self, nixpkgs }: { x = nixpkgs.lib.id 1; }', 'lib'],
    ['{ self, nixpkgs }: { x = self.legacyPackages.x86_64-linux; }', 'legacyPackages'],
  ];
  for (const [outputs, at] of cases) {
    const text = flake(outputs, 'inputs.nixpkgs.url = "github:NixOS/nixpkgs"; inputs.utils.url = "github:numtide/flake-utils";');
    assert.deepEqual(await refactors(text, at), [], outputs);
  }
});

test('round trip: refactor then legacy-packages fix gives the original text back', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; in { x = nixpkgs.legacyPackages.${system}.hello; y = nixpkgs.legacyPackages.x86_64-linux; }');
  for (const at of ['legacyPackages.${system}', 'legacyPackages.x86']) {
    const [fix] = await refactors(text, at);
    const rewritten = applyFix(text, fix);
    const lp = (await lint(rewritten)).filter((f) => f.code === 'legacy-packages');
    assert.equal(lp.length, 1);
    assert.equal(applyFix(rewritten, lp[0].fixes[0]), text);
  }
});

test('never inside or across a syntax error; fine elsewhere in a broken file', async () => {
  const broken = flake('{ self, nixpkgs }: let system = "x"; in { x = nixpkgs.legacyPackages.${system; }');
  assert.deepEqual(await refactors(broken, 'legacyPackages'), []);
  const elsewhere = flake('{ self, nixpkgs }: let system = "x"; in { x = nixpkgs.legacyPackages.${system}; y = ; }');
  const fixes = await refactors(elsewhere, 'legacyPackages');
  assert.equal(fixes.length, 1);
  assert.equal(applyFix(elsewhere, fixes[0]), elsewhere.replace('nixpkgs.legacyPackages.${system}', 'import nixpkgs { inherit system; }'));
});
