// Loads web-tree-sitter and the tree-sitter-nix grammar, and parses Nix the way Nix does:
// the grammar rejects a trailing comma in formals (`{ a, b, }:`), so we hide such commas
// behind a space before parsing. The masked text has the same length, so every offset holds.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Edit, Language, Node, Parser, Tree } from 'web-tree-sitter';

export type { Node, Tree };

let ready: Promise<Language> | undefined;

/** Finds a file shipped next to the bundle (dist/) or in the source tree (tests run from out/). */
function locate(file: string, fallbacks: string[]): string {
  const candidates = [path.join(__dirname, file), ...fallbacks];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`cannot find ${file}; looked in ${candidates.join(', ')}`);
}

function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    if (fs.existsSync(path.join(dir, 'server', 'grammar'))) return dir;
    dir = path.dirname(dir);
  }
  return __dirname;
}

/** Initialises tree-sitter once per process and returns the Nix language. */
export function loadNix(): Promise<Language> {
  ready ??= (async () => {
    const root = repoRoot();
    const runtime = locate('web-tree-sitter.wasm', [
      path.join(root, 'node_modules', 'web-tree-sitter', 'web-tree-sitter.wasm'),
    ]);
    await Parser.init({ locateFile: () => runtime });
    const grammar = locate('tree-sitter-nix.wasm', [path.join(root, 'server', 'grammar', 'tree-sitter-nix.wasm')]);
    return Language.load(grammar);
  })();
  return ready;
}

/**
 * Offsets of commas that can only be a trailing comma in formals: inside `{`, after a formal
 * (not after `{`, `,`, `;` or `...`, where Nix rejects it too), followed only by whitespace and
 * comments and then `}`. Strings, comments, paths and URIs are skipped by a small lexer.
 */
export function trailingFormalsCommas(text: string): number[] {
  const out: number[] = [];
  // Each frame is what we are inside: code blocks ('{', '(', '[', '${') or strings.
  const stack: string[] = [];
  let i = 0;
  let prev = ''; // last significant token kind in code: 'open', 'sep', 'ellipsis', 'other'
  const n = text.length;
  const top = () => stack[stack.length - 1];
  while (i < n) {
    const mode = top();
    if (mode === '"') {
      const c = text[i];
      if (c === '\\') i += 2;
      else if (c === '"') { stack.pop(); prev = 'other'; i++; }
      else if (c === '$' && text[i + 1] === '{') { stack.push('${'); prev = 'open'; i += 2; }
      else i++;
      continue;
    }
    if (mode === "''") {
      if (text.startsWith("'''", i)) i += 3;
      else if (text.startsWith("''$", i) || text.startsWith("''\\", i)) i += 3;
      else if (text.startsWith("''", i)) { stack.pop(); prev = 'other'; i += 2; }
      else if (text.startsWith('${', i)) { stack.push('${'); prev = 'open'; i += 2; }
      else i++;
      continue;
    }
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '#') { while (i < n && text[i] !== '\n') i++; continue; }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === '"') { stack.push('"'); i++; continue; }
    if (c === "'" && text[i + 1] === "'") { stack.push("''"); i += 2; continue; }
    if (c === '{' || c === '(' || c === '[') { stack.push(c); prev = 'open'; i++; continue; }
    if (c === '$' && text[i + 1] === '{') { stack.push('${'); prev = 'open'; i += 2; continue; }
    if (c === '}' || c === ')' || c === ']') { stack.pop(); prev = 'other'; i++; continue; }
    if (c === ';') { prev = 'sep'; i++; continue; }
    if (c === '.' && text.startsWith('...', i)) { prev = 'ellipsis'; i += 3; continue; }
    if (c === ',') {
      if (top() === '{' && prev === 'other' && closesAfterTrivia(text, i + 1)) out.push(i);
      prev = 'sep';
      i++;
      continue;
    }
    // URIs (`https://a,b`) and paths (`./a/b`, `<nixpkgs>`, `~/x`) are single tokens.
    const uri = /^[a-zA-Z][a-zA-Z0-9+\-.]*:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']+/y;
    uri.lastIndex = 0;
    const rest = text.slice(i, i + 4096);
    const um = uri.exec(rest);
    if (um) { i += um[0].length; prev = 'other'; continue; }
    const pathRe = /^(?:[a-zA-Z0-9._\-+]*(?:\/[a-zA-Z0-9._\-+]+)+\/?|~(?:\/[a-zA-Z0-9._\-+]+)+\/?|<[a-zA-Z0-9._\-+]+(?:\/[a-zA-Z0-9._\-+]+)*>)/;
    const pm = pathRe.exec(rest);
    if (pm && pm[0].includes('/') || (pm && pm[0].startsWith('<'))) {
      // A path may continue with an interpolation: `./a/${b}`. Treat the rest as ordinary code.
      i += pm![0].length;
      prev = 'other';
      continue;
    }
    const word = /^[a-zA-Z0-9_'\-]+/.exec(rest);
    if (word) { i += word[0].length; prev = 'other'; continue; }
    prev = 'other';
    i++;
  }
  return out;
}

