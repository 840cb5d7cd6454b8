// `npm run corpus [-- --update] [-- --no-nix]`: the engine on ../shared/corpus/flakes, as a new
// user would run `check` on public flakes. Prints counts by rule, crashes, our syntax verdict
// against `nix-instantiate --parse` for every .nix file, and the fix results (each safe fix and
// each missing-follows fix applied alone on a copy: Nix parses it, and the same fix is not offered
// again), then compares the reviewed snapshot (test/corpus/snapshot.tsv); `--update` rewrites it,
// keeping the verdicts by key. Exit status 1 on a crash, a disagreement, a bad fix or a snapshot drift.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ParsedNix, hasSyntaxError, loadNix } from '../../server/src/nix/parser';
import { applyEdits } from '../../server/src/rules/fixes';
import { fixText } from '../../server/src/cli/cli';
import { DEFAULT_SETTINGS } from '../../server/src/config';
import type { Finding, Fix } from '../../server/src/rules/findings';
import { LineIndex } from '../../server/src/nix/lineIndex';
import { isSyntaxError, mapLimit, nixMissing, nixParseText } from '../helpers/nix';
import {
  CORPUS,
  SNAPSHOT,
  analyseCorpus,
  analyseNixFile,
  compareSnapshot,
  corpusFiles,
  readSnapshot,
  readText,
  rowKey,
  snapshotRows,
  writeSnapshot,
} from './engine';

const args = new Set(process.argv.slice(2));
const JOBS = Math.max(1, Math.min(2, os.availableParallelism()));

interface NixVerdict {
  ok: boolean;
  syntaxError: boolean;
  /** The first line of Nix's error, if any. */
  error?: string;
}

// nix-instantiate's verdicts by file content: the corpus is pinned, so reruns skip Nix.
const CACHE = path.join(os.tmpdir(), 'flake-lens-corpus-nix-parse.json');
const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

