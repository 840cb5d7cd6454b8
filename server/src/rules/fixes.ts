// Combining fixes: fix-all picks every safe quick-fix whose edits do not overlap one already
// chosen (a fix is applied whole or not at all), and "ignore on this line" comments.
import type { Finding, OffsetEdit } from './findings';
import { lineIndent, lineStart } from '../nix/syntax';

/** Safe quick-fix edits of all findings, non-overlapping, in document order. `named`: the rules
 *  in `only` were named by the user, so their fixes apply even when not safe. */
export function fixAllEdits(findings: Finding[], only?: ReadonlySet<string>, named = false): OffsetEdit[] {
  // The chosen edits never overlap one another, so sorted by start their ends are sorted too: an
  // edit can only overlap the chosen one just before it or those starting within it. A binary
  // search keeps fix-all linear-logarithmic in the findings (thousands of them on hostile files).
  const chosen: OffsetEdit[] = [];
  const overlaps = (a: OffsetEdit, b: OffsetEdit) =>
    a.start < b.end && b.start < a.end ||
    // Two insertions at one point, or an insertion at the edge of a replacement, have no defined order.
    (a.start === b.start && (a.start === a.end || b.start === b.end)) ||
    (a.start === a.end && (a.start === b.end || a.start === b.start)) ||
    (b.start === b.end && (b.start === a.end || b.start === a.start));
  /** The index of the first chosen edit whose start is at least `offset` (past it, with `after`). */
  const firstFrom = (offset: number, after = false) => {
    let lo = 0;
    let hi = chosen.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (chosen[mid].start < offset || (after && chosen[mid].start === offset)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const clashes = (e: OffsetEdit) => {
    const i = firstFrom(e.start);
    if (i > 0 && overlaps(chosen[i - 1], e)) return true;
    for (let k = i; k < chosen.length && chosen[k].start <= e.end; k++) if (overlaps(chosen[k], e)) return true;
    return false;
  };
  for (const f of findings) {
    if (only && !only.has(f.code)) continue;
    const fix = f.fixes.find((x) => (x.safe || (named && !!only)) && (x.kind ?? 'quickfix') === 'quickfix');
    if (!fix) continue;
    if (fix.edits.some(clashes)) continue;
    // After equal starts: the order of one fix's edits at a point is kept.
    for (const e of fix.edits) chosen.splice(firstFrom(e.start, true), 0, e);
  }
  return chosen;
}

/** Applies non-overlapping edits to a text (in one pass: slicing the whole text per edit was quadratic). */
export function applyEdits(text: string, edits: OffsetEdit[]): string {
  const parts: string[] = [];
  let at = 0;
  for (const e of [...edits].sort((a, b) => a.start - b.start)) {
    parts.push(text.slice(at, e.start), e.newText);
    at = e.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/**
 * `# flake-lens: ignore <code>` above the finding's first line, with that line's indentation.
 * If the line above already ignores other codes, the code is added to it.
 */
export function ignoreEdit(text: string, f: Finding): OffsetEdit {
  const start = lineStart(text, f.start);
  if (start > 0) {
    const prevStart = lineStart(text, start - 1);
    const prev = text.slice(prevStart, start - 1);
    const m = /^([ \t]*#\s*flake-lens:\s*ignore\b)(.*)$/.exec(prev.replace(/\r$/, ''));
    if (m && m[2].trim() !== '') {
      const end = prevStart + m[1].length + m[2].length;
      return { start: end, end, newText: ` ${f.code}` };
    }
  }
  const indent = lineIndent(text, f.start);
  // The line's own ending (searching the whole text for `\r\n` per finding was quadratic).
  const nl = text.indexOf('\n', f.start);
  const crlf = nl >= 0 ? text[nl - 1] === '\r' : start >= 2 && text[start - 2] === '\r';
  const eol = crlf ? '\r\n' : '\n';
  return { start, end: start, newText: `${indent}# flake-lens: ignore ${f.code}${eol}` };
}
