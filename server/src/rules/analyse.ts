// One document in, findings out: syntax errors, the nixpkgs rules, suppression comments and the
// user's severities. Pure: the caller parses and reads flake.lock.
import { ContextOptions, DocumentContext } from './context';
import type { Finding, RuleCode } from './findings';
import type { Node, Tree } from '../nix/parser';
import { Settings, ruleSetting } from '../config';
import { LineIndex } from '../nix/lineIndex';
import { runDocumentRules } from './index';
import { syntaxErrors } from './syntaxErrors';
import { flakeContext, flakeFindings, lockNixpkgsInputs } from './flake';
import type { LockContext } from '../lock/rules';

export const IGNORE_MARKER = 'flake-lens:';
const IGNORE_RE = /#\s*flake-lens:\s*ignore(-file)?\b([^\n]*)/;

export interface AnalyseInput extends Omit<ContextOptions, 'extraNixpkgsInputs'> {
  text: string;
  tree: Tree;
  settings: Settings;
  /** The current time, for rules about age (the CLI's --now); the clock when absent. */
  now?: Date;
}

export function analyse(input: AnalyseInput): Finding[] {
  return analyseFlake(input).findings;
}

export interface FlakeAnalysis {
  /** Findings in the analysed document. */
  findings: Finding[];
  /** Findings in the flake.lock beside a flake.nix (when its text was given). */
  lockFindings: Finding[];
  lock?: LockContext;
}

/** Analyses a document; for a flake.nix with its flake.lock text, the input rules too. */
export function analyseFlake(input: AnalyseInput & { lock?: { text?: string; flakePath?: string; lockPath?: string } }): FlakeAnalysis {
  const { text, tree, settings } = input;
  const enabled = (code: RuleCode) => ruleSetting(settings, code) !== 'off';
  const lock =
    input.isFlake && input.lock?.text !== undefined
      ? flakeContext({ flakeText: text, flakeRoot: tree.rootNode, lockText: input.lock.text, flakePath: input.lock.flakePath, lockPath: input.lock.lockPath })
      : input.isFlake
        ? flakeContext({ flakeText: text, flakeRoot: tree.rootNode })
        : undefined;
  const lockNixpkgs = [...(input.lockNixpkgsInputs ?? []), ...lockNixpkgsInputs(lock?.graph)];
  const ctx = new DocumentContext(text, tree, { ...input, lockNixpkgsInputs: lockNixpkgs, extraNixpkgsInputs: settings.nixpkgsInputs, flakeInputs: lock?.flake });
  const findings: Finding[] = [];
  if (enabled('syntax')) findings.push(...syntaxErrors(tree, text));
  findings.push(...runDocumentRules(ctx, enabled));
  const byFile = lock ? flakeFindings(lock, enabled) : { flake: [], lock: [] };
  findings.push(...byFile.flake);
  return {
    findings: finish(findings, text, tree, settings),
    lockFindings: input.lock?.text !== undefined ? finish(byFile.lock, input.lock.text, null, settings) : [],
    lock,
  };
}

/** A flake.lock without its flake.nix: only the lock's own rules. */
export function analyseLock(lockText: string, settings: Settings): Finding[] {
  const enabled = (code: RuleCode) => ruleSetting(settings, code) !== 'off';
  return finish(flakeFindings(flakeContext({ lockText }), enabled).lock, lockText, null, settings);
}

