// The CLI contract: formats, exit codes, folder walking, fix and --dry-run, bad input.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../helpers/lspClient';

const CLI = path.join(REPO, 'dist', 'cli.js');

function run(args: string[], cwd?: string, env?: Record<string, string>) {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: run npm run build`);
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmpdir(files: Record<string, string | Uint8Array>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-cli-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs }:
    let system = "x86_64-linux"; in {
      packages.\${system}.default = (import nixpkgs { inherit system; }).hello;
      devShells.\${system}.default = (import nixpkgs { inherit system; config.allowUnfree = true; }).mkShell { };
    };
}
`;
const CLEAN = `{ lib, ... }: { options = { }; }\n`;

describe('flake-lens check', () => {
  test('json: array of findings with 0-based ranges, severities, codes and fixes', () => {
    const dir = tmpdir({ 'flake.nix': FLAKE });
    const r = run(['check', '--format', 'json', dir]);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(
      out.map((f: { code: string; severity: string }) => [f.code, f.severity]),
      [['legacy-packages', 'warning'], ['nixpkgs-config-import', 'information']],
    );
    const f = out[0];
    assert.equal(f.file, path.join(dir, 'flake.nix'));
    assert.deepEqual(f.range, { start: { line: 4, character: 36 }, end: { line: 4, character: 70 } });
    assert.equal(f.fixes[0].title, 'Use nixpkgs.legacyPackages.${system}');
    assert.deepEqual(f.fixes[0].edits, [
      { range: { start: { line: 4, character: 35 }, end: { line: 4, character: 71 } }, newText: 'nixpkgs.legacyPackages.${system}' },
    ]);
  });

  test('text: file:line:col, severity and code; exit 1 on a warning, 0 with --fail-on error', () => {
    const dir = tmpdir({ 'flake.nix': FLAKE });
    const r = run(['check', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /flake\.nix:5:37: warning \[legacy-packages\] .*\(fixable\)/);
    assert.match(r.stdout, /2 problems in 1 file\./);
    assert.equal(run(['check', '--fail-on', 'error', dir]).code, 0);
    assert.equal(run(['check', '--fail-on=information', dir]).code, 1);
  });

  test('sarif 2.1.0 with rules and 1-based regions', () => {
    const dir = tmpdir({ 'flake.nix': FLAKE });
    const r = run(['check', '--format', 'sarif', dir]);
    const s = JSON.parse(r.stdout);
    assert.equal(s.version, '2.1.0');
    const res = s.runs[0].results;
    assert.equal(res[0].ruleId, 'legacy-packages');
    assert.deepEqual(res[0].locations[0].physicalLocation.region, { startLine: 5, startColumn: 37, endLine: 5, endColumn: 71 });
    assert.ok(s.runs[0].tool.driver.rules.some((x: { id: string }) => x.id === 'impure-in-flake'));
  });

  test('folders: *.nix found recursively, .git, node_modules and result skipped; clean exit 0', () => {
    const dir = tmpdir({
      'a/default.nix': CLEAN,
      'b/c/module.nix': CLEAN,
      '.git/x.nix': FLAKE,
      'node_modules/y/flake.nix': FLAKE,
      'result/z/flake.nix': FLAKE,
      'notes.txt': 'import nixpkgs {}',
    });
    const r = run(['check', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /No problems in 2 files\./);
  });

  test('exit 2 on bad usage and unreadable input', () => {
    assert.equal(run([]).code, 2);
    assert.equal(run(['check']).code, 2);
    assert.equal(run(['lint', '.']).code, 2);
    assert.equal(run(['check', '--format', 'xml', '.']).code, 2);
    assert.equal(run(['check', '--fail-on', 'fatal', '.']).code, 2);
    assert.equal(run(['fix', '--rule', 'no-such-rule', '.']).code, 2);
    const missing = run(['check', '/no/such/path.nix']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file or directory/);
  });

  test('non-UTF-8 bytes are reported, analysed, and never rewritten', () => {
    const bytes = Buffer.concat([Buffer.from('# caf\xe9 \n', 'latin1'), Buffer.from(FLAKE)]);
    const dir = tmpdir({ 'flake.nix': bytes });
    const r = run(['check', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not valid UTF-8/);
    assert.match(r.stdout, /legacy-packages/);
    const f = run(['fix', dir]);
    assert.equal(f.code, 2);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'flake.nix')), bytes);
  });

  test('worker threads give the same report, in the same order, as one thread', () => {
    const files: Record<string, string> = {};
    const lockDir = path.join(REPO, 'test', 'fixtures', 'lock', 'no-follows');
    for (let i = 0; i < 24; i++) {
      files[`d${i % 6}/m${i}.nix`] = `${FLAKE.replace('{\n', `{\n  # ${'x'.repeat(20000)}\n`)}`;
    }
    files['flk/flake.nix'] = fs.readFileSync(path.join(lockDir, 'flake.nix'), 'utf8');
    files['flk/flake.lock'] = fs.readFileSync(path.join(lockDir, 'flake.lock'), 'utf8');
    const dir = tmpdir(files);
    const one = run(['check', '--format', 'json', dir], undefined, { FLAKE_LENS_THREADS: '1' });
    const four = run(['check', '--format', 'json', dir], undefined, { FLAKE_LENS_THREADS: '4' });
    assert.equal(one.code, 1);
    assert.equal(four.code, 1);
    assert.equal(four.stdout, one.stdout);
    const out = JSON.parse(four.stdout) as { file: string }[];
    assert.ok(out.some((f) => f.file.endsWith(path.join('flk', 'flake.lock'))));
  });

  test('a 10 MB file is skipped with one too-large information under the default limit', () => {
    const big = `{\n${'  attribute_with_a_long_name = "some string value";\n'.repeat(200000)}}\n`;
    assert.ok(big.length > 10_000_000);
    const dir = tmpdir({ 'huge.nix': big });
    const r = run(['check', '--format', 'json', dir]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.map((f: { code: string; severity: string }) => [f.code, f.severity]), [['too-large', 'information']]);
    assert.match(out[0].message, /maxFileSize/);
  });

  test('a file over --max-file-size gets one too-large information', () => {
    const dir = tmpdir({ 'big.nix': `{\n${'  a = 1;\n'.repeat(2000)}}\n` });
    const r = run(['check', '--format', 'json', '--max-file-size', '1000', dir]);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout).map((f: { code: string }) => f.code), ['too-large']);
  });
});

