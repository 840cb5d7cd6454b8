// What rules produce: plain data in UTF-16 offsets of the analysed text, free of LSP and I/O.
// The server turns findings into diagnostics and code actions; the CLI into text, JSON or SARIF.

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  edits: OffsetEdit[];
  /** True for rewrites that keep the meaning of the file; `fix` and fix-all apply only these. */
  safe: boolean;
  /** LSP code action kind; quick-fixes by default. */
  kind?: 'quickfix' | 'refactor.rewrite';
  /** Marks the fix VS Code should offer first. */
  preferred?: boolean;
}

export interface Related {
  start: number;
  end: number;
  message: string;
  /** Another file (absolute path) when the location is not in the analysed document. */
  file?: string;
}

/**
 * At most this many related locations per finding: a file with thousands of copies of one import
 * would otherwise list every other copy in every finding (quadratic in time and memory).
 */
export const MAX_RELATED = 20;

export interface Finding {
  code: RuleCode;
  start: number;
  end: number;
  message: string;
  severity: Severity;
  fixes: Fix[];
  related?: Related[];
  tags?: ('unnecessary' | 'deprecated')[];
}

export const RULE_CODES = [
  'syntax',
  'legacy-packages',
  'nixpkgs-config-import',
  'repeated-import',
  'impure-in-flake',
  'too-large',
  'missing-follows',
  'stale-lock',
  'broken-follows',
  'indirect-input',
  'unused-input',
  'dead-override',
  'lock-error',
  'duplicate-lock-node',
  'outdated-nixpkgs',
  'unsupported-nixpkgs-branch',
  'non-upstream-nixpkgs',
] as const;

export type RuleCode = (typeof RULE_CODES)[number];
