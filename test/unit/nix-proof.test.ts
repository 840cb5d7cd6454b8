// Proof with the real Nix that `flake-lens fix` preserves meaning and removes nixpkgs instances.
//
// Each consumer flake under test/fixtures/flakes/consumers/<name>/ is assembled in a temp dir with
// the mock inputs (see test/helpers/nix.ts and scripts/make-flake-fixtures.sh). Its proof.json says
// which attribute to evaluate, how many mock-nixpkgs instances that takes today ("before"), and
// whether the fix must reduce that number ("fewer") or leave the file alone ("unchanged").
// The mocks are `path:` inputs, which no URL rule recognises as nixpkgs, so proof.json also lists
// the inputs to pass as `--nixpkgs-input NAME` (what github:NixOS/nixpkgs URLs would give).
//
// The mock nixpkgs prints `trace: mock-nixpkgs instantiated for <system>` each time it is imported,
// so counting those lines on stderr counts instances.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  assembleConsumer,
  assembleLockedConsumer,
  consumerFlakes,
  evalFlake,
  FLAKE_FIXTURES,
  nixFlakesMissing,
  nixParseFile,
  repoRoot,
} from '../helpers/nix';

const root = repoRoot();
// FLAKE_LENS_CLI points at another build of the CLI (e.g. while developing it).
const cli = process.env.FLAKE_LENS_CLI ? path.resolve(process.env.FLAKE_LENS_CLI) : path.join(root, 'dist', 'cli.js');

interface Proof {
  attr: string;
  before: number;
  expect: 'fewer' | 'unchanged';
  /** Inputs that stand for nixpkgs: passed to the CLI as `--nixpkgs-input NAME`. */
  nixpkgsInputs?: string[];
  why?: string;
}

function requireCli(): void {
  if (!fs.existsSync(cli)) {
    assert.fail(`dist/cli.js is missing (looked for ${cli}): run \`npm run build\` first; the CLI is built by scripts/build.mjs`);
  }
}

function runCli(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return r;
}

function describeRun(what: string, r: { status: number | null; stdout: string; stderr: string }): string {
  return `${what} exited ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Every file in a directory tree with its content, to prove that nothing was written. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  return out;
}

function looksLikeUnifiedDiff(s: string): boolean {
  return /^@@ -\d+(,\d+)? \+\d+(,\d+)? @@/m.test(s) && /^[-+][^-+]/m.test(s);
}

for (const name of consumerFlakes(root)) {
  const proofFile = path.join(FLAKE_FIXTURES(root), 'consumers', name, 'proof.json');
  test(`nix proof: fix keeps the value of consumers/${name} and ${name === 'config' ? 'leaves it alone' : 'drops instances'}`, async (t) => {
    const missing = nixFlakesMissing();
    if (missing) return t.skip(missing);
    requireCli();
    assert.ok(fs.existsSync(proofFile), `consumers/${name} needs a proof.json ({attr, before, expect})`);
    const proof = JSON.parse(fs.readFileSync(proofFile, 'utf8')) as Proof;
    const inputs = (proof.nixpkgsInputs ?? []).flatMap((n) => ['--nixpkgs-input', n]);

    const dir = assembleLockedConsumer(name, root);
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const flake = path.join(dir, 'flake.nix');
    const original = fs.readFileSync(flake, 'utf8');

    // Ground truth before any rewrite.
    const before = evalFlake(dir, proof.attr);
    assert.equal(
      before.instantiations.length,
      proof.before,
      `fixture drift: consumers/${name} should instantiate mock-nixpkgs ${proof.before} times, got:\n${before.stderr}`,
    );

    // --dry-run prints a diff and writes nothing.
    const untouched = snapshot(dir);
    const dry = runCli(['fix', '--dry-run', ...inputs, flake]);
    assert.ok(dry.status === 0 || dry.status === 1, describeRun('fix --dry-run', dry));
    assert.deepEqual(snapshot(dir), untouched, `fix --dry-run wrote to ${dir}`);
    if (proof.expect === 'fewer') {
      assert.ok(looksLikeUnifiedDiff(dry.stdout), `fix --dry-run should print a unified diff\n${describeRun('fix --dry-run', dry)}`);
    } else {
      assert.ok(!looksLikeUnifiedDiff(dry.stdout), `fix --dry-run should propose nothing here\n${describeRun('fix --dry-run', dry)}`);
    }

    // fix rewrites in place.
    const fix = runCli(['fix', ...inputs, flake]);
    assert.ok(fix.status === 0 || fix.status === 1, describeRun('fix', fix));
    const fixed = fs.readFileSync(flake, 'utf8');
    const lock = fs.readFileSync(path.join(dir, 'flake.lock'), 'utf8');
    assert.equal(lock, untouched.get('flake.lock'), 'fix must not touch flake.lock');

    if (proof.expect === 'unchanged') {
      assert.equal(fixed, original, `fix must leave consumers/${name} alone (${proof.why ?? ''})`);
    } else {
      assert.notEqual(fixed, original, `fix changed nothing in consumers/${name}\n${describeRun('fix', fix)}`);
    }

    // The result is still Nix ...
    const parsed = await nixParseFile(flake);
    assert.ok(parsed.ok, `fixed flake.nix does not parse:\n${parsed.stderr}\n--- fixed text\n${fixed}`);

    // ... with the same value ...
    const after = evalFlake(dir, proof.attr);
    assert.deepEqual(after.value, before.value, `nix eval .#${proof.attr} changed\n--- fixed text\n${fixed}`);

    // ... and fewer nixpkgs instances (or as many, when nothing could be fixed).
    t.diagnostic(`mock-nixpkgs instances for .#${proof.attr}: ${before.instantiations.length} before fix, ${after.instantiations.length} after`);
    const counts = `before ${before.instantiations.length}, after ${after.instantiations.length}\n--- fixed text\n${fixed}`;
    if (proof.expect === 'fewer') assert.ok(after.instantiations.length < before.instantiations.length, counts);
    else assert.equal(after.instantiations.length, before.instantiations.length, counts);

    // A second fix is a no-op.
    const again = runCli(['fix', ...inputs, flake]);
    assert.ok(again.status === 0 || again.status === 1, describeRun('second fix', again));
    assert.equal(fs.readFileSync(flake, 'utf8'), fixed, 'running fix twice changed the file again');
    const dryAgain = runCli(['fix', '--dry-run', ...inputs, flake]);
    assert.ok(!looksLikeUnifiedDiff(dryAgain.stdout), `after fix, --dry-run still proposes changes\n${dryAgain.stdout}`);
  });
}

