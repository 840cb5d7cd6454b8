// The Flake Inputs view's model: which occurrence of a node is expanded (the first one
// `nix flake metadata` reaches), on a DTO the server builds from a real lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstVisits, nixVersion, updateInputArgs } from '../../client/src/inputsModel';
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { flakeContext, graphDto } from '../../server/src/rules/flake';
import type { FlakeGraphDto, LockNodeDto } from '../../server/src/protocol';
import { REPO } from '../helpers/lspClient';

const node = (key: string, inputs: LockNodeDto['inputs']): LockNodeDto => ({ key, flake: true, inputs });

test('a node reached twice is expanded at its first path in name order', () => {
  const flake: FlakeGraphDto = {
    flakeUri: 'file:///f/flake.nix',
    name: 'f',
    root: 'root',
    summary: '',
    nodes: {
      root: node('root', [
        { name: 'zeta', target: 'z' },
        { name: 'alpha', target: 'a' },
        { name: 'nixpkgs', target: 'n' },
      ]),
      a: node('a', [{ name: 'utils', target: 'u' }, { name: 'nixpkgs', follows: ['nixpkgs'], target: 'n' }]),
      z: node('z', [{ name: 'utils', target: 'u' }]),
      u: node('u', []),
      n: node('n', []),
    },
  };
  const v = firstVisits(flake);
  assert.equal(v.get('u'), 'alpha/utils', 'alpha sorts before zeta');
  assert.equal(v.get('n'), 'nixpkgs', 'follows edges never count as a visit');
  assert.equal(v.get('root'), '');
});

test('on a real lock: every reachable node has exactly one expanded path', () => {
  const dir = path.join(REPO, 'test', 'fixtures', 'lock', 'no-follows');
  const ctx = flakeContext({ lockText: fs.readFileSync(path.join(dir, 'flake.lock'), 'utf8') });
  const dto = graphDto(ctx, 'file:///x/flake.nix', 'file:///x/flake.lock', 'x');
  const v = firstVisits(dto);
  assert.deepEqual([...v.entries()].sort(), [
    ['home-manager', 'home-manager'],
    ['nixpkgs', 'home-manager/nixpkgs'],
    ['nixpkgs_2', 'nixpkgs'],
    ['root', ''],
  ]);
  assert.equal(dto.nodes['nixpkgs'].duplicate?.ordinal, 2);
});

test('updating one input uses the command the installed Nix knows', () => {
  assert.deepEqual(nixVersion('nix (Nix) 2.8.0\n'), [2, 8]);
  assert.deepEqual(nixVersion('nix (Nix) 2.24.10'), [2, 24]);
  assert.equal(nixVersion('garbage'), undefined);
  const features = ['--extra-experimental-features', 'nix-command flakes'];
  assert.deepEqual(updateInputArgs([2, 8], 'nixpkgs'), [...features, 'flake', 'lock', '--update-input', 'nixpkgs']);
  assert.deepEqual(updateInputArgs([2, 18], 'nixpkgs'), [...features, 'flake', 'lock', '--update-input', 'nixpkgs']);
  assert.deepEqual(updateInputArgs([2, 19], 'home-manager'), [...features, 'flake', 'update', 'home-manager']);
  assert.deepEqual(updateInputArgs(undefined, 'x'), [...features, 'flake', 'update', 'x']);
});

test('the update arguments work with the real Nix installed here', (t) => {
  const v = spawnSync('nix', ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) return t.skip('nix is not installed');
  // A flake with no inputs locks without a network; updating a missing input must be understood
  // as a command (an error about the input, not about the syntax of the command).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-update-'));
  fs.writeFileSync(path.join(dir, 'flake.nix'), '{ outputs = _: { }; }\n');
  const r = spawnSync('nix', updateInputArgs(nixVersion(v.stdout), 'nope'), { cwd: dir, encoding: 'utf8', timeout: 30000 });
  assert.equal(r.error, undefined, 'nix finished');
  // Old Nix reads `flake update nope` as "update the flake `nope` from the registry" (a download).
  assert.doesNotMatch(r.stderr, /unrecognised flag|unexpected argument|unrecognized|flake-registry|download/i, r.stderr);
  assert.match(r.stderr, /nope/, r.stderr);
});