describe('flake-lens fix', () => {
  test('--dry-run prints a unified diff and writes nothing', () => {
    const dir = tmpdir({ 'flake.nix': FLAKE });
    const r = run(['fix', '--dry-run', 'flake.nix'], dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        '--- a/flake.nix',
        '+++ b/flake.nix',
        '@@ -2,7 +2,7 @@',
        '   inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";',
        '   outputs = { self, nixpkgs }:',
        '     let system = "x86_64-linux"; in {',
        '-      packages.${system}.default = (import nixpkgs { inherit system; }).hello;',
        '+      packages.${system}.default = nixpkgs.legacyPackages.${system}.hello;',
        '       devShells.${system}.default = (import nixpkgs { inherit system; config.allowUnfree = true; }).mkShell { };',
        '     };',
        ' }',
        '',
      ].join('\n'),
    );
    assert.equal(fs.readFileSync(path.join(dir, 'flake.nix'), 'utf8'), FLAKE);
  });

  test('applies safe fixes only, and twice equals once', () => {
    const dir = tmpdir({ 'flake.nix': FLAKE });
    assert.equal(run(['fix', dir]).code, 0);
    const once = fs.readFileSync(path.join(dir, 'flake.nix'), 'utf8');
    assert.equal(once, FLAKE.replace('(import nixpkgs { inherit system; }).hello', 'nixpkgs.legacyPackages.${system}.hello'));
    assert.equal(run(['fix', dir]).code, 0);
    assert.equal(fs.readFileSync(path.join(dir, 'flake.nix'), 'utf8'), once);
  });

  test('--rule limits the fixes to the named rules', () => {
    const text = `{ pkgs, nixpkgs, ... }:\n{\n  a = import nixpkgs { system = "x86_64-linux"; };\n}\n`;
    const dir = tmpdir({ 'module.nix': text });
    assert.equal(run(['fix', '--rule', 'repeated-import', dir]).code, 0);
    assert.equal(fs.readFileSync(path.join(dir, 'module.nix'), 'utf8'), text);
    assert.equal(run(['fix', '--rule', 'legacy-packages', dir]).code, 0);
    assert.match(fs.readFileSync(path.join(dir, 'module.nix'), 'utf8'), /a = nixpkgs\.legacyPackages\.x86_64-linux;/);
  });
});

