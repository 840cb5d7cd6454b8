// Hover on `import <nixpkgs input> …` and on `legacyPackages`: what the instance costs and the
// alternative, in two or three sentences of markdown.
import type { DocumentContext } from '../rules/context';
import type { ImportSite } from '../nix/imports';
import type { Node } from '../nix/parser';
import { legacySelectAt } from '../rules/refactors';
import { legacyPackagesText } from '../rules/rewrite';
import { field, isInsideError } from '../nix/syntax';
import { mdCode } from '../markdown';

export interface HoverResult {
  start: number;
  end: number;
  markdown: string;
}

const COST =
  'Nix does not share the result between calls, so each one evaluates all of nixpkgs again (typically 100 MB or more and seconds of evaluation).';

function importMarkdown(site: ImportSite): string {
  // Source text goes into code spans through mdCode only: it may hold backticks or Markdown.
  const call = mdCode(`import ${site.target.text} ${site.kind === 'opaque' ? '…' : '{ … }'}`);
  const legacy = mdCode(`${site.inputText}.legacyPackages.\${system}`);
  switch (site.kind) {
    case 'system-only':
      return (
        `**${call} makes a new nixpkgs instance.** ${COST} ` +
        `With only the system, ${mdCode(legacyPackagesText(site))} is the same package set, evaluated once by the nixpkgs flake and shared with every other user.`
      );
    case 'config':
      return (
        `**${call} with ${site.otherArgs.map(mdCode).join(', ')} makes a new nixpkgs instance.** ${COST} ` +
        `That is needed to pass these arguments and fine in a leaf flake's devShells or checks; ` +
        `a flake that others consume should expose an overlay instead, so they can apply it to their own nixpkgs.`
      );
    case 'no-system':
      return (
        `**${call} without a system makes a new nixpkgs instance for \`builtins.currentSystem\`.** ` +
        `Pure flake evaluation forbids the current system; pass the system explicitly, or use ${legacy} to share the flake's instance.`
      );
    default:
      return (
        `**${call} makes a new nixpkgs instance.** ${COST} ` +
        `If the arguments hold only the system, ${legacy} gives the same packages without a new instance.`
      );
  }
}

function legacyMarkdown(target: string): string {
  return (
    `**${mdCode(`${target}.legacyPackages`)}** is the package set the nixpkgs flake evaluates once per system and shares with everyone who uses it, so it costs no extra nixpkgs instance. ` +
    `To pass \`config\` or \`overlays\` you need ${mdCode(`import ${target} { inherit system; … }`)} instead, which evaluates a separate instance ` +
    `(fine in a leaf flake's devShells or checks; a flake others consume should expose an overlay).`
  );
}

const within = (offset: number, n: Node) => n.startIndex <= offset && offset < n.endIndex;

/** Hover markdown at `offset` (UTF-16, in ctx.text), if any. */
export function hoverAt(ctx: DocumentContext, offset: number): HoverResult | undefined {
  for (const site of ctx.imports) {
    const keyword = field(field(site.call, 'function'), 'function');
    if (!keyword) continue;
    if (within(offset, keyword) || within(offset, site.target)) {
      return { start: keyword.startIndex, end: site.target.endIndex, markdown: importMarkdown(site) };
    }
  }
  const node = ctx.tree.rootNode.descendantForIndex(offset, offset);
  if (!node || isInsideError(node)) return undefined;
  const found = legacySelectAt(ctx, node);
  if (found && within(offset, found.attr)) {
    return { start: found.attr.startIndex, end: found.attr.endIndex, markdown: legacyMarkdown(found.target) };
  }
  return undefined;
}
