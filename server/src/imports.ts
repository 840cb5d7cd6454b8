// Finds `import <nixpkgs input> ARGS` calls and classifies their arguments.
import { Language, Query } from 'web-tree-sitter';
import type { Node, Tree } from './parser';
import { NixpkgsResolver } from './nixpkgs';
import { attrName, attrPath, field, isInsideError, isPlainAttr, kids, stringValue, unparen } from './syntax';

export type ImportKind =
  /** Only the system (and possibly empty config/overlays): `legacyPackages` gives the same value. */
  | 'system-only'
  /** No system at all: nixpkgs falls back to `builtins.currentSystem`. */
  | 'no-system'
  /** Passes config, overlays, crossSystem or anything else: a new instance is needed. */
  | 'config'
  /** Arguments we cannot see (a variable, a `rec` set, dynamic attributes). */
  | 'opaque';

export interface SystemExpr {
  /** Source text of the system expression, as it reads at the import site. */
  text: string;
  /** The string value when it is a literal without interpolation. */
  literal?: string;
  node: Node;
}

export interface ImportSite {
  /** The whole `import X ARGS` application. */
  call: Node;
  /** X, as written. */
  target: Node;
  input: string;
  args: Node;
  kind: ImportKind;
  system?: SystemExpr;
  /** Argument names other than the system (config, overlays, …), for messages. */
  otherArgs: string[];
}

const queries = new WeakMap<Language, Query>();

function importQuery(language: Language): Query {
  let q = queries.get(language);
  if (!q) {
    q = new Query(
      language,
      `(apply_expression
         function: (apply_expression
           function: (variable_expression name: (identifier) @fn)
           argument: (_) @target)
         argument: (_) @args) @call
       (#eq? @fn "import")`,
    );
    queries.set(language, q);
  }
  return q;
}

/** Every `import X ARGS` call in the tree, nixpkgs or not, outside ERROR nodes. */
export function importCalls(tree: Tree): { call: Node; target: Node; args: Node }[] {
  const out: { call: Node; target: Node; args: Node }[] = [];
  for (const m of importQuery(tree.language).matches(tree.rootNode)) {
    // This web-tree-sitter build also reports empty matches for an ABI 13 grammar: skip them.
    const get = (name: string) => m.captures.find((c) => c.name === name)?.node;
    const call = get('call');
    const target = get('target');
    const args = get('args');
    if (!call || !target || !args || isInsideError(call)) continue;
    out.push({ call, target, args });
  }
  return out;
}

export function nixpkgsImports(tree: Tree, resolver: NixpkgsResolver): ImportSite[] {
  const sites: ImportSite[] = [];
  for (const { call, target, args } of importCalls(tree)) {
    const ref = resolver.refOf(target);
    if (!ref) continue;
    sites.push({ call, target, input: ref.input, args, ...classifyArgs(args) });
  }
  return sites;
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

/** `localSystem = { inherit system; }`, `{ system = …; }` or a plain system string/expression. */
function localSystemExpr(value: Node): SystemExpr | undefined {
  const v = unparen(value)!;
  if (v.type !== 'attrset_expression') return systemExpr(value);
  const set = kids(v).find((c) => c.type === 'binding_set');
  const bindings = set ? kids(set) : [];
  if (bindings.length !== 1) return undefined;
  return bindingSystem(bindings[0]);
}

function bindingSystem(b: Node): SystemExpr | undefined {
  if (b.type === 'inherit') {
    const attrs = field(b, 'attrs')!.childrenForFieldName('attr');
    if (attrs.length === 1 && attrName(attrs[0]) === 'system') return { text: 'system', node: attrs[0] };
  } else if (b.type === 'inherit_from') {
    const attrs = field(b, 'attrs')!.childrenForFieldName('attr');
    const from = field(b, 'expression')!;
    if (attrs.length === 1 && attrName(attrs[0]) === 'system') {
      const base = unparen(from)!;
      const atomic = base.type === 'variable_expression' || base.type === 'select_expression' || base !== from;
      return { text: `${atomic ? from.text : `(${from.text})`}.system`, node: b };
    }
  } else if (b.type === 'binding') {
    const p = attrPath(field(b, 'attrpath'));
    if (p?.length === 1 && p[0] === 'system') return systemExpr(field(b, 'expression')!);
  }
  return undefined;
}

export function classifyArgs(args: Node): Pick<ImportSite, 'kind' | 'system' | 'otherArgs'> {
  const set = unparen(args);
  if (!set || set.type !== 'attrset_expression') return { kind: 'opaque', otherArgs: [] };
  const bindingSet = kids(set).find((c) => c.type === 'binding_set');
  let system: SystemExpr | undefined;
  const otherArgs: string[] = [];
  let opaque = false;
  for (const b of bindingSet ? kids(bindingSet) : []) {
    if (b.type === 'comment') continue;
    const names =
      b.type === 'binding'
        ? attrPath(field(b, 'attrpath'))
        : field(b, 'attrs')?.childrenForFieldName('attr').map((a) => attrName(a) ?? '?');
    if (!names) {
      opaque = true;
      continue;
    }
    if (names.length === 1 && names[0] === 'system') {
      system = bindingSystem(b);
      if (!system) opaque = true;
      continue;
    }
    if (b.type === 'binding' && names.length === 1 && names[0] === 'localSystem') {
      system = localSystemExpr(field(b, 'expression')!);
      if (!system) otherArgs.push('localSystem');
      continue;
    }
    if (b.type === 'binding' && names.length === 1 && names[0] === 'config' && isEmptyAttrset(field(b, 'expression'))) continue;
    if (b.type === 'binding' && names.length === 1 && names[0] === 'overlays' && isEmptyList(field(b, 'expression'))) continue;
    otherArgs.push(...names.slice(0, 1));
  }
  if (opaque) return { kind: 'opaque', system, otherArgs };
  if (otherArgs.length > 0) return { kind: 'config', system, otherArgs };
  return system ? { kind: 'system-only', system, otherArgs } : { kind: 'no-system', otherArgs };
}

/** `.x86_64-linux` for a literal system, `.${expr}` otherwise. */
export function systemAttr(system: SystemExpr): string {
  if (system.literal !== undefined && isPlainAttr(system.literal)) return `.${system.literal}`;
  if (system.literal !== undefined) return `.${JSON.stringify(system.literal)}`;
  return `.\${${system.text}}`;
}