describe('flake-lens inputs', () => {
  const fixtures = path.join(REPO, 'test', 'fixtures', 'lock');
  const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

  test('prints the tree `nix flake metadata` prints, for every fixture made by real Nix', () => {
    let compared = 0;
    for (const name of fs.readdirSync(fixtures)) {
      const meta = path.join(fixtures, name, 'metadata.txt');
      if (!fs.existsSync(meta)) continue;
      const nixText = strip(fs.readFileSync(meta, 'utf8'));
      const expected = nixText.slice(nixText.indexOf('Inputs:'));
      const r = run(['inputs', path.join(fixtures, name)]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.slice(0, expected.length), expected, name);
      compared++;
    }
    assert.ok(compared >= 5, `compared ${compared} fixtures`);
  });

  test('adds the duplicate summary, and --format json gives the graph', () => {
    const r = run(['inputs', path.join(fixtures, 'no-follows', 'flake.lock')]);
    assert.match(r.stdout, /\nnixpkgs: 2 revisions, 0 inputs follow the root, 1 upstream duplicated\n/);
    assert.match(r.stdout, /another nixpkgs revision \(39ba16e\), pulled in by home-manager\/nixpkgs/);
    const j = JSON.parse(run(['inputs', '--format', 'json', path.join(fixtures, 'no-follows')]).stdout);
    assert.equal(j.root, 'root');
    assert.deepEqual(Object.keys(j.nodes).sort(), ['home-manager', 'nixpkgs', 'nixpkgs_2', 'root']);
  });

  test('no lock, a broken lock, and bad usage exit 2', () => {
    const dir = tmpdir({ 'flake.nix': '{ outputs = _: { }; }\n' });
    assert.equal(run(['inputs', dir]).code, 2);
    fs.writeFileSync(path.join(dir, 'flake.lock'), '{"nodes": {');
    const r = run(['inputs', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /flake\.lock/);
    assert.equal(run(['inputs', '--format', 'sarif', dir]).code, 2);
  });

  test('check reports flake.lock findings as their own file, and a lone broken lock', () => {
    const dir = tmpdir({
      'a/flake.lock': '{"nodes": {}, "root": "root", "version": 3}\n',
      'b/flake.nix': fs.readFileSync(path.join(fixtures, 'no-follows', 'flake.nix'), 'utf8'),
      'b/flake.lock': fs.readFileSync(path.join(fixtures, 'no-follows', 'flake.lock'), 'utf8'),
    });
    const r = run(['check', '--format', 'json', dir]);
    const out = JSON.parse(r.stdout) as { file: string; code: string }[];
    const byFile = (suffix: string) => out.filter((f) => f.file.endsWith(suffix)).map((f) => f.code).sort();
    assert.deepEqual(byFile(path.join('a', 'flake.lock')), ['lock-error']);
    assert.ok(byFile(path.join('b', 'flake.nix')).includes('missing-follows'));
    assert.deepEqual(byFile(path.join('b', 'flake.lock')), ['duplicate-lock-node']);
    assert.equal(r.code, 1);
  });
});

describe('flake-lens fix --rule missing-follows', () => {
  const gh = (owner: string, repo: string, c: string) => ({
    locked: { type: 'github', owner, repo, rev: c.repeat(40), narHash: `sha256-${c}`, lastModified: 1700000000 },
    original: { type: 'github', owner, repo },
  });
  const LOCK = JSON.stringify({
    nodes: {
      root: { inputs: { nixpkgs: 'nixpkgs', hm: 'hm' } },
      nixpkgs: gh('NixOS', 'nixpkgs', 'a'),
      hm: { inputs: { nixpkgs: 'nixpkgs_2' }, ...gh('nix-community', 'home-manager', 'b') },
      nixpkgs_2: gh('NixOS', 'nixpkgs', 'c'),
    },
    root: 'root',
    version: 7,
  });
  const TEXT = '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  inputs.hm.url = "github:nix-community/home-manager";\n  outputs = _: { };\n}\n';

  test('a named rule applies its fixes though they change meaning, says so and reminds to re-lock', () => {
    const dir = tmpdir({ 'flake.nix': TEXT, 'flake.lock': LOCK });
    const file = path.join(dir, 'flake.nix');
    // Plain fix leaves a meaning-changing fix alone.
    assert.equal(run(['fix', file]).code, 0);
    assert.equal(fs.readFileSync(file, 'utf8'), TEXT);
    const r = run(['fix', '--rule', 'missing-follows', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(file, 'utf8'), TEXT.replace('  outputs', '  inputs.hm.inputs.nixpkgs.follows = "nixpkgs";\n  outputs'));
    assert.match(r.stderr, /change which revision a dependency builds with; run `nix flake lock`/);
    assert.equal(fs.readFileSync(path.join(dir, 'flake.lock'), 'utf8'), LOCK, 'fix never writes flake.lock');
    // Idempotent: the follows is declared (stale-lock until re-locked), nothing more to add.
    const again = run(['fix', '--rule', 'missing-follows', file]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /note:/);
  });
});
