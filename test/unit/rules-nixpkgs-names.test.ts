// Which names are nixpkgs: URLs, follows, flake.lock, settings, and how outputs reach them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isNixpkgs } from '../../server/src/lock/flakeRef';
import type { RefAttrs } from '../../server/src/lock/lockfile';
import { lint, spans } from '../helpers/lint';

const CALL = 'import np { system = "x86_64-linux"; }';

/** A flake whose input `np` is declared by `decl` (the text after `inputs.np`), imported in outputs. */
function flakeWith(decl: string, extraInputs = ''): string {
  return `{\n  inputs.np${decl}\n  ${extraInputs}\n  outputs = { self, np, ... }: {\n    x = ${CALL};\n  };\n}\n`;
}

async function flagged(text: string, opts: Parameters<typeof lint>[1] = {}): Promise<boolean> {
  const fs = (await lint(text, opts)).filter((f) => f.code === 'legacy-packages');
  if (fs.length) assert.deepEqual(spans(text, fs), [CALL]);
  return fs.length > 0;
}

const NIXPKGS_URLS = [
  'github:NixOS/nixpkgs',
  'github:nixos/nixpkgs',
  'github:NIXOS/NIXPKGS',
  'github:NixOS/nixpkgs/nixos-unstable',
  'github:NixOS/nixpkgs/nixos-24.05',
  'github:NixOS/nixpkgs/0123456789abcdef0123456789abcdef01234567',
  'github:NixOS/nixpkgs?ref=nixos-unstable',
  'github:NixOS/nixpkgs?rev=0123456789abcdef0123456789abcdef01234567',
  'git+https://github.com/NixOS/nixpkgs',
  'git+https://github.com/NixOS/nixpkgs.git',
  'git+https://github.com/NixOS/nixpkgs?ref=nixos-unstable',
  'git+https://github.com/nixos/nixpkgs.git?ref=nixos-24.05&shallow=1',
  'nixpkgs',
  'nixpkgs/nixos-unstable',
  'flake:nixpkgs',
  'flake:nixpkgs/nixos-24.05',
  'https://nixos.org/channels/nixos-24.05/nixexprs.tar.xz',
  'https://channels.nixos.org/nixos-unstable/nixexprs.tar.xz',
  'https://channels.nixos.org/nixpkgs-unstable/nixexprs.tar.xz',
  'https://github.com/NixOS/nixpkgs/archive/nixos-unstable.tar.gz',
  'https://github.com/NixOS/nixpkgs/tarball/nixos-unstable',
  'tarball+https://github.com/NixOS/nixpkgs/archive/0123456789abcdef0123456789abcdef01234567.tar.gz',
  'tarball+https://channels.nixos.org/nixos-24.05/nixexprs.tar.xz',
  'git+ssh://git@github.com/NixOS/nixpkgs',
  'git+ssh://git@github.com/NixOS/nixpkgs.git?ref=nixos-unstable',
  'https://flakehub.com/f/NixOS/nixpkgs/0.1.*.tar.gz',
  'https://flakehub.com/f/NixOS/nixpkgs/*',
  'https://flakehub.com/f/NixOS/nixpkgs/0.2405.*',
  'https://api.flakehub.com/f/pinned/NixOS/nixpkgs/0.2405.632394%2Brev-0123456789abcdef0123456789abcdef01234567/0190d1e4-0c7a-7bd6-97ca-8d0e1c3e9d8b/source.tar.gz',
  // Issue 8: shapes seen in public flakes.
  'https://flakehub.com/f/NixOS/nixpkgs/0.1',
  'https://flakehub.com/f/NixOS/nixpkgs/0.2605',
  'https://flakehub.com/f/DeterminateSystems/nixpkgs-weekly/0.1',
  'https://flakehub.com/f/DeterminateSystems/nixpkgs-weekly/*.tar.gz',
  'git+https://github.com/NixOS/nixpkgs?shallow=1&ref=nixos-unstable',
  'git+https://github.com/NixOS/nixpkgs?shallow=1&ref=nixos-unstable-small',
  'nixpkgs/b582bb5b0d7af253b05d58314b85ab8ec46b8d19',
  'github:/NixOS/nixpkgs/nixos-unstable',
  'git+file:///home/me/src/nixpkgs',
  'git+file:///home/me/src/nixpkgs?ref=my-branch',
  'path:/src/nixpkgs',
  'path:/home/me/src/nixpkgs/',
  '/src/nixpkgs',
  '~/src/nixpkgs',
];

