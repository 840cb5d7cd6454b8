// Reads the `inputs` of a flake.nix from its tree-sitter tree, in every style people write them
// (flat `inputs.x.url`, an `inputs = { ... }` set, per-input sets, attribute form, follows, nested
// `inputs.a.inputs.b...`), keeping offsets and enough about the layout to insert new lines in
// the same style. Also the outputs function's formals, for the unused-input check.
import { Query, type Language } from 'web-tree-sitter';
import type { Node } from '../nix/parser';

export interface StrValue {
  value: string;
  start: number;
  end: number;
  /** Written without quotes: a URI literal (`github:o/r`) or a path literal (`./sub`), which
   *  Nix accepts as a url too. Absent for string literals. */
  literal?: 'uri' | 'path';
}

/** One binding that contributes to an input's declaration, and how to add siblings to it. */
export interface DeclSite {
  /** The whole binding (`inputs.x.url = "...";`). */
  start: number;
  end: number;
  /** Attribute names from the enclosing set down to this input, e.g. ['inputs', 'x'] or ['x'];
   *  empty when the binding sits inside the input's own set (`x = { url = ...; }`). */
  prefix: string[];
  /** Leading whitespace of the binding's line. */
  indent: string;
}

export interface InputDecl {
  name: string;
  /** Input names from the root flake down to this one: ['home-manager', 'nixpkgs']. */
  path: string[];
  /** The first place the name appears (the identifier in the attrpath). */
  nameStart: number;
  nameEnd: number;
  url?: StrValue;
  /** A `url` whose value cannot be read statically (`url = "github:${o}/r"`): set, but unknown. */
  urlExpr?: { start: number; end: number };
  /** Attribute-form fields: type, owner, repo, ref, rev, dir, path, host, id, ... */
  attrs: Record<string, StrValue>;
  flake?: { value: boolean; start: number; end: number };
  follows?: StrValue;
  inputs: Map<string, InputDecl>;
  sites: DeclSite[];
  /** The input's own attribute sets (`x = { ... }`), where comments about it are written. */
  sets: { start: number; end: number }[];
}

export interface Formal {
  name: string;
  start: number;
  end: number;
}

export interface OutputsInfo {
  /** The `outputs = ...;` binding. */
  start: number;
  end: number;
  /** False when outputs is not a function with a formals set (`outputs = inputs: ...`). */
  hasFormals: boolean;
  formals: Formal[];
  ellipsis: boolean;
  /** `inputs@{ ... }` or `{ ... }@inputs`. */
  atBinding?: string;
  /** The formals set `{ ... }`, for inserting a name. */
  formalsStart?: number;
  formalsEnd?: number;
  /** Names used as variables in the body (including `inherit x;`). Computed on first access (a walk of the whole body); prefer `uses`. */
  usedNames: Set<string>;
  /** Is `name` in usedNames? Found from the spellings of the name in the text, without walking the body. */
  uses(name: string): boolean;
  /** True if the body may reach inputs another way (`self.inputs`, `builtins.getFlake`...). */
  dynamicUse: boolean;
}

export interface InputsContainer {
  /** 'set' for `inputs = { ... };`, 'flat' when inputs are declared as `inputs.x... = ...;`. */
  style: 'set' | 'flat';
  /** Where a new declaration goes: after the binding that spans [lastStart, insertAfter),
   *  with this indentation and attrpath prefix. */
  insertAfter: number;
  lastStart: number;
  indent: string;
  prefix: string[];
}

export interface FlakeInputs {
  inputs: Map<string, InputDecl>;
  container?: InputsContainer;
  outputs?: OutputsInfo;
  /** True when flake.nix is not a plain attribute set we can read (e.g. `import ./x.nix`). */
  opaque: boolean;
  /** Comments outside `outputs` (a commented-out `follows` is a deliberate choice). */
  comments: { text: string; start: number; end: number }[];
}

const FIELD_NAMES = ['type', 'owner', 'repo', 'ref', 'rev', 'dir', 'path', 'host', 'id', 'narHash', 'submodules', 'shallow', 'lastModified'];

