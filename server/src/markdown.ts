// Markdown built from file text (hovers, tree tooltips). Every byte of flake.nix and flake.lock
// is attacker-controlled: file-derived text goes through `mdText` or `mdCode`, never straight into
// Markdown, so it cannot open links or images, end a code span, or start a table row or heading.
// No Node or vscode imports: the client bundles this file too.

/** Line breaks and other control characters: they would end a list item, table row or heading. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * Plain text: every ASCII punctuation character is backslash-escaped (CommonMark allows that
 * for all of them), so `[`, `!`, `<`, `*`, `|`, `&`, `$(` and `https://` are shown as written and
 * never become links, images, HTML, emphasis, table cells or theme icons.
 */
export function mdText(s: string): string {
  return s.replace(CONTROL, ' ').replace(/[!-/:-@[-`{-~]/g, '\\$&');
}

/**
 * A code span holding `s` verbatim: the fence is one backtick longer than the longest backtick
 * run inside, and padded when the text starts or ends with a backtick or a space.
 */
export function mdCode(s: string): string {
  const t = s.replace(CONTROL, ' ');
  if (t === '') return '` `';
  let longest = 0;
  let run = 0;
  for (let i = 0; i < t.length; i++) {
    run = t.charCodeAt(i) === 96 ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  const fence = '`'.repeat(longest + 1);
  const pad = t[0] === '`' || t[t.length - 1] === '`' || (t[0] === ' ' && t[t.length - 1] === ' ') ? ' ' : '';
  return fence + pad + t + pad + fence;
}