function runNix(files: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('nix-instantiate', ['--parse', ...files], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

const firstError = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('error:'))?.slice(0, 200);

/**
 * `nix-instantiate --parse` on many files at once: it stops at the first file that fails, which
 * its message names; the files before it passed, and the batch goes on after it.
 */
async function nixParseBatch(files: string[], out: Map<string, NixVerdict>): Promise<void> {
  let i = 0;
  while (i < files.length) {
    const batch = files.slice(i, i + 200);
    const r = await runNix(batch);
    if (r.status === 0) {
      for (const f of batch) out.set(f, { ok: true, syntaxError: false });
      i += batch.length;
      continue;
    }
    const failed = batch.findIndex((f) => r.stderr.includes(`${f}:`));
    if (failed < 0) {
      // No position names a file: ask Nix about the first one alone.
      const one = await runNix([batch[0]]);
      out.set(batch[0], { ok: one.status === 0, syntaxError: one.status !== 0 && isSyntaxError(one.stderr), error: firstError(one.stderr) });
      i += 1;
      continue;
    }
    for (const f of batch.slice(0, failed)) out.set(f, { ok: true, syntaxError: false });
    out.set(batch[failed], { ok: false, syntaxError: isSyntaxError(r.stderr), error: firstError(r.stderr) });
    i += failed + 1;
  }
}

async function nixVerdicts(files: string[]): Promise<Map<string, NixVerdict>> {
  const cache: Record<string, NixVerdict> = fs.existsSync(CACHE) ? JSON.parse(fs.readFileSync(CACHE, 'utf8')) : {};
  const hashes = new Map(files.map((f) => [f, sha(fs.readFileSync(f))]));
  const todo = files.filter((f) => !cache[hashes.get(f)!]);
  const found = new Map<string, NixVerdict>();
  const chunk = Math.ceil(todo.length / JOBS);
  await Promise.all(Array.from({ length: JOBS }, (_, j) => nixParseBatch(todo.slice(j * chunk, (j + 1) * chunk), found)));
  for (const [f, v] of found) cache[hashes.get(f)!] = v;
  fs.writeFileSync(CACHE, JSON.stringify(cache));
  return new Map(files.map((f) => [f, cache[hashes.get(f)!]]));
}

interface FixCheck {
  file: string;
  line: number;
  code: string;
  title: string;
  problem?: string;
}

function where(text: string, f: Finding): number {
  return new LineIndex(text).positionAt(f.start).line + 1;
}

/** A fix is not offered again once applied: no finding of the fixed text has one with the same title and text. */
function offeredAgain(findings: Finding[], fix: Fix): boolean {
  const sig = (x: Fix) => `${x.title}\0${x.edits.map((e) => e.newText).join('\0')}`;
  return findings.some((f) => f.fixes.some((x) => sig(x) === sig(fix)));
}

async function main(): Promise<number> {
  if (!fs.existsSync(CORPUS)) {
    console.log(`corpus: ${CORPUS} not found`);
    return 0;
  }
  const language = await loadNix();
  const started = Date.now();
  const result = analyseCorpus(language);
  const analysed = Date.now() - started;
  let bad = 0;

  // Counts by rule.
  const counts = new Map<string, number>();
  for (const f of result.files) for (const x of f.findings) counts.set(x.code, (counts.get(x.code) ?? 0) + 1);
  const flakes = corpusFiles().filter((f) => path.basename(f) === 'flake.nix').length;
  console.log(`corpus: ${result.nixFiles} .nix files (${flakes} flake.nix) analysed in ${(analysed / 1000).toFixed(1)} s`);
  console.log('findings by rule:');
  for (const [code, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${code.padEnd(22)} ${n}`);
  console.log(`  ${'total'.padEnd(22)} ${[...counts.values()].reduce((a, b) => a + b, 0)}`);
  console.log(`crashes: ${result.crashes.length}`);
  for (const c of result.crashes) console.log(`  ${c.file}: ${c.error.split('\n').slice(0, 3).join(' | ')}`);
  bad += result.crashes.length;

  // Syntax verdicts and fixes need Nix.
  const noNix = args.has('--no-nix') ? '--no-nix' : nixMissing();
  if (noNix) {
    console.log(`syntax and fix checks skipped: ${noNix}`);
  } else {
    const nixFiles = corpusFiles().filter((f) => f.endsWith('.nix'));
    const t0 = Date.now();
    const verdicts = await nixVerdicts(nixFiles);
    const disagree: string[] = [];
    let nixRejects = 0;
    for (const file of nixFiles) {
      const nix = verdicts.get(file)!;
      if (nix.syntaxError) nixRejects++;
      const { text } = readText(file);
      const parsed = ParsedNix.createSync(language, text);
      const ours = hasSyntaxError(parsed);
      parsed.dispose();
      if (ours !== nix.syntaxError) disagree.push(`${path.relative(CORPUS, file)}: ours ${ours ? 'error' : 'ok'}, nix ${nix.syntaxError ? 'syntax error' : 'ok'}${nix.error ? ` (${nix.error})` : ''}`);
    }
    console.log(`syntax: ${nixFiles.length} files, nix-instantiate --parse rejects ${nixRejects}, disagreements: ${disagree.length} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    for (const d of disagree) console.log(`  ${d}`);
    bad += disagree.length;

    // Fixes, each alone on a copy of the text.
    const t1 = Date.now();
    const checks: FixCheck[] = [];
    const fixAll: FixCheck[] = [];
    const jobs: { file: string; abs: string; text: string; finding: Finding; fix: Fix }[] = [];
    for (const f of result.files) {
      if (!f.file.endsWith('.nix')) continue;
      for (const x of f.findings) {
        const fix = x.fixes.find((y) => (y.safe && (y.kind ?? 'quickfix') === 'quickfix') || x.code === 'missing-follows');
        if (fix) jobs.push({ file: f.file, abs: path.join(CORPUS, f.file), text: f.text, finding: x, fix });
      }
    }
    await mapLimit(jobs, JOBS, async (j) => {
      const fixed = applyEdits(j.text, j.fix.edits);
      const c: FixCheck = { file: j.file, line: where(j.text, j.finding), code: j.finding.code, title: j.fix.title };
      const orig = verdicts.get(j.abs)!;
      const nix = await nixParseText(fixed, path.dirname(j.abs));
      if (!nix.ok && orig.ok) c.problem = `Nix rejects the result: ${firstError(nix.stderr)}`;
      else if (nix.syntaxError && !orig.syntaxError) c.problem = `Nix rejects the result: ${firstError(nix.stderr)}`;
      else if (offeredAgain(analyseNixFile(language, j.abs, fixed).findings, j.fix)) c.problem = 'offered again after it was applied (not idempotent)';
      checks.push(c);
    });
    // Fix-all per file (what `flake-lens fix` writes): parses, and a second run changes nothing.
    const withSafe = [...new Set(jobs.filter((j) => j.fix.safe).map((j) => j.file))];
    await mapLimit(withSafe, JOBS, async (file) => {
      const abs = path.join(CORPUS, file);
      const { text } = readText(abs);
      const lockPath = path.join(path.dirname(abs), 'flake.lock');
      const lock = path.basename(abs) === 'flake.nix' && fs.existsSync(lockPath) ? readText(lockPath).text : undefined;
      const once = fixText(language, abs, text, DEFAULT_SETTINGS, [], lock);
      const twice = fixText(language, abs, once, DEFAULT_SETTINGS, [], lock);
      const c: FixCheck = { file, line: 0, code: '*', title: 'fix all' };
      const nix = await nixParseText(once, path.dirname(abs));
      if (!nix.ok && verdicts.get(abs)!.ok) c.problem = `Nix rejects the result: ${firstError(nix.stderr)}`;
      else if (twice !== once) c.problem = 'a second `fix` changes the file again';
      fixAll.push(c);
    });
    const byCode = new Map<string, { n: number; bad: number }>();
    for (const c of checks) {
      const e = byCode.get(c.code) ?? { n: 0, bad: 0 };
      e.n++;
      if (c.problem) e.bad++;
      byCode.set(c.code, e);
    }
    console.log(`fixes: ${checks.length} applied alone, ${fixAll.length} files fixed whole (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
    for (const [code, e] of byCode) console.log(`  ${code.padEnd(22)} ${e.n} applied, ${e.n - e.bad} parse and are idempotent`);
    console.log(`  ${'fix all'.padEnd(22)} ${fixAll.length} files, ${fixAll.filter((c) => !c.problem).length} parse and are idempotent`);
    for (const c of [...checks, ...fixAll].filter((x) => x.problem)) console.log(`  BAD ${c.file}:${c.line} [${c.code}] ${c.title}: ${c.problem}`);
    bad += [...checks, ...fixAll].filter((x) => x.problem).length;
  }

  // The reviewed snapshot.
  const rows = snapshotRows(result);
  const old = readSnapshot();
  const { added, removed } = compareSnapshot(rows, old);
  if (args.has('--update')) {
    writeSnapshot(rows, old);
    console.log(`snapshot: ${path.relative(process.cwd(), SNAPSHOT)} written, ${rows.length} findings (${added.length} new, ${removed.length} gone)`);
  } else {
    console.log(`snapshot: ${rows.length} findings, ${added.length} not in the snapshot, ${removed.length} no longer found`);
    for (const k of added) console.log(`  + ${k}`);
    for (const k of removed) console.log(`  - ${k}`);
    if (added.length || removed.length) console.log('  (review them, then `npm run corpus -- --update`)');
    bad += added.length + removed.length;
  }
  // Verdicts of the findings found now (a finding's verdict is kept by key).
  const verdicts = new Map(old.map((r) => [rowKey(r), r.verdict]));
  const judged = rows.map((r) => verdicts.get(rowKey(r)) ?? '');
  const byCode = new Map<string, { all: number; judged: number; wrong: number }>();
  rows.forEach((r, i) => {
    const e = byCode.get(r.code) ?? { all: 0, judged: 0, wrong: 0 };
    e.all++;
    if (judged[i]) e.judged++;
    if (/^wrong\b/.test(judged[i])) e.wrong++;
    byCode.set(r.code, e);
  });
  console.log('verdicts:');
  for (const [code, e] of byCode) console.log(`  ${code.padEnd(22)} ${e.all} findings, ${e.judged} judged, ${e.wrong} judged wrong`);
  return bad > 0 ? 1 : 0;
}

void main().then(
  (code) => (process.exitCode = code),
  (e) => {
    console.error(e);
    process.exitCode = 2;
  },
);
