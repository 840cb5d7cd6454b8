// Rewrites shared by the nixpkgs rules.
import type { OffsetEdit } from './findings';
import type { ImportSite } from '../nix/imports';
import { systemAttr } from '../nix/imports';
import type { Node } from '../nix/parser';

/**
 * Replaces an import call by an expression that binds tighter (a select or a name).
 * `(import x {…}).attr` loses its parentheses: `x.legacyPackages.${system}.attr` means the same.
 */
export function replaceCall(call: Node, newText: string): OffsetEdit {
  const parent = call.parent;
  const target = parent?.type === 'parenthesized_expression' ? parent : call;
  return { start: target.startIndex, end: target.endIndex, newText };
}

/** `<input expr>.legacyPackages.<system>` for a system-only import. */
export function legacyPackagesText(site: ImportSite, systemText?: string): string {
  const sys = systemText ?? systemAttr(site.system!);
  return `${site.inputText}.legacyPackages${sys}`;
}