function lineIndent(text: string, offset: number): string {
  const ls = text.lastIndexOf('\n', offset - 1) + 1;
  const m = /^[ \t]*/.exec(text.slice(ls, offset));
  return m ? m[0] : '';
}

/** Attribute names of an attrpath, or undefined if any part is dynamic (`${x}`). */
function attrNames(attrpath: Node): { name: string; start: number; end: number }[] | undefined {
  const out: { name: string; start: number; end: number }[] = [];
  for (const a of attrpath.namedChildren) {
    if (!a) continue;
    if (a.type === 'identifier') out.push({ name: a.text, start: a.startIndex, end: a.endIndex });
    else if (a.type === 'string_expression') {
      const s = staticString(a);
      if (s === undefined) return undefined;
      out.push({ name: s, start: a.startIndex, end: a.endIndex });
    } else if (a.type === 'comment') continue;
    else return undefined;
  }
  return out;
}

/** The value of a string literal without interpolation (escapes decoded), else undefined. */
export function staticString(n: Node): string | undefined {
  if (n.type !== 'string_expression' && n.type !== 'indented_string_expression') return undefined;
  let out = '';
  for (const c of n.namedChildren) {
    if (!c) continue;
    if (c.type === 'string_fragment') out += c.text;
    else if (c.type === 'escape_sequence') {
      const e = c.text;
      if (n.type === 'string_expression') out += e[1] === 'n' ? '\n' : e[1] === 't' ? '\t' : e[1] === 'r' ? '\r' : e.slice(1);
      else out += e.startsWith("''\\") ? e.slice(3) : e.slice(2);
    } else return undefined;
  }
  return out;
}

function bindingsOf(set: Node): Node[] {
  const bs = set.namedChildren.find((c) => c?.type === 'binding_set');
  return bs ? (bs.namedChildren.filter((c) => c && (c.type === 'binding' || c.type === 'inherit' || c.type === 'inherit_from')) as Node[]) : [];
}

function isSet(n: Node | null): n is Node {
  return !!n && (n.type === 'attrset_expression' || n.type === 'rec_attrset_expression');
}

/**
 * `fullText` is the whole flake.nix, which node offsets index into. Without it, the root node's
 * text is used, shifted: that text starts at the first token, not at offset 0.
 */
/**
 * The comments of `top` that are not inside `skip` (the outputs function). A cursor walk that does
 * not enter `skip`: outputs is most of a large flake.nix, and this runs on every edit.
 */
function commentsOutside(top: Node, text: string, skip: { start: number; end: number } | undefined): FlakeInputs['comments'] {
  // A query runs in wasm and returns only the comments; a cursor walk asked wasm for every node
  // outside outputs (with 25,000 inputs, most of the reading's time).
  const query = commentQuery(top.tree.language);
  const ranges = skip ? [{ start: top.startIndex, end: skip.start }, { start: skip.end, end: top.endIndex }] : [{ start: top.startIndex, end: top.endIndex }];
  const out: FlakeInputs['comments'] = [];
  for (const r of ranges) {
    if (r.start >= r.end) continue;
    // No `#` and no `/*` in the range: no comment, and no need to look at the tree.
    const hash = text.indexOf('#', r.start);
    const block = text.indexOf('/*', r.start);
    if ((hash < 0 || hash >= r.end) && (block < 0 || block >= r.end)) continue;
    for (const { node } of query.captures(top, { startIndex: r.start, endIndex: r.end })) {
      const start = node.startIndex;
      const end = node.endIndex;
      if (start < r.start || end > r.end) continue;
      out.push({ text: text.slice(start, end), start, end });
    }
  }
  return out;
}

const commentQueries = new WeakMap<Language, Query>();

function commentQuery(language: Language): Query {
  let q = commentQueries.get(language);
  if (!q) commentQueries.set(language, (q = new Query(language, '(comment) @comment')));
  return q;
}

