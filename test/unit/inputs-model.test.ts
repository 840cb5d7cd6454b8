// The Flake Inputs view's model: which occurrence of a node is expanded (the first one
// `nix flake metadata` reaches), on a DTO the server builds from a real lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstVisits } from '../../client/src/inputsModel';
import { flakeContext, graphDto } from '../../server/src/flake';
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
