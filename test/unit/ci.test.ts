// Where Nix users already are: the README's pre-commit and GitHub Actions snippets, run as they are
// written there (pre-commit by Debian's pre-commit against this checkout; the action's steps with
// the environment a runner provides), and `npx` from the packed npm tarball.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { REPO } from '../helpers/lspClient';

const VERSION = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version as string;
const UPSTREAM = 'https://github.com/flake-lens/flake-lens';

const FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs }:
    let system = "x86_64-linux"; in {
      packages.\${system}.default = (import nixpkgs { inherit system; }).hello;
    };
}
`;
const FIXED = FLAKE.replace('(import nixpkgs { inherit system; }).hello', 'nixpkgs.legacyPackages.${system}.hello');

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `flake-lens-${prefix}-`));
}

/** The first ```yaml block after `marker` in README.md. */
function readmeYaml(marker: string): string {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `README.md has ${marker}`);
  const m = /```yaml\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, `a yaml block after ${marker}`);
  return m[1];
}

/** YAML → JSON with PyYAML (installed with pre-commit), so the tests need no YAML package. */
function yaml(text: string): any {
  const r = spawnSync('python3', ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function sh(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };

const NODE_PREFIX = path.resolve(path.dirname(process.execPath), '..');

describe('pre-commit', () => {
  test('the README config installs both hooks from this checkout; check fails on a warning, fix rewrites and fails, then both pass', (t) => {
    const config = readmeYaml('**pre-commit.**');
    const repo = yaml(config).repos[0];
    assert.equal(repo.repo, UPSTREAM);
    assert.equal(repo.rev, `v${VERSION}`, 'the README names the current release');
    assert.deepEqual(repo.hooks.map((h: { id: string }) => h.id), ['flake-lens-check', 'flake-lens-fix']);

    const dir = tmp('pre-commit');
    // This checkout as the upstream repository, its working tree (tracked files) tagged as the release.
    const mirror = path.join(dir, 'mirror');
    sh('git', ['clone', '-q', '--shared', REPO, mirror], dir);
    const snapshot = sh('git', ['stash', 'create'], REPO, GIT_ENV) || sh('git', ['rev-parse', 'HEAD'], REPO);
    sh('git', ['tag', '-f', repo.rev, snapshot], mirror);
    const env = {
      ...GIT_ENV,
      PRE_COMMIT_HOME: path.join(dir, 'home'),
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: `url.${mirror}.insteadOf`,
      GIT_CONFIG_VALUE_0: UPSTREAM,
      // From npm's cache, which `npm ci` filled: no network needed.
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
      // tree-sitter-nix's install script builds a native addon (unused: we load the wasm): build it
      // against this Node's own headers where they are installed (Debian's nodejs), instead of
      // node-gyp downloading them, so the test does not depend on a nodedir in ~/.npmrc.
      ...(fs.existsSync(path.join(NODE_PREFIX, 'include', 'node', 'node.h')) ? { npm_config_nodedir: NODE_PREFIX } : {}),
    };

    const work = path.join(dir, 'work');
    fs.mkdirSync(work);
    sh('git', ['init', '-q'], work);
    fs.writeFileSync(path.join(work, '.pre-commit-config.yaml'), config);
    fs.writeFileSync(path.join(work, 'flake.nix'), FLAKE);
    sh('git', ['add', '-A'], work);

    const started = Date.now();
    const first = spawnSync('pre-commit', ['run', '--all-files', '--verbose', '--color', 'never'], { cwd: work, encoding: 'utf8', env: { ...process.env, ...env } });
    t.diagnostic(`first run, with the install: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    const out1 = first.stdout + first.stderr;
    assert.equal(first.status, 1, out1);
    assert.match(out1, /flake-lens check\.+Failed\n- hook id: flake-lens-check\n(- duration: [\d.]+s\n)?- exit code: 1\n/);
    assert.match(out1, /flake\.nix:5:37: warning \[legacy-packages\]/);
    assert.match(out1, /flake-lens fix\.+Failed\n- hook id: flake-lens-fix\n(- duration: [\d.]+s\n)?- files were modified by this hook/);
    assert.equal(fs.readFileSync(path.join(work, 'flake.nix'), 'utf8'), FIXED);

    sh('git', ['add', '-A'], work);
    const second = spawnSync('pre-commit', ['run', '--all-files', '--color', 'never'], { cwd: work, encoding: 'utf8', env: { ...process.env, ...env } });
    const out2 = second.stdout + second.stderr;
    assert.equal(second.status, 0, out2);
    assert.match(out2, /flake-lens check\.+Passed/);
    assert.match(out2, /flake-lens fix\.+Passed/);
  });
});

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}

