// Combining fixes: fix-all picks every safe quick-fix whose edits do not overlap one already
// chosen (a fix is applied whole or not at all), and "ignore on this line" comments.
import type { Finding, OffsetEdit } from './findings';
import { lineIndent, lineStart } from '../nix/syntax';

/** Safe quick-fix edits of all findings, non-overlapping, in document order. `named`: the rules
 *  in `only` were named by the user, so their fixes apply even when not safe. */
export function fixAllEdits(findings: Finding[], only?: ReadonlySet<string>, named = false): OffsetEdit[] {
  const chosen: OffsetEdit[] = [];
  const overlaps = (a: OffsetEdit, b: OffsetEdit) =>
    a.start < b.end && b.start < a.end ||
    // Two insertions at one point, or an insertion at the edge of a replacement, have no defined order.
    (a.start === b.start && (a.start === a.end || b.start === b.end)) ||
    (a.start === a.end && (a.start === b.end || a.start === b.start)) ||
    (b.start === b.end && (b.start === a.end || b.start === a.start));
  for (const f of findings) {
    if (only && !only.has(f.code)) continue;
    const fix = f.fixes.find((x) => (x.safe || (named && !!only)) && (x.kind ?? 'quickfix') === 'quickfix');
    if (!fix) continue;
    if (fix.edits.some((e) => chosen.some((c) => overlaps(c, e)))) continue;
    chosen.push(...fix.edits);
  }
  return chosen.sort((a, b) => a.start - b.start);
}

/** Applies non-overlapping edits to a text. */
export function applyEdits(text: string, edits: OffsetEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
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
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return { start, end: start, newText: `${indent}# flake-lens: ignore ${f.code}${eol}` };
}
