// legacy-packages: `import nixpkgs { inherit system; }` makes a new nixpkgs instance where
// `nixpkgs.legacyPackages.${system}` shares the one the nixpkgs flake already evaluated.
import type { DocumentContext } from './context';
import { MAX_RELATED, type Finding } from './findings';
import { legacyPackagesText, replaceCall } from './rewrite';
import { instanceKey, type ImportSite } from '../nix/imports';
import { field, outerParens, resolve, unparen } from '../nix/syntax';

export function legacyPackages(ctx: DocumentContext): Finding[] {
  // A `flake = false` input has no legacyPackages; a fallback or a defaulted formal may not either.
  const sites = ctx.imports.filter(
    (s) => s.kind === 'system-only' && !ctx.resolver.isNonFlake(s.input) && !isFallback(s) && !(!ctx.isFlake && viaDefaultedFormal(s)),
  );
  // Grouped once: comparing every site with every other was quadratic in the imports.
  const byInput = new Map<string, ImportSite[]>();
  const sameCount = new Map<string, number>();
  const keys = new Map<ImportSite, string>();
  for (const s of sites) {
    const key = instanceKey(s);
    keys.set(s, key);
    sameCount.set(key, (sameCount.get(key) ?? 0) + 1);
    let list = byInput.get(s.input);
    if (!list) byInput.set(s.input, (list = []));
    list.push(s);
  }
  return sites.map((site) => {
    const replacement = legacyPackagesText(site);
    const key = keys.get(site)!;
    const same = sameCount.get(key)! - 1;
    // The first others of the same input (at most MAX_RELATED: thousands of copies would make
    // every finding list every other one).
    const others: ImportSite[] = [];
    for (const o of byInput.get(site.input)!) {
      if (others.length >= MAX_RELATED) break;
      if (o !== site) others.push(o);
    }
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
        message: keys.get(o) === key ? 'the same instance is imported again here' : `${o.input} is also imported here`,
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

/**
 * `nixpkgs.legacyPackages.${system} or (import nixpkgs { inherit system; })`: the import is the
 * author's fallback for a nixpkgs without legacyPackages (a channel tarball, an old checkout).
 */
function isFallback(site: ImportSite): boolean {
  const e = outerParens(site.call);
  const select = e.parent;
  if (select?.type !== 'select_expression' || !field(select, 'default')?.equals(e)) return false;
  return field(select, 'attrpath')?.childrenForFieldName('attr').some((a) => a.text === 'legacyPackages') ?? false;
}

/**
 * In a module, `nixpkgs` or `inputs.nixpkgs` from a formal with a default (`nixpkgs ? <nixpkgs>`,
 * `inputs ? import ./flake.lock.nix { }`): the file is meant to be called without it, and the
 * default is seldom a flake, so `legacyPackages` may not exist there.
 */
function viaDefaultedFormal(site: ImportSite): boolean {
  let base = unparen(site.target);
  while (base?.type === 'select_expression') base = unparen(field(base, 'expression'));
  if (base?.type !== 'variable_expression') return false;
  const { binder } = resolve(field(base, 'name')!.text, base);
  return binder?.parent?.type === 'formal' && field(binder.parent, 'default') !== null;
}
