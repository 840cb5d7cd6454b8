// flake-lens: the language server's engine on the command line, for CI.
//   flake-lens check [--format text|json|sarif] [--fail-on error|warning|information|hint] PATH...
//   flake-lens fix [--rule CODE]... [--dry-run] PATH...
// Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad usage or unreadable input.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { analyseFlake, analyseLock, tooLarge } from '../rules/analyse';
import { flakeContext, graphDto } from '../rules/flake';
import { printTree } from '../lock/graph';
import { DEFAULT_SETTINGS, Settings, resolveSettings } from '../config';
import { unifiedDiff } from './diff';
import type { Finding, Severity } from '../rules/findings';
import { applyEdits, fixAllEdits } from '../rules/fixes';
import { LineIndex } from '../nix/lineIndex';
import { ParsedNix, loadNix } from '../nix/parser';
import { RULES, ruleInfo } from '../rules/index';
import { docsUrl } from '../protocol';
import type { Language } from 'web-tree-sitter';

const USAGE = `Usage:
  flake-lens check [--format text|json|sarif] [--fail-on error|warning|information|hint] [options] PATH...
  flake-lens fix [--rule CODE]... [--dry-run] [options] PATH...
  flake-lens inputs [--format tree|json] PATH
  flake-lens rules
Options:
  --nixpkgs-input NAME   treat input NAME as nixpkgs (repeatable)
  --max-file-size N      skip files longer than N characters (default ${DEFAULT_SETTINGS.maxFileSize})
  -h, --help             show this help
  --version              print the version
PATH is a file or a folder; folders are searched for *.nix and flake.lock, skipping .git, node_modules and result*.
A flake.nix is checked together with the flake.lock beside it.
Exit status: 0 clean, 1 findings at or above --fail-on (default warning), 2 bad usage or unreadable input.`;

const RANK: Record<Severity, number> = { error: 3, warning: 2, information: 1, hint: 0 };

class UsageError extends Error {}

interface Options {
  command: string;
  format: 'text' | 'json' | 'sarif' | 'tree';
  failOn: Severity;
  rules: string[];
  dryRun: boolean;
  paths: string[];
  settings: Settings;
}

function parseArgs(argv: string[]): Options {
  const [command, ...rest] = argv;
  const opts: Options = { command, format: command === 'inputs' ? 'tree' : 'text', failOn: 'warning', rules: [], dryRun: false, paths: [], settings: DEFAULT_SETTINGS };
  const nixpkgsInputs: string[] = [];
  let maxFileSize = DEFAULT_SETTINGS.maxFileSize;
  const value = (i: number, flag: string) => {
    const v = rest[i + 1];
    if (v === undefined) throw new UsageError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const take = () => (eq > 0 ? a.slice(eq + 1) : value(i++, flag));
    switch (flag) {
      case '--format': {
        const f = take();
        const allowed = command === 'inputs' ? ['tree', 'json'] : ['text', 'json', 'sarif'];
        if (!allowed.includes(f)) throw new UsageError(`unknown format '${f}' (${allowed.join(', ')})`);
        opts.format = f as Options['format'];
        break;
      }
      case '--fail-on': {
        const f = take();
        if (!(f in RANK)) throw new UsageError(`unknown severity '${f}' (error, warning, information, hint)`);
        opts.failOn = f as Severity;
        break;
      }
      case '--rule': {
        const r = take();
        if (!ruleInfo(r)) throw new UsageError(`unknown rule '${r}'; see 'flake-lens rules'`);
        opts.rules.push(r);
        break;
      }
      case '--dry-run':
        opts.dryRun = true;
        break;
      case '--nixpkgs-input':
        nixpkgsInputs.push(take());
        break;
      case '--max-file-size': {
        const n = Number(take());
        if (!Number.isFinite(n) || n < 0) throw new UsageError('--max-file-size needs a number');
        maxFileSize = n;
        break;
      }
      case '--':
        opts.paths.push(...rest.slice(i + 1));
        i = rest.length;
        break;
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}'`);
        opts.paths.push(a);
    }
  }
  opts.settings = resolveSettings({ nixpkgsInputs, maxFileSize });
  return opts;
}

