// Text for a terminal. Names, URLs and messages come from files a stranger wrote: raw control
// characters could set the window title, erase the warning above and print a fake "No problems",
// and bidirectional overrides could reorder what is shown. Every piece of file-derived text goes
// through `termSafe` before it is printed.

/**
 * C0 controls except tab, DEL, C1 controls, the bidirectional marks, embeddings, overrides and
 * isolates, and the Unicode line and paragraph separators.
 */
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** `s` with each unsafe character written as `\uXXXX` (also a valid JSON escape of the same character). */
export function termSafe(s: string): string {
  return s.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Like `termSafe`, keeping line breaks: for text whose lines we laid out ourselves (JSON). */
export function termSafeLines(s: string): string {
  return s.split('\n').map(termSafe).join('\n');
}

export type Paint = (style: 'bold' | 'dim' | 'red' | 'yellow' | 'blue', s: string) => string;

const SGR = { bold: 1, dim: 2, red: 31, yellow: 33, blue: 34 } as const;

/** SGR colours, or none; applied only to text already made safe. */
export function painter(color: boolean): Paint {
  return color ? (style, s) => `\x1b[${SGR[style]}m${s}\x1b[0m` : (_style, s) => s;
}

/**
 * Colour when asked (`--color`), never with `--no-color` or a non-empty NO_COLOR
 * (https://no-color.org), else when FORCE_COLOR is set or the output is a terminal.
 */
export function wantColor(flags: { color?: boolean; noColor?: boolean }, env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (flags.noColor) return false;
  if (flags.color) return true;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return isTTY;
}
