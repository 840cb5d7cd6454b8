// The server's limits on hostile input (docs/security.md lists them). The server is single-threaded:
// one slow request freezes every feature in every open file, so inputs past these limits get one
// clear diagnostic instead of an analysis.

/** A request that takes longer than this is logged, so a budget overrun is visible in the output. */
export const SLOW_REQUEST_MS = 1000;

/** Delay before a change of flake.lock re-analyses its flake.nix (each keystroke in an open lock). */
export const LOCK_CHANGE_DEBOUNCE_MS = 300;
