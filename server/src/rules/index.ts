// The rule registry: metadata for docs, settings and the CLI, and the function that runs them.
import type { DocumentContext } from './context';
import type { Finding, RuleCode, Severity } from './findings';
import { configImport } from './configImport';
import { impureInFlake } from './impureInFlake';
import { legacyPackages } from './legacyPackages';
import { repeatedImport } from './repeatedImport';

export interface RuleInfo {
  code: RuleCode;
  severity: Severity;
  title: string;
  /** Only meaningful in a flake.nix. */
  flakeOnly?: boolean;
}

export const RULES: RuleInfo[] = [
  { code: 'syntax', severity: 'error', title: 'Nix cannot parse the file' },
  { code: 'legacy-packages', severity: 'warning', title: 'import nixpkgs with only the system: use legacyPackages' },
  { code: 'nixpkgs-config-import', severity: 'information', title: 'import nixpkgs with config or overlays makes a new instance' },
  { code: 'repeated-import', severity: 'warning', title: 'The same nixpkgs instance is built more than once' },
  { code: 'impure-in-flake', severity: 'error', title: 'Impure construct in a flake', flakeOnly: true },
  { code: 'too-large', severity: 'information', title: 'File too large to analyse' },
  { code: 'missing-follows', severity: 'warning', title: 'An input locks another revision of an upstream the root has', flakeOnly: true },
  { code: 'stale-lock', severity: 'warning', title: 'flake.lock does not match flake.nix', flakeOnly: true },
  { code: 'broken-follows', severity: 'error', title: 'A follows points to no input', flakeOnly: true },
  { code: 'indirect-input', severity: 'information', title: 'Input resolved through the flake registry', flakeOnly: true },
  { code: 'unused-input', severity: 'hint', title: 'Input not used by outputs', flakeOnly: true },
  { code: 'dead-override', severity: 'warning', title: 'An override names an input the dependency does not have', flakeOnly: true },
  { code: 'lock-error', severity: 'error', title: 'flake.lock cannot be read' },
  { code: 'duplicate-lock-node', severity: 'warning', title: 'flake.lock holds another revision of an upstream' },
  { code: 'outdated-nixpkgs', severity: 'warning', title: 'A root nixpkgs input is locked to an old revision' },
  { code: 'unsupported-nixpkgs-branch', severity: 'warning', title: 'A nixpkgs input tracks a branch that is not supported' },
  { code: 'non-upstream-nixpkgs', severity: 'information', title: 'A nixpkgs input comes from a fork, not NixOS/nixpkgs' },
];

export function ruleInfo(code: string): RuleInfo | undefined {
  return RULES.find((r) => r.code === code);
}

/** Runs the nixpkgs rules on one document; `enabled` says which codes are not turned off. */
export function runDocumentRules(ctx: DocumentContext, enabled: (code: RuleCode) => boolean): Finding[] {
  const out: Finding[] = [];
  if (enabled('legacy-packages')) out.push(...legacyPackages(ctx));
  if (enabled('nixpkgs-config-import')) out.push(...configImport(ctx));
  if (enabled('repeated-import')) out.push(...repeatedImport(ctx, { includeSystemOnly: !enabled('legacy-packages') }));
  if (enabled('impure-in-flake')) out.push(...impureInFlake(ctx));
  return out;
}
