// Finds `import <nixpkgs input> ARGS` calls and classifies their arguments.
import type { Node, Tree } from './parser';
import { NixpkgsResolver } from './nixpkgs';
import { attrName, attrPath, boundValue, field, freeVariables, identifiersNamed, innermostWith, isInsideError, isPlainAttr, kids, parentOf, resolve, sameMeaningAt, selectPath, stringValue, unparen } from './syntax';

export type ImportKind =
  /** Only the system (and possibly empty config/overlays): `legacyPackages` gives the same value. */
  | 'system-only'
  /** No system at all: nixpkgs falls back to `builtins.currentSystem`. */
  | 'no-system'
  /** Passes config, overlays, crossSystem or anything else: a new instance is needed. */
  | 'config'
  /** Arguments we cannot see (a function argument, `a // b`, a `rec` set, dynamic attributes). */
  | 'opaque';

export interface SystemExpr {
  /** Source text of the system expression, as it reads at the import site. */
  text: string;
  /** The string value when it is a literal without interpolation. */
  literal?: string;
  node: Node;
  /**
   * False when the arguments come through a binding (`import nixpkgs args`) and `text` means
   * something else at the import than where the binding is written: no rewrite may use it there.
   */
  portable?: boolean;
}

export interface ImportSite {
  /** The whole `import X ARGS` application. */
  call: Node;
  /** X, as written. */
  target: Node;
  input: string;
  /** The input as an expression to build on (`nixpkgs`, `inputs.nixpkgs`): X without parentheses or `"${…}"`. */
  inputText: string;
  args: Node;
  kind: ImportKind;
  system?: SystemExpr;
  /** `system` or `localSystem` is passed (in any form): nixpkgs does not fall back to `builtins.currentSystem`. */
  systemGiven: boolean;
  /** Argument names other than the system (config, overlays, …), for messages. */
  otherArgs: string[];
  /** The attribute set literal of the arguments: ARGS itself, or the set a let or rec binding gives ARGS. */
  argsSet?: Node;
}

/**
 * Every `import X ARGS` call in the tree, nixpkgs or not, outside ERROR nodes: applications of an
 * application of the variable `import`, found from the spellings of `import` in the text. In the
 * order a tree-sitter query reports them: by the start of ARGS. `text` is the parsed text.
 */
export function importCalls(tree: Tree, text?: string): { call: Node; target: Node; args: Node }[] {
  const out: { call: Node; target: Node; args: Node }[] = [];
  for (const id of identifiersNamed(tree.rootNode, text ?? tree.rootNode.text, 'import')) {
    const fn = parentOf(id);
    if (fn?.type !== 'variable_expression') continue;
    const inner = parentOf(fn);
    if (inner?.type !== 'apply_expression' || !field(inner, 'function')?.equals(fn)) continue;
    const target = field(inner, 'argument');
    const call = parentOf(inner);
    if (!target || call?.type !== 'apply_expression' || !field(call, 'function')?.equals(inner)) continue;
    const args = field(call, 'argument');
    if (!args || isInsideError(call)) continue;
    out.push({ call, target, args });
  }
  return out.sort((a, b) => a.args.startIndex - b.args.startIndex);
}

export function nixpkgsImports(tree: Tree, resolver: NixpkgsResolver, text?: string): ImportSite[] {
  const sites: ImportSite[] = [];
  for (const { call, target, args } of importCalls(tree, text)) {
    const ref = resolver.refOf(target) ?? resolver.refOf(interpolatedOnly(target));
    if (!ref) continue;
    sites.push({ call, target, input: ref.input, inputText: ref.node.text, args, ...classifyArgs(args) });
  }
  return sites;
}

/** `"${x}"` → x: importing the string of a path imports the path. */
function interpolatedOnly(node: Node): Node | null {
  const s = unparen(node);
  if (s?.type !== 'string_expression') return null;
  const parts = kids(s);
  return parts.length === 1 && parts[0].type === 'interpolation' ? field(parts[0], 'expression') : null;
}