/**
 * The last reading per tree. Every request on a flake.nix (hover, definition, links, hints, code
 * actions) and the analysis read its inputs: a walk of the whole top-level set that takes about a
 * second for 25,000 inputs, so it is done once per tree. A tree is never changed after parsing
 * (an edit gives a new tree), so the tree and the root node identify the reading; the text given
 * must be that tree's text.
 */
const readings = new WeakMap<object, { rootId: number; result: FlakeInputs }>();

/** The flake's inputs (memoised per tree: callers must not change the result). */
export function readFlakeInputs(root: Node, fullText?: string): FlakeInputs {
  const memo = readings.get(root.tree);
  if (memo && memo.rootId === root.id) return memo.result;
  const result = readFlakeInputsOnce(root, fullText);
  readings.set(root.tree, { rootId: root.id, result });
  return result;
}

function readFlakeInputsOnce(root: Node, fullText?: string): FlakeInputs {
  const text = fullText ?? ' '.repeat(root.startIndex) + root.text;
  const result: FlakeInputs = { inputs: new Map(), opaque: false, comments: [] };
  let top: Node | null = root.type === 'source_code' ? root.namedChildren.find((c) => c && c.type !== 'comment') ?? null : root;
  // Unwrap parentheses: `( { ... } )`.
  while (top && top.type === 'parenthesized_expression') top = top.namedChildren.find((c) => c && c.type !== 'comment') ?? null;
  if (!isSet(top)) {
    result.opaque = true;
    return result;
  }
  let lastFlat: Node | undefined;
  for (const b of bindingsOf(top)) {
    if (b.type !== 'binding') continue;
    const ap = b.childForFieldName('attrpath');
    const value = b.childForFieldName('expression');
    if (!ap || !value) continue;
    const names = attrNames(ap);
    if (!names || names.length === 0) continue;
    if (names[0].name === 'inputs') {
      if (names.length === 1) {
        if (isSet(value)) {
          const inner = bindingsOf(value).filter((x) => x.type === 'binding');
          for (const ib of inner) visitBinding(text, result.inputs, [], ib, []);
          const lastInner = inner[inner.length - 1];
          result.container = {
            style: 'set',
            insertAfter: lastInner ? lastInner.endIndex : value.startIndex + 1,
            lastStart: lastInner ? lastInner.startIndex : value.startIndex + 1,
            indent: lastInner ? lineIndent(text, lastInner.startIndex) : lineIndent(text, b.startIndex) + '  ',
            prefix: [],
          };
        } else result.opaque = true;
      } else {
        visitPath(text, result.inputs, [], names.slice(1), value, b, ['inputs']);
        lastFlat = b;
      }
    } else if (names[0].name === 'outputs' && names.length === 1) {
      result.outputs = readOutputs(b, value, { text, base: 0 });
    }
  }
  result.comments = commentsOutside(top, text, result.outputs);
  if (!result.container && lastFlat) {
    result.container = { style: 'flat', insertAfter: lastFlat.endIndex, lastStart: lastFlat.startIndex, indent: lineIndent(text, lastFlat.startIndex), prefix: ['inputs'] };
  }
  return result;
}

function declFor(map: Map<string, InputDecl>, parentPath: string[], name: { name: string; start: number; end: number }): InputDecl {
  let d = map.get(name.name);
  if (!d) {
    d = { name: name.name, path: [...parentPath, name.name], nameStart: name.start, nameEnd: name.end, attrs: {}, inputs: new Map(), sites: [], sets: [] };
    map.set(name.name, d);
  }
  return d;
}

const MAX_INPUT_NESTING = 32;

/** A binding inside a set whose attributes are inputs (`inputs = { ... }` or `x.inputs = {...}`). */
function visitBinding(text: string, map: Map<string, InputDecl>, parentPath: string[], b: Node, outerPrefix: string[]): void {
  const ap = b.childForFieldName('attrpath');
  const value = b.childForFieldName('expression');
  if (!ap || !value) return;
  const names = attrNames(ap);
  if (!names || names.length === 0) return;
  visitPath(text, map, parentPath, names, value, b, outerPrefix);
}

