// The real-world test bed: runs the engine in-process over ../shared/corpus/flakes (public flakes
// pinned by commit) and reads/writes the reviewed snapshot of the findings of the rules that must
// hold on real code. Shared by `npm run corpus` (test/corpus/run.ts) and test/unit/corpus.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Language } from 'web-tree-sitter';
import { analyseFlake, tooLarge } from '../../server/src/rules/analyse';
import { DEFAULT_SETTINGS, type Settings } from '../../server/src/config';
import type { Finding } from '../../server/src/rules/findings';
import { LineIndex } from '../../server/src/nix/lineIndex';
import { ParsedNix } from '../../server/src/nix/parser';
import { repoRoot } from '../helpers/nix';

export const ROOT = repoRoot(__dirname);
export const CORPUS = path.join(ROOT, '..', 'shared', 'corpus', 'flakes');
export const SNAPSHOT = path.join(ROOT, 'test', 'corpus', 'snapshot.tsv');

/** The rules whose every finding on the corpus is reviewed and kept in the snapshot. */
export const SNAPSHOT_CODES = new Set([
  'legacy-packages',
  'nixpkgs-config-import',
  'repeated-import',
  'impure-in-flake',
  'indirect-input',
  'stale-lock',
  'missing-follows',
  'unused-input',
]);

/** Every .nix file and flake.lock under the corpus, sorted; the same walk as the CLI's `check`. */
export function corpusFiles(dir = CORPUS): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.git' && e.name !== 'node_modules' && e.name !== '.direnv' && !/^result(-|$)/.test(e.name)) walk(p);
      } else if (e.isFile() && (e.name.endsWith('.nix') || e.name === 'flake.lock')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export function readText(file: string): { text: string; lossy: boolean } {
  const bytes = fs.readFileSync(file);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), lossy: false };
  } catch {
    return { text: new TextDecoder('utf-8').decode(bytes), lossy: true };
  }
}

export interface FileFindings {
  /** Relative to the corpus, with `/`. */
  file: string;
  text: string;
  findings: Finding[];
}

export interface CorpusResult {
  files: FileFindings[];
  /** Files whose analysis threw: the file and the error. */
  crashes: { file: string; error: string }[];
  /** .nix files analysed. */
  nixFiles: number;
}

/** Analyses one .nix file (a flake.nix with the flake.lock beside it), as the CLI does. */
export function analyseNixFile(language: Language, file: string, text: string, settings: Settings = DEFAULT_SETTINGS): { findings: Finding[]; lockFindings: Finding[]; lockText?: string } {
  if (text.length > settings.maxFileSize) return { findings: tooLarge(text, settings), lockFindings: [] };
  const isFlake = path.basename(file) === 'flake.nix';
  const lockPath = path.join(path.dirname(file), 'flake.lock');
  const lockText = isFlake && fs.existsSync(lockPath) ? readText(lockPath).text : undefined;
  const parsed = ParsedNix.createSync(language, text);
  try {
    const r = analyseFlake({ text, tree: parsed.tree, isFlake, settings, lock: lockText !== undefined ? { text: lockText } : undefined });
    return { findings: r.findings, lockFindings: r.lockFindings, lockText };
  } finally {
    parsed.dispose();
  }
}

