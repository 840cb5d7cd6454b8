// Loads web-tree-sitter and the tree-sitter-nix grammar, and parses Nix the way Nix does:
// the grammar rejects a trailing comma in formals (`{ a, b, }:`), so we hide such commas
// behind a space before parsing. The masked text has the same length, so every offset holds.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Edit, Language, Node, Parser, Query, Tree } from 'web-tree-sitter';
import { sweep } from './syntax';
import { carryMemo, dropMemo, duplicateNames, duplicatesInNode, startMemo } from './duplicateNames';

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

// Token patterns of Nix's lexer (src/libexpr/lexer.l), used sticky at the current offset.
const URI_RE = /[a-zA-Z][a-zA-Z0-9+\-.]*:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']+/y;
const PATH_RE = /[a-zA-Z0-9._\-+]*(?:\/[a-zA-Z0-9._\-+]+)+\/?|[a-zA-Z0-9._\-+]*\/(?=\$\{)/y;
const HPATH_RE = /~(?:\/[a-zA-Z0-9._\-+]+)+\/?/y;
const SPATH_RE = /<[a-zA-Z0-9._\-+]+(?:\/[a-zA-Z0-9._\-+]+)*>/y;
const ID_RE = /[a-zA-Z_][a-zA-Z0-9_'\-]*/y;
const NUM_RE = /(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[Ee][+-]?[0-9]+)?/y;
// A comma, maybe blanks, then `}` or a comment: the only way a trailing comma can start. Linear:
// it never scans past the blanks after a comma (skipping comments here rescanned a long line
// from every comma on it).
const MAYBE_TRAILING = /,[ \t\r\n]*(?:\}|#|\/\*)/;

function stickyLength(re: RegExp, text: string, i: number): number {
  re.lastIndex = i;
  return re.test(text) ? re.lastIndex - i : 0;
}

/**
 * Offsets of commas that can only be a trailing comma in formals: inside `{`, after a formal
 * (not after `{`, `,`, `;` or `...`, where Nix rejects it too), followed only by whitespace and
 * comments and then `}`. Strings, comments, paths and URIs are skipped by a lexer that follows
 * Nix's own rules (`$$` and `''$` do not open an interpolation, `''\x` escapes, longest match).
 */
export function trailingFormalsCommas(text: string): number[] {
  const out: number[] = [];
  if (!MAYBE_TRAILING.test(text)) return out;
  // Frames: code blocks ('{', '(', '[', '${') or strings ('"', "''").
  const stack: string[] = [];
  let prev = ''; // last significant code token: 'open', 'sep', 'ellipsis' or 'other'
  const n = text.length;
  let i = 0;
  let pathRunEnd = 0;
  let schemeRunEnd = 0;
  while (i < n) {
    const mode = stack[stack.length - 1];
    const c = text.charCodeAt(i);
    if (mode === '"') {
      if (c === 92 /* \ */) i += 2;
      else if (c === 34 /* " */) { stack.pop(); prev = 'other'; i++; }
      else if (c === 36 /* $ */) {
        const d = text.charCodeAt(i + 1);
        if (d === 123 /* { */) { stack.push('${'); prev = 'open'; i += 2; }
        else if (d === 92) i += 3; // `$\x`
        else if (d === 34) i += 1;
        else i += 2; // `$$`, `$x`: literal
      } else i++;
      continue;
    }
    if (mode === "''") {
      if (c === 39 /* ' */) {
        if (text.charCodeAt(i + 1) !== 39) { i += text.charCodeAt(i + 1) === 36 ? 1 : 2; continue; }
        const d = text.charCodeAt(i + 2);
        if (d === 39 || d === 36) i += 3; // three quotes, or two quotes and a dollar: escapes
        else if (d === 92) i += 4; // two quotes, backslash, any character
        else { stack.pop(); prev = 'other'; i += 2; }
      } else if (c === 36) {
        const d = text.charCodeAt(i + 1);
        if (d === 123) { stack.push('${'); prev = 'open'; i += 2; }
        else if (d === 39) i += 1;
        else i += 2;
      } else i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 10 || c === 13) { i++; continue; }
    if (c === 35 /* # */) { const e = text.indexOf('\n', i); i = e < 0 ? n : e; continue; }
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (c === 34) { stack.push('"'); i++; continue; }
    if (c === 39 && text.charCodeAt(i + 1) === 39) { stack.push("''"); i += 2; continue; }
    if (c === 36 && text.charCodeAt(i + 1) === 123) { stack.push('${'); prev = 'open'; i += 2; continue; }
    if (c === 123 || c === 40 || c === 91) { stack.push(text[i]); prev = 'open'; i++; continue; }
    if (c === 125 || c === 41 || c === 93) { stack.pop(); prev = 'other'; i++; continue; }
    if (c === 59 /* ; */) { prev = 'sep'; i++; continue; }
    if (c === 44 /* , */) {
      if (stack[stack.length - 1] === '{' && prev === 'other' && closesAfterTrivia(text, i + 1)) out.push(i);
      prev = 'sep';
      i++;
      continue;
    }
    if (c === 46 && text.startsWith('...', i)) { prev = 'ellipsis'; i += 3; continue; }
    // Longest match among URI, paths, identifiers and numbers, as flex does. A URI or a path
    // matches only if the run of scheme or path characters from here ends in `:` or `/`; the run's
    // end is remembered for the whole run, so `a.a.a…` is scanned once, not once per token.
    if (i >= pathRunEnd) pathRunEnd = runEnd(text, i, isPathChar);
    if (i >= schemeRunEnd) schemeRunEnd = runEnd(text, i, isSchemeChar);
    const maybePath = text.charCodeAt(pathRunEnd) === 47 /* / */ && (isPathChar(text.charCodeAt(pathRunEnd + 1)) || text.startsWith('${', pathRunEnd + 1));
    const maybeUri = isLetter(c) && text.charCodeAt(schemeRunEnd) === 58 /* : */ && URI_CHAR.test(text[schemeRunEnd + 1] ?? '');
    const len = Math.max(
      maybeUri ? stickyLength(URI_RE, text, i) : 0,
      maybePath ? stickyLength(PATH_RE, text, i) : 0,
      c === 126 /* ~ */ ? stickyLength(HPATH_RE, text, i) : 0,
      c === 60 /* < */ ? stickyLength(SPATH_RE, text, i) : 0,
      stickyLength(ID_RE, text, i),
      stickyLength(NUM_RE, text, i),
    );
    i += Math.max(1, len);
    prev = 'other';
  }
  return out;
}

const URI_CHAR = /[a-zA-Z0-9%/?:@&=+$,\-_.!~*']/;

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `[a-zA-Z0-9._\-+]`: what a path segment is made of. */
function isPathChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === 46 || c === 95 || c === 45 || c === 43;
}

/** `[a-zA-Z0-9+\-.]`: what a URI scheme is made of. */
function isSchemeChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === 43 || c === 45 || c === 46;
}

/** The end of the run of characters from `i` for which `is` holds. */
function runEnd(text: string, i: number, is: (c: number) => boolean): number {
  while (i < text.length && is(text.charCodeAt(i))) i++;
  return i;
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

// One parser for every document: parsing is synchronous, so documents never share it at the same
// time, and each Parser holds wasm memory of its own.
const parsers = new WeakMap<Language, Parser>();

/**
 * Trees of documents being edited: made with `{ edited: true }`, and every tree `update` makes.
 * The duplicate-name check walks these to reuse its findings for unchanged subtrees at the next
 * edit; it reads other trees (`check`, one-off parses) with one query, which is faster once.
 */
const editedTrees = new WeakSet<Tree>();

function parserFor(language: Language): Parser {
  let parser = parsers.get(language);
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(language);
    parsers.set(language, parser);
  }
  return parser;
}

/**
 * How much CPU time one parse may take. tree-sitter's error recovery is super-linear on some garbage
 * (`,/*` repeated, `x.a.a.a…`): 120 KB can take minutes, and the server is single-threaded. Past
 * the budget the parse is cancelled and the document is not analysed (one `too-large` diagnostic).
 */
export const PARSE_BUDGET_MS = 1000;

/** A parse that went over its time budget. */
export class TooComplexError extends Error {
  constructor(readonly budgetMs: number) {
    super(`parsing took longer than ${budgetMs} ms`);
  }
}

/**
 * Parses with the progress callback checking the time spent; throws TooComplexError past the
 * budget. The time is this process's CPU time, not the clock's: on a busy machine (CI, a laptop
 * compiling) a legitimate file must not go over the budget because it waited for a core.
 */

const CHECK_MS = 5;

function parseWithin(parser: Parser, text: string, old: Tree | null, budgetMs: number): Tree {
  const start = process.cpuUsage();
  const budgetMicros = budgetMs * 1000;
  // process.cpuUsage is a system call: asked on every callback it took two thirds of a parse. The
  // wall clock is cheap: ask for the CPU time at most every CHECK_MS of it. (Counting callbacks
  // instead fails on text where one parser step takes long: ',/*' × 40,000 ran past 20 s.)
  let nextCheck = performance.now() + CHECK_MS;
  const over = () => {
    const now = performance.now();
    if (now < nextCheck) return false;
    nextCheck = now + CHECK_MS;
    const used = process.cpuUsage(start);
    return used.user + used.system > budgetMicros;
  };
  // Called every hundred or so parser operations; returning true cancels the parse.
  const tree = parser.parse(text, old, { progressCallback: over });
  if (!tree) {
    // A cancelled parse resumes on the next call unless reset.
    parser.reset();
    throw new TooComplexError(budgetMs);
  }
  return tree;
}

/** A parsed document that can be re-parsed incrementally. */
export class ParsedNix {
  private constructor(
    private readonly parser: Parser,
    public text: string,
    public tree: Tree,
    private masked: number[],
    private readonly budgetMs: number,
  ) {}

  static async create(text: string, budgetMs = PARSE_BUDGET_MS): Promise<ParsedNix> {
    const language = await loadNix();
    return ParsedNix.createSync(language, text, budgetMs);
  }

  /** Parses `text`; throws TooComplexError when that takes longer than `budgetMs`. */
  static createSync(language: Language, text: string, budgetMs = PARSE_BUDGET_MS, options: { edited?: boolean } = {}): ParsedNix {
    const parser = parserFor(language);
    const masked = trailingFormalsCommas(text);
    const tree = parseWithin(parser, maskText(text, masked), null, budgetMs);
    startMemo(tree);
    if (options.edited) editedTrees.add(tree);
    return new ParsedNix(parser, text, tree, masked, budgetMs);
  }

  /** As createSync, but null when the parse goes over its budget. */
  static tryCreate(language: Language, text: string, budgetMs = PARSE_BUDGET_MS, options: { edited?: boolean } = {}): ParsedNix | null {
    try {
      return ParsedNix.createSync(language, text, budgetMs, options);
    } catch (e) {
      if (e instanceof TooComplexError) return null;
      throw e;
    }
  }

  /**
   * Applies edits in order (each relative to the text left by the previous one) and re-parses
   * once. Edits must be valid for the text they apply to (see `checkChange`); an invalid one
   * throws before anything changes. Throws TooComplexError past the budget (then the tree is
   * stale: the caller must drop this object).
   */
  update(changes: TextChange[]): void {
    let text = this.text;
    for (const ch of changes) {
      checkChange(ch, text.length);
      text = applyChange(text, ch);
    }
    text = this.text;
    let masked = this.masked;
    for (const ch of changes) {
      const delta = ch.newText.length - (ch.end - ch.start);
      this.tree.edit(editFor(text, ch));
      text = applyChange(text, ch);
      masked = masked.filter((p) => p < ch.start || p >= ch.end).map((p) => (p >= ch.end ? p + delta : p));
    }
    // Masking decided by text outside the edits may change too (typing `}` after a comma):
    // tell the old tree those single characters changed so it re-parses them.
    const now = trailingFormalsCommas(text);
    const before = new Set(masked);
    const after = new Set(now);
    for (const p of now) if (!before.has(p)) this.tree.edit(oneChar(text, p));
    for (const p of masked) if (!after.has(p)) this.tree.edit(oneChar(text, p));
    const tree = parseWithin(this.parser, maskText(text, now), this.tree, this.budgetMs);
    carryMemo(this.tree, tree);
    this.tree.delete();
    this.tree = tree;
    editedTrees.add(tree);
    this.text = text;
    this.masked = now;
  }

  dispose(): void {
    dropMemo(this.tree);
    this.tree.delete();
  }
}

/**
 * Throws unless `ch` is a valid edit of a text of `length` UTF-16 units: integer offsets with
 * 0 <= start <= end <= length. LSP clients may send anything; every copy of the text (the
 * TextDocument, this tree) must see the same edit, so the LSP layer normalises positions with
 * `normaliseRange` first and this is the last check.
 */
export function checkChange(ch: TextChange, length: number): void {
  if (!Number.isInteger(ch.start) || !Number.isInteger(ch.end) || ch.start < 0 || ch.start > ch.end || ch.end > length || typeof ch.newText !== 'string') {
    throw new RangeError(`invalid edit [${ch.start}, ${ch.end}) of a text of length ${length}`);
  }
}

function applyChange(text: string, ch: TextChange): string {
  return text.slice(0, ch.start) + ch.newText + text.slice(ch.end);
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

/** The point `text` ends at when it starts at `from`. */
function advance(from: { row: number; column: number }, text: string): { row: number; column: number } {
  const last = text.lastIndexOf('\n');
  if (last < 0) return { row: from.row, column: from.column + text.length };
  let rows = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) rows++;
  return { row: from.row + rows, column: text.length - last - 1 };
}

function editFor(before: string, ch: TextChange): Edit {
  const start = pointAt(before, ch.start);
  return new Edit({
    startIndex: ch.start,
    oldEndIndex: ch.end,
    newEndIndex: ch.start + ch.newText.length,
    startPosition: start,
    oldEndPosition: advance(start, before.slice(ch.start, ch.end)),
    newEndPosition: advance(start, ch.newText),
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

export interface GrammarGap {
  start: number;
  end: number;
  message: string;
}

const WORD_OR = /(?<![a-zA-Z0-9_'-])or(?![a-zA-Z0-9_'-])/g;

const PATH_CHAR = /[a-zA-Z0-9._\-+]/;
const PATH_START = /[a-zA-Z0-9._\-+~]/;
const AFTER_PATH = /[a-zA-Z0-9._\-+$/*]/;
const LINE_END = /[\n\r\u2028\u2029]/;

/**
 * The final slashes of TRAILING_SLASH_PATH's matches, without running it at every offset: a slash
 * not followed by a path character, `$`, `/` or `*`, after `/name` that follows a path character,
 * `~` or a line start. (The match's earlier `/name` parts only ever end in such a character.)
 */
function trailingSlashes(text: string): number[] {
  const out: number[] = [];
  for (let s = text.indexOf('/'); s >= 0; s = text.indexOf('/', s + 1)) {
    if (s + 1 < text.length && AFTER_PATH.test(text[s + 1])) continue;
    let g = s - 1;
    while (g >= 0 && PATH_CHAR.test(text[g])) g--;
    if (g === s - 1 || g < 0 || text[g] !== '/') continue;
    if (g === 0 || LINE_END.test(text[g - 1]) || PATH_START.test(text[g - 1])) out.push(s);
  }
  return out;
}

/**
 * What tree-sitter-nix accepts and Nix 2.8's parser rejects: `or` as a variable (except as
 * the argument in `f or`) or as a function parameter, and paths that end in a slash. Found by a text scan, then confirmed on the tree, so large files stay cheap.
 */
export function grammarGaps(tree: Tree, text: string): GrammarGap[] {
  const out: GrammarGap[] = [];
  if (text.includes('or')) {
    const words = [...text.matchAll(WORD_OR)].map((m) => ({ start: m.index!, end: m.index! + 2 }));
    // One forward walk for every candidate: asking each node for its parent walks down from the
    // root in web-tree-sitter, quadratic on `or or or …`, which nests as deep as it is long.
    sweep(tree, words, (path, d) => {
      const node = path[d];
      if (node.type !== 'identifier') return;
      const parent = d > 0 ? path[d - 1] : null;
      const grand = d > 1 ? path[d - 2] : null;
      // Nix keeps `f or` (an application to a variable named `or`) for backwards compatibility.
      const legacyArgument =
        parent?.type === 'variable_expression' && grand?.type === 'apply_expression' && grand.childForFieldName('argument')?.equals(parent);
      const asVariable = parent?.type === 'variable_expression' && !legacyArgument;
      const asParameter = parent?.type === 'formal' || (parent?.type === 'function_expression' && parent.childForFieldName('universal')?.equals(node));
      if (asVariable || asParameter) {
        out.push({ start: node.startIndex, end: node.endIndex, message: '`or` is a keyword: Nix does not allow it as a variable or a function parameter.' });
      }
    });
  }
  if (text.includes('/')) {
    const slashes = trailingSlashes(text).map((s) => ({ start: s, end: s + 1 }));
    sweep(tree, slashes, (path, d, slash) => {
      let i = d;
      while (i >= 0 && path[i].type === 'path_fragment') i--;
      const p = i >= 0 ? path[i] : null;
      if (p && (p.type === 'path_expression' || p.type === 'hpath_expression') && p.endIndex === slash.end) {
        out.push({ start: p.startIndex, end: p.endIndex, message: `The path \`${p.text}\` ends with a slash, which Nix rejects.` });
      }
    });
  }
  if (!tree.rootNode.hasError && !tree.rootNode.childForFieldName('expression')) {
    out.push({ start: 0, end: Math.min(1, text.length), message: 'The file holds no expression; Nix cannot parse an empty file.' });
  }
  out.push(...namesBoundTwice(tree, text));
  // A total order: the same gaps in the same order however the memo of duplicateNames found them.
  return out.sort((a, b) => a.start - b.start || a.end - b.end || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
}

/** The nodes that bind names, found by a query (compiled once per language). */
const setQueries = new WeakMap<Language, Query>();
/**
 * Text of trees nobody edits checked so far in this process. The query's first use costs about
 * 100 ms of CPU (compiling and warming it up), more than walking a few hundred KB, so a small
 * `check` walks; past this many bytes, the query.
 */
let queryCandidateBytes = 0;
const QUERY_AFTER_BYTES = 256 * 1024;

/**
 * duplicateNames (nix/duplicateNames.ts) for an edited document, whose memo makes an edit re-check
 * only the sets on its path; the query for a large amount of text nobody edits (`check`).
 */
function namesBoundTwice(tree: Tree, text: string): GrammarGap[] {
  if (!editedTrees.has(tree)) {
    queryCandidateBytes += text.length;
    if (queryCandidateBytes > QUERY_AFTER_BYTES) return duplicateNamesByQuery(tree);
  }
  return duplicateNames(tree, text);
}

/** Says how much text nobody edits is about to be checked, so a large `check` takes the query from its first file. */
export function expectUneditedText(bytes: number): void {
  if (bytes > QUERY_AFTER_BYTES) queryCandidateBytes += bytes;
}

/**
 * The names each binding_set or function_expression binds directly (what `duplicatesIn` reads),
 * one match per name with the node that binds it as `@set`.
 */
const BOUND_NAMES = `
(binding_set (binding attrpath: (_ . attr: (_) @name))) @set
(binding_set (binding attrpath: (_ (ERROR) @error))) @set
(binding_set (inherit attrs: (_ attr: (_) @name))) @set
(binding_set (inherit_from attrs: (_ attr: (_) @name))) @set
(function_expression formals: (_ formal: (_ name: (_) @name))) @set
(function_expression universal: (_) @name) @set`;

const PLAIN_STRING = /^"[^"\\$]*"$/;

/**
 * duplicateNames on a tree nobody edits, once the query pays off. A cursor walk from JS crosses
 * into wasm several times per node, and reading each binding's parts as `duplicatesIn` does
 * several more: together most of a large `check`'s time. Here one query lists every bound name
 * with its set, inside wasm; only a set in which a name's text repeats goes through
 * `duplicatesIn`, which decides exactly. The memo is left to the edited document it belongs to.
 */
export function duplicateNamesByQuery(tree: Tree): GrammarGap[] {
  let query = setQueries.get(tree.language);
  if (!query) setQueries.set(tree.language, (query = new Query(tree.language, BOUND_NAMES)));
  const sets = new Map<number, { node: Node; names: Set<string>; repeats: boolean }>();
  for (const m of query.matches(tree.rootNode)) {
    let set: Node | undefined;
    let name: Node | undefined;
    let error = false;
    for (const c of m.captures) {
      if (c.name === 'set') set = c.node;
      else if (c.name === 'name') name = c.node;
      else error = true;
    }
    if (!set) continue;
    let s = sets.get(set.id);
    if (!s) sets.set(set.id, (s = { node: set, names: new Set(), repeats: false }));
    if (s.repeats) continue;
    // The raw text stands for the name. A string other than a plain `"name"` may equal another
    // spelling, and an ERROR in an attrpath may hide which name is first: both send the set to
    // the exact check.
    let key = name?.text ?? '';
    if (error || key.startsWith('"')) {
      if (error || !PLAIN_STRING.test(key)) {
        s.repeats = true;
        continue;
      }
      key = key.slice(1, -1);
    }
    if (s.names.has(key)) s.repeats = true;
    s.names.add(key);
  }
  const out: GrammarGap[] = [];
  for (const s of sets.values()) if (s.repeats) out.push(...duplicatesInNode(s.node));
  return out;
}


/** Nix's verdict as far as we can tell: tree-sitter errors plus the grammar gaps above. */
export function hasSyntaxError(parsed: { tree: Tree; text: string }): boolean {
  return parsed.tree.rootNode.hasError || grammarGaps(parsed.tree, parsed.text).length > 0;
}
