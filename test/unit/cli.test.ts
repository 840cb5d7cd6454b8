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

describe('flake-lens usage', () => {
  test('--help and -h after every command print that command\'s help; --version prints the version', () => {
    for (const cmd of ['check', 'fix', 'inputs', 'rules']) {
      for (const flag of ['--help', '-h']) {
        const r = run([cmd, flag]);
        assert.equal(r.code, 0, `${cmd} ${flag}: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`^Usage: flake-lens ${cmd}`));
      }
    }
    assert.match(run(['fix', '--dry-run', '--help', 'x.nix']).stdout, /--dry-run/);
    assert.equal(run(['--help']).code, 0);
    const v = run(['--version']);
    assert.equal(v.code, 0);
    assert.equal(v.stdout, `${JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version}\n`);
  });

  test('unknown options, missing values and missing paths: one line on stderr, exit 2', () => {
    for (const args of [
      ['check', '--frobnicate', '.'],
      ['fix', '--format', 'json', '.'],
      ['check', '--format'],
      ['check', '--now', 'yesterday', '.'],
      ['check', '--max-file-size', 'big', '.'],
      ['--nope'],
      ['check'],
      ['check', '/no/such/path.nix'],
    ]) {
      const r = run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout.includes('Usage'), false);
    }
    assert.match(run(['check', '--frobnicate', '.']).stderr, /^flake-lens: unknown option '--frobnicate' \(see 'flake-lens check --help'\)\n$/);
  });

  test('the summary counts files with problems of files checked', () => {
    const dir = tmpdir({ 'a/flake.nix': FLAKE, 'b/default.nix': CLEAN });
    assert.match(run(['check', dir]).stdout, /\n2 problems in 1 of 2 files\.\n$/);
  });

  test('--now takes an ISO date; NO_COLOR, --color and --no-color decide colour', () => {
    const dir = tmpdir({ 'flake.nix': FLAKE });
    assert.equal(run(['check', '--now', '2025-01-31', dir]).code, 1);
    assert.equal(run(['check', '--now=2025-01-31T10:00:00Z', dir]).code, 1);
    const esc = /\x1b\[/;
    assert.doesNotMatch(run(['check', dir]).stdout, esc);
    const colored = run(['check', '--color', dir], undefined, { NO_COLOR: '1' });
    assert.match(colored.stdout, /\x1b\[33mwarning\x1b\[0m/);
    assert.doesNotMatch(run(['check', dir], undefined, { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout, esc);
    assert.match(run(['check', dir], undefined, { FORCE_COLOR: '1', NO_COLOR: '' }).stdout, esc);
    assert.doesNotMatch(run(['check', '--no-color', dir], undefined, { FORCE_COLOR: '1' }).stdout, esc);
  });
});

describe('hostile repositories', () => {
  const fixtures = path.join(REPO, 'test', 'fixtures', 'lock');
  // Sets the title, erases the line, moves up, and a right-to-left override.
  const EVIL = 'nix\x1b]0;pwned\x07pkgs\x1b[2K\r\x1b[1ANo problems\x9b31m\u202egpj.exe\x7f';
  const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

  test('control characters from lock names, URLs and file names never reach the terminal raw', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(fixtures, 'no-follows', 'flake.lock'), 'utf8'));
    // Rename the root's home-manager input and poison a URL.
    lock.nodes.root.inputs[EVIL] = lock.nodes.root.inputs['home-manager'];
    delete lock.nodes.root.inputs['home-manager'];
    lock.nodes.nixpkgs.locked.owner = `NixOS\x1b[2J${EVIL}`;
    const flake = fs.readFileSync(path.join(fixtures, 'no-follows', 'flake.nix'), 'utf8');
    const dir = tmpdir({ [`x${EVIL}/flake.nix`]: flake, [`x${EVIL}/flake.lock`]: JSON.stringify(lock, null, 2), [`x${EVIL}/m.nix`]: `{ pkgs, nixpkgs, ... }:\n{\n  a = import nixpkgs { system = "x86_64-linux"; };\n}\n` });
    const folder = path.join(dir, `x${EVIL}`);
    for (const args of [['check', dir], ['check', '--color', dir], ['inputs', folder], ['fix', dir], ['check', '--format', 'json', dir], ['check', '--format', 'sarif', dir]]) {
      const r = run(args);
      const visible = r.stdout.replace(/\x1b\[[0-9;]*m/g, '') + r.stderr.replace(/\x1b\[[0-9;]*m/g, '');
      assert.doesNotMatch(visible, RAW, args[0]);
      assert.match(visible, /\\u001b/, `${args.join(' ')}: ${visible}`);
    }
    // JSON stays JSON with the same values.
    const j = JSON.parse(run(['check', '--format', 'json', dir]).stdout) as { file: string }[];
    assert.ok(j.some((f) => f.file === path.join(folder, 'flake.nix')));
    assert.ok(run(['inputs', folder]).stdout.includes('\\u202egpj.exe'));
  });

  test('fix never writes through a planted symlink and keeps the file mode', () => {
    const dir = tmpdir({ 'flake.nix': FLAKE, 'outside/secret': 'precious\n' });
    const file = path.join(dir, 'flake.nix');
    const secret = path.join(dir, 'outside', 'secret');
    fs.chmodSync(file, 0o640);
    // The old temp name was `${file}.flake-lens-${pid}.tmp`: plant it for the next pids.
    const last = Number(fs.readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
    const planted: string[] = [];
    for (let pid = last + 1; pid < last + 400; pid++) {
      const p = `${file}.flake-lens-${pid}.tmp`;
      fs.symlinkSync(secret, p);
      planted.push(p);
    }
    const r = run(['fix', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(secret, 'utf8'), 'precious\n');
    assert.match(fs.readFileSync(file, 'utf8'), /nixpkgs\.legacyPackages\.\$\{system\}\.hello/);
    assert.equal(fs.lstatSync(file).mode & 0o777, 0o640);
    for (const p of planted) assert.equal(fs.readlinkSync(p), secret);
    // No temp file is left behind.
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('flake-lens') && !planted.includes(path.join(dir, n))), []);
  });

  test('fix refuses a symlinked file instead of writing its target', () => {
    const dir = tmpdir({ 'real/flake.nix': FLAKE });
    fs.mkdirSync(path.join(dir, 'repo'));
    const link = path.join(dir, 'repo', 'flake.nix');
    fs.symlinkSync(path.join(dir, 'real', 'flake.nix'), link);
    const r = run(['fix', link]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /symbolic link; not rewritten/);
    assert.equal(fs.readFileSync(path.join(dir, 'real', 'flake.nix'), 'utf8'), FLAKE);
    assert.ok(fs.lstatSync(link).isSymbolicLink());
  });

  test('a flake.lock symlinked to /dev/zero, or a FIFO, gets one clear message and is not read', () => {
    for (const make of [(p: string) => fs.symlinkSync('/dev/zero', p), (p: string) => spawnSync('mkfifo', [p])]) {
      const dir = tmpdir({ 'flake.nix': FLAKE });
      make(path.join(dir, 'flake.lock'));
      for (const args of [['check', dir], ['inputs', dir], ['check', path.join(dir, 'flake.lock')]]) {
        const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.signal, null, `${args.join(' ')} did not finish`);
        assert.equal(r.status, 2, r.stderr);
        const lines = r.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], /flake\.lock: a (device|named pipe), not a regular file; not read/);
      }
    }
  });

  test('a file over --max-file-size is not read: too-large from its size', () => {
    const dir = tmpdir({ 'big.nix': `# first line\n${'  a = 1;\n'.repeat(2000)}` });
    const r = run(['check', '--format', 'json', '--max-file-size', '100', dir]);
    const out = JSON.parse(r.stdout);
    assert.equal(out.length, 1);
    assert.match(out[0].message, /18013 bytes is over the limit of 100/);
    assert.deepEqual(out[0].range, { start: { line: 0, character: 0 }, end: { line: 0, character: 12 } });
  });
});

describe('flake-lens fix --dry-run output', () => {
  test('is a unified diff that patch applies, also without a final newline', () => {
    const text = FLAKE.trimEnd();
    const dir = tmpdir({ 'flake.nix': text });
    const r = run(['fix', '--dry-run', 'flake.nix'], dir);
    assert.match(r.stdout, /\\ No newline at end of file/);
    const p = spawnSync('patch', ['-p1'], { cwd: dir, input: r.stdout, encoding: 'utf8' });
    assert.equal(p.status, 0, p.stdout + p.stderr);
    const fixed = fs.readFileSync(path.join(dir, 'flake.nix'), 'utf8');
    assert.equal(fixed, text.replace('(import nixpkgs { inherit system; }).hello', 'nixpkgs.legacyPackages.${system}.hello'));
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