/** Runs every rule on every .nix file of the corpus (flake.lock findings come with their flake.nix). */
export function analyseCorpus(language: Language, dir = CORPUS, filter?: (rel: string, text: string) => boolean): CorpusResult {
  const rel = (f: string) => path.relative(dir, f).split(path.sep).join('/');
  const result: CorpusResult = { files: [], crashes: [], nixFiles: 0 };
  for (const file of corpusFiles(dir).filter((f) => f.endsWith('.nix'))) {
    try {
      const { text } = readText(file);
      if (filter && !filter(rel(file), text)) continue;
      result.nixFiles++;
      const r = analyseNixFile(language, file, text);
      result.files.push({ file: rel(file), text, findings: r.findings });
      if (r.lockText !== undefined && r.lockFindings.length > 0) {
        result.files.push({ file: rel(path.join(path.dirname(file), 'flake.lock')), text: r.lockText, findings: r.lockFindings });
      }
    } catch (e) {
      result.crashes.push({ file: rel(file), error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  }
  return result;
}

export interface SnapshotRow {
  code: string;
  file: string;
  /** 1-based `line:column`. */
  at: string;
  /**
   * What the finding is about, from its content, so that a verdict stays with its finding when
   * several share a position and their order changes: the input path for missing-follows; for
   * other rules empty, or the whole message when several findings of the rule share the position.
   */
  subject: string;
  /** The first line of the finding's text, for the reader. */
  excerpt: string;
  /** The start of the finding's message, for the reader. */
  message: string;
  /** The reviewer's one-line judgement (`ok: …`, `wrong: …`), empty when not judged. */
  verdict: string;
}

export const rowKey = (r: Pick<SnapshotRow, 'code' | 'file' | 'at' | 'subject'>) => `${r.code}\t${r.file}\t${r.at}\t${r.subject}`;

const oneLine = (s: string) => s.replace(/[\t\r\n]+/g, ' ').trim();

/** The input path a missing-follows message starts with (`a/b/nixpkgs locks …`), whole. */
function subjectOf(code: string, message: string): string {
  if (code !== 'missing-follows') return '';
  const i = message.indexOf(' locks ');
  return oneLine(i < 0 ? message : message.slice(0, i));
}

/** The snapshot rows of a corpus result: every finding of SNAPSHOT_CODES, in file order. */
export function snapshotRows(result: CorpusResult): SnapshotRow[] {
  const rows: (SnapshotRow & { full: string })[] = [];
  for (const f of result.files) {
    let index: LineIndex | undefined;
    for (const x of f.findings) {
      if (!SNAPSHOT_CODES.has(x.code)) continue;
      const p = (index ??= new LineIndex(f.text)).positionAt(x.start);
      const first = f.text.slice(x.start, x.end).split('\n')[0];
      const excerpt = oneLine(first.length > 50 ? `${first.slice(0, 50)}…` : first);
      const message = oneLine(x.message.length > 120 ? `${x.message.slice(0, 120)}…` : x.message);
      rows.push({ code: x.code, file: f.file, at: `${p.line + 1}:${p.character + 1}`, subject: subjectOf(x.code, x.message), excerpt, message, verdict: '', full: oneLine(x.message) });
    }
  }
  const pos = (at: string) => at.split(':').map(Number);
  rows.sort((a, b) => {
    if (a.file !== b.file) return a.file < b.file ? -1 : 1;
    const [al, ac] = pos(a.at);
    const [bl, bc] = pos(b.at);
    return al - bl || ac - bc || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) || (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0);
  });
  // Several findings of one rule at one place with no subject: their messages tell them apart.
  // A position in the list would not: verdicts would move to other findings when the order changes.
  const count = new Map<string, number>();
  for (const r of rows) count.set(rowKey(r), (count.get(rowKey(r)) ?? 0) + 1);
  for (const r of rows) if (count.get(rowKey(r))! > 1) r.subject = r.full;
  // Identical messages at one place are interchangeable; only then does a number part them.
  const seen = new Map<string, number>();
  for (const r of rows) {
    const n = (seen.get(rowKey(r)) ?? 0) + 1;
    seen.set(rowKey(r), n);
    if (n > 1) r.subject = `${r.subject}#${n}`;
  }
  return rows.map(({ full: _, ...r }) => r);
}

const HEADER = '# code\tfile\tline:col\tsubject\texcerpt\tmessage\tverdict';

export function readSnapshot(file = SNAPSHOT): SnapshotRow[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [code, f, at, subject = '', excerpt = '', message = '', verdict = ''] = l.split('\t');
      return { code, file: f, at, subject, excerpt, message, verdict };
    });
}

/** Writes `rows`, keeping the verdicts of `old` by key. */
export function writeSnapshot(rows: SnapshotRow[], old: SnapshotRow[], file = SNAPSHOT): void {
  const verdicts = new Map(old.map((r) => [rowKey(r), r.verdict]));
  const lines = rows.map((r) => [r.code, r.file, r.at, r.subject, r.excerpt, r.message, verdicts.get(rowKey(r)) ?? r.verdict].join('\t'));
  fs.writeFileSync(file, `${HEADER}\n${lines.join('\n')}\n`);
}

/**
 * The files that can hold a snapshot finding: a flake.nix (flake and lock rules), or a file that
 * spells `import` (the nixpkgs rules start from `import X ARGS` calls). Skipping the others keeps
 * the unit test fast without changing its result.
 */
export const maySnapshot = (rel: string, text: string) => rel === 'flake.nix' || rel.endsWith('/flake.nix') || text.includes('import');

/** Keys found but not in the snapshot, and keys in the snapshot no longer found. */
export function compareSnapshot(rows: SnapshotRow[], snapshot: SnapshotRow[]): { added: string[]; removed: string[] } {
  const now = new Set(rows.map(rowKey));
  const then = new Set(snapshot.map(rowKey));
  return { added: [...now].filter((k) => !then.has(k)), removed: [...then].filter((k) => !now.has(k)) };
}