const SKIP_DIRS = new Set(['.git', 'node_modules', '.direnv']);

/** Files named on the command line, and *.nix files under folders (sorted, for stable output). */
function collectFiles(paths: string[], errors: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      errors.push(`${dir}: ${(e as Error).message}`);
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !/^result(-|$)/.test(e.name)) walk(path.join(dir, e.name));
      } else if (e.isFile() && (e.name.endsWith('.nix') || e.name === 'flake.lock')) out.push(path.join(dir, e.name));
    }
  };
  for (const p of paths) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch (e) {
      errors.push(`${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
      continue;
    }
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

interface FileResult {
  file: string;
  text: string;
  findings: Finding[];
  /** Not valid UTF-8: analysed with replacement characters, never rewritten. */
  lossy: boolean;
}

function readText(file: string): { text: string; lossy: boolean } {
  const bytes = new Uint8Array(fs.readFileSync(file));
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), lossy: false };
  } catch {
    return { text: new TextDecoder('utf-8').decode(bytes), lossy: true };
  }
}

/** A .nix file, and for a flake.nix the flake.lock text beside it. */
function analyseFile(language: Language, file: string, text: string, settings: Settings, lockText: string | undefined): { findings: Finding[]; lockFindings: Finding[] } {
  if (text.length > settings.maxFileSize) return { findings: tooLarge(text, settings), lockFindings: [] };
  const parsed = ParsedNix.createSync(language, text);
  try {
    const isFlake = path.basename(file) === 'flake.nix';
    const r = analyseFlake({ text, tree: parsed.tree, isFlake, settings, lock: isFlake && lockText !== undefined ? { text: lockText } : undefined });
    return { findings: r.findings, lockFindings: r.lockFindings };
  } finally {
    parsed.dispose();
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readText(file).text;
  } catch {
    return undefined;
  }
}

/** Analyses every collected file; a flake.lock is reported with its flake.nix when both exist. */
function analyseAll(language: Language, files: string[], settings: Settings, err: (s: string) => void, errors: string[]): FileResult[] {
  const results: FileResult[] = [];
  const lockDone = new Set<string>();
  const nixFiles = files.filter((f) => f.endsWith('.nix'));
  const lockFiles = files.filter((f) => path.basename(f) === 'flake.lock');
  for (const file of nixFiles) {
    try {
      const { text, lossy } = readText(file);
      if (lossy) err(`${file}: not valid UTF-8; analysed with replacement characters`);
      const lockPath = path.join(path.dirname(file), 'flake.lock');
      const lockText = path.basename(file) === 'flake.nix' ? readIfExists(lockPath) : undefined;
      const r = analyseFile(language, file, text, settings, lockText);
      results.push({ file, text, lossy, findings: r.findings });
      if (lockText !== undefined) {
        lockDone.add(path.resolve(lockPath));
        if (lockFiles.some((l) => path.resolve(l) === path.resolve(lockPath)) || r.lockFindings.length) {
          results.push({ file: lockFiles.find((l) => path.resolve(l) === path.resolve(lockPath)) ?? lockPath, text: lockText, lossy: false, findings: r.lockFindings });
        }
      }
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message}`);
    }
  }
  for (const file of lockFiles) {
    if (lockDone.has(path.resolve(file))) continue;
    try {
      const { text } = readText(file);
      const flakeFile = path.join(path.dirname(file), 'flake.nix');
      const flakeText = readIfExists(flakeFile);
      const findings = flakeText !== undefined ? analyseFile(language, flakeFile, flakeText, settings, text).lockFindings : analyseLock(text, settings);
      results.push({ file, text, lossy: false, findings });
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message}`);
    }
  }
  return results;
}

function toJson(r: FileResult) {
  const index = new LineIndex(r.text);
  const range = (s: number, e: number) => ({ start: index.positionAt(s), end: index.positionAt(e) });
  return r.findings.map((f) => ({
    file: r.file,
    range: range(f.start, f.end),
    severity: f.severity,
    code: f.code,
    message: f.message,
    fixes: f.fixes.map((x) => ({ title: x.title, safe: x.safe, edits: x.edits.map((e) => ({ range: range(e.start, e.end), newText: e.newText })) })),
  }));
}

function sarif(results: FileResult[]) {
  const level = (s: Severity) => (s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note');
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'flake-lens',
            informationUri: 'https://github.com/flake-lens/flake-lens',
            rules: RULES.map((r) => ({
              id: r.code,
              shortDescription: { text: r.title },
              helpUri: docsUrl(r.code),
              defaultConfiguration: { level: level(r.severity) },
            })),
          },
        },
        results: results.flatMap((r) => {
          const index = new LineIndex(r.text);
          return r.findings.map((f) => {
            const s = index.positionAt(f.start);
            const e = index.positionAt(f.end);
            return {
              ruleId: f.code,
              level: level(f.severity),
              message: { text: f.message },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: r.file.split(path.sep).join('/') },
                    region: { startLine: s.line + 1, startColumn: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1 },
                  },
                },
              ],
            };
          });
        }),
      },
    ],
  };
}

function textReport(results: FileResult[]): string {
  let out = '';
  let count = 0;
  for (const r of results) {
    const index = new LineIndex(r.text);
    for (const f of r.findings) {
      const p = index.positionAt(f.start);
      out += `${r.file}:${p.line + 1}:${p.character + 1}: ${f.severity} [${f.code}] ${f.message}${f.fixes.some((x) => x.safe) ? ' (fixable)' : ''}\n`;
      if (f.code === 'stale-lock') out += `  to update the lock, run: (cd ${shellQuote(path.dirname(r.file) || '.')} && nix flake lock)\n`;
      count++;
    }
  }
  const files = results.length;
  out += count === 0 ? `No problems in ${files} file${files === 1 ? '' : 's'}.\n` : `${count} problem${count === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}.\n`;
  return out;
}

async function check(opts: Options, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const errors: string[] = [];
  const files = collectFiles(opts.paths, errors);
  const results = await analyseInParallel(files, opts.settings, err, errors);
  for (const e of errors) err(`flake-lens: ${e}`);
  if (opts.format === 'json') out(JSON.stringify(results.flatMap(toJson), null, 2) + '\n');
  else if (opts.format === 'sarif') out(JSON.stringify(sarif(results), null, 2) + '\n');
  else out(textReport(results));
  if (errors.length > 0) return 2;
  const failing = results.some((r) => r.findings.some((f) => RANK[f.severity] >= RANK[opts.failOn]));
  return failing ? 1 : 0;
}

/** Applies safe fixes until nothing changes, so running `fix` twice equals running it once. */
export function fixText(language: Language, file: string, text: string, settings: Settings, rules: string[], lockText?: string): string {
  const only = rules.length ? new Set(rules) : undefined;
  let current = text;
  for (let pass = 0; pass < 10; pass++) {
    // A rule named with --rule applies its fixes even when they change meaning (missing-follows).
    const edits = fixAllEdits(analyseFile(language, file, current, settings, lockText).findings, only, true);
    if (edits.length === 0) break;
    current = applyEdits(current, edits);
  }
  return current;
}

async function fix(opts: Options, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const errors: string[] = [];
  const files = collectFiles(opts.paths, errors).filter((f) => f.endsWith('.nix'));
  const language = await loadNix();
  let changed = 0;
  for (const file of files) {
    try {
      const { text, lossy } = readText(file);
      if (lossy) {
        errors.push(`${file}: not valid UTF-8; not rewritten`);
        continue;
      }
      const lockText = path.basename(file) === 'flake.nix' ? readIfExists(path.join(path.dirname(file), 'flake.lock')) : undefined;
      const fixed = fixText(language, file, text, opts.settings, opts.rules, lockText);
      if (fixed === text) continue;
      // Never write a file that parses worse than it did.
      const before = ParsedNix.createSync(language, text);
      const after = ParsedNix.createSync(language, fixed);
      const worse = after.tree.rootNode.hasError && !before.tree.rootNode.hasError;
      before.dispose();
      after.dispose();
      if (worse) {
        errors.push(`${file}: the fixes would leave a syntax error; not rewritten (please report this)`);
        continue;
      }
      changed++;
      if (opts.dryRun) {
        out(unifiedDiff(text, fixed, `a/${displayPath(file)}`, `b/${displayPath(file)}`));
      } else {
        const tmp = `${file}.flake-lens-${process.pid}.tmp`;
        fs.writeFileSync(tmp, fixed, { mode: fs.statSync(file).mode });
        fs.renameSync(tmp, file);
        err(`fixed ${file}`);
      }
      if (opts.rules.includes('missing-follows') && path.basename(file) === 'flake.nix') {
        err(`note: the missing-follows fixes change which revision a dependency builds with; run \`nix flake lock\` in ${path.dirname(file)} to update flake.lock`);
      }
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message}`);
    }
  }
  for (const e of errors) err(`flake-lens: ${e}`);
  if (!opts.dryRun && changed === 0 && errors.length === 0) err('nothing to fix');
  return errors.length > 0 ? 2 : 0;
}

export async function run(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help' || argv[0] === 'help') {
      (argv.length === 0 ? err : out)(USAGE + '\n');
      return argv.length === 0 ? 2 : 0;
    }
    if (argv[0] === '--version') {
      out(`${VERSION}\n`);
      return 0;
    }
    if (argv[0] === 'rules') {
      for (const r of RULES) out(`${r.code.padEnd(22)} ${r.severity.padEnd(12)} ${r.title}\n`);
      return 0;
    }
    const opts = parseArgs(argv);
    if (opts.command !== 'check' && opts.command !== 'fix' && opts.command !== 'inputs') throw new UsageError(`unknown command '${opts.command}'`);
    if (opts.paths.length === 0) throw new UsageError('no PATH given');
    if (opts.command === 'inputs') return await inputs(opts, out, err);
    return opts.command === 'check' ? await check(opts, out, err) : await fix(opts, out, err);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`flake-lens: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    err(`flake-lens: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}

declare const FLAKE_LENS_VERSION: string | undefined;
const VERSION = typeof FLAKE_LENS_VERSION === 'string' ? FLAKE_LENS_VERSION : 'dev';

/** Below this many bytes, starting workers (each loads the wasm parser) costs more than it saves. */
const PARALLEL_MIN_BYTES = 256 * 1024;

interface WorkerJob {
  files: string[];
  settings: Settings;
}
interface WorkerReply {
  results: FileResult[];
  errors: string[];
  messages: string[];
}

/**
 * Parsing dominates `check`; on several cores, folders are shared among worker threads (a folder
 * stays whole, so a flake.nix is checked with its flake.lock). Results keep the input order.
 */
async function analyseInParallel(files: string[], settings: Settings, err: (s: string) => void, errors: string[]): Promise<FileResult[]> {
  const sizes = files.map((f) => {
    try {
      return fs.statSync(f).size;
    } catch {
      return 0;
    }
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  const threads = Number(process.env.FLAKE_LENS_THREADS) || Math.min(os.availableParallelism(), 8);
  if (threads < 2 || total < PARALLEL_MIN_BYTES || files.length < 4 || !isMainThread) {
    return analyseAll(await loadNix(), files, settings, err, errors);
  }
  // Folders, largest first, each to the least loaded worker.
  const groups = new Map<string, { files: string[]; bytes: number }>();
  files.forEach((f, i) => {
    const g = groups.get(path.dirname(f)) ?? { files: [], bytes: 0 };
    g.files.push(f);
    g.bytes += sizes[i];
    groups.set(path.dirname(f), g);
  });
  const jobs: { files: string[]; bytes: number }[] = Array.from({ length: threads }, () => ({ files: [], bytes: 0 }));
  for (const g of [...groups.values()].sort((a, b) => b.bytes - a.bytes)) {
    const j = jobs.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    j.files.push(...g.files);
    j.bytes += g.bytes;
  }
  const replies = await Promise.all(
    jobs
      .filter((j) => j.files.length > 0)
      .map(
        (j) =>
          new Promise<WorkerReply>((resolve, reject) => {
            const w = new Worker(__filename, { workerData: { files: j.files, settings } satisfies WorkerJob });
            w.once('message', resolve);
            w.once('error', reject);
            w.once('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
          }),
      ),
  );
  const byFile = new Map<string, FileResult>();
  for (const r of replies) {
    for (const m of r.messages) err(m);
    errors.push(...r.errors);
    for (const res of r.results) byFile.set(res.file, res);
  }
  // The order a single thread would give: each file, then the flake.lock reported with it.
  const ordered: FileResult[] = [];
  const seen = new Set<string>();
  for (const f of [...files.filter((x) => x.endsWith('.nix')), ...files.filter((x) => !x.endsWith('.nix'))]) {
    for (const candidate of [f, path.join(path.dirname(f), 'flake.lock')]) {
      const r = byFile.get(candidate);
      if (r && !seen.has(candidate) && (candidate === f || path.basename(f) === 'flake.nix')) {
        seen.add(candidate);
        ordered.push(r);
      }
    }
  }
  for (const [file, r] of byFile) if (!seen.has(file)) ordered.push(r);
  return ordered;
}

if (!isMainThread && (workerData as WorkerJob | undefined)?.files) {
  const job = workerData as WorkerJob;
  void loadNix().then((language) => {
    const errors: string[] = [];
    const messages: string[] = [];
    const results = analyseAll(language, job.files, job.settings, (m) => messages.push(m), errors);
    parentPort!.postMessage({ results, errors, messages } satisfies WorkerReply);
  });
} else if (require.main === module) {
  void run(
    process.argv.slice(2),
    (s) => process.stdout.write(s),
    (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  ).then((code) => {
    process.exitCode = code;
  });
}

/** A path for diff headers: relative to the working directory when inside it. */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file.replace(/^\/+/, '');
}

function shellQuote(s: string): string {
  return /^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `flake-lens inputs PATH`: the lock's input tree as `nix flake metadata` prints it, plus duplicates. */
async function inputs(opts: Options, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (opts.paths.length !== 1) throw new UsageError('inputs takes one PATH (a flake folder, flake.nix or flake.lock)');
  let dir = opts.paths[0];
  try {
    if (!fs.statSync(dir).isDirectory()) dir = path.dirname(dir);
  } catch {
    err(`flake-lens: ${dir}: no such file or directory`);
    return 2;
  }
  const lockPath = path.join(dir, 'flake.lock');
  const flakePath = path.join(dir, 'flake.nix');
  const lockText = readIfExists(lockPath);
  if (lockText === undefined) {
    err(`flake-lens: ${lockPath}: no flake.lock (run \`nix flake lock\` first)`);
    return 2;
  }
  const flakeText = readIfExists(flakePath);
  const language = await loadNix();
  const parsed = flakeText !== undefined ? ParsedNix.createSync(language, flakeText) : undefined;
  try {
    const ctx = flakeContext({ flakeText, flakeRoot: parsed?.tree.rootNode, lockText });
    if (!ctx.graph) {
      for (const e of ctx.parsed?.errors ?? []) err(`flake-lens: ${lockPath}: ${e.message}`);
      return 2;
    }
    const dto = graphDto(ctx, flakePath, lockPath, path.basename(path.resolve(dir)));
    if (opts.format === 'json') {
      out(JSON.stringify(dto, null, 2) + '\n');
      return 0;
    }
    out(printTree(ctx.graph));
    out(`\n${dto.summary}\n`);
    for (const d of Object.values(dto.nodes)) {
      if (!d.duplicate) continue;
      const paths = ctx.graph.paths.get(d.key)?.map((p) => p.join('/')) ?? [];
      out(`  ${d.key}: another ${d.duplicate.upstream} revision (${d.rev?.slice(0, 7) ?? '?'}), pulled in by ${paths.join(', ')}\n`);
    }
    return 0;
  } finally {
    parsed?.dispose();
  }
}
