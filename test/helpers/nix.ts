// Shared helpers for tests that run the real Nix (2.8+): finding it, parsing with
// `nix-instantiate --parse`, evaluating flakes offline, and assembling the fixture flakes
// under test/fixtures/flakes in a temporary directory.
import { spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The directory holding package.json, found by walking up from this file (out/test/helpers). */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
}

/** Absolute path of an executable on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** Undefined when Nix is usable; otherwise the reason to give `t.skip(...)`. */
export function nixMissing(): string | undefined {
  if (!which('nix-instantiate')) return 'nix-instantiate is not on PATH (CI installs Nix)';
  return undefined;
}

export function nixFlakesMissing(): string | undefined {
  if (!which('nix-instantiate')) return 'nix-instantiate is not on PATH (CI installs Nix)';
  if (!which('nix')) return 'nix is not on PATH (CI installs Nix)';
  return undefined;
}

export interface NixParseResult {
  /** Exit status 0. */
  ok: boolean;
  /**
   * Nix rejected the syntax: a `syntax error` from the parser or a lexer error (`path has a
   * trailing slash`). Errors found after parsing (`undefined variable`, `attribute 'a' already
   * defined`, `duplicate formal function argument`) are not syntax errors: a syntax tree cannot
   * see them, so tests comparing parsers should expect no error for them.
   */
  syntaxError: boolean;
  status: number | null;
  stderr: string;
}

export function isSyntaxError(stderr: string): boolean {
  return /error: syntax error|has a trailing slash/.test(stderr);
}

/** `nix-instantiate --parse FILE`: does Nix accept the file's syntax? */
export function nixParseFile(file: string): Promise<NixParseResult> {
  return run('nix-instantiate', ['--parse', file], { cwd: path.dirname(file) });
}

/** `nix-instantiate --parse -` with the text on stdin; relative paths resolve against `cwd`. */
export function nixParseText(text: string, cwd: string = os.tmpdir()): Promise<NixParseResult> {
  return run('nix-instantiate', ['--parse', '-'], { cwd, stdin: text });
}

function run(cmd: string, args: string[], opts: { cwd: string; stdin?: string }): Promise<NixParseResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ ok: status === 0, syntaxError: status !== 0 && isSyntaxError(stderr), status, stderr }));
    child.stdin.on('error', () => undefined); // nix may exit before reading everything
    child.stdin.end(opts.stdin ?? '');
  });
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export const parallelism = Math.max(2, Math.min(8, os.cpus().length * 2));

/** `nix` with flakes enabled, offline, without the evaluation cache (so traces are always printed). */
export function nix(args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(
    'nix',
    ['--extra-experimental-features', 'nix-command flakes', '--offline', '--option', 'eval-cache', 'false', ...args],
    { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
}

export interface FlakeEval {
  /** The parsed `--json` value. */
  value: unknown;
  /** stdout as printed, for messages. */
  json: string;
  stderr: string;
  /** Lines `trace: mock-nixpkgs instantiated for ...` (one per mock nixpkgs instance). */
  instantiations: string[];
}

export const TRACE_PREFIX = 'trace: mock-nixpkgs instantiated for ';

/**
 * `nix eval --json .#ATTR` in a flake directory, failing with Nix's stderr if it fails.
 * `--no-update-lock-file`: a meaning-preserving rewrite never needs a new lock.
 */
export function evalFlake(dir: string, attr: string): FlakeEval {
  const r = nix(['eval', '--no-update-lock-file', '--json', `.#${attr}`], dir);
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(
      `nix eval .#${attr} failed in ${dir} (status ${r.status}):\n${r.stderr}\n` +
        `(assemble it with assembleLockedConsumer, which locks it in this run's store)`,
    );
  }
  const instantiations = r.stderr.split('\n').filter((l) => l.startsWith(TRACE_PREFIX));
  return { value: JSON.parse(r.stdout), json: r.stdout.trim(), stderr: r.stderr, instantiations };
}

export const FLAKE_FIXTURES = (root = repoRoot()) => path.join(root, 'test', 'fixtures', 'flakes');
export const MOCK_INPUTS = ['mock-nixpkgs', 'mock-nixpkgs-stable', 'flake-utils'];

/** Names of the consumer flakes under test/fixtures/flakes/consumers. */
export function consumerFlakes(root = repoRoot()): string[] {
  const dir = path.join(FLAKE_FIXTURES(root), 'consumers');
  return fs
    .readdirSync(dir)
    .filter((n) => fs.existsSync(path.join(dir, n, 'flake.nix')))
    .sort();
}

/**
 * Copies consumer NAME to a fresh temporary directory outside any git repository, with the mocks
 * under ./deps/ where its `path:./deps/...` inputs point (Nix 2.8 rejects relative `path:`
 * inputs that leave the flake). Returns the directory; remove it with `fs.rmSync(dir, {recursive})`.
 * The copy keeps the committed flake.lock: enough for tests that only read it.
 */
export function assembleConsumer(name: string, root = repoRoot()): string {
  const fixtures = FLAKE_FIXTURES(root);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `flake-lens-${name}-`));
  fs.cpSync(path.join(fixtures, 'consumers', name), dir, { recursive: true });
  for (const m of MOCK_INPUTS) fs.cpSync(path.join(fixtures, m), path.join(dir, 'deps', m), { recursive: true });
  return dir;
}

/**
 * assembleConsumer, then `nix flake lock` from scratch in the copy, for tests that evaluate it.
 * Nix 2.8 cannot fetch a locked relative `path:` input unless the store already holds it, so a
 * committed lock only evaluates on a machine that locked it before; locking here puts the inputs
 * into whatever store this run uses (an empty one in CI). Throws unless Nix writes the committed
 * lock byte for byte, so the fixture cannot drift from what Nix does.
 */
export function assembleLockedConsumer(name: string, root = repoRoot()): string {
  const dir = assembleConsumer(name, root);
  const lockFile = path.join(dir, 'flake.lock');
  const committed = fs.readFileSync(lockFile, 'utf8');
  fs.rmSync(lockFile);
  const r = nix(['flake', 'lock'], dir);
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`nix flake lock failed in ${dir} (status ${r.status}):\n${r.stderr}`);
  const written = fs.readFileSync(lockFile, 'utf8');
  if (written !== committed) {
    throw new Error(`consumers/${name}/flake.lock differs from what nix flake lock writes: run scripts/make-flake-fixtures.sh\n${written}`);
  }
  return dir;
}

/** Every file under `dir` with one of the extensions, recursively, sorted; skips node_modules and dot-dirs. */
export function filesUnder(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
        walk(p);
      } else if (e.isFile() && exts.some((x) => e.name.endsWith(x))) out.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}