function closesAfterTrivia(text: string, i: number): boolean {
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (c === '#') { while (i < n && text[i] !== '\n') i++; }
    else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return false;
      i = end + 2;
    } else return c === '}';
  }
  return false;
}

export function maskText(text: string, commas: number[]): string {
  if (commas.length === 0) return text;
  let out = '';
  let last = 0;
  for (const p of commas) {
    out += text.slice(last, p) + ' ';
    last = p + 1;
  }
  return out + text.slice(last);
}

/** A text edit in UTF-16 offsets, as LSP incremental sync gives them after conversion. */
export interface TextChange {
  start: number;
  end: number;
  newText: string;
}

/** A parsed document that can be re-parsed incrementally. */
export class ParsedNix {
  private constructor(
    private readonly parser: Parser,
    public text: string,
    public tree: Tree,
    private masked: number[],
  ) {}

  static async create(text: string): Promise<ParsedNix> {
    const language = await loadNix();
    return ParsedNix.createSync(language, text);
  }

  static createSync(language: Language, text: string): ParsedNix {
    const parser = new Parser();
    parser.setLanguage(language);
    const masked = trailingFormalsCommas(text);
    const tree = parser.parse(maskText(text, masked));
    if (!tree) throw new Error('tree-sitter returned no tree');
    return new ParsedNix(parser, text, tree, masked);
  }

  /** Applies edits in order (each relative to the text left by the previous one) and re-parses once. */
  update(changes: TextChange[]): void {
    let text = this.text;
    let masked = this.masked;
    for (const ch of changes) {
      const delta = ch.newText.length - (ch.end - ch.start);
      this.tree.edit(editFor(text, ch));
      text = text.slice(0, ch.start) + ch.newText + text.slice(ch.end);
      masked = masked.filter((p) => p < ch.start || p >= ch.end).map((p) => (p >= ch.end ? p + delta : p));
    }
    // Masking decided by text outside the edits may change too (typing `}` after a comma):
    // tell the old tree those single characters changed so it re-parses them.
    const now = trailingFormalsCommas(text);
    const before = new Set(masked);
    const after = new Set(now);
    for (const p of now) if (!before.has(p)) this.tree.edit(oneChar(text, p));
    for (const p of masked) if (!after.has(p)) this.tree.edit(oneChar(text, p));
    const tree = this.parser.parse(maskText(text, now), this.tree);
    if (!tree) throw new Error('tree-sitter returned no tree');
    this.tree.delete();
    this.tree = tree;
    this.text = text;
    this.masked = now;
  }

  dispose(): void {
    this.tree.delete();
    this.parser.delete();
  }
}

function pointAt(text: string, offset: number): { row: number; column: number } {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

function editFor(before: string, ch: TextChange): Edit {
  const after = before.slice(0, ch.start) + ch.newText;
  return new Edit({
    startIndex: ch.start,
    oldEndIndex: ch.end,
    newEndIndex: ch.start + ch.newText.length,
    startPosition: pointAt(before, ch.start),
    oldEndPosition: pointAt(before, ch.end),
    newEndPosition: pointAt(after, after.length),
  });
}

function oneChar(text: string, p: number): Edit {
  const pos = pointAt(text, p);
  return new Edit({
    startIndex: p,
    oldEndIndex: p + 1,
    newEndIndex: p + 1,
    startPosition: pos,
    oldEndPosition: { row: pos.row, column: pos.column + 1 },
    newEndPosition: { row: pos.row, column: pos.column + 1 },
  });
}
