// nixpkgs-config-import: an import that passes config, overlays or other arguments needs its own
// instance. That is legitimate, so this is information, not a warning, and there is no rewrite.
import type { DocumentContext } from './context';
import type { Finding } from './findings';

export function configImport(ctx: DocumentContext): Finding[] {
  return ctx.imports
    .filter((s) => s.kind === 'config')
    .map((site) => ({
      code: 'nixpkgs-config-import',
      start: site.call.startIndex,
      end: site.call.endIndex,
      severity: 'information',
      message:
        `\`import ${site.target.text}\` with ${site.otherArgs.map((a) => `\`${a}\``).join(', ')} evaluates a new nixpkgs instance. ` +
        `That is needed to pass these arguments and is fine in a leaf flake's devShells or checks; ` +
        `a flake that others consume should expose an overlay instead, so they can apply it to their own nixpkgs.`,
      fixes: [],
    }));
}
