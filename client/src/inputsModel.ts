// Pure helpers of the Flake Inputs view (no vscode import, so unit tests can load them).
import type { FlakeGraphDto } from '../../server/src/protocol';


/** For each node, the path of its first visit in depth-first order (the one that is expanded). */
export function firstVisits(flake: FlakeGraphDto): Map<string, string> {
  const first = new Map<string, string>();
  if (!flake.root) return first;
  first.set(flake.root, '');
  const visit = (key: string, path: string[]) => {
    // Inputs in name order, as `nix flake metadata` walks them.
    const inputs = [...(flake.nodes[key]?.inputs ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of inputs) {
      if (e.follows || !e.target || first.has(e.target)) continue;
      const p = [...path, e.name];
      first.set(e.target, p.join('/'));
      visit(e.target, p);
    }
  };
  visit(flake.root, []);
  return first;
}


/** `nix (Nix) 2.18.1` → [2, 18]; undefined when unreadable. */
export function nixVersion(output: string): [number, number] | undefined {
  const m = /(\d+)\.(\d+)/.exec(output);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Flakes may not be enabled in the user's nix.conf; enabling them for one command is harmless. */
export const FLAKE_FEATURES = ['--extra-experimental-features', 'nix-command flakes'];

/**
 * Arguments to update one input: `nix flake update <input>` from Nix 2.19 on; before that,
 * `flake update` takes no input names and `nix flake lock --update-input <input>` is the way.
 */
export function updateInputArgs(version: [number, number] | undefined, input: string): string[] {
  const modern = !version || version[0] > 2 || (version[0] === 2 && version[1] >= 19);
  return [...FLAKE_FEATURES, 'flake', ...(modern ? ['update', input] : ['lock', '--update-input', input])];
}
