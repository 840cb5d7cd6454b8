// `flake-lens check --now` on the shared corpus (50 locks alone, and the flakes that have a lock)
// against a separate flake-checker-style reading of the same lock JSON, written here from scratch:
// root inputs that are nixpkgs, locked more than 30 whole days before the date, with a ref outside
// the branches supported on that date (listed by hand), or owned by someone other than NixOS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../server/src/cli/cli';
import { ROOT } from './lockHelpers';

const CORPUS = path.join(ROOT, '..', 'shared', 'corpus');
const NOW = '2026-12-01';
// By hand from the cadence on 2026-12-01: 26.05 (until 2026-12-31) and 26.11 (since 2026-11-01).
const SUPPORTED = new Set([
  'nixos-26.05', 'nixos-26.05-small', 'nixpkgs-26.05-darwin',
  'nixos-26.11', 'nixos-26.11-small', 'nixpkgs-26.11-darwin',
  'nixos-unstable', 'nixos-unstable-small', 'nixpkgs-unstable',
]);
const CODES = ['outdated-nixpkgs', 'unsupported-nixpkgs-branch', 'non-upstream-nixpkgs'];

type Attrs = Record<string, unknown>;

/** 'upstream', 'fork' or undefined: is this lock entry nixpkgs, read straight from its fields. */
function nixpkgsKind(a: Attrs | undefined): 'upstream' | 'fork' | undefined {
  if (!a || a.dir) return undefined;
  const s = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : '');
  if (a.type === 'github' || a.type === 'gitlab' || a.type === 'sourcehut') {
    if (s('repo').toLowerCase() !== 'nixpkgs') return undefined;
    return s('owner').toLowerCase() === 'nixos' && a.type === 'github' && !a.host ? 'upstream' : 'fork';
  }
  if (a.type === 'indirect') return s('id') === 'nixpkgs' ? 'upstream' : undefined;
  const url = s('url').toLowerCase().replace(/\?.*$/, '');
  if (a.type === 'git') {
    if (/^(git\+)?(https|ssh|git):\/\/(git@)?github\.com[/:]nixos\/nixpkgs(\.git)?\/?$/.test(url)) return 'upstream';
    return /\/nixpkgs(\.git)?\/?$/.test(url) ? 'fork' : undefined;
  }
  if (a.type === 'tarball' || a.type === 'file') {
    return /nixos\.org\/|github\.com\/nixos\/nixpkgs\/|flakehub\.com\/f\/(pinned\/)?nixos\/nixpkgs\//.test(url) ? 'upstream' : undefined;
  }
  return undefined;
}

/** Expected findings of one lock: `code|root input|node key`. */
function expected(lockText: string, now: number): string[] {
  const lock = JSON.parse(lockText) as { root: string; nodes: Record<string, { inputs?: Record<string, string | string[]>; locked?: Attrs; original?: Attrs; flake?: boolean }> };
  const out: string[] = [];
  for (const [name, target] of Object.entries(lock.nodes[lock.root].inputs ?? {})) {
    if (Array.isArray(target)) continue; // follows: reported at the followed input
    const node = lock.nodes[target];
    if (!node || node.flake === false) continue;
    const kind = nixpkgsKind(node.original) ?? nixpkgsKind(node.locked);
    if (!kind) continue;
    const lm = node.locked?.lastModified;
    // Age and branch only for the input named nixpkgs (flake-checker's default --nixpkgs-keys).
    const checked = name === 'nixpkgs';
    if (checked && typeof lm === 'number' && lm > 86_400 * 365 && Math.floor((now - lm * 1000) / 86_400_000) > 30) out.push(`outdated-nixpkgs|${name}|${target}`);
    const ref = node.original?.ref;
    if (checked && kind === 'upstream' && typeof ref === 'string' && !SUPPORTED.has(ref)) out.push(`unsupported-nixpkgs-branch|${name}|${target}`);
    if (kind === 'fork') out.push(`non-upstream-nixpkgs|${name}|${target}`);
  }
  return out;
}