/**
 * `names` starts with an input name; `prefixSoFar` is the attrpath text before it in this
 * binding (e.g. ['inputs'] for `inputs.x.url`), used to write siblings in the same style.
 */
function visitPath(
  text: string,
  map: Map<string, InputDecl>,
  parentPath: string[],
  names: { name: string; start: number; end: number }[],
  value: Node,
  binding: Node,
  prefixSoFar: string[],
): void {
  // Each level of `inputs.a.inputs.b…` recurses once and copies the path: bound the depth (no
  // lock nests inputs this deep; deeper declarations are not read).
  if (parentPath.length >= MAX_INPUT_NESTING) return;
  const decl = declFor(map, parentPath, names[0]);
  const prefix = [...prefixSoFar, names[0].name];
  const rest = names.slice(1);
  const site: DeclSite = { start: binding.startIndex, end: binding.endIndex, prefix, indent: lineIndent(text, binding.startIndex) };
  if (rest.length === 0) {
    // `x = { url = ...; inputs.y.follows = ...; }`: the input's own set.
    if (isSet(value)) {
      decl.sets.push({ start: value.startIndex, end: value.endIndex });
      const inner = bindingsOf(value).filter((c) => c.type === 'binding');
      if (inner.length === 0) decl.sites.push(site);
      for (const ib of inner) {
        const iap = ib.childForFieldName('attrpath');
        const iv = ib.childForFieldName('expression');
        const inames = iap ? attrNames(iap) : undefined;
        if (!iv || !inames || inames.length === 0) continue;
        applyField(text, decl, inames, iv, ib, []);
      }
    } else decl.sites.push(site);
    return;
  }
  applyField(text, decl, rest, value, binding, prefix);
}

/**
 * Declarations of inputs nested deeper are not read: visitPath and applyField recurse per level,
 * and `inputs.a.inputs.a…` 2,000 deep would overflow the stack (Nix 2.8 ignores overrides more
 * than one level down anyway).
 */
const MAX_INPUT_DEPTH = 32;

/** `names` is relative to an input (url, flake, follows, inputs.y..., type/owner/...). */
function applyField(
  text: string,
  decl: InputDecl,
  names: { name: string; start: number; end: number }[],
  value: Node,
  binding: Node,
  prefix: string[],
): void {
  const site: DeclSite = { start: binding.startIndex, end: binding.endIndex, prefix, indent: lineIndent(text, binding.startIndex) };
  const first = names[0].name;
  if (first === 'inputs') {
    decl.sites.push(site);
    if (decl.path.length >= MAX_INPUT_DEPTH) return;
    if (names.length === 1) {
      if (isSet(value)) for (const ib of bindingsOf(value)) if (ib.type === 'binding') visitBinding(text, decl.inputs, decl.path, ib, [...prefix, 'inputs']);
      return;
    }
    visitPath(text, decl.inputs, decl.path, names.slice(1), value, binding, [...prefix, 'inputs']);
    return;
  }
  decl.sites.push(site);
  if (names.length !== 1) return;
  const str = staticString(value);
  const sv = str !== undefined ? { value: str, start: value.startIndex, end: value.endIndex } : undefined;
  if (first === 'url') {
    const url = sv ?? literalUrl(value);
    if (url) decl.url = url;
    else decl.urlExpr = { start: value.startIndex, end: value.endIndex };
  }
  else if (first === 'follows' && sv) decl.follows = sv;
  else if (first === 'flake' && value.type === 'variable_expression' && (value.text === 'true' || value.text === 'false')) {
    decl.flake = { value: value.text === 'true', start: value.startIndex, end: value.endIndex };
  } else if (FIELD_NAMES.includes(first)) {
    if (sv) decl.attrs[first] = sv;
    else decl.attrs[first] = { value: value.text, start: value.startIndex, end: value.endIndex };
  }
}

