// Pure helpers of the Flake Inputs view (no vscode import, so unit tests can load them).
import type { FlakeGraphDto, InputEdgeDto, LockNodeDto } from '../../server/src/protocol';
import { formatAge } from '../../server/src/lock/age';
import { mdCode, mdText } from '../../server/src/markdown';
import { showPath } from '../../server/src/lock/graph';

/** Where a node is first reached: its parent node and the input name (absent for the root). */
export type FirstVisits = Map<string, { parent: string; name: string } | undefined>;

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * For each node, its first visit in depth-first order (the one that is expanded), as a parent
 * link: paths share prefixes, so a chain of n nodes costs O(n). An explicit stack, because the
 * lock decides how deep it goes.
 */
export function firstVisits(flake: FlakeGraphDto): FirstVisits {
  const first: FirstVisits = new Map();
  if (!flake.root) return first;
  first.set(flake.root, undefined);
  // Inputs in name order, as `nix flake metadata` walks them.
  const sorted = (key: string) => [...(flake.nodes[key]?.inputs ?? [])].sort(byName);
  const stack = [{ key: flake.root, inputs: sorted(flake.root), i: 0 }];
  while (stack.length) {
    const f = stack[stack.length - 1];
    if (f.i >= f.inputs.length) {
      stack.pop();
      continue;
    }
    const e = f.inputs[f.i++];
    if (e.follows || !e.target || first.has(e.target)) continue;
    first.set(e.target, { parent: f.key, name: e.name });
    stack.push({ key: e.target, inputs: sorted(e.target), i: 0 });
  }
  return first;
}

/** The input path of a node's first visit (`[]` for the root), or undefined when unreached. */
export function visitPath(visits: FirstVisits, key: string): string[] | undefined {
  if (!visits.has(key)) return undefined;
  const names: string[] = [];
  for (let v = visits.get(key); v; v = visits.get(v.parent)) names.push(v.name);
  return names.reverse();
}

/**
 * What `nix flake update <input>` accepts as an input name (Nix's flake id: a letter, then
 * letters, digits, `_` and `-`). Anything else is refused before nix runs: no option look-alikes.
 */
export function isUpdatableInputName(name: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9_-]*$/.test(name);
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
  if (!isUpdatableInputName(input)) throw new Error(`not an input name nix can update: ${JSON.stringify(input)}`);
  // `--` ends the options; `--update-input` takes the next word as its value whatever it is.
  return [...FLAKE_FEATURES, 'flake', ...(modern ? ['update', '--', input] : ['lock', '--update-input', input])];
}

const ORDINAL = ['1st', '2nd', '3rd'];
export const ordinal = (n: number) => ORDINAL[n - 1] ?? `${n}th`;

/** `2024-05-20 (12 days ago)`; undefined for timestamps a Date cannot hold. */
function dateAndAge(seconds: number, now: number): string | undefined {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? undefined : `${d.toISOString().slice(0, 10)} (${formatAge(seconds, now)})`;
}

/**
 * The tree row's description: where a follows points, else reference, short revision, age,
 * duplicate and, for a node shown again, where it is expanded. Paths as the server's messages
 * show them (showPath): a 5,000-deep chain shows its two ends, not 5,000 names.
 */
export function inputDescription(edge: InputEdgeDto, node: LockNodeDto | undefined, firstPath: string[] | undefined, now: number): string {
  const parts: string[] = [];
  if (edge.follows) {
    parts.push(`→ ${edge.follows.length ? showPath(edge.follows) : '(this flake)'}`);
  } else if (node) {
    if (node.reference) parts.push(node.reference);
    if (node.rev) parts.push(node.rev.slice(0, 7));
    if (node.lastModified) parts.push(node.outdated ? `${formatAge(node.lastModified, now)} (outdated)` : formatAge(node.lastModified, now));
    if (node.duplicate) parts.push(`${ordinal(node.duplicate.ordinal)} ${node.duplicate.upstream} revision`);
    if (firstPath) parts.push(`(see ${showPath(firstPath)})`);
  } else {
    parts.push('broken follows');
  }
  return parts.join(' · ');
}

/** The tree's tooltip for an input, as Markdown: every value from the lock is escaped. */
export function tooltipMarkdown(path: string[], edge: InputEdgeDto, node: LockNodeDto | undefined, now: number): string {
  let md = `**${mdText(showPath(path))}**\n\n`;
  if (edge.follows) md += `follows ${mdCode(showPath(edge.follows) || '(root)')}\n\n`;
  if (!node) return edge.target ? md : md + '⛔ this follows points to no input\n';
  const rows: [string, string | undefined][] = [
    ['Reference', node.reference && mdCode(node.reference)],
    ['Locked', node.lockedReference && mdCode(node.lockedReference)],
    ['Revision', node.rev && mdCode(node.rev)],
    ['Last modified', node.lastModified ? dateAndAge(node.lastModified, now) : undefined],
    ['narHash', node.narHash && mdCode(node.narHash)],
    ['Flake', node.flake ? 'yes' : 'no (`flake = false`)'],
    ['Lock node', mdCode(node.key)],
  ];
  // A list, not a table: a `|` in a value would split a table cell even inside a code span.
  for (const [k, v] of rows) if (v) md += `- **${k}:** ${v}\n`;
  if (node.outdated) md += '\n⚠️ older than `flakeLens.nixpkgs.maxAgeDays`: update this input.\n';
  if (node.duplicate) {
    md +=
      `\n⚠️ ${ordinal(node.duplicate.ordinal)} of ${node.duplicate.revisions} revisions of ${mdCode(node.duplicate.upstream)} in this lock: ` +
      'add a `follows` so every input shares one.\n';
  }
  return md;
}