interface JsonFinding {
  file: string;
  range: { start: { line: number; character: number } };
  code: string;
  message: string;
}

async function check(dir: string): Promise<JsonFinding[]> {
  let stdout = '';
  const code = await run(['check', '--now', NOW, '--format', 'json', '--fail-on', 'error', dir], (s) => (stdout += s), () => undefined);
  assert.ok(code === 0 || code === 1, `exit ${code}`);
  return (JSON.parse(stdout) as JsonFinding[]).filter((f) => CODES.includes(f.code));
}

test('check --now on the 50 corpus locks equals a flake-checker-style reading', { skip: !fs.existsSync(path.join(CORPUS, 'locks')) && 'no corpus' }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-age-'));
  const want: string[] = [];
  for (const f of fs.readdirSync(path.join(CORPUS, 'locks')).filter((x) => x.endsWith('.lock'))) {
    const text = fs.readFileSync(path.join(CORPUS, 'locks', f), 'utf8');
    const dir = path.join(tmp, f.replace(/\.lock$/, ''));
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'flake.lock'), text);
    for (const e of expected(text, Date.parse(`${NOW}T00:00:00Z`))) want.push(`${path.basename(dir)}|${e}`);
  }
  const got = (await check(tmp)).map((f) => {
    const text = fs.readFileSync(f.file, 'utf8').split('\n')[f.range.start.line].slice(f.range.start.character);
    return `${path.basename(path.dirname(f.file))}|${f.code}|${/input '([^']+)'/.exec(f.message)![1]}|${/^"([^"]+)"/.exec(text)![1]}`;
  });
  assert.deepEqual(got.sort(), want.sort());
  // The corpus exercises every rule.
  for (const c of CODES) assert.ok(want.some((w) => w.includes(`|${c}|`)), c);
  // SARIF carries the same findings, with the rules described.
  let sarif = '';
  await run(['check', '--now', NOW, '--format', 'sarif', tmp], (x) => (sarif += x), () => undefined);
  const runs = JSON.parse(sarif).runs[0];
  for (const c of CODES) assert.ok(runs.tool.driver.rules.some((r: { id: string }) => r.id === c), c);
  const levels = runs.results.filter((r: { ruleId: string }) => CODES.includes(r.ruleId)).map((r: { ruleId: string; level: string }) => `${r.ruleId} ${r.level}`);
  assert.equal(levels.length, want.length);
  assert.ok(levels.every((l: string) => (l.startsWith('non-upstream') ? l.endsWith(' note') : l.endsWith(' warning'))), levels.join('\n'));
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('check --now on the corpus flakes (flake.nix with its lock) equals the same reading', { skip: !fs.existsSync(path.join(CORPUS, 'flakes')) && 'no corpus' }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-age-'));
  const want: string[] = [];
  for (const d of fs.readdirSync(path.join(CORPUS, 'flakes'))) {
    const src = path.join(CORPUS, 'flakes', d);
    if (!fs.existsSync(path.join(src, 'flake.lock')) || !fs.existsSync(path.join(src, 'flake.nix'))) continue;
    const dir = path.join(tmp, d);
    fs.mkdirSync(dir);
    const lock = fs.readFileSync(path.join(src, 'flake.lock'), 'utf8');
    fs.writeFileSync(path.join(dir, 'flake.lock'), lock);
    fs.copyFileSync(path.join(src, 'flake.nix'), path.join(dir, 'flake.nix'));
    for (const e of expected(lock, Date.parse(`${NOW}T00:00:00Z`))) want.push(`${d}|${e.split('|').slice(0, 2).join('|')}`);
  }
  const got = (await check(tmp)).map((f) => `${path.basename(path.dirname(f.file))}|${f.code}|${/input '([^']+)'/.exec(f.message)![1]}`);
  assert.deepEqual(got.sort(), want.sort());
  fs.rmSync(tmp, { recursive: true, force: true });
});