/** `${{ inputs.x }}` and `${{ steps.s.outputs.x }}`, the only expressions the action and the snippet use. */
function expand(text: string, ctx: { inputs?: Record<string, string>; steps?: Record<string, Record<string, string>> }): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_m, expr: string) => {
    const parts = expr.split('.');
    if (parts[0] === 'inputs' && ctx.inputs && parts[1] in ctx.inputs) return ctx.inputs[parts[1]];
    if (parts[0] === 'steps' && parts[2] === 'outputs' && ctx.steps?.[parts[1]]) return ctx.steps[parts[1]][parts[3]] ?? '';
    throw new Error(`unexpected expression ${expr}`);
  });
}

describe('GitHub Action', () => {
  test('the README workflow: SARIF valid against the 2.1.0 schema, and an escaped job summary', () => {
    const workflow = yaml(readmeYaml('**GitHub Actions.**'));
    const steps: Step[] = Object.values(workflow.jobs as Record<string, { steps: Step[] }>)[0].steps;
    const use = steps.find((s) => s.uses?.startsWith('flake-lens/flake-lens@'))!;
    assert.equal(use.uses, `flake-lens/flake-lens@v${VERSION}`);
    const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'))!;
    assert.ok(upload, 'the workflow uploads the SARIF');
    const action = yaml(fs.readFileSync(path.join(REPO, 'action.yml'), 'utf8'));
    assert.equal(action.runs.using, 'composite');
    const inputs: Record<string, string> = {};
    for (const [name, spec] of Object.entries(action.inputs as Record<string, { default?: string }>)) inputs[name] = String(spec.default ?? '');
    for (const [name, value] of Object.entries(use.with ?? {})) {
      assert.ok(name in inputs, `action input ${name}`);
      inputs[name] = String(value);
    }

    // The workspace: a flake with a duplicated nixpkgs, and a folder name written to inject Markdown.
    const dir = tmp('action');
    const ws = path.join(dir, 'workspace');
    const lockFixture = path.join(REPO, 'test', 'fixtures', 'lock', 'no-follows');
    const evil = 'evil [x](javascript:alert(1)) ![i](http:evil.example) <img src=x> | `b` *';
    fs.mkdirSync(path.join(ws, 'app'), { recursive: true });
    fs.mkdirSync(path.join(ws, evil));
    for (const f of ['flake.nix', 'flake.lock']) fs.copyFileSync(path.join(lockFixture, f), path.join(ws, 'app', f));
    fs.writeFileSync(path.join(ws, evil, 'default.nix'), '{ pkgs, nixpkgs, ... }:\n{\n  a = import nixpkgs { system = "x86_64-linux"; };\n}\n');
    const summaryFile = path.join(dir, 'step_summary.md');
    const outputFile = path.join(dir, 'output');
    fs.writeFileSync(summaryFile, '');
    fs.writeFileSync(outputFile, '');

    const stepOutputs: Record<string, Record<string, string>> = {};
    let status = 0;
    for (const step of action.runs.steps as Step[]) {
      assert.equal(step.shell, 'bash');
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(step.env ?? {})) env[k] = expand(String(v), { inputs });
      // As a runner does: `bash --noprofile --norc -eo pipefail` in the workspace.
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
        cwd: ws,
        encoding: 'utf8',
        env: { ...process.env, ...env, GITHUB_ACTION_PATH: REPO, GITHUB_WORKSPACE: ws, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_OUTPUT: outputFile, NO_COLOR: '1' },
      });
      status = r.status ?? -1;
      assert.equal(r.stderr, '');
      const outputs: Record<string, string> = {};
      for (const line of fs.readFileSync(outputFile, 'utf8').split('\n').filter(Boolean)) outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
      if (step.id) stepOutputs[step.id] = outputs;
    }
    assert.equal(status, 1, 'warnings fail the step, as check does');
    const actionOutputs: Record<string, string> = {};
    for (const [name, spec] of Object.entries(action.outputs as Record<string, { value: string }>)) actionOutputs[name] = expand(spec.value, { steps: stepOutputs });
    const sarifPath = path.join(ws, expand(upload.with!.sarif_file, { steps: { [use.id!]: actionOutputs } }));

    const sarif = JSON.parse(fs.readFileSync(sarifPath, 'utf8')) as any;
    const schema = JSON.parse(fs.readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
    // The schema is draft-04 (as published by OASIS): Ajv's draft-04 class; formats (uri-reference, date-time) checked too.
    // unicodeRegExp off: the language pattern `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$` has a stray `]`, valid only without the u flag.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    assert.equal(validate(sarif), true, JSON.stringify(validate.errors, null, 2));
    const rules = sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId).sort();
    assert.deepEqual(rules, ['duplicate-lock-node', 'legacy-packages', 'missing-follows', 'unused-input', 'unused-input']);
    const uris = sarif.runs[0].results.map((r: any) => decodeURIComponent(r.locations[0].physicalLocation.artifactLocation.uri)).sort();
    assert.deepEqual([...new Set(uris)], ['app/flake.lock', 'app/flake.nix', `${evil}/default.nix`]);
    assert.equal(actionOutputs.problems, '5');

    const summary = fs.readFileSync(summaryFile, 'utf8');
    const docs = 'https://github.com/flake-lens/flake-lens/blob/main/docs/rules/';
    for (const rule of new Set<string>(rules)) {
      const n = rules.filter((r: string) => r === rule).length;
      assert.ok(summary.includes(`| [\`${rule}\`](${docs}${rule}.md) | ${n} | `), `${rule} counted in\n${summary}`);
    }
    assert.ok(summary.includes('5 problems in 3 files.'), summary);
    // The duplicate summary from `flake-lens inputs`.
    assert.match(summary, /\| app\\\/flake\\\.nix \| nixpkgs\\: 2 revisions\\, 0 inputs follow the root\\, 1 upstream duplicated \|/);
    // File-derived text is escaped: no link, image, HTML or code span comes out of the folder name.
    assert.ok(summary.includes(String.raw`| evil \[x\]\(javascript\:alert\(1\)\) \!\[i\]\(http\:evil\.example\) \<img src\=x\> \| \`b\` \*\/default\.nix\:3 |`), summary);
    assert.doesNotMatch(summary, /(^|[^\\])<img/);
    assert.doesNotMatch(summary, /[^\\]\]\((javascript|http:evil)/);
  });
});

