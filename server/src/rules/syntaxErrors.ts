// syntax: where tree-sitter (with formals trailing commas masked, as Nix accepts them) finds an
// ERROR or MISSING node. Other rules keep running on the parts that parse.
import type { Finding } from './findings';
import { grammarGaps, type Tree } from '../nix/parser';
import { errorNodes } from '../nix/syntax';

const LIMIT = 50;

export function syntaxErrors(tree: Tree, text: string): Finding[] {
  const out: Finding[] = [];
  for (const node of errorNodes(tree, LIMIT)) {
    if (node.isMissing) {
      const at = node.startIndex;
      out.push({
        code: 'syntax',
        start: at,
        end: Math.min(at + 1, text.length),
        severity: 'error',
        message: `Syntax error: missing ${describe(node.type)} here.`,
        fixes: [],
      });
      continue;
    }
    const snippet = text.slice(node.startIndex, Math.min(node.endIndex, node.startIndex + 40)).split('\n')[0];
    out.push({
      code: 'syntax',
      start: node.startIndex,
      end: Math.max(node.endIndex, Math.min(node.startIndex + 1, text.length)),
      severity: 'error',
      message: snippet.trim()
        ? `Syntax error: unexpected \`${snippet.trim()}\`; Nix cannot parse this file.`
        : 'Syntax error: unexpected end of input; Nix cannot parse this file.',
      fixes: [],
    });
  }
  for (const gap of grammarGaps(tree, text)) {
    if (out.length >= LIMIT) break;
    out.push({ code: 'syntax', start: gap.start, end: gap.end, severity: 'error', message: `Syntax error: ${gap.message}`, fixes: [] });
  }
  return out;
}

function describe(type: string): string {
  return /^[a-z_]+$/.test(type) ? type.replace(/_/g, ' ') : `\`${type}\``;
}