/** Applies suppression comments and severities, and drops fixes that would edit inside a syntax error. */
export function finish(findings: Finding[], text: string, tree: Tree | null, settings: Settings): Finding[] {
  const ignore = suppressions(text, tree);
  const errors = tree && tree.rootNode.hasError ? errorRanges(tree.rootNode) : [];
  // Line numbers only matter when a comment suppresses something; one index serves every finding.
  let lines: LineIndex | undefined;
  const out: Finding[] = [];
  for (const f of findings) {
    const setting = ruleSetting(settings, f.code);
    if (setting === 'off') continue;
    if (!ignore.empty && ignore.isIgnored(f.code, (lines ??= new LineIndex(text)).positionAt(f.start).line)) continue;
    const fixes = f.fixes.filter((fix) => !fix.edits.some((e) => errors.some(([s, t]) => e.start < t && e.end > s)));
    out.push({ ...f, severity: setting, fixes });
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

export interface Suppressions {
  isIgnored(code: string, line: number): boolean;
  /** True when the text suppresses nothing (isIgnored is always false). */
  readonly empty?: boolean;
}

/**
 * `# flake-lens: ignore [code…]` silences the next line (or its own line when it trails code);
 * `# flake-lens: ignore-file [code…]` silences the whole file. No code means every rule.
 */
export function suppressions(text: string, tree: Tree | null): Suppressions {
  const byLine = new Map<number, Set<string> | 'all'>();
  let file: Set<string> | 'all' | undefined;
  if (text.includes(IGNORE_MARKER)) {
    for (const c of tree ? markedComments(tree, text) : []) {
      const m = IGNORE_RE.exec(c.text);
      if (!m) continue;
      const codes = m[2].split(/[\s,]+/).filter((s) => /^[a-z][a-z-]*$/.test(s));
      const set: Set<string> | 'all' = codes.length ? new Set(codes) : 'all';
      if (m[1]) {
        file = file === 'all' || set === 'all' ? 'all' : new Set([...(file ?? []), ...set]);
        continue;
      }
      const line = c.startPosition.row;
      const lineStart = text.lastIndexOf('\n', c.startIndex - 1) + 1;
      const trailing = text.slice(lineStart, c.startIndex).trim() !== '';
      const target = trailing ? line : line + 1;
      const prev = byLine.get(target);
      byLine.set(target, prev === 'all' || set === 'all' ? 'all' : new Set([...(prev ?? []), ...set]));
    }
  }
  const has = (s: Set<string> | 'all' | undefined, code: string) => s === 'all' || (s !== undefined && s.has(code));
  return { isIgnored: (code, line) => has(file, code) || has(byLine.get(line), code), empty: file === undefined && byLine.size === 0 };
}

/** The comments that contain IGNORE_MARKER, in document order, found from the marker in the text. */
function markedComments(tree: Tree, text: string): Node[] {
  const out: Node[] = [];
  for (let i = text.indexOf(IGNORE_MARKER); i >= 0; i = text.indexOf(IGNORE_MARKER, i + 1)) {
    const c = tree.rootNode.descendantForIndex(i, i + IGNORE_MARKER.length);
    if (c?.type !== 'comment' || (out.length > 0 && out[out.length - 1].startIndex === c.startIndex)) continue;
    out.push(c);
    i = Math.max(i, c.endIndex - 1);
  }
  return out;
}

function errorRanges(root: Node): [number, number][] {
  const out: [number, number][] = [];
  const visit = (n: Node) => {
    if (n.isError || n.isMissing) {
      out.push([n.startIndex, Math.max(n.endIndex, n.startIndex + 1)]);
      return;
    }
    for (const c of n.children) if (c && c.hasError) visit(c);
  };
  visit(root);
  return out;
}

/**
 * The one finding for a file over the size limit; severity and suppression as for any rule.
 * `size` describes a file on disk that was not read whole (`text` is then its first line).
 */
export function tooLarge(text: string, settings: Settings, size = `${text.length} characters`): Finding[] {
  const limit = settings.maxFileSize;
  return finish([{
    code: 'too-large',
    start: 0,
    end: Math.min(text.indexOf('\n') < 0 ? text.length : text.indexOf('\n'), text.length),
    severity: 'information',
    message: `Flake Lens skipped this file: ${size} is over the limit of ${limit} (setting flakeLens.maxFileSize).`,
    fixes: [],
  }], text, null, settings);
}
