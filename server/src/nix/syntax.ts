// Small helpers over tree-sitter-nix nodes: field access, unwrapping, literal values, scopes.
import type { Node, Tree } from './parser';

export function field(node: Node | null | undefined, name: string): Node | null {
  return node ? node.childForFieldName(name) : null;
}

/** Strips parentheses: `((x))` → `x`. */
export function unparen(node: Node | null): Node | null {
  while (node && node.type === 'parenthesized_expression') node = field(node, 'expression');
  return node;
}

/** The value of a string literal without interpolation, else undefined. */
export function stringValue(node: Node | null): string | undefined {
  node = unparen(node);
  if (!node || node.type !== 'string_expression') return undefined;
  let out = '';
  for (const c of node.namedChildren) {
    if (!c) continue;
    if (c.type === 'string_fragment') out += c.text;
    else if (c.type === 'escape_sequence') out += unescape(c.text);
    else return undefined;
  }
  return out;
}

function unescape(seq: string): string {
  const c = seq.slice(1);
  return c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c;
}

/** The name of an attrpath element when it is static (`a`, `"a"`), else undefined. */
export function attrName(node: Node | null): string | undefined {
  if (!node) return undefined;
  if (node.type === 'identifier') return node.text;
  if (node.type === 'string_expression') return stringValue(node);
  return undefined;
}

/** Static names of an attrpath (`a.b."c"`); undefined if any part is dynamic. */
export function attrPath(node: Node | null): string[] | undefined {
  if (!node) return undefined;
  const names: string[] = [];
  for (const a of node.childrenForFieldName('attr')) {
    const n = attrName(a);
    if (n === undefined) return undefined;
    names.push(n);
  }
  return names;
}

/** `x.a.b` as ['x','a','b'] when the base is a variable and the path is static. */
export function selectPath(node: Node | null): string[] | undefined {
  node = unparen(node);
  if (!node) return undefined;
  if (node.type === 'variable_expression') return [field(node, 'name')!.text];
  if (node.type === 'select_expression' && !field(node, 'default')) {
    const base = selectPath(field(node, 'expression'));
    const rest = attrPath(field(node, 'attrpath'));
    return base && rest ? [...base, ...rest] : undefined;
  }
  return undefined;
}

export function isVariable(node: Node | null, name: string): boolean {
  node = unparen(node);
  return !!node && node.type === 'variable_expression' && field(node, 'name')?.text === name;
}

/** Named children, without nulls (the API types them as nullable). */
export function kids(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null);
}

/** The names a binding_set binds: `a.b = …` binds `a`; `inherit a b;` and `inherit (x) a;` bind `a`, `b`. */
export function boundNames(set: Node | null): Map<string, Node> {
  const out = new Map<string, Node>();
  if (!set) return out;
  for (const b of kids(set)) {
    if (b.type === 'binding') {
      const first = field(b, 'attrpath')?.childrenForFieldName('attr')[0] ?? null;
      const name = attrName(first);
      if (name !== undefined && first) out.set(name, first);
    } else if (b.type === 'inherit' || b.type === 'inherit_from') {
      for (const a of field(b, 'attrs')?.childrenForFieldName('attr') ?? []) {
        const name = attrName(a);
        if (name !== undefined) out.set(name, a);
      }
    }
  }
  return out;
}

// Per-tree memos: a tree never changes (an edit makes a new one), and asking wasm for a node's
// parent walks down from the root, so the scope walks of one analysis share these answers.
const parentMemo = new WeakMap<Tree, Map<number, Node | null>>();
const scopeMemo = new WeakMap<Tree, Map<number, Map<string, Node> | null>>();

function memoFor<T>(memo: WeakMap<Tree, Map<number, T>>, tree: Tree): Map<number, T> {
  let m = memo.get(tree);
  if (!m) memo.set(tree, (m = new Map()));
  return m;
}

/** `node.parent`, remembered for the node's tree. */
export function parentOf(node: Node): Node | null {
  const m = memoFor(parentMemo, node.tree);
  let p = m.get(node.id);
  if (p === undefined) m.set(node.id, (p = node.parent));
  return p;
}

/** What a scope-introducing node binds for a given child, or undefined if it binds nothing there. */
function scopeBindings(scope: Node, child: Node): Map<string, Node> | undefined {
  const type = scope.type;
  if (type !== 'function_expression' && type !== 'let_expression' && type !== 'rec_attrset_expression') return undefined;
  const m = memoFor(scopeMemo, scope.tree);
  let b = m.get(scope.id);
  if (b === undefined) m.set(scope.id, (b = computeScopeBindings(scope, child) ?? null));
  return b ?? undefined;
}

function computeScopeBindings(scope: Node, child: Node): Map<string, Node> | undefined {
  switch (scope.type) {
    case 'function_expression': {
      const out = new Map<string, Node>();
      const universal = field(scope, 'universal');
      if (universal) out.set(universal.text, universal);
      for (const f of field(scope, 'formals')?.childrenForFieldName('formal') ?? []) {
        const name = field(f, 'name');
        if (name) out.set(name.text, name);
      }
      return out;
    }
    case 'let_expression':
      return boundNames(scope.namedChildren.find((c) => c?.type === 'binding_set') ?? null);
    case 'rec_attrset_expression':
      return boundNames(scope.namedChildren.find((c) => c?.type === 'binding_set') ?? null);
    default:
      void child;
      return undefined;
  }
}

