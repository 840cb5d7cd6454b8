// Refactors offered on request (not diagnostics): the reverse of legacy-packages, for users who
// want to add config or overlays: `X.legacyPackages.${system}` → `import X { inherit system; }`.
// Both denote the same package set (the nixpkgs flake defines legacyPackages exactly so), so the
// rewrite keeps the meaning; it costs an instance, which is the point of wanting to add config.
import type { DocumentContext } from './context';
import type { Fix } from './findings';
import type { Node } from '../nix/parser';
import { attrName, field, isInsideError, stringValue } from '../nix/syntax';

export interface LegacySelect {
  /** The whole select expression (`X.legacyPackages.${system}.hello or null`). */
  select: Node;
  /** The `legacyPackages` attribute. */
  attr: Node;
  /** The attribute after it: the system (null for a bare `X.legacyPackages`). */
  systemAttr: Node | null;
  /** Source text of the nixpkgs input expression (`nixpkgs`, `inputs.nixpkgs`). */
  target: string;
  input: string;
}

/** `X.legacyPackages.<system>…` where X is a nixpkgs input, for the select that contains `node`. */
export function legacySelectAt(ctx: DocumentContext, node: Node | null): LegacySelect | undefined {
  for (let n = node; n; n = n.parent) {
    if (n.type !== 'select_expression') continue;
    if (isInsideError(n) || n.hasError) return undefined;
    const found = legacySelect(ctx, n);
    if (found) return found;
  }
  return undefined;
}

export function legacySelect(ctx: DocumentContext, select: Node): LegacySelect | undefined {
  const base = field(select, 'expression');
  const attrs = field(select, 'attrpath')?.childrenForFieldName('attr') ?? [];
  if (!base) return undefined;
  const i = attrs.findIndex((a) => attrName(a) === 'legacyPackages');
  if (i < 0 || i > 2) return undefined;
  const input = ctx.resolver.refOfPath(base, attrs.slice(0, i).map(attrName));
  if (!input) return undefined;
  const prefixEnd = i > 0 ? attrs[i - 1].endIndex : base.endIndex;
  return {
    select,
    attr: attrs[i],
    systemAttr: attrs[i + 1] ?? null,
    target: ctx.text.slice(select.startIndex, prefixEnd),
    input,
  };
}

/** The `{ … }` argument that names the same system as a legacyPackages attribute. */
function systemArgs(attr: Node): string | undefined {
  if (attr.type === 'identifier') return `{ system = ${JSON.stringify(attr.text)}; }`;
  if (attr.type === 'string_expression') {
    const literal = stringValue(attr);
    return literal !== undefined ? `{ system = ${JSON.stringify(literal).replace(/\$\{/g, '\\${')}; }` : `{ system = ${attr.text}; }`;
  }
  if (attr.type === 'interpolation') {
    const expr = field(attr, 'expression');
    if (!expr) return undefined;
    if (expr.type === 'variable_expression' && expr.text === 'system') return '{ inherit system; }';
    return `{ system = ${expr.text}; }`;
  }
  return undefined;
}

/** Where an application must be parenthesised: as a function, an argument, a list element, an `or` default. */
function needsParens(node: Node): boolean {
  const parent = node.parent;
  if (!parent) return false;
  switch (parent.type) {
    case 'apply_expression':
    case 'list_expression':
      return true;
    case 'select_expression': // only as the `or` default: a select's own base would have merged into it
      return true;
    default:
      return false;
  }
}

/** Refactors for the selection [start, end). */
export function refactorsAt(ctx: DocumentContext, start: number, end: number): Fix[] {
  const node = ctx.tree.rootNode.descendantForIndex(start, Math.max(start, end));
  const found = legacySelectAt(ctx, node);
  if (!found || !found.systemAttr) return [];
  const { select, systemAttr, target } = found;
  const args = systemArgs(systemAttr);
  if (!args) return [];
  const attrs = field(select, 'attrpath')!.childrenForFieldName('attr');
  const hasRest = !attrs[attrs.length - 1].equals(systemAttr);
  // `X.legacyPackages.${system} or d` also catches an unknown system; an import would throw. Keep away.
  if (!hasRest && field(select, 'default')) return [];
  const call = `import ${target} ${args}`;
  // Everything after the system attribute (`.hello or null`) stays as written.
  const rest = ctx.text.slice(systemAttr.endIndex, select.endIndex);
  const newText = hasRest ? `(${call})${rest}` : needsParens(select) ? `(${call})` : call;
  return [
    {
      title: `Rewrite as \`import ${target} ${args}\` (same packages; a separate nixpkgs instance you can pass config or overlays to)`,
      edits: [{ start: select.startIndex, end: select.endIndex, newText }],
      safe: true,
      kind: 'refactor.rewrite',
    },
  ];
}
