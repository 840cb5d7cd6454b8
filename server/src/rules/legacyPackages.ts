// legacy-packages: `import nixpkgs { inherit system; }` makes a new nixpkgs instance where
// `nixpkgs.legacyPackages.${system}` shares the one the nixpkgs flake already evaluated.
import type { DocumentContext } from './context';
import type { Finding } from './findings';
import { legacyPackagesText, replaceCall } from './rewrite';
import { instanceKey } from '../nix/imports';

export function legacyPackages(ctx: DocumentContext): Finding[] {
  const sites = ctx.imports.filter((s) => s.kind === 'system-only');
  return sites.map((site) => {
    const replacement = legacyPackagesText(site);
    const others = sites.filter((o) => o !== site && o.input === site.input);
    const key = instanceKey(site);
    const same = others.filter((o) => instanceKey(o) === key).length;
    return {
      code: 'legacy-packages',
      start: site.call.startIndex,
      end: site.call.endIndex,
      severity: 'warning',
      message:
        `\`import ${site.target.text}\` with only the system evaluates nixpkgs again (about 100 MB and seconds each time); ` +
        `\`${replacement}\` is the same package set, evaluated once and shared.` +
        (same ? ` This file builds the same instance ${same + 1} times.` : ''),
      related: others.map((o) => ({
        start: o.call.startIndex,
        end: o.call.endIndex,
        message: instanceKey(o) === key ? 'the same instance is imported again here' : `${o.input} is also imported here`,
      })),
      // Arguments bound elsewhere whose system means something else here: no rewrite.
      fixes: site.system!.portable === false ? [] : [
        {
          title: `Use ${replacement}`,
          edits: [replaceCall(site.call, replacement)],
          safe: true,
          preferred: true,
        },
      ],
    };
  });
}