describe('npm tarball', () => {
  test('npx ./flake-lens-*.tgz check works in an empty folder', () => {
    assert.ok(fs.existsSync(path.join(REPO, 'dist', 'cli.js')), 'run npm run build first');
    const empty = tmp('npx');
    // dist/ is built already (pretest); --ignore-scripts keeps the pack from rebuilding it under other tests.
    const packed = JSON.parse(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', empty], REPO))[0];
    const files = packed.files.map((f: { path: string }) => f.path).sort();
    for (const f of ['dist/cli.js', 'dist/tree-sitter-nix.wasm', 'dist/web-tree-sitter.wasm', 'package.json', 'README.md', 'LICENSE']) assert.ok(files.includes(f), `${f} in ${files}`);
    assert.deepEqual(files.filter((f: string) => /\.ts$|\.map$|^test\/|^server\/|^node_modules\//.test(f)), []);
    const flakes = tmp('npx-flake');
    fs.writeFileSync(path.join(flakes, 'flake.nix'), FLAKE);
    // A fresh npm cache: the package has no dependencies, so nothing comes from the registry.
    const env = { npm_config_cache: path.join(tmp('npm-cache')), npm_config_update_notifier: 'false', npm_config_offline: 'true' };
    const r = spawnSync('npx', ['--yes', `./${packed.filename}`, 'check', flakes], { cwd: empty, encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /flake\.nix:5:37: warning \[legacy-packages\]/);
    assert.match(r.stdout, /1 problem in 1 file\./);
    const v = spawnSync('npx', ['--yes', `./${packed.filename}`, '--version'], { cwd: empty, encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(v.stdout, `${VERSION}\n`, v.stderr);
    assert.deepEqual(fs.readdirSync(empty), [packed.filename], 'npx left the folder as it was');
  });
});
