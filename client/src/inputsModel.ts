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