test('nix proof: every consumer flake has a committed flake.lock and proof.json', () => {
  const names = consumerFlakes(root);
  assert.ok(names.length >= 4, `expected at least 4 consumer flakes, found ${names.join(', ')}`);
  for (const name of names) {
    const dir = path.join(FLAKE_FIXTURES(root), 'consumers', name);
    assert.ok(fs.existsSync(path.join(dir, 'flake.lock')), `consumers/${name}/flake.lock missing: run scripts/make-flake-fixtures.sh`);
    assert.ok(fs.existsSync(path.join(dir, 'proof.json')), `consumers/${name}/proof.json missing`);
  }
});

test('cli: check --format json reports findings in the documented shape', (t) => {
  requireCli();
  const dir = assembleConsumer('cowsay', root);
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const flake = path.join(dir, 'flake.nix');
  const r = runCli(['check', '--format', 'json', '--nixpkgs-input', 'nixpkgs', '--nixpkgs-input', 'stable', flake]);
  assert.ok(r.status === 0 || r.status === 1, describeRun('check --format json', r));
  let findings: unknown;
  try {
    findings = JSON.parse(r.stdout);
  } catch (e) {
    assert.fail(`check --format json did not print JSON (${(e as Error).message})\n${describeRun('check', r)}`);
  }
  assert.ok(Array.isArray(findings), 'check --format json prints an array');
  assert.ok(findings.length > 0, `cowsay has extra nixpkgs instances, but check found nothing\n${r.stdout}`);
  const pos = (p: any) => Number.isInteger(p?.line) && Number.isInteger(p?.character);
  for (const f of findings as any[]) {
    assert.equal(typeof f.file, 'string', JSON.stringify(f));
    assert.ok(pos(f.range?.start) && pos(f.range?.end), `bad range: ${JSON.stringify(f)}`);
    assert.ok(['error', 'warning', 'information', 'hint'].includes(f.severity), `bad severity: ${JSON.stringify(f)}`);
    assert.equal(typeof f.code, 'string');
    assert.equal(typeof f.message, 'string');
    assert.ok(Array.isArray(f.fixes), `fixes must be an array: ${JSON.stringify(f)}`);
    for (const fix of f.fixes) {
      assert.equal(typeof fix.title, 'string');
      for (const e of fix.edits) {
        assert.ok(pos(e.range?.start) && pos(e.range?.end), `bad edit range: ${JSON.stringify(e)}`);
        assert.equal(typeof e.newText, 'string');
      }
    }
  }
  const exit = (findings as any[]).some((f) => f.severity === 'error' || f.severity === 'warning') ? 1 : 0;
  assert.equal(r.status, exit, 'exit 1 iff a finding is at least a warning (the default --fail-on)');
});

test('cli: bad usage exits 2', (t) => {
  requireCli();
  const r = runCli(['fix', '--no-such-option', path.join(root, 'package.json')]);
  assert.equal(r.status, 2, describeRun('fix --no-such-option', r));
  const s = runCli(['no-such-command']);
  assert.equal(s.status, 2, describeRun('no-such-command', s));
});
