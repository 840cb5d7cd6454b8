// Small helpers over tree-sitter-nix nodes: field access, unwrapping, literal values, scopes.
import type { Node, Tree } from './parser';
import type { TreeCursor } from 'web-tree-sitter';

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

/** `x.a.b` as ['x','a','b'] when the base is a variable and the path is static. Iterative: `((x.a).b).c` may nest deep. */
export function selectPath(node: Node | null): string[] | undefined {
  const rests: string[][] = [];
  for (node = unparen(node); node?.type === 'select_expression'; node = unparen(field(node, 'expression'))) {
    if (field(node, 'default')) return undefined;
    const rest = attrPath(field(node, 'attrpath'));
    if (!rest) return undefined;
    rests.push(rest);
  }
  if (node?.type !== 'variable_expression') return undefined;
  return [field(node, 'name')!.text, ...rests.reverse().flat()];
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

export interface Span {
  start: number;
  end: number;
}

/**
 * For each range, the node `root.descendantForIndex(start, end)` gives, with its ancestors:
 * `visit(path, depth)` gets the node at `path[depth]` after its ancestors (the array is reused:
 * read it during the call only). Ranges come sorted by start and do not overlap. In
 * web-tree-sitter `descendantForIndex` and `node.parent` each walk down from the root, which is
 * quadratic on a deep tree (`f a a a …` nests one application per argument); this is one walk
 * with a TreeCursor that only moves forward, so it visits each node at most once. It also
 * fills the parent memo, so `parentOf` costs nothing on these nodes and their ancestors.
 */
export function sweep<R extends Span>(tree: Tree, ranges: Iterable<R>, visit: (path: readonly Node[], depth: number, range: R) => void): void {
  const memo = memoFor(parentMemo, tree);
  const root = tree.rootNode;
  const cursor = root.walk();
  const path: Node[] = [root];
  // Where a child stands relative to the range, as ts_node_descendant_for_byte_range decides.
  const test = (r: Span): 'skip' | 'match' | 'stop' => {
    const s = cursor.startIndex;
    const e = cursor.endIndex;
    if (e < r.end || (s === e ? e < r.start : e <= r.start)) return 'skip';
    return r.start < s ? 'stop' : 'match';
  };
  const enter = () => {
    const child = cursor.currentNode;
    memo.set(child.id, path[path.length - 2]);
    path[path.length - 1] = child;
  };
  const holds = (n: Node, r: Span) => n.startIndex <= r.start && r.end <= n.endIndex;
  // To the first child that ends at or after the range's start (the children before it are all
  // 'skip'), in one call that passes whole hidden subtrees: tree-sitter keeps a long list (2,000
  // bindings in a set) as a balanced tree, where stepping through siblings took milliseconds.
  const nearFirstChild = (r: Span): boolean => (r.start > 0 ? cursor.gotoFirstChildForIndex(r.start - 1) : cursor.gotoFirstChild());
  let prevEnd = -1;
  try {
    for (const r of ranges) {
      if (r.start < prevEnd) {
        // Out of order or overlapping: start again from the root (correct, just not linear).
        cursor.reset(root);
        path.length = 1;
      }
      prevEnd = r.end;
      while (path.length > 1 && !holds(path[path.length - 2], r)) {
        cursor.gotoParent();
        path.pop();
      }
      let at = path.length - 1;
      if (path.length > 1) {
        // The cursor is on a child of the node that holds the range: move forward to the child
        // that holds it, if one does. The children before the first one near the range are all
        // skipped, so jump there from the parent (see nearFirstChild).
        let m = test(r);
        if (m === 'skip') {
          cursor.gotoParent();
          if (!nearFirstChild(r)) cursor.gotoFirstChild();
          m = test(r);
          while (m === 'skip' && cursor.gotoNextSibling()) m = test(r);
          enter();
        }
        if (m !== 'match') at = path.length - 2;
      }
      // Down from a node that holds the range, while a child does.
      while (at === path.length - 1 && nearFirstChild(r)) {
        path.push(root);
        let m = test(r);
        while (m === 'skip' && cursor.gotoNextSibling()) m = test(r);
        enter();
        at = m === 'match' ? path.length - 1 : path.length - 2;
      }
      visit(path, at, r);
    }
  } finally {
    cursor.delete();
  }
}

/** The nodes at these ranges (see `sweep`), each with its parent remembered for `parentOf`. */
export function nodesAt<R extends Span>(tree: Tree, ranges: Iterable<R>): { node: Node; range: R }[] {
  const out: { node: Node; range: R }[] = [];
  sweep(tree, ranges, (path, depth, range) => out.push({ node: path[depth], range }));
  return out;
}

/**
 * ERROR and MISSING nodes in document order, outermost only, at most `limit`: a walk that enters
 * only subtrees with errors, iterative because error trees nest as deep as the file is long.
 */
export function errorNodes(tree: Tree, limit = Infinity): Node[] {
  const out: Node[] = [];
  if (!tree.rootNode.hasError) return out;
  walkCursor(tree.walk(), (cursor) => {
    const node = cursor.currentNode;
    if (!node.isError && !node.isMissing) return node.hasError;
    out.push(node);
    return out.length >= limit ? 'stop' : false;
  });
  return out;
}

/**
 * A pre-order walk with a tree cursor, iterative because trees nest as deep as the file is long;
 * deletes the cursor. `enter` says whether to go into the node's children (or to stop the walk);
 * `leave` runs once a node is done, its children included.
 */
export function walkCursor(cursor: TreeCursor, enter: (c: TreeCursor) => boolean | 'stop', leave?: (c: TreeCursor) => void): void {
  try {
    for (;;) {
      const into = enter(cursor);
      if (into === 'stop') return;
      if (into && cursor.gotoFirstChild()) continue;
      for (;;) {
        leave?.(cursor);
        if (cursor.gotoNextSibling()) break;
        if (!cursor.gotoParent()) return;
      }
    }
  } finally {
    cursor.delete();
  }
}

/** What a scope-introducing node binds for a given child, or undefined if it binds nothing there. */
function scopeBindings(scope: Node): Map<string, Node> | undefined {
  const type = scope.type;
  if (type !== 'function_expression' && type !== 'let_expression' && type !== 'rec_attrset_expression') return undefined;
  const m = memoFor(scopeMemo, scope.tree);
  let b = m.get(scope.id);
  if (b === undefined) m.set(scope.id, (b = computeScopeBindings(scope) ?? null));
  return b ?? undefined;
}

function computeScopeBindings(scope: Node): Map<string, Node> | undefined {
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
      return undefined;
  }
}