/** `url = github:o/r;` and `url = ./sub;`: Nix reads unquoted URIs and path literals as urls. */
function literalUrl(value: Node): StrValue | undefined {
  if (value.type === 'uri_expression') return { value: value.text, start: value.startIndex, end: value.endIndex, literal: 'uri' };
  // A path with `${...}` in it is not static.
  if ((value.type === 'path_expression' || value.type === 'hpath_expression') && value.namedChildren.every((c) => c?.type === 'path_fragment')) {
    return { value: value.text, start: value.startIndex, end: value.endIndex, literal: 'path' };
  }
  return undefined;
}

function readOutputs(b: Node, value: Node, text: Source): OutputsInfo {
  // Where collectUses looks: the body and the formals' defaults (`{ a, b ? a }`).
  const roots: Node[] = [];
  let usedNames: Set<string> | undefined;
  const info: OutputsInfo = {
    start: b.startIndex,
    end: b.endIndex,
    hasFormals: false,
    formals: [],
    ellipsis: false,
    get usedNames(): Set<string> {
      if (!usedNames) {
        usedNames = new Set();
        for (const r of roots) collectUses(r, usedNames);
      }
      return usedNames;
    },
    set usedNames(v: Set<string>) {
      usedNames = v;
    },
    uses: (name: string) => (usedNames ? usedNames.has(name) : usesName(roots, value, text, name)),
    dynamicUse: false,
  };
  if (value.type !== 'function_expression') {
    info.dynamicUse = true;
    return info;
  }
  const formals = value.childForFieldName('formals');
  const universal = value.childForFieldName('universal');
  if (universal) info.atBinding = universal.text;
  if (formals) {
    info.hasFormals = true;
    info.formalsStart = formals.startIndex;
    info.formalsEnd = formals.endIndex;
    for (const f of formals.namedChildren) {
      if (!f) continue;
      if (f.type === 'formal') {
        const n = f.childForFieldName('name');
        if (n) info.formals.push({ name: n.text, start: n.startIndex, end: n.endIndex });
        // Defaults may use other formals: `{ a, b ? a }`.
        const d = f.childForFieldName('default');
        if (d) roots.push(d);
      } else if (f.type === 'ellipses') info.ellipsis = true;
    }
  } else if (!universal) {
    info.dynamicUse = true;
  }
  const body = value.childForFieldName('body');
  if (body) roots.push(body);
  if (!info.dynamicUse) info.dynamicUse = roots.some(hasErrorNode) || reachesSelfInputs(roots, value, text);
  return info;
}

/** Does collectUses visit `node`: is it below one of `roots` and not inside an `inherit`? */
function visited(node: Node, roots: Node[], top: Node): boolean {
  for (let p: Node | null = node; p; p = p.parent) {
    if (roots.some((r) => r.equals(p!))) return true;
    if (p.type === 'inherit' && !p.equals(node)) return false;
    if (p.equals(top)) return false;
  }
  return false;
}

/** A text that starts at offset `base` of the document (the root node's text starts at its first token). */
interface Source {
  text: string;
  base: number;
}

/** The identifiers spelled `name` between `top`'s bounds. */
function identifiersIn(top: Node, src: Source, name: string): Node[] {
  const out: Node[] = [];
  if (!name) return out;
  const { text, base } = src;
  for (let k = text.indexOf(name, top.startIndex - base); k >= 0 && k + base + name.length <= top.endIndex; k = text.indexOf(name, k + name.length)) {
    const i = k + base;
    const n = top.descendantForIndex(i, i + name.length);
    if (n && n.type === 'identifier' && n.startIndex === i && n.endIndex === i + name.length) out.push(n);
  }
  return out;
}

/** What `collectUses(...).has(name)` would say, from the identifiers spelled `name`. */
function usesName(roots: Node[], top: Node, text: Source, name: string): boolean {
  for (const id of identifiersIn(top, text, name)) {
    const p = id.parent;
    if (p?.type === 'variable_expression' && p.childForFieldName('name')?.equals(id) && visited(p, roots, top)) return true;
    const inh = p?.type === 'inherited_attrs' ? p.parent : null;
    if (inh?.type === 'inherit' && inh.namedChildren.find((c) => c?.type === 'inherited_attrs')?.equals(p!) && visited(inh, roots, top)) return true;
  }
  return false;
}

