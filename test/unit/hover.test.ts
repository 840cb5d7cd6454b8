// hoverAt: on `import <nixpkgs input>` and on `legacyPackages`, the instance cost and the alternative.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DocumentContext } from '../../server/src/rules/context';
import { hoverAt } from '../../server/src/lsp/hover';
import { ParsedNix } from '../../server/src/nix/parser';

const INPUT = 'inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";';
function flake(outputs: string, inputs = INPUT): string {
  return `{\n  ${inputs}\n  outputs = ${outputs};\n}\n`;
}

async function hover(text: string, offset: number, isFlake = true) {
  const parsed = await ParsedNix.create(text);
  try {
    return hoverAt(new DocumentContext(text, parsed.tree, { isFlake }), offset);
  } finally {
    parsed.dispose();
  }
}

/** Hover at `delta` characters into the first occurrence of `at`. */
async function hoverOn(text: string, at: string, delta = 0, isFlake = true) {
  const i = text.indexOf(at);
  assert.ok(i >= 0, `${at} not in text`);
  return hover(text, i + delta, isFlake);
}

function sentences(md: string): number {
  return md.replace(/`[^`]*`/g, 'CODE').split(/[.;](?:\s|$)/).filter((s) => s.trim()).length;
}

test('on `import` and on the target of a system-only import: cost and legacyPackages', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; in { x = import nixpkgs { inherit system; }; }');
  const start = text.indexOf('import nixpkgs');
  for (const delta of [0, 3, 'import '.length, 'import nixp'.length, 'import nixpkgs'.length - 1]) {
    const h = await hover(text, start + delta);
    assert.ok(h, `no hover at +${delta}`);
    assert.equal(h.start, start);
    assert.equal(h.end, start + 'import nixpkgs'.length);
    assert.match(h.markdown, /new nixpkgs instance/);
    assert.match(h.markdown, /`nixpkgs\.legacyPackages\.\$\{system\}`/);
    assert.ok(sentences(h.markdown) <= 4, h.markdown);
  }
});

test('literal system: the hover names the exact replacement', async () => {
  const text = flake('{ self, nixpkgs }: { x = import nixpkgs { system = "aarch64-linux"; }; }');
  const h = await hoverOn(text, 'import nixpkgs');
  assert.match(h!.markdown, /`nixpkgs\.legacyPackages\.aarch64-linux`/);
});

test('config import: needed, fine in leaf devShells/checks, overlay for consumed flakes', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; in { x = import nixpkgs { inherit system; config.allowUnfree = true; }; }');
  const h = await hoverOn(text, 'nixpkgs {', 2);
  assert.ok(h);
  assert.match(h.markdown, /`config`/);
  assert.match(h.markdown, /new nixpkgs instance/);
  assert.match(h.markdown, /devShells|checks/);
  assert.match(h.markdown, /overlay/);
  assert.ok(!/legacyPackages\.\$\{system\}` is the same/.test(h.markdown));
});

test('import without a system: currentSystem and pure evaluation', async () => {
  const text = flake('{ self, nixpkgs }: { x = import nixpkgs { }; }');
  const h = await hoverOn(text, 'import nixpkgs');
  assert.match(h!.markdown, /currentSystem/);
  assert.match(h!.markdown, /[Pp]ure/);
});

test('inputs.nixpkgs target and modules', async () => {
  const text = flake('inputs: let system = "x"; in { x = import inputs.nixpkgs { inherit system; }; }');
  const h = await hoverOn(text, 'inputs.nixpkgs {', 'inputs.'.length);
  assert.ok(h);
  assert.equal(text.slice(h.start, h.end), 'import inputs.nixpkgs');
  assert.match(h.markdown, /`inputs\.nixpkgs\.legacyPackages\.\$\{system\}`/);
  const mod = '{ nixpkgs, system, ... }: import nixpkgs { inherit system; }';
  assert.ok(await hoverOn(mod, 'import', 1, false));
});

test('no hover on the arguments, on other imports, or on shadowed names', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x"; in { x = import nixpkgs { inherit system; }; y = import ./foo.nix { }; f = nixpkgs: import nixpkgs { inherit system; }; }');
  assert.equal(await hoverOn(text, 'inherit system; }; y'), undefined);
  assert.equal(await hoverOn(text, 'import ./foo.nix'), undefined);
  assert.equal(await hoverOn(text, 'import nixpkgs { inherit system; }; }'), undefined);
});

test('on legacyPackages: shared instance, import for config', async () => {
  const text = flake('{ self, nixpkgs }: let system = "x86_64-linux"; in { x = nixpkgs.legacyPackages.${system}.hello; }');
  const at = text.indexOf('legacyPackages');
  for (const delta of [0, 5, 'legacyPackages'.length - 1]) {
    const h = await hover(text, at + delta);
    assert.ok(h, `no hover at +${delta}`);
    assert.equal(text.slice(h.start, h.end), 'legacyPackages');
    assert.match(h.markdown, /once/);
    assert.match(h.markdown, /shares|shared/);
    assert.match(h.markdown, /import nixpkgs \{ inherit system;/);
    assert.match(h.markdown, /`config`|`overlays`/);
    assert.ok(sentences(h.markdown) <= 4, h.markdown);
  }
  // Not on the input name or the system.
  assert.equal(await hoverOn(text, 'nixpkgs.legacyPackages'), undefined);
  assert.equal(await hoverOn(text, '${system}.hello', 3), undefined);
});

test('on inputs.nixpkgs.legacyPackages; not on a non-nixpkgs legacyPackages', async () => {
  const a = flake('inputs: { x = inputs.nixpkgs.legacyPackages.x86_64-linux; }');
  const h = await hoverOn(a, 'legacyPackages', 2);
  assert.ok(h);
  assert.match(h.markdown, /inputs\.nixpkgs/);
  const b = flake('{ self, nixpkgs, utils }: { x = utils.legacyPackages.x86_64-linux; y = self.legacyPackages; }', 'inputs.nixpkgs.url = "nixpkgs"; inputs.utils.url = "github:numtide/flake-utils";');
  assert.equal(await hoverOn(b, 'legacyPackages', 2), undefined);
  assert.equal(await hoverOn(b, 'legacyPackages; }', 2), undefined);
});
