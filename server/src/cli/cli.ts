// flake-lens: the language server's engine on the command line, for CI and pre-commit.
//   flake-lens check [--format text|json|sarif] [--fail-on error|warning|information|hint] PATH...
//   flake-lens fix [--rule CODE]... [--dry-run] PATH...
// Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad usage or unreadable input.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { analyseFlake, analyseLock, nixpkgsPolicy, tooLarge } from '../rules/analyse';
import { markOutdated } from '../rules/nixpkgsAge';
import { flakeContext, graphDto } from '../rules/flake';
import { printTree } from '../lock/graph';
import { DEFAULT_SETTINGS, Settings, resolveSettings } from '../config';
import { unifiedDiff } from './diff';
import type { Finding, Severity } from '../rules/findings';
import { applyEdits, fixAllEdits } from '../rules/fixes';
import { LineIndex } from '../nix/lineIndex';
import { ParsedNix, expectUneditedText, loadNix } from '../nix/parser';
import { RULES, ruleInfo } from '../rules/index';
import { docsUrl } from '../protocol';
import { MAX_LOCK_BYTES, readRegularFile } from '../diskFiles';
import { Paint, painter, termSafe, termSafeLines, wantColor } from './terminal';
import type { Language } from 'web-tree-sitter';

const COMMON_HELP = `  --color, --no-color    colour the text output or not (default: when the output is a terminal and NO_COLOR is unset)
  -h, --help             show this help`;
const ANALYSIS_HELP = `  --nixpkgs-input NAME   treat input NAME as nixpkgs (repeatable)
  --max-file-size N      skip files larger than N bytes (default ${DEFAULT_SETTINGS.maxFileSize})
  --now DATE             the current date for age rules, as ISO 8601 (default: the clock)`;
const PATHS_HELP = `PATH is a file or a folder; folders are searched for *.nix and flake.lock, skipping .git, node_modules and result*.
A flake.nix is checked together with the flake.lock beside it.`;

const HELP: Record<string, string> = {
  check: `Usage: flake-lens check [options] PATH...
Reports problems in Nix files and flake.lock.
  --format text|json|sarif                       output format (default text)
  --fail-on error|warning|information|hint       lowest severity that fails (default warning)
${ANALYSIS_HELP}
${COMMON_HELP}
${PATHS_HELP}
Exit status: 0 clean, 1 findings at or above --fail-on, 2 bad usage or unreadable input.`,
  fix: `Usage: flake-lens fix [options] PATH...
Applies the safe fixes to *.nix files, in place (symbolic links are not rewritten).
  --rule CODE            only this rule's fixes (repeatable; see 'flake-lens rules')
  --dry-run              print a unified diff instead of writing
${ANALYSIS_HELP}
${COMMON_HELP}
${PATHS_HELP}
Exit status: 0 done (files may have changed), 2 bad usage or a file that could not be read or written.`,
  inputs: `Usage: flake-lens inputs [options] PATH
Prints a flake's locked inputs as 'nix flake metadata' does, and the duplicated upstreams.
  --format tree|json     output format (default tree)
${COMMON_HELP}
PATH is a flake folder, flake.nix or flake.lock.`,
  rules: `Usage: flake-lens rules
Lists the rules with their default severity.
${COMMON_HELP}`,
};

