// One document in, findings out: syntax errors, the nixpkgs rules, suppression comments and the
// user's severities. Pure: the caller parses and reads flake.lock.
import { ContextOptions, DocumentContext } from './context';
import type { Finding, RuleCode } from './findings';
import { PARSE_BUDGET_MS, type Node, type Tree } from '../nix/parser';
import { Settings, ruleSetting } from '../config';
import { LineIndex } from '../nix/lineIndex';
import { errorNodes } from '../nix/syntax';
import { runDocumentRules } from './index';
import { syntaxErrors } from './syntaxErrors';
import { flakeContext, flakeFindings, lockNixpkgsInputs } from './flake';
import type { LockContext } from '../lock/rules';
import { NixpkgsPolicy, nonUpstreamNixpkgs, outdatedNixpkgs, unsupportedNixpkgsBranch } from './nixpkgsAge';

export const IGNORE_MARKER = 'flake-lens:';
const IGNORE_RE = /#\s*flake-lens:\s*ignore(-file)?\b([^\n]*)/;

export interface AnalyseInput extends Omit<ContextOptions, 'extraNixpkgsInputs'> {
  text: string;
  tree: Tree;
  settings: Settings;
  /** Today, for the rules about nixpkgs' age and support (ms since the epoch); they skip without it. */
  now?: number;
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
  // Computed even when the rule is off: a file Nix cannot parse gets no safe fix (see finish).
  const syntax = syntaxErrors(tree, text);
  if (enabled('syntax')) findings.push(...syntax);
  findings.push(...runDocumentRules(ctx, enabled));
  const byFile = lock ? flakeFindings(lock, enabled) : { flake: [], lock: [] };
  findings.push(...byFile.flake);
  if (lock) findings.push(...nixpkgsFindings(lock, settings, input.now));
  return {
    findings: finish(findings, text, tree, settings, syntax.length > 0),
    lockFindings: input.lock?.text !== undefined ? finish(byFile.lock, input.lock.text, null, settings) : [],
    lock,
  };
}

/** A flake.lock without its flake.nix: only the lock's own rules. */
export function analyseLock(lockText: string, settings: Settings, now?: number): Finding[] {
  const enabled = (code: RuleCode) => ruleSetting(settings, code) !== 'off';
  const ctx = flakeContext({ lockText });
  return finish([...flakeFindings(ctx, enabled).lock, ...nixpkgsFindings(ctx, settings, now)], lockText, null, settings);
}

export function nixpkgsPolicy(settings: Settings, now: number | undefined): NixpkgsPolicy {
  return { now, maxAgeDays: settings.nixpkgs.maxAgeDays, supportedBranches: settings.nixpkgs.supportedBranches, checkedInputs: settings.nixpkgs.checkedInputs, extraInputs: settings.nixpkgsInputs };
}

export function ruleOn(settings: Settings, code: RuleCode): boolean {
  return ruleSetting(settings, code) !== 'off';
}

/** Age and support of the root nixpkgs inputs: in flake.nix when given, else in flake.lock alone. */
function nixpkgsFindings(ctx: LockContext, settings: Settings, now: number | undefined): Finding[] {
  const on = (code: RuleCode) => ruleOn(settings, code);
  const policy = nixpkgsPolicy(settings, now);
  return [
    ...(on('outdated-nixpkgs') ? outdatedNixpkgs(ctx, policy) : []),
    ...(on('unsupported-nixpkgs-branch') ? unsupportedNixpkgsBranch(ctx, policy) : []),
    ...(on('non-upstream-nixpkgs') ? nonUpstreamNixpkgs(ctx, policy) : []),
  ];
}

/**
 * Applies suppression comments and severities, and drops fixes that would edit inside a syntax
 * error. In a file Nix cannot parse (`broken`) no fix is safe: fix-all and the CLI apply none,
 * since what a fix means depends on code around it that has no meaning yet.
 */
export function finish(findings: Finding[], text: string, tree: Tree | null, settings: Settings, broken = false): Finding[] {
  const ignore = suppressions(text, tree);
  // Outermost error nodes: in document order and disjoint, so a binary search finds the one an edit may touch.
  const errors = tree && tree.rootNode.hasError ? errorRanges(tree) : [];
  const touchesError = (e: { start: number; end: number }) => {
    let lo = 0;
    let hi = errors.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (errors[mid][1] <= e.start) lo = mid + 1;
      else hi = mid;
    }
    return lo < errors.length && errors[lo][0] < e.end;
  };
  // Line numbers only matter when a comment suppresses something; one index serves every finding.
  let lines: LineIndex | undefined;
  const out: Finding[] = [];
  for (const f of findings) {
    const setting = ruleSetting(settings, f.code);
    if (setting === 'off') continue;
    if (!ignore.empty && ignore.isIgnored(f.code, (lines ??= new LineIndex(text)).positionAt(f.start).line)) continue;
    const fixes = f.fixes.filter((fix) => !fix.edits.some(touchesError)).map((fix) => (broken && fix.safe ? { ...fix, safe: false } : fix));
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

function errorRanges(tree: Tree): [number, number][] {
  return errorNodes(tree).map((n) => [n.startIndex, Math.max(n.endIndex, n.startIndex + 1)]);
}

/**
 * The one finding for a file that is not analysed: over the size limit, or (`too-complex`) its
 * parse went over the time budget. Severity and suppression as for any rule. `size` describes a
 * file on disk that was not read whole (`text` is then its first line).
 */
export function tooLarge(text: string, settings: Settings, reason: 'too-large' | 'too-complex' = 'too-large', size = `${text.length} characters`): Finding[] {
  const limit = settings.maxFileSize;
  const message = reason === 'too-complex'
    ? `Flake Lens skipped this file: parsing it took more than ${PARSE_BUDGET_MS} ms of CPU time, so it is not analysed (text that nests this deep or repeats one construct this often is usually generated or hostile).`
    : `Flake Lens skipped this file: ${size} is over the limit of ${limit} (setting flakeLens.maxFileSize).`;
  return finish([{
    code: 'too-large',
    start: 0,
    end: Math.min(text.indexOf('\n') < 0 ? text.length : text.indexOf('\n'), text.length),
    severity: 'information',
    message,
    fixes: [],
  }], text, null, settings);
}
