// The Flake Inputs view's model: which occurrence of a node is expanded (the first one
// `nix flake metadata` reaches), on a DTO the server builds from a real lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstVisits, isUpdatableInputName, nixVersion, tooltipMarkdown, updateInputArgs, visitPath } from '../../client/src/inputsModel';
import { HOSTILE, injected, renderMarkdown } from '../helpers/markdown';
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
  assert.deepEqual(visitPath(v, 'u'), ['alpha', 'utils'], 'alpha sorts before zeta');
  assert.deepEqual(v.get('u'), { parent: 'a', name: 'utils' });
  assert.deepEqual(visitPath(v, 'n'), ['nixpkgs'], 'follows edges never count as a visit');
  assert.deepEqual(visitPath(v, 'root'), []);
  assert.equal(visitPath(v, 'nope'), undefined);
});

test('on a real lock: every reachable node has exactly one expanded path', () => {
  const dir = path.join(REPO, 'test', 'fixtures', 'lock', 'no-follows');
  const ctx = flakeContext({ lockText: fs.readFileSync(path.join(dir, 'flake.lock'), 'utf8') });
  const dto = graphDto(ctx, 'file:///x/flake.nix', 'file:///x/flake.lock', 'x');
  const v = firstVisits(dto);
  assert.deepEqual([...v.keys()].map((k) => [k, visitPath(v, k)!.join('/')]).sort(), [
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
  assert.deepEqual(updateInputArgs([2, 19], 'home-manager'), [...features, 'flake', 'update', '--', 'home-manager']);
  assert.deepEqual(updateInputArgs(undefined, 'x'), [...features, 'flake', 'update', '--', 'x']);
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

test('only names nix accepts as input names reach nix: no options, no shell text', () => {
  for (const ok of ['nixpkgs', 'home-manager', 'flake_utils2', 'A']) assert.ok(isUpdatableInputName(ok), ok);
  const hostile = ['--commit-lock-file', '-x', "nixpkgs   \\';touch /tmp/x;#", 'a b', 'a/b', '', '1abc', 'a\nb', 'nixpkgs;rm', '$(x)', 'é'];
  for (const bad of hostile) {
    assert.equal(isUpdatableInputName(bad), false, bad);
    assert.throws(() => updateInputArgs([2, 24], bad), /not an input name/);
    assert.throws(() => updateInputArgs([2, 8], bad), /not an input name/);
  }
});

test('`--` ends the options for the real Nix installed here: an input named like an option is a name', (t) => {
  const v = spawnSync('nix', ['--version'], { encoding: 'utf8' });
  if (v.status !== 0) return t.skip('nix is not installed');
  // `nix flake metadata -- --commit-lock-file` must read the word as a flake reference, not a flag.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-dashdash-'));
  const r = spawnSync('nix', ['--extra-experimental-features', 'nix-command flakes', 'flake', 'metadata', '--', '--commit-lock-file'], { cwd: dir, encoding: 'utf8', timeout: 30000 });
  assert.notEqual(r.status, 0);
  assert.doesNotMatch(r.stderr, /unrecognised flag|unrecognized/i, r.stderr);
  assert.match(r.stderr, /--commit-lock-file/, r.stderr);
});

test('firstVisits walks a 20,000-deep chain without recursion, sharing path prefixes', () => {
  const N = 20_000;
  const nodes: FlakeGraphDto['nodes'] = { root: node('root', [{ name: 'n0', target: 'n0' }]) };
  for (let i = 0; i < N; i++) nodes[`n${i}`] = node(`n${i}`, i + 1 < N ? [{ name: 'next', target: `n${i + 1}` }, { name: 'up', follows: ['n0'], target: 'n0' }] : []);
  const v = firstVisits({ flakeUri: 'file:///f/flake.nix', name: 'f', root: 'root', summary: '', nodes });
  assert.equal(v.size, N + 1);
  assert.deepEqual(v.get(`n${N - 1}`), { parent: `n${N - 2}`, name: 'next' });
  const deepest = visitPath(v, `n${N - 1}`)!;
  assert.equal(deepest.length, N);
  assert.deepEqual(deepest.slice(0, 2), ['n0', 'next']);
});

test('tooltips: names, references, revisions and lock keys from the lock cannot inject Markdown', () => {
  for (const s of HOSTILE) {
    const lockNode: LockNodeDto = {
      key: s,
      reference: `github:NixOS/nixpkgs?dir=${s}`,
      lockedReference: s,
      rev: s,
      narHash: s,
      lastModified: 1e300, // no Date can hold it: shown without a date, not thrown
      flake: true,
      duplicate: { upstream: s, ordinal: 2, revisions: 3 },
      inputs: [],
    };
    for (const md of [
      tooltipMarkdown([s, s], { name: s, target: s }, lockNode, Date.now()),
      tooltipMarkdown([s], { name: s, follows: [s, s] }, undefined, Date.now()),
    ]) {
      const html = renderMarkdown(md);
      assert.deepEqual(injected(html), [], `${JSON.stringify(s)}:\n${md}\n→ ${html}`);
    }
  }
  const md = tooltipMarkdown(['nixpkgs'], { name: 'nixpkgs', target: 'n' }, { key: 'n', rev: 'a`b', flake: true, inputs: [] }, 0);
  assert.match(renderMarkdown(md), /<code>a`b<\/code>/);
});
