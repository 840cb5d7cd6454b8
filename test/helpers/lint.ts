// Test helpers: analyse a snippet as flake.nix or a module, and apply fixes to text.
import { analyse } from '../../server/src/rules/analyse';
import { resolveSettings } from '../../server/src/config';
import type { Finding, Fix } from '../../server/src/rules/findings';
import { applyEdits } from '../../server/src/rules/fixes';
import { ParsedNix } from '../../server/src/nix/parser';

export async function lint(
  text: string,
  opts: { isFlake?: boolean; settings?: unknown; lockNixpkgsInputs?: string[] } = {},
): Promise<Finding[]> {
  const parsed = await ParsedNix.create(text);
  try {
    return analyse({
      text,
      tree: parsed.tree,
      isFlake: opts.isFlake ?? true,
      settings: resolveSettings(opts.settings ?? {}),
      lockNixpkgsInputs: opts.lockNixpkgsInputs,
    });
  } finally {
    parsed.dispose();
  }
}

export { applyEdits };

export function applyFix(text: string, fix: Fix): string {
  return applyEdits(text, fix.edits);
}

export function codes(findings: Finding[]): string[] {
  return findings.map((f) => f.code);
}

/** The flagged text of each finding, for precise range assertions. */
export function spans(text: string, findings: Finding[]): string[] {
  return findings.map((f) => text.slice(f.start, f.end));
}