const OTHER_URLS = [
  'github:NixOS/nixpkgs?dir=lib',
  'github:NixOS/nixpkgs/nixos-unstable?dir=lib',
  'github:numtide/flake-utils',
  'github:nix-community/home-manager',
  'github:NixOS/nixos-hardware',
  'github:NixOS/nixpkgs-foo',
  'github:someone/nixpkgs',
  'git+https://github.com/someone/nixpkgs',
  'nixpkgs-wayland',
  'flake:home-manager',
  'https://flakehub.com/f/nix-community/home-manager/*',
  'path:./nixpkgs',
  'path:../nixpkgs',
  'git+file:///home/me/src/nixpkgs-tools',
  'path:/src/nixpkgs/lib',
  'https://flakehub.com/f/DeterminateSystems/secure-packages-26.05/0',
  'https://flakehub.com/f/DeterminateSystems/nixpkgs-weekly-tools/0.1',
];

test('isNixpkgs accepts every nixpkgs URL form', () => {
  for (const url of NIXPKGS_URLS) assert.equal(isNixpkgs(url), true, url);
});

test('isNixpkgs rejects other flakes and the lib subflake', () => {
  for (const url of OTHER_URLS) assert.equal(isNixpkgs(url), false, url);
});

test('every URL form makes the input nixpkgs in flake.nix', async () => {
  for (const url of NIXPKGS_URLS) {
    assert.equal(await flagged(flakeWith(`.url = "${url}";`)), true, url);
    assert.equal(await flagged(flakeWith(` = { url = "${url}"; };`)), true, `{ url = ${url} }`);
  }
});

test('other URLs do not', async () => {
  for (const url of OTHER_URLS) assert.equal(await flagged(flakeWith(`.url = "${url}";`)), false, url);
});

test('`inputs = { np.url = …; }` and the attribute form', async () => {
  const a = `{\n  inputs = {\n    np.url = "github:NixOS/nixpkgs";\n  };\n  outputs = { self, np }: { x = ${CALL}; };\n}\n`;
  assert.equal(await flagged(a), true);
  assert.equal(await flagged(flakeWith(' = { type = "github"; owner = "NixOS"; repo = "nixpkgs"; ref = "nixos-unstable"; };')), true);
  assert.equal(await flagged(flakeWith(' = { type = "indirect"; id = "nixpkgs"; };')), true);
  assert.equal(await flagged(flakeWith(' = { type = "git"; url = "https://github.com/NixOS/nixpkgs"; ref = "nixos-unstable"; };')), true);
  assert.equal(await flagged(flakeWith(' = { type = "git"; url = "https://github.com/NixOS/nixpkgs.git"; };')), true);
  assert.equal(await flagged(flakeWith(' = { type = "tarball"; url = "https://channels.nixos.org/nixos-24.05/nixexprs.tar.xz"; };')), true);
  assert.equal(await flagged(flakeWith(' = { url = "github:NixOS/nixpkgs"; dir = "lib"; };')), false);
  assert.equal(await flagged(flakeWith(' = { type = "git"; url = "https://github.com/someone/nixpkgs"; };')), false);
  assert.equal(await flagged(flakeWith(' = { type = "github"; owner = "NixOS"; repo = "nixpkgs"; dir = "lib"; };')), false);
  assert.equal(await flagged(flakeWith(' = { type = "github"; owner = "numtide"; repo = "flake-utils"; };')), false);
  // Local checkouts in attribute form.
  assert.equal(await flagged(flakeWith(' = { type = "path"; path = "/src/nixpkgs"; };')), true);
  assert.equal(await flagged(flakeWith(' = { type = "git"; url = "file:///home/me/src/nixpkgs"; };')), true);
  assert.equal(await flagged(flakeWith(' = { type = "path"; path = "/src/other"; };')), false);
});

