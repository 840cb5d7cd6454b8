// Inlay hints in flake.nix: after each input's URL, the revision flake.lock pins it to and how old
// that revision is (`# a1b2c3d · 12 days`). Pure: offsets into flake.nix, `now` passed in.
import { formatAge } from '../lock/age';
import { allDecls } from '../lock/flakeInputs';
import { MEANINGFUL_TIMESTAMP, nodeAt, revisionOf, shortRev } from '../lock/graph';
import type { LockContext } from '../lock/rules';

export interface InputHint {
  /** Offset in flake.nix where the hint goes (the end of the URL literal). */
  offset: number;
  label: string;
  /** Plain text: the full revision and the full date and time of the locked revision. */
  tooltip: string;
}

export function inputInlayHints(ctx: LockContext, now: number): InputHint[] {
  const { flake, graph } = ctx;
  if (!flake || flake.opaque || !graph) return [];
  const out: InputHint[] = [];
  for (const d of allDecls(flake)) {
    if (!d.url || d.follows) continue;
    const key = nodeAt(graph, d.path);
    const locked = key ? graph.lock.nodes.get(key)?.locked : undefined;
    if (!locked) continue;
    const rev = revisionOf(graph.lock.nodes.get(key!)!);
    const t = typeof locked.lastModified === 'number' && locked.lastModified >= MEANINGFUL_TIMESTAMP ? locked.lastModified : undefined;
    const parts = [rev ? shortRev(rev) : undefined, t !== undefined ? formatAge(t, now).replace(/ ago$/, '') : undefined].filter((x): x is string => !!x);
    if (parts.length === 0) continue;
    const date = t !== undefined ? new Date(t * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : undefined;
    out.push({
      offset: d.url.end,
      label: `# ${parts.join(' · ')}`,
      tooltip: [`${d.path.join('/')} is locked to ${rev ?? '(no revision)'}${typeof locked.ref === 'string' ? ` on ${locked.ref}` : ''}`, date && `last modified ${date} (${formatAge(t!, now)})`]
        .filter(Boolean)
        .join('\n'),
    });
  }
  return out;
}