function isEmptyAttrset(node: Node | null): boolean {
  node = unparen(node);
  return !!node && node.type === 'attrset_expression' && !kids(node).some((c) => c.type === 'binding_set' && c.namedChildCount > 0);
}

function isEmptyList(node: Node | null): boolean {
  node = unparen(node);
  return !!node && node.type === 'list_expression' && node.namedChildCount === 0;
}

function systemExpr(node: Node): SystemExpr {
  const literal = stringValue(node);
  return { text: node.text, literal, node };
}

/**
 * `localSystem = { inherit system; }`, `{ system = …; }`, a string, or a name that reads as a
 * system (`system`, `x.system`). Other expressions may be elaborated system sets, which cannot
 * index legacyPackages, so they are not a plain system.
 */
function localSystemExpr(value: Node): SystemExpr | undefined {
  const v = unparen(value)!;
  if (v.type === 'attrset_expression') {
    const set = kids(v).find((c) => c.type === 'binding_set');
    const bindings = set ? kids(set).filter((c) => c.type !== 'comment') : [];
    return bindings.length === 1 ? bindingSystem(bindings[0]) : undefined;
  }
  if (v.type === 'string_expression') return systemExpr(value);
  const path = selectPath(v);
  if (path && path[path.length - 1] === 'system') return systemExpr(value);
  return undefined;
}

function bindingSystem(b: Node): SystemExpr | undefined {
  if (b.type === 'inherit' || b.type === 'inherit_from') {
    const attrs = field(b, 'attrs')!.childrenForFieldName('attr');
    if (attrs.length === 1 && attrName(attrs[0]) === 'system') return inheritedSystem(attrs[0], field(b, 'expression'));
  } else if (b.type === 'binding') {
    const p = attrPath(field(b, 'attrpath'));
    if (p?.length === 1 && p[0] === 'system') return systemExpr(field(b, 'expression')!);
  }
  return undefined;
}

/** Most names followed from an argument to the set it is bound to (`a = b; b = { … };`). */
const MAX_ALIASES = 8;

/**
 * The attribute set literal that ARGS denotes: ARGS itself, or, through variables bound by a `let`
 * or a `rec` set (at most MAX_ALIASES of them), the set they are bound to. Anything else (a
 * function argument, `a // b`, `x.args`, a `rec` set literal) is out of reach.
 */
export function argumentSet(args: Node): Node | undefined {
  let node = unparen(args);
  for (let i = 0; node && i <= MAX_ALIASES; i++) {
    if (node.type === 'attrset_expression') return node;
    if (node.type !== 'variable_expression') return undefined;
    const { binder } = resolve(field(node, 'name')!.text, node);
    const value = binder && boundValue(binder);
    if (!value) return undefined;
    node = unparen(value);
  }
  return undefined;
}

/** The names a system expression reads, each with a use to resolve it from. */
function systemUses(system: SystemExpr): Map<string, Node> {
  const inh = system.node.parent?.type === 'inherited_attrs' ? system.node.parent.parent : null;
  // `inherit system;` reads `system` as seen from outside its set (binding_set → attrset).
  if (inh?.type === 'inherit') return new Map([['system', inh.parent!.parent!]]);
  if (inh?.type === 'inherit_from') return freeVariables(field(inh, 'expression')!);
  return freeVariables(system.node);
}