test('flake.lock references of every nixpkgs shape (isNixpkgs)', () => {
  const yes: RefAttrs[] = [
    { type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-unstable' },
    { type: 'indirect', id: 'nixpkgs', rev: 'b582bb5b0d7af253b05d58314b85ab8ec46b8d19' },
    { type: 'git', url: 'https://github.com/NixOS/nixpkgs', ref: 'nixos-unstable', shallow: true },
    { type: 'git', url: 'file:///home/me/src/nixpkgs' },
    { type: 'path', path: '/src/nixpkgs' },
    { type: 'tarball', url: 'https://flakehub.com/f/NixOS/nixpkgs/0.1.%2A.tar.gz' },
    { type: 'tarball', url: 'https://api.flakehub.com/f/pinned/DeterminateSystems/nixpkgs-weekly/0.1.900/01/source.tar.gz' },
  ];
  const no: RefAttrs[] = [
    { type: 'github', owner: 'NixOS', repo: 'nixpkgs', dir: 'lib' },
    { type: 'path', path: '/src/home-manager' },
    { type: 'git', url: 'https://github.com/someone/tools' },
    { type: 'indirect', id: 'home-manager' },
  ];
  for (const a of yes) assert.equal(isNixpkgs(a), true, JSON.stringify(a));
  for (const a of no) assert.equal(isNixpkgs(a), false, JSON.stringify(a));
});

test('an input named nixpkgs pointing at a local checkout gets legacy-packages', async () => {
  for (const url of ['git+file:///home/me/src/nixpkgs', 'path:/src/nixpkgs', 'path:/home/me/nixpkgs-checkout', 'github:me/nixpkgs-fork']) {
    const text = `{\n  inputs.nixpkgs.url = "${url}";\n  outputs = { self, nixpkgs }: { x = import nixpkgs { system = "x86_64-linux"; }; };\n}\n`;
    assert.equal((await lint(text)).filter((f) => f.code === 'legacy-packages').length, 1, url);
  }
  // With no url at all, `nixpkgs` is the registry's nixpkgs.
  const bare = `{\n  inputs.nixpkgs.flake = true;\n  outputs = { self, nixpkgs }: { x = import nixpkgs { system = "x86_64-linux"; }; };\n}\n`;
  assert.equal((await lint(bare)).filter((f) => f.code === 'legacy-packages').length, 1);
});

test('an input that follows a nixpkgs input is nixpkgs, also through a chain', async () => {
  assert.equal(await flagged(flakeWith('.follows = "nixpkgs";', 'inputs.nixpkgs.url = "github:NixOS/nixpkgs";')), true);
  assert.equal(await flagged(flakeWith('.follows = "mid";', 'inputs.mid.follows = "nixpkgs"; inputs.nixpkgs.url = "nixpkgs";')), true);
  assert.equal(await flagged(flakeWith('.follows = "utils";', 'inputs.utils.url = "github:numtide/flake-utils";')), false);
});

test('flake.lock says so (lockNixpkgsInputs)', async () => {
  const text = flakeWith('.url = "github:me/my-nixpkgs-fork";');
  assert.equal(await flagged(text), false);
  assert.equal(await flagged(text, { lockNixpkgsInputs: ['np'] }), true);
  assert.equal(await flagged(text, { lockNixpkgsInputs: ['other'] }), false);
});

test('setting nixpkgsInputs', async () => {
  const text = flakeWith('.url = "github:me/my-nixpkgs-fork";');
  assert.equal(await flagged(text, { settings: { nixpkgsInputs: ['np'] } }), true);
  assert.equal(await flagged(text, { settings: { nixpkgsInputs: ['nixpkgs'] } }), false);
});

test('an undeclared outputs formal `nixpkgs` is the registry nixpkgs', async () => {
  const text = `{\n  inputs.utils.url = "github:numtide/flake-utils";\n  outputs = { self, nixpkgs, utils }: { x = import nixpkgs { system = "x86_64-linux"; }; };\n}\n`;
  assert.equal((await lint(text)).filter((f) => f.code === 'legacy-packages').length, 1);
  const noInputs = `{\n  outputs = { self, nixpkgs }: { x = import nixpkgs { system = "x86_64-linux"; }; };\n}\n`;
  assert.equal((await lint(noInputs)).filter((f) => f.code === 'legacy-packages').length, 1);
});

test('an input named nixpkgs is nixpkgs whatever its URL, unless it is a subdirectory', async () => {
  const text = `{\n  inputs.nixpkgs.url = "github:me/something-else";\n  outputs = { self, nixpkgs }: { x = import nixpkgs { system = "x86_64-linux"; }; };\n}\n`;
  assert.equal((await lint(text)).filter((f) => f.code === 'legacy-packages').length, 1);
  const lib = text.replace('github:me/something-else', 'github:NixOS/nixpkgs?dir=lib');
  assert.equal((await lint(lib)).filter((f) => f.code === 'legacy-packages').length, 0);
});

test('reach: formals, inputs.X, @-pattern, self.inputs.X, let alias, inherit (inputs)', async () => {
  const inputs = 'inputs.stable.url = "github:NixOS/nixpkgs/nixos-24.05";';
  const sys = '{ system = "x86_64-linux"; }';
  const cases: [string, string][] = [
    ['{ self, stable }: { x = import stable ' + sys + '; }', 'import stable'],
    ['inputs: { x = import inputs.stable ' + sys + '; }', 'import inputs.stable'],
    ['inputs@{ self, ... }: { x = import inputs.stable ' + sys + '; }', 'import inputs.stable'],
    ['{ self, ... }@inputs: { x = import inputs.stable ' + sys + '; }', 'import inputs.stable'],
    ['{ self, ... }: { x = import self.inputs.stable ' + sys + '; }', 'import self.inputs.stable'],
    ['{ self, stable }: let s = stable; t = s; in { x = import t ' + sys + '; }', 'import t'],
    ['inputs: let inherit (inputs) stable; in { x = import stable ' + sys + '; }', 'import stable'],
    ['inputs: let i = inputs; in { x = import i.stable ' + sys + '; }', 'import i.stable'],
    ['inputs: let inherit (inputs) self stable; in { x = import stable ' + sys + '; }', 'import stable'],
    ['{ self, stable }: let inherit stable; in { x = import stable ' + sys + '; }', 'import stable'],
    ['{ self, stable }: rec { inherit stable; x = import stable ' + sys + '; }', 'import stable'],
  ];
  for (const [outputs, start] of cases) {
    const text = `{\n  ${inputs}\n  outputs = ${outputs};\n}\n`;
    const fs = (await lint(text)).filter((f) => f.code === 'legacy-packages');
    assert.deepEqual(spans(text, fs), [`${start} ${sys}`], outputs);
  }
});

test('shadowing is respected: same-named non-inputs are not flagged', async () => {
  const inputs = 'inputs.nixpkgs.url = "github:NixOS/nixpkgs";';
  const sys = '{ system = "x86_64-linux"; }';
  for (const outputs of [
    `{ self, nixpkgs }: { f = nixpkgs: import nixpkgs ${sys}; }`,
    `{ self, nixpkgs }: { f = { nixpkgs }: import nixpkgs ${sys}; }`,
    `{ self, nixpkgs }: { f = args@{ ... }: let nixpkgs = args.src; in import nixpkgs ${sys}; }`,
    `{ self, nixpkgs }: let nixpkgs = ./vendored; in { x = import nixpkgs ${sys}; }`,
    `inputs: { f = inputs: import inputs.nixpkgs ${sys}; }`,
    `inputs: let inputs = { nixpkgs = ./x; }; in { x = import inputs.nixpkgs ${sys}; }`,
    `{ self, nixpkgs }: rec { nixpkgs = ./x; y = import nixpkgs ${sys}; }`,
    `{ self, nixpkgs }: { x = import self ${sys}; }`,
    `{ self, nixpkgs }: { f = nixpkgs: rec { inherit nixpkgs; x = import nixpkgs ${sys}; }; }`,
  ]) {
    const text = `{\n  ${inputs}\n  outputs = ${outputs};\n}\n`;
    assert.deepEqual((await lint(text)).filter((f) => f.code === 'legacy-packages'), [], outputs);
  }
});

test('modules (isFlake: false): nixpkgs* and inputs.nixpkgs* count, others do not', async () => {
  const sys = '{ system = "x86_64-linux"; }';
  const yes = [
    `{ nixpkgs, ... }: import nixpkgs ${sys}`,
    `{ nixpkgs-unstable, ... }: import nixpkgs-unstable ${sys}`,
    `{ inputs, ... }: import inputs.nixpkgs ${sys}`,
    `{ inputs, ... }: import inputs.nixpkgs-2405 ${sys}`,
    `{ inputs, ... }: let inherit (inputs) nixpkgs; in import nixpkgs ${sys}`,
  ];
  const no = [
    `{ inputs, ... }: import inputs.home-manager ${sys}`,
    `{ pkgs, ... }: import pkgs ${sys}`,
    `{ src, ... }: import src ${sys}`,
    `{ inputs, ... }: let nixpkgs = ./vendored; in import nixpkgs ${sys}`,
  ];
  for (const text of yes) assert.equal((await lint(text, { isFlake: false })).filter((f) => f.code === 'legacy-packages').length, 1, text);
  for (const text of no) assert.equal((await lint(text, { isFlake: false })).filter((f) => f.code === 'legacy-packages').length, 0, text);
});

test('a module is not a flake: the flake-only rule impure-in-flake stays quiet there', async () => {
  const text = '{ nixpkgs, ... }: { a = import <nixpkgs> { }; b = builtins.currentSystem; }';
  assert.deepEqual((await lint(text, { isFlake: false })).filter((f) => f.code === 'impure-in-flake'), []);
});

test('modules: setting nixpkgsInputs adds names beside nixpkgs*', async () => {
  const text = '{ inputs, ... }: import inputs.pkgs-fork { system = "x86_64-linux"; }';
  const count = async (opts: Parameters<typeof lint>[1]) => (await lint(text, opts)).filter((f) => f.code === 'legacy-packages').length;
  assert.equal(await count({ isFlake: false }), 0);
  assert.equal(await count({ isFlake: false, settings: { nixpkgsInputs: ['pkgs-fork'] } }), 1);
});

test('a nixpkgs input declared flake = false has no legacyPackages: no legacy-packages, still an instance', async () => {
  const text = `{\n  inputs.nixpkgs = { url = "github:NixOS/nixpkgs"; flake = false; };\n  outputs = { self, nixpkgs }: { x = import nixpkgs { system = "x86_64-linux"; }; y = import nixpkgs { system = "x86_64-linux"; config.allowUnfree = true; }; };\n}\n`;
  const fs = await lint(text);
  assert.equal(fs.filter((f) => f.code === 'legacy-packages').length, 0);
  assert.equal(fs.filter((f) => f.code === 'nixpkgs-config-import').length, 1);
});
