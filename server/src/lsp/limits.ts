// The server's limits on hostile input (docs/security.md lists them). The server is single-threaded:
// one slow request freezes every feature in every open file, so inputs past these limits get one
// clear diagnostic instead of an analysis.

/**
 * flake.lock nodes the server analyses. The largest lock in the real-world corpus has 367 nodes;
 * past this, the lock is reported (lock-error), not analysed, so every request stays within its
 * time budget.
 */
export const MAX_LOCK_NODES = 5000;

/** A request that takes longer than this is logged, so a budget overrun is visible in the output. */
export const SLOW_REQUEST_MS = 1000;

/** Delay before a change of flake.lock re-analyses its flake.nix (each keystroke in an open lock). */
export const LOCK_CHANGE_DEBOUNCE_MS = 300;

const counted = new Map<string, number | undefined>();
const COUNT_MEMO_SIZE = 4;

/**
 * The number of entries in a flake.lock's `nodes` object, or undefined when the text is not JSON
 * of that shape (the lock parser reports that). Native JSON.parse: linear and not recursive in
 * JavaScript, so it is safe on any text within the byte limit. Memoised by text: a request on
 * flake.nix must not re-count an unchanged lock.
 */
export function lockNodeCount(text: string): number | undefined {
  if (counted.has(text)) return counted.get(text);
  let n: number | undefined;
  try {
    const json: unknown = JSON.parse(text);
    const nodes = typeof json === 'object' && json !== null ? (json as { nodes?: unknown }).nodes : undefined;
    n = typeof nodes === 'object' && nodes !== null && !Array.isArray(nodes) ? Object.keys(nodes).length : undefined;
  } catch {
    n = undefined;
  }
  counted.set(text, n);
  if (counted.size > COUNT_MEMO_SIZE) counted.delete(counted.keys().next().value!);
  return n;
}

/** Why a lock text is not analysed, or undefined when it is within the limits. */
export function lockOverLimit(text: string, maxNodes = MAX_LOCK_NODES): string | undefined {
  const n = lockNodeCount(text);
  if (n === undefined || n <= maxNodes) return undefined;
  return `flake.lock has ${n} nodes, over the ${maxNodes} Flake Lens analyses; it is not checked`;
}