/** `self.inputs.x` below the roots: the body reaches inputs without naming them as variables. */
function reachesSelfInputs(roots: Node[], top: Node, text: Source): boolean {
  for (const id of identifiersIn(top, text, 'self')) {
    const e = id.parent;
    const cur = e?.parent;
    if (e?.type !== 'variable_expression' || cur?.type !== 'select_expression' || !cur.childForFieldName('expression')?.equals(e)) continue;
    if (e.text === 'self' && cur.childForFieldName('attrpath')?.namedChildren[0]?.text === 'inputs' && visited(cur, roots, top)) return true;
  }
  return false;
}

/** An ERROR node where collectUses would meet it (not inside a variable or an `inherit`): nothing can be proved about broken code. */
function hasErrorNode(root: Node): boolean {
  // Iterative: error trees nest as deep as the file is long.
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (!n.hasError) continue;
    if (n.type === 'ERROR') return true;
    if (n.type === 'variable_expression' || n.type === 'inherit') continue;
    for (const c of n.namedChildren) if (c) stack.push(c);
  }
  return false;
}

/** Collects variable names used anywhere below `n` (iteratively: bodies can be large). */
function collectUses(n: Node, usedNames: Set<string>): void {
  const stack: Node[] = [n];
  while (stack.length) {
    const cur = stack.pop()!;
    if (cur.type === 'variable_expression') {
      const name = cur.childForFieldName('name')?.text ?? cur.text;
      usedNames.add(name);
      continue;
    }
    if (cur.type === 'inherit') {
      // `inherit a b;` reads variables a and b.
      const attrs = cur.namedChildren.find((c) => c?.type === 'inherited_attrs');
      for (const a of attrs?.namedChildren ?? []) if (a?.type === 'identifier') usedNames.add(a.text);
      continue;
    }
    for (const c of cur.namedChildren) if (c) stack.push(c);
  }
}

/** Walks a declaration path ('a', 'b') in the declared inputs. */
export function findDecl(fi: FlakeInputs, path: string[]): InputDecl | undefined {
  let map = fi.inputs;
  let d: InputDecl | undefined;
  for (const name of path) {
    d = map.get(name);
    if (!d) return undefined;
    map = d.inputs;
  }
  return d;
}

const allDeclsMemo = new WeakMap<FlakeInputs, InputDecl[]>();

/** Every declaration, depth first (remembered per reading, frozen: rules ask per input). */
export function allDecls(fi: FlakeInputs): InputDecl[] {
  let all = allDeclsMemo.get(fi);
  if (!all) allDeclsMemo.set(fi, (all = Object.freeze(collectDecls(fi)) as InputDecl[]));
  return all;
}

function collectDecls(fi: FlakeInputs): InputDecl[] {
  const out: InputDecl[] = [];
  const stack = [...fi.inputs.values()].reverse();
  while (stack.length) {
    const d = stack.pop()!;
    out.push(d);
    // Not push(...spread): an input with 100,000 nested inputs would pass that many arguments.
    const inner = [...d.inputs.values()];
    for (let i = inner.length - 1; i >= 0; i--) stack.push(inner[i]);
  }
  return out;
}

/** A name Nix reads as an identifier (so it may stand unquoted in formals and attribute paths). */
export function isIdentifier(name: string): boolean {
  return /^[a-zA-Z_][a-zA-Z0-9_'-]*$/.test(name) && !['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or'].includes(name);
}

/** Quotes an attribute name when it is not a plain Nix identifier. */
export function attrName(name: string): string {
  return isIdentifier(name) ? name : nixString(name);
}

/** A Nix string literal for any text: `\`, `"` and every `$` escaped (so no `${` can start an
 *  interpolation), newline/CR/tab as Nix escapes. Not JSON: Nix has no `\uXXXX`. */
export function nixString(s: string): string {
  return `"${s.replace(/[\\"$\n\r\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\${c}`))}"`;
}