const USAGE = `Usage:
  flake-lens check [--format text|json|sarif] [--fail-on error|warning|information|hint] [options] PATH...
  flake-lens fix [--rule CODE]... [--dry-run] [options] PATH...
  flake-lens inputs [--format tree|json] PATH
  flake-lens rules
  flake-lens COMMAND --help     options of a command
  flake-lens --version          print the version
Options of check and fix:
${ANALYSIS_HELP}
${COMMON_HELP}
${PATHS_HELP}
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
  /** The current time given to the rules (--now). */
  now: Date;
  paint: Paint;
  /** Standard output is a terminal: diff bodies are escaped too. */
  tty: boolean;
}

/** Every option, and which commands take it (parsed by node:util's parseArgs). */
const OPTIONS = {
  format: { type: 'string', for: ['check', 'inputs'] },
  'fail-on': { type: 'string', for: ['check'] },
  rule: { type: 'string', multiple: true, for: ['fix'] },
  'dry-run': { type: 'boolean', for: ['fix'] },
  'nixpkgs-input': { type: 'string', multiple: true, for: ['check', 'fix'] },
  'max-file-size': { type: 'string', for: ['check', 'fix'] },
  now: { type: 'string', for: ['check', 'fix', 'inputs'] },
  color: { type: 'boolean', for: ['check', 'fix', 'inputs', 'rules'] },
  'no-color': { type: 'boolean', for: ['check', 'fix', 'inputs', 'rules'] },
  help: { type: 'boolean', short: 'h', for: ['check', 'fix', 'inputs', 'rules'] },
} as const;

/** parseArgs' message, first sentence only, as one line ("Unknown option '--x'"). */
function usageMessage(e: Error): string {
  const first = e.message.split(/\.(\s|$)/)[0];
  return first.charAt(0).toLowerCase() + first.slice(1);
}

interface Env {
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

function parseCommand(command: string, args: string[], io: Env): Options | 'help' {
  const options = Object.fromEntries(
    Object.entries(OPTIONS)
      .filter(([, o]) => (o.for as readonly string[]).includes(command))
      .map(([name, o]) => [name, { type: o.type, ...('multiple' in o && { multiple: o.multiple }), ...('short' in o && { short: o.short }) }]),
  ) as Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(usageMessage(e as Error));
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const str = (name: string) => v[name] as string | undefined;
  const list = (name: string) => (v[name] as string[] | undefined) ?? [];
  const opts: Options = {
    command,
    format: command === 'inputs' ? 'tree' : 'text',
    failOn: 'warning',
    rules: [],
    dryRun: v['dry-run'] === true,
    paths: parsed.positionals,
    settings: DEFAULT_SETTINGS,
    now: new Date(),
    paint: painter(wantColor({ color: v.color === true, noColor: v['no-color'] === true }, io.env, io.isTTY)),
    tty: io.isTTY,
  };
  const format = str('format');
  if (format !== undefined) {
    const allowed = command === 'inputs' ? ['tree', 'json'] : ['text', 'json', 'sarif'];
    if (!allowed.includes(format)) throw new UsageError(`unknown format '${format}' (${allowed.join(', ')})`);
    opts.format = format as Options['format'];
  }
  const failOn = str('fail-on');
  if (failOn !== undefined) {
    if (!(failOn in RANK)) throw new UsageError(`unknown severity '${failOn}' (error, warning, information, hint)`);
    opts.failOn = failOn as Severity;
  }
  for (const r of list('rule')) {
    if (!ruleInfo(r)) throw new UsageError(`unknown rule '${r}'; see 'flake-lens rules'`);
    opts.rules.push(r);
  }
  let maxFileSize = DEFAULT_SETTINGS.maxFileSize;
  const max = str('max-file-size');
  if (max !== undefined) {
    maxFileSize = Number(max);
    if (max.trim() === '' || !Number.isFinite(maxFileSize) || maxFileSize < 0) throw new UsageError('--max-file-size needs a number');
  }
  const now = str('now');
  if (now !== undefined) {
    // ISO 8601 only: Date.parse also takes "March 7", which would mean a different day per machine.
    if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(now) || Number.isNaN(Date.parse(now))) {
      throw new UsageError(`--now needs an ISO 8601 date such as 2025-01-31, not '${now}'`);
    }
    opts.now = new Date(now);
  }
  opts.settings = resolveSettings({ nixpkgsInputs: list('nixpkgs-input'), maxFileSize });
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

type Source = { text: string; lossy: boolean } | { tooLarge: true; head: string; bytes: number };

/** A file named or found, read only if it is a regular file within the size limit. */
function readSource(file: string, maxBytes: number): Source {
  const r = readRegularFile(file, maxBytes, true);
  switch (r.kind) {
    case 'text':
      return { text: r.text, lossy: r.lossy };
    case 'too-large':
      return { tooLarge: true, head: r.head, bytes: r.bytes };
    case 'missing':
      throw new Error('no such file or directory');
    case 'not-file':
      throw new Error(`${r.what}, not a regular file; not read`);
    case 'error':
      throw new Error(r.message);
  }
}

/** The flake.lock beside a flake.nix: undefined when there is none; an error when it cannot be read. */
function readLock(file: string): string | undefined {
  const r = readRegularFile(file, MAX_LOCK_BYTES, true);
  switch (r.kind) {
    case 'text':
      return r.text;
    case 'missing':
      return undefined;
    case 'too-large':
      throw new Error(`${r.bytes} bytes, over the ${MAX_LOCK_BYTES} bytes Flake Lens reads of a flake.lock; not read`);
    case 'not-file':
      throw new Error(`${r.what}, not a regular file; not read`);
    case 'error':
      throw new Error(r.message);
  }
}

/** A .nix file, and for a flake.nix the flake.lock text beside it. */
function analyseFile(language: Language, file: string, text: string, settings: Settings, lockText: string | undefined, now: Date): { findings: Finding[]; lockFindings: Finding[] } {
  if (text.length > settings.maxFileSize) return { findings: tooLarge(text, settings), lockFindings: [] };
  const parsed = ParsedNix.tryCreate(language, text);
  if (!parsed) return { findings: tooLarge(text, settings, 'too-complex'), lockFindings: [] };
  try {
    const isFlake = path.basename(file) === 'flake.nix';
    const r = analyseFlake({ text, tree: parsed.tree, isFlake, settings, now: now.getTime(), lock: isFlake && lockText !== undefined ? { text: lockText } : undefined });
    return { findings: r.findings, lockFindings: r.lockFindings };
  } finally {
    parsed.dispose();
  }
}

/** Analyses every collected file; a flake.lock is reported with its flake.nix when both exist. */
function analyseAll(language: Language, files: string[], settings: Settings, now: Date, err: (s: string) => void, errors: string[]): FileResult[] {
  const results: FileResult[] = [];
  const lockDone = new Set<string>();
  const nixFiles = files.filter((f) => f.endsWith('.nix'));
  const lockFiles = files.filter((f) => path.basename(f) === 'flake.lock');
  for (const file of nixFiles) {
    try {
      const src = readSource(file, settings.maxFileSize);
      if ('tooLarge' in src) {
        // Not read: the first line is enough for the finding's range.
        results.push({ file, text: src.head, lossy: false, findings: tooLarge(src.head, settings, 'too-large', `${src.bytes} bytes`) });
        continue;
      }
      const { text, lossy } = src;
      if (lossy) err(`${termSafe(file)}: not valid UTF-8; analysed with replacement characters`);
      const lockPath = path.join(path.dirname(file), 'flake.lock');
      let lockText: string | undefined;
      if (path.basename(file) === 'flake.nix') {
        try {
          lockText = readLock(lockPath);
        } catch (e) {
          errors.push(`${lockPath}: ${(e as Error).message}`);
          lockDone.add(path.resolve(lockPath));
        }
      }
      const r = analyseFile(language, file, text, settings, lockText, now);
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
      const text = readLock(file);
      if (text === undefined) throw new Error('no such file or directory');
      const flakeFile = path.join(path.dirname(file), 'flake.nix');
      const flake = readRegularFile(flakeFile, settings.maxFileSize, true);
      const findings = flake.kind === 'text' ? analyseFile(language, flakeFile, flake.text, settings, text, now).lockFindings : analyseLock(text, settings, now.getTime());
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

/** A SARIF artifact URI: relative paths stay relative (code scanning resolves them in the repository), percent-encoded. */
function artifactUri(file: string): string {
  if (path.isAbsolute(file)) return pathToFileURL(file).href;
  return file.split(path.sep).map(encodeURIComponent).join('/');
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
                    artifactLocation: { uri: artifactUri(r.file) },
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

const SEVERITY_STYLE = { error: 'red', warning: 'yellow', information: 'blue', hint: 'dim' } as const;

function textReport(results: FileResult[], paint: Paint): string {
  let out = '';
  let count = 0;
  let withProblems = 0;
  for (const r of results) {
    const index = new LineIndex(r.text);
    const file = termSafe(r.file);
    if (r.findings.length) withProblems++;
    for (const f of r.findings) {
      const p = index.positionAt(f.start);
      const where = paint('bold', `${file}:${p.line + 1}:${p.character + 1}:`);
      out += `${where} ${paint(SEVERITY_STYLE[f.severity], f.severity)} ${paint('dim', `[${f.code}]`)} ${termSafe(f.message)}${f.fixes.some((x) => x.safe) ? ' (fixable)' : ''}\n`;
      if (f.code === 'stale-lock') out += `  to update the lock, run: (cd ${termSafe(shellQuote(path.dirname(r.file) || '.'))} && nix flake lock)\n`;
      count++;
    }
  }
  const files = results.length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  // "3 problems in 1 of 2 files": how many files have problems, of how many checked.
  const summary =
    count === 0 ? `No problems in ${plural(files, 'file')}.` : files === 1 ? `${plural(count, 'problem')} in 1 file.` : `${plural(count, 'problem')} in ${withProblems} of ${plural(files, 'file')}.`;
  return out + paint('bold', summary) + '\n';
}

async function check(opts: Options, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const errors: string[] = [];
  const files = collectFiles(opts.paths, errors);
  const results = await analyseInParallel(files, opts.settings, opts.now, err, errors);
  for (const e of errors) err(`flake-lens: ${termSafe(e)}`);
  // JSON.stringify leaves DEL, C1 controls and bidi overrides raw; their \u escapes are valid JSON.
  if (opts.format === 'json') out(termSafeLines(JSON.stringify(results.flatMap(toJson), null, 2)) + '\n');
  else if (opts.format === 'sarif') out(termSafeLines(JSON.stringify(sarif(results), null, 2)) + '\n');
  else out(textReport(results, opts.paint));
  if (errors.length > 0) return 2;
  const failing = results.some((r) => r.findings.some((f) => RANK[f.severity] >= RANK[opts.failOn]));
  return failing ? 1 : 0;
}

/** Applies safe fixes until nothing changes, so running `fix` twice equals running it once. */
export function fixText(language: Language, file: string, text: string, settings: Settings, rules: string[], lockText?: string, now = new Date()): string {
  const only = rules.length ? new Set(rules) : undefined;
  let current = text;
  for (let pass = 0; pass < 10; pass++) {
    // A rule named with --rule applies its fixes even when they change meaning (missing-follows).
    const edits = fixAllEdits(analyseFile(language, file, current, settings, lockText, now).findings, only, true);
    if (edits.length === 0) break;
    current = applyEdits(current, edits);
  }
  return current;
}

/**
 * Replaces a file's contents without following symbolic links: a symlinked file is refused (its
 * target may lie outside the repository), and the new text goes to a fresh file with a random
 * name in the same folder, created exclusively (a planted symlink or file makes it fail, never
 * followed), with the old file's mode, flushed to disk, then renamed over the file.
 */
const SYMLINK_REFUSED = 'a symbolic link; not rewritten (fix the file it points to)';

function replaceFile(file: string, text: string): void {
  const st = fs.lstatSync(file);
  if (st.isSymbolicLink()) throw new Error(SYMLINK_REFUSED);
  if (!st.isFile()) throw new Error('not a regular file; not rewritten');
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.flake-lens-${crypto.randomBytes(8).toString('hex')}.tmp`);
  const mode = st.mode & 0o7777;
  const fd = fs.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, mode);
  try {
    try {
      fs.writeSync(fd, text);
      fs.fchmodSync(fd, mode); // the umask narrowed the mode given to open
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

async function fix(opts: Options, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const errors: string[] = [];
  const files = collectFiles(opts.paths, errors).filter((f) => f.endsWith('.nix'));
  const language = await loadNix();
  let changed = 0;
  for (const file of files) {
    try {
      // Checked again right before the write; here it saves reading the file.
      if (fs.lstatSync(file).isSymbolicLink()) throw new Error(SYMLINK_REFUSED);
      const src = readSource(file, opts.settings.maxFileSize);
      if ('tooLarge' in src) {
        errors.push(`${file}: ${src.bytes} bytes, over --max-file-size; not rewritten`);
        continue;
      }
      const { text, lossy } = src;
      if (lossy) {
        errors.push(`${file}: not valid UTF-8; not rewritten`);
        continue;
      }
      const lockText = path.basename(file) === 'flake.nix' ? readLock(path.join(path.dirname(file), 'flake.lock')) : undefined;
      const fixed = fixText(language, file, text, opts.settings, opts.rules, lockText, opts.now);
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
        const d = unifiedDiff(text, fixed, `a/${displayPath(file)}`, `b/${displayPath(file)}`);
        // A patch must keep the file's bytes; on a terminal it is read, not applied: escape it.
        out(opts.tty ? termSafeLines(d) : d);
      } else {
        replaceFile(file, fixed);
        err(`fixed ${termSafe(file)}`);
      }
      if (opts.rules.includes('missing-follows') && path.basename(file) === 'flake.nix') {
        err(`note: the missing-follows fixes change which revision a dependency builds with; run \`nix flake lock\` in ${termSafe(path.dirname(file))} to update flake.lock`);
      }
    } catch (e) {
      errors.push(`${file}: ${(e as Error).message}`);
    }
  }
  for (const e of errors) err(`flake-lens: ${termSafe(e)}`);
  if (!opts.dryRun && changed === 0 && errors.length === 0) err('nothing to fix');
  return errors.length > 0 ? 2 : 0;
}

const COMMANDS = ['check', 'fix', 'inputs', 'rules'];

export async function run(argv: string[], out: (s: string) => void, err: (s: string) => void, io: Env = { env: process.env, isTTY: process.stdout.isTTY === true }): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined) {
      err(USAGE + '\n');
      return 2;
    }
    if (command === '-h' || command === '--help' || command === 'help') {
      out((rest.length === 1 && HELP[rest[0]]) || USAGE);
      out('\n');
      return 0;
    }
    if (command === '--version' || command === '-V') {
      out(`${VERSION}\n`);
      return 0;
    }
    if (!COMMANDS.includes(command)) throw new UsageError(command.startsWith('-') ? `unknown option '${command}'` : `unknown command '${command}'`);
    const opts = parseCommand(command, rest, io);
    if (opts === 'help') {
      out(HELP[command] + '\n');
      return 0;
    }
    if (command === 'rules') {
      if (opts.paths.length) throw new UsageError('rules takes no PATH');
      for (const r of RULES) out(`${opts.paint('bold', r.code.padEnd(22))} ${opts.paint(SEVERITY_STYLE[r.severity], r.severity.padEnd(12))} ${r.title}\n`);
      return 0;
    }
    if (opts.paths.length === 0) throw new UsageError('no PATH given');
    if (command === 'inputs') return await inputs(opts, out, err);
    return command === 'check' ? await check(opts, out, err) : await fix(opts, out, err);
  } catch (e) {
    if (e instanceof UsageError) {
      // One line: what is wrong and where to look.
      err(`flake-lens: ${termSafe(e.message)} (see 'flake-lens ${COMMANDS.includes(argv[0]) ? `${argv[0]} ` : ''}--help')\n`);
      return 2;
    }
    err(`flake-lens: internal error: ${termSafe(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
    return 2;
  }
}

declare const FLAKE_LENS_VERSION: string | undefined;
const VERSION = typeof FLAKE_LENS_VERSION === 'string' ? FLAKE_LENS_VERSION : 'dev';

/** Below this many bytes, starting workers (each loads the wasm parser) costs more than it saves. */
const PARALLEL_MIN_BYTES = 256 * 1024;

interface WorkerJob {
  files: string[];
  /** Their size on disk. */
  bytes: number;
  settings: Settings;
  now: Date;
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
async function analyseInParallel(files: string[], settings: Settings, now: Date, err: (s: string) => void, errors: string[]): Promise<FileResult[]> {
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
    expectUneditedText(total);
    return analyseAll(await loadNix(), files, settings, now, err, errors);
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
            const w = new Worker(__filename, { workerData: { files: j.files, bytes: j.bytes, settings, now } satisfies WorkerJob });
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
  expectUneditedText(job.bytes);
  void loadNix().then((language) => {
    const errors: string[] = [];
    const messages: string[] = [];
    const results = analyseAll(language, job.files, job.settings, job.now, (m) => messages.push(m), errors);
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
    err(`flake-lens: ${termSafe(dir)}: no such file or directory`);
    return 2;
  }
  const lockPath = path.join(dir, 'flake.lock');
  const flakePath = path.join(dir, 'flake.nix');
  let lockText: string | undefined;
  try {
    lockText = readLock(lockPath);
  } catch (e) {
    err(`flake-lens: ${termSafe(lockPath)}: ${termSafe((e as Error).message)}`);
    return 2;
  }
  if (lockText === undefined) {
    err(`flake-lens: ${termSafe(lockPath)}: no flake.lock (run \`nix flake lock\` first)`);
    return 2;
  }
  const flake = readRegularFile(flakePath, DEFAULT_SETTINGS.maxFileSize, true);
  const flakeText = flake.kind === 'text' ? flake.text : undefined;
  const language = await loadNix();
  const parsed = flakeText !== undefined ? ParsedNix.createSync(language, flakeText) : undefined;
  try {
    const ctx = flakeContext({ flakeText, flakeRoot: parsed?.tree.rootNode, lockText });
    if (!ctx.graph) {
      for (const e of ctx.parsed?.errors ?? []) err(`flake-lens: ${termSafe(lockPath)}: ${termSafe(e.message)}`);
      return 2;
    }
    const dto = graphDto(ctx, flakePath, lockPath, path.basename(path.resolve(dir)));
    markOutdated(dto, ctx, nixpkgsPolicy(opts.settings, opts.now.getTime()));
    if (opts.format === 'json') {
      out(termSafeLines(JSON.stringify(dto, null, 2)) + '\n');
      return 0;
    }
    out(printTree(ctx.graph, { escape: termSafe, ansi: opts.paint('bold', 'x') !== 'x' }));
    out(`\n${termSafe(dto.summary)}\n`);
    for (const d of Object.values(dto.nodes)) {
      if (!d.duplicate) continue;
      const paths = ctx.graph.paths.shown(d.key);
      out(termSafe(`  ${d.key}: another ${d.duplicate.upstream} revision (${d.rev?.slice(0, 7) ?? '?'}), pulled in by ${paths.join(', ')}`) + '\n');
    }
    return 0;
  } finally {
    parsed?.dispose();
  }
}
