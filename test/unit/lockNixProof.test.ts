// Proof with the real `nix flake lock` (Nix 2.8+) that the lock rules agree with Nix on real
// shapes: each flake is built in its own temp dir with local path:/git+file: inputs, locked on an
// empty store (NIX_REMOTE=local?root=...) with a local flake registry, and then checked. A lock
// Nix leaves byte-identical is not stale, so `stale-lock` must be silent on it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ParsedNix } from '../../server/src/nix/parser';
import { checkLockRules, makeContext } from '../../server/src/lock/rules';
import type { Finding } from '../../server/src/rules/findings';
import { applyEdits } from './lockHelpers';
import { nixFlakesMissing } from '../helpers/nix';

interface Sandbox {
  dir: string;
  write(rel: string, text: string): string;
  /** `nix flake lock` in `rel`; offline, so any fetch of a remote input fails. */
  lock(rel: string): { status: number | null; stderr: string };
}

function sandbox(t: { after(fn: () => void): void }): Sandbox {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-lockproof-')));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const registry = path.join(dir, 'registry.json');
  fs.writeFileSync(registry, JSON.stringify({ version: 2, flakes: [] }));
  const env = { ...process.env, NIX_REMOTE: `local?root=${path.join(dir, 'store')}`, XDG_CACHE_HOME: path.join(dir, 'cache'), HOME: dir };
  return {
    dir,
    write(rel, text) {
      const p = path.join(dir, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
      return p;
    },
    lock(rel) {
      const r = spawnSync(
        'nix',
        ['--extra-experimental-features', 'nix-command flakes', '--offline', '--option', 'flake-registry', registry, 'flake', 'lock'],
        { cwd: path.join(dir, rel), env, encoding: 'utf8', timeout: 120_000 },
      );
      return { status: r.status, stderr: r.stderr };
    },
  };
}

async function check(flakeText: string, lockText: string) {
  const p = await ParsedNix.create(flakeText);
  return checkLockRules(makeContext({ flakeText, flakeRoot: p.tree.rootNode, lockText }));
}

const codes = (fs: Finding[], code: string) => fs.filter((f) => f.code === code);
const read = (p: string) => fs.readFileSync(p, 'utf8');
const EMPTY_FLAKE = '{ outputs = _: { }; }\n';

test('nix proof: an input named only as an outputs formal is locked from the registry, and is declared', async (t) => {
  const missing = nixFlakesMissing();
  if (missing) return t.skip(missing);
  const s = sandbox(t);
  s.write('nixpkgs/flake.nix', EMPTY_FLAKE);
  fs.writeFileSync(
    path.join(s.dir, 'registry.json'),
    JSON.stringify({ version: 2, flakes: [{ from: { type: 'indirect', id: 'nixpkgs' }, to: { type: 'path', path: path.join(s.dir, 'nixpkgs') } }] }),
  );
  const flake = s.write('root/flake.nix', '{\n  outputs = { self, nixpkgs }: { };\n}\n');
  const r = s.lock('root');
  assert.equal(r.status, 0, r.stderr);
  const lockText = read(path.join(s.dir, 'root', 'flake.lock'));
  assert.deepEqual(JSON.parse(lockText).nodes.nixpkgs.original, { id: 'nixpkgs', type: 'indirect' });
  const f = await check(read(flake), lockText);
  assert.deepEqual([...codes(f.flake, 'stale-lock'), ...codes(f.lock, 'stale-lock')], []);
});

test('nix proof: github:/owner/repo/ref (leading slash) is the locked github:owner/repo/ref', async (t) => {
  const missing = nixFlakesMissing();
  if (missing) return t.skip(missing);
  const s = sandbox(t);
  const flake = s.write('root/flake.nix', '{\n  inputs.agent.url = "github:/kolide/nix-agent/main";\n  outputs = { self, agent }: { };\n}\n');
  const lockText = `${JSON.stringify(
    {
      nodes: {
        agent: {
          locked: { lastModified: 1700000000, narHash: 'sha256-VO8KzRYOgpVx36ZrJgyhKBIqs/LCSt75RVaCYxQv9TY=', owner: 'kolide', repo: 'nix-agent', rev: '0123456789abcdef0123456789abcdef01234567', type: 'github' },
          original: { owner: 'kolide', ref: 'main', repo: 'nix-agent', type: 'github' },
        },
        root: { inputs: { agent: 'agent' } },
      },
      root: 'root',
      version: 7,
    },
    null,
    2,
  )}\n`;
  const lockFile = s.write('root/flake.lock', lockText);
  // Offline: had Nix found the lock stale, it would have to fetch GitHub and fail.
  const r = s.lock('root');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(read(lockFile), lockText, 'nix flake lock changed the lock');
  const f = await check(read(flake), lockText);
  assert.deepEqual(codes(f.flake, 'stale-lock'), []);
  // The control: another ref is a stale lock, for Nix (it must fetch) and for the rule.
  const other = read(flake).replace('/main', '/other');
  fs.writeFileSync(flake, other);
  assert.notEqual(s.lock('root').status, 0, 'Nix should need to fetch for a changed ref');
  assert.equal(codes((await check(other, lockText)).flake, 'stale-lock').length, 1);
});

test('nix proof: an override of an input the dependency does not have leaves the lock unchanged: dead-override, not stale-lock', async (t) => {
  const missing = nixFlakesMissing();
  if (missing) return t.skip(missing);
  const s = sandbox(t);
  s.write('a/flake.nix', EMPTY_FLAKE);
  s.write('b/flake.nix', EMPTY_FLAKE);
  const base = `{\n  inputs.a.url = "path:${s.dir}/a";\n  inputs.b.url = "path:${s.dir}/b";\n  outputs = { self, a, b }: { };\n}\n`;
  const flake = s.write('root/flake.nix', base);
  assert.equal(s.lock('root').status, 0);
  const lockFile = path.join(s.dir, 'root', 'flake.lock');
  const before = read(lockFile);
  const withOverride = base.replace('  outputs', '  inputs.a.inputs.gone.follows = "b";\n  outputs');
  fs.writeFileSync(flake, withOverride);
  const r = s.lock('root');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(read(lockFile), before, 'Nix changed the lock for an override of a missing input');
  const f = await check(withOverride, before);
  assert.deepEqual([...codes(f.flake, 'stale-lock'), ...codes(f.lock, 'stale-lock')], []);
  const dead = codes(f.flake, 'dead-override');
  assert.equal(dead.length, 1);
  assert.equal(withOverride.slice(dead[0].start, dead[0].end), '"b"');
  assert.match(dead[0].message, /'a' \(as locked\) has no input 'gone'/);
});

test('nix proof: a nested flake = false input can follow the root copy; the offered fix locks as one node', async (t) => {
  const missing = nixFlakesMissing();
  if (missing) return t.skip(missing);
  const s = sandbox(t);
  // One git repository, two branches at different commits: the same upstream at two revisions.
  const repo = path.join(s.dir, 'compat');
  s.write('compat/default.nix', '1\n');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, stdio: 'pipe' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'one');
  git('branch', 'old');
  s.write('compat/default.nix', '2\n');
  git('commit', '-qam', 'two');
  s.write('x/flake.nix', `{\n  inputs.compat = { url = "git+file://${repo}?ref=old"; flake = false; };\n  outputs = { self, compat }: { };\n}\n`);
  const base = `{\n  inputs.compat = { url = "git+file://${repo}?ref=main"; flake = false; };\n  inputs.x.url = "path:${s.dir}/x";\n  outputs = { self, compat, x }: { };\n}\n`;
  const flake = s.write('root/flake.nix', base);
  let r = s.lock('root');
  assert.equal(r.status, 0, r.stderr);
  const lockFile = path.join(s.dir, 'root', 'flake.lock');
  let f = await check(base, read(lockFile));
  const mf = codes(f.flake, 'missing-follows');
  assert.equal(mf.length, 1, JSON.stringify(f.flake));
  assert.equal(mf[0].fixes[0]?.title, 'Make x/compat follow compat');
  assert.equal(codes(f.lock, 'duplicate-lock-node').length, 1);
  const fixed = applyEdits(base, mf[0].fixes[0].edits);
  assert.match(fixed, /inputs\.x\.inputs\.compat\.follows = "compat";/);
  fs.writeFileSync(flake, fixed);
  r = s.lock('root');
  assert.equal(r.status, 0, r.stderr);
  const lockText = read(lockFile);
  const lock = JSON.parse(lockText);
  assert.deepEqual(lock.nodes.x.inputs.compat, ['compat']);
  f = await check(fixed, lockText);
  assert.deepEqual([...codes(f.flake, 'missing-follows'), ...codes(f.flake, 'stale-lock'), ...codes(f.lock, 'duplicate-lock-node')], []);
});
