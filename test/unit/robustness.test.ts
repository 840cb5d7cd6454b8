// Property tests over every .nix fixture and seeded random mutations of them: analysis, hover and
// refactors never throw, and every safe fix leaves a file that still parses (checked with
// nix-instantiate --parse when it is installed) whenever the file parsed before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyse } from '../../server/src/rules/analyse';
import { resolveSettings } from '../../server/src/config';
import { DocumentContext } from '../../server/src/rules/context';
import { applyEdits, fixAllEdits } from '../../server/src/rules/fixes';
import { hoverAt } from '../../server/src/lsp/hover';
import { ParsedNix, hasSyntaxError, loadNix } from '../../server/src/nix/parser';
import { refactorsAt } from '../../server/src/rules/refactors';
import { REPO } from '../helpers/lspClient';

function nixFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...nixFiles(p));
    else if (e.name.endsWith('.nix')) out.push(p);
  }
  return out;
}

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['{', '}', ';', ',', '"', "''", '${', 'import nixpkgs { inherit system; }', ' ', '\n', 'let x = 1; in', '(', ')', '#', '<nixpkgs>', 'builtins.currentSystem', '...'];

/** Random edits: about half keep the file valid (duplicated lines, comments), half break it. */
function mutate(text: string, r: () => number): string {
  const lines = text.split('\n');
  const line = Math.floor(r() * lines.length);
  const valid = r();
  if (valid < 0.3) return [...lines.slice(0, line + 1), lines[line], ...lines.slice(line + 1)].join('\n');
  if (valid < 0.5) return [...lines.slice(0, line), '  # flake-lens robustness', ...lines.slice(line)].join('\n');
  const at = Math.floor(r() * (text.length + 1));
  const kind = r();
  if (kind < 0.4) return text.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)] + text.slice(at);
  if (kind < 0.8) return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + Math.floor(r() * 8)));
  const other = Math.floor(r() * (text.length + 1));
  return text.slice(0, Math.min(at, other)) + text.slice(Math.max(at, other));
}

const NIX = spawnSync('nix-instantiate', ['--version']).status === 0;

function nixAccepts(text: string): boolean {
  return spawnSync('nix-instantiate', ['--parse', '-'], { input: text }).status === 0;
}

test('analysis, hover, refactors and safe fixes on fixtures and random mutations', async (t) => {
  const language = await loadNix();
  // The fixtures' mock nixpkgs are path: inputs, which only the setting makes nixpkgs.
  const settings = resolveSettings({ nixpkgsInputs: ['nixpkgs', 'stable'] });
  const files = ['test/fixtures', 'test/e2e/workspace', 'examples'].flatMap((d) => nixFiles(path.join(REPO, d)));
  assert.ok(files.length > 50, `${files.length} fixtures`);
  const r = rng(20261125);
  let checkedWithNix = 0;
  let fixed = 0;
  for (const file of files) {
    const original = fs.readFileSync(file, 'utf8');
    const isFlake = path.basename(file) === 'flake.nix';
    const variants = [original];
    // Independent variants of the original, one or two edits each (chained edits end up all broken).
    for (let i = 0; i < 30; i++) variants.push(r() < 0.5 ? mutate(original, r) : mutate(mutate(original, r), r));
    for (const text of variants) {
      const where = `${path.relative(REPO, file)} variant ${JSON.stringify(text.slice(0, 60))}`;
      const parsed = ParsedNix.createSync(language, text);
      try {
        const findings = analyse({ text, tree: parsed.tree, isFlake, settings });
        const ctx = new DocumentContext(text, parsed.tree, { isFlake, extraNixpkgsInputs: settings.nixpkgsInputs });
        for (let k = 0; k < 8; k++) {
          const at = Math.floor(r() * (text.length + 1));
          hoverAt(ctx, at);
          refactorsAt(ctx, at, Math.min(text.length, at + Math.floor(r() * 5)));
        }
        const edits = fixAllEdits(findings);
        if (edits.length === 0 || hasSyntaxError(parsed)) continue;
        const after = applyEdits(text, edits);
        const reparsed = ParsedNix.createSync(language, after);
        const broken = hasSyntaxError(reparsed);
        reparsed.dispose();
        assert.equal(broken, false, `safe fixes broke ${where}:\n${after}`);
        fixed++;
        // The real parser on a sample (every third fixed text), to keep the run short; Nix also
        // rejects duplicate attributes while parsing, so compare with its verdict before the fix.
        if (NIX && fixed % 3 === 1 && nixAccepts(text)) {
          assert.equal(nixAccepts(after), true, `nix-instantiate rejects the fixed ${where}:\n${after}`);
          checkedWithNix++;
        }
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        throw new Error(`${where}: ${(e as Error).stack}`);
      } finally {
        parsed.dispose();
      }
    }
  }
  t.diagnostic(`${fixed} texts with safe fixes, ${checkedWithNix} checked with nix-instantiate`);
  assert.ok(fixed > 50, `only ${fixed} texts had safe fixes`);
  if (NIX) assert.ok(checkedWithNix > 5);
});