export interface Resolved {
  /** The identifier that binds the name, or null when it is free (a builtin or from `with`). */
  binder: Node | null;
  /** The node that owns the scope (function, let, rec attrset). */
  scope: Node | null;
}

/** Resolves a variable name as seen at `at`, walking lexical scopes outwards. */
export function resolve(name: string, at: Node): Resolved {
  let child = at;
  for (let p = parentOf(at); p; child = p, p = parentOf(p)) {
    const names = scopeBindings(p, child);
    const binder = names?.get(name);
    if (binder) return { binder, scope: p };
  }
  return { binder: null, scope: null };
}

function sameBinder(a: Node | null, b: Node | null): boolean {
  return a === null ? b === null : b !== null && a.equals(b);
}

/**
 * Do these names (each with a use to resolve it from) mean the same at `at`? A name no binder
 * binds comes from the enclosing `with`s (or builtins), so those must be the same too.
 */
export function sameMeaningAt(uses: Map<string, Node>, at: Node): boolean {
  for (const [name, use] of uses) {
    const binder = resolve(name, use).binder;
    if (!sameBinder(binder, resolve(name, at).binder)) return false;
    if (!binder && !sameBinder(innermostWith(use), innermostWith(at))) return false;
  }
  return true;
}

/** Is `name` bound lexically (not just by `with`) at `at`? */
export function isBound(name: string, at: Node): boolean {
  return resolve(name, at).binder !== null;
}

/** The expression a let / rec binding gives to the binder (`x = EXPR;` → EXPR), if simple. */
export function boundValue(binder: Node): Node | null {
  const attrpath = binder.parent;
  const binding = attrpath?.parent;
  if (attrpath?.type === 'attrpath' && binding?.type === 'binding' && attrpath.namedChildren.length === 1) {
    return field(binding, 'expression');
  }
  return null;
}

/**
 * Free variable names used inside `node` (names not bound within it), with one use each: the node
 * to pass to `resolve`. `inherit x;` uses `x` too, as seen from outside its attrset or let (an
 * inherit never sees the bindings of its own set), so its use is that set.
 */
export function freeVariables(node: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  const consider = (name: string, use: Node) => {
    if (out.has(name)) return;
    const r = resolve(name, use);
    // Bound inside `node` itself: not free.
    if (r.scope && r.scope.startIndex >= node.startIndex && r.scope.endIndex <= node.endIndex) return;
    out.set(name, use);
  };
  for (const v of node.descendantsOfType(['variable_expression', 'inherit'])) {
    if (!v) continue;
    if (v.type === 'variable_expression') {
      consider(field(v, 'name')!.text, v);
      continue;
    }
    const owner = v.parent?.parent;
    if (!owner) continue;
    for (const a of field(v, 'attrs')?.childrenForFieldName('attr') ?? []) {
      const name = attrName(a);
      if (name !== undefined) consider(name, owner);
    }
  }
  return out;
}

/** The innermost `with` whose body holds `at`: where names that no binder binds come from. */
export function innermostWith(at: Node): Node | null {
  let child = at;
  for (let p = parentOf(at); p; child = p, p = parentOf(p)) {
    if (p.type === 'with_expression' && field(p, 'body')?.equals(child)) return p;
  }
  return null;
}

/**
 * Identifiers spelled exactly `word` (or, with `prefix`, `prefix + word`), found by scanning the
 * text and asking the tree what is there: a word inside a longer name, a string or a comment is
 * not an identifier node of exactly that range. Document order. `text` is the parsed text.
 */
export function identifiersNamed(root: Node, text: string, word: string, prefix = ''): Node[] {
  const out: Node[] = [];
  for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + word.length)) {
    const end = i + word.length;
    const n = root.descendantForIndex(i, end);
    if (!n || n.endIndex !== end || n.type !== 'identifier') continue;
    if (n.startIndex === i || (prefix && n.startIndex === i - prefix.length && text.startsWith(prefix, n.startIndex))) out.push(n);
  }
  return out;
}

/** The outermost parentheses around `node` (`((x))` for x), or `node` itself. */
export function outerParens(node: Node): Node {
  while (node.parent?.type === 'parenthesized_expression') node = node.parent;
  return node;
}

/** Does `outer` contain `inner` (by range)? */
export function contains(outer: Node, inner: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/**
 * The construct that gives a binder its value: the `binding` (`x = …;`), the `inherit`, or the
 * `formal` (`x ? …`) it belongs to; null for a function's plain or `@` argument.
 */
export function binderDefinition(binder: Node): Node | null {
  for (let p = binder.parent, depth = 0; p && depth < 3; p = p.parent, depth++) {
    if (p.type === 'binding' || p.type === 'inherit' || p.type === 'inherit_from' || p.type === 'formal') return p;
    if (p.type !== 'attrpath' && p.type !== 'inherited_attrs') return null;
  }
  return null;
}

export function isInsideError(node: Node): boolean {
  for (let p: Node | null = node; p; p = parentOf(p)) if (p.isError || p.isMissing) return true;
  return false;
}

/** Nix identifiers that may be written bare in an attrpath. */
export function isPlainAttr(s: string): boolean {
  return /^[a-zA-Z_][a-zA-Z0-9_'-]*$/.test(s) && !KEYWORDS.has(s);
}

const KEYWORDS = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or']);

/** Indentation (leading spaces/tabs) of the line holding `offset`. */
export function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))![0];
}

export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}