export function classifyArgs(args: Node): Pick<ImportSite, 'kind' | 'system' | 'systemGiven' | 'otherArgs' | 'argsSet'> {
  const set = argumentSet(args);
  if (!set) return { kind: 'opaque', systemGiven: false, otherArgs: [] };
  const bindingSet = kids(set).find((c) => c.type === 'binding_set');
  let system: SystemExpr | undefined;
  let systemGiven = false;
  const otherArgs: string[] = [];
  let opaque = false;
  const other = (name: string) => {
    if (!otherArgs.includes(name)) otherArgs.push(name);
  };
  const setSystem = (s: SystemExpr | undefined, name: string) => {
    systemGiven = true;
    // Both `system` and `localSystem` (or either twice): nixpkgs has to reconcile them; leave it be.
    if (!s || system) other(name);
    else system = s;
  };
  const bindings = bindingSet ? kids(bindingSet).filter((b) => b.type !== 'comment') : [];
  // `localSystem.system = …;` alone is `localSystem = { system = …; }`; more `localSystem.*`
  // attributes (`gcc.arch`) make an elaborated platform, which needs its own instance.
  const localPaths = bindings.filter((b) => b.type === 'binding' && attrPath(field(b, 'attrpath'))?.[0] === 'localSystem').length;
  for (const b of bindings) {
    if (b.type === 'inherit' || b.type === 'inherit_from') {
      // `inherit system config;`: each name is an argument of its own.
      const from = b.type === 'inherit_from' ? field(b, 'expression') : null;
      for (const a of field(b, 'attrs')?.childrenForFieldName('attr') ?? []) {
        const name = attrName(a);
        if (name === undefined) opaque = true;
        else if (name === 'system') setSystem(inheritedSystem(a, from), name);
        else if (name === 'localSystem') setSystem(undefined, name);
        else other(name);
      }
      continue;
    }
    const names = b.type === 'binding' ? attrPath(field(b, 'attrpath')) : undefined;
    if (!names) {
      opaque = true;
      continue;
    }
    const value = field(b, 'expression')!;
    if (names.length === 1 && names[0] === 'system') {
      setSystem(systemExpr(value), 'system');
      continue;
    }
    if (names[0] === 'localSystem') {
      const plain = localPaths !== 1 ? undefined
        : names.length === 1 ? localSystemExpr(value)
        : names.length === 2 && names[1] === 'system' ? systemExpr(value)
        : undefined;
      setSystem(plain, 'localSystem');
      continue;
    }
    if (names.length === 1 && names[0] === 'config' && isEmptyAttrset(value)) continue;
    if (names.length === 1 && names[0] === 'overlays' && isEmptyList(value)) continue;
    other(names[0]);
  }
  if (system && !set.equals(unparen(args)!) && !sameMeaningAt(systemUses(system), args)) system = { ...system, portable: false };
  const base = { system, systemGiven, otherArgs, argsSet: set };
  if (opaque) return { kind: 'opaque', ...base };
  if (otherArgs.length > 0) return { kind: 'config', ...base };
  return system ? { kind: 'system-only', ...base } : { kind: 'no-system', ...base };
}

/** `inherit system;` → `system`; `inherit (x) system;` → `x.system`. */
function inheritedSystem(attr: Node, from: Node | null): SystemExpr {
  if (!from) return { text: 'system', node: attr };
  const base = unparen(from)!;
  const atomic = base.type === 'variable_expression' || base.type === 'select_expression' || base !== from;
  return { text: `${atomic ? from.text : `(${from.text})`}.system`, node: attr };
}

/** `.x86_64-linux` for a literal system, `.${expr}` otherwise. */
export function systemAttr(system: SystemExpr): string {
  if (system.literal !== undefined && isPlainAttr(system.literal)) return `.${system.literal}`;
  if (system.literal !== undefined) return `.${JSON.stringify(system.literal).replace(/\$\{/g, '\\${')}`;
  return `.\${${system.text}}`;
}

/**
 * Two sites with the same key build the same instance: the same input, equal text (modulo
 * whitespace) and every free variable bound by the same binder (or, when unbound, under the same `with`).
 */
export function instanceKey(site: ImportSite): string {
  let key = instanceKeys.get(site);
  if (key === undefined) instanceKeys.set(site, (key = computeInstanceKey(site)));
  return key;
}

// Sites are immutable and made per analysis, so a key computed once holds for the site's life.
const instanceKeys = new WeakMap<ImportSite, string>();

function computeInstanceKey(site: ImportSite): string {
  const text = site.call.text.replace(/\s+/g, ' ').replace(/\s*([{}()[\];=,.])\s*/g, '$1');
  const binders = [...freeVariables(site.call)]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, use]) => `${name}@${resolve(name, use).binder?.startIndex ?? `with:${innermostWith(use)?.startIndex ?? 'none'}`}`);
  return `${site.input}\0${text}\0${binders.join(',')}`;
}