export interface Resolved {
  /** The identifier that binds the name, or null when it is free (a builtin or from `with`). */
  binder: Node | null;
  /** The node that owns the scope (function, let, rec attrset). */
  scope: Node | null;
}

const SCOPES = new Set(['function_expression', 'let_expression', 'rec_attrset_expression']);
const scopeParentMemo = new WeakMap<Tree, Map<number, Node | null>>();

/**
 * The nearest ancestor that binds names (function, let, rec attrset), remembered for every node
 * passed on the way: resolving each variable of `f a a a …` would otherwise walk the whole depth.
 */
function enclosingScope(node: Node): Node | null {
  const m = memoFor(scopeParentMemo, node.tree);
  const passed: number[] = [];
  let result: Node | null | undefined;
  for (let cur = node; result === undefined; ) {
    result = m.get(cur.id);
    if (result !== undefined) break;
    passed.push(cur.id);
    const parent = parentOf(cur);
    if (!parent || SCOPES.has(parent.type)) result = parent;
    else cur = parent;
  }
  for (const id of passed) m.set(id, result);
  return result;
}

/** Resolves a variable name as seen at `at`, walking lexical scopes outwards. */
export function resolve(name: string, at: Node): Resolved {
  for (let p = enclosingScope(at); p; p = enclosingScope(p)) {
    const binder = scopeBindings(p)?.get(name);
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
 * not an identifier node of exactly that range. Document order. `root` is the tree's root node,
 * `text` the parsed text.
 */
export function identifiersNamed(root: Node, text: string, word: string, prefix = ''): Node[] {
  const ranges: Span[] = [];
  for (let i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + word.length)) ranges.push({ start: i, end: i + word.length });
  const out: Node[] = [];
  // One forward walk for all of them (and their parents are remembered for parentOf).
  sweep(root.tree, ranges, (path, depth, r) => {
    const n = path[depth];
    if (n.endIndex !== r.end || n.type !== 'identifier') return;
    if (n.startIndex === r.start || (prefix && n.startIndex === r.start - prefix.length && text.startsWith(prefix, n.startIndex))) out.push(n);
  });
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

// Per tree: the outermost ERROR and MISSING nodes as sorted, disjoint ranges.
const errorMemo = new WeakMap<Tree, [number, number][]>();

/**
 * Is the node inside an ERROR node (or MISSING)? By range against the tree's outermost error
 * nodes, found once per tree: walking up through parents costs the tree's depth per call.
 */
export function isInsideError(node: Node): boolean {
  let errors = errorMemo.get(node.tree);
  if (!errors) errorMemo.set(node.tree, (errors = errorNodes(node.tree).map((e) => [e.startIndex, e.endIndex])));
  if (errors.length === 0) return false;
  if (node.isMissing || node.isError) return true;
  const s = node.startIndex;
  const e = node.endIndex;
  // The last error that starts at or before the node: the only one that can contain it.
  let lo = 0;
  let hi = errors.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (errors[mid][0] <= s) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && e <= errors[lo - 1][1];
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
