// impure-in-flake: things that pure evaluation (the default for flakes) rejects or that make the
// flake's outputs depend on the machine: search paths, the current system, the environment.
import type { DocumentContext } from '../context';
import type { Finding, Fix } from '../findings';
import type { Node } from '../parser';
import { field, innermostWith, isBound, isInsideError, isVariable, selectPath, unparen } from '../syntax';
import { replaceCall } from './rewrite';
import { classifyArgs, systemAttr } from '../imports';

const IMPURE_BUILTINS: Record<string, string> = {
  currentSystem: 'depends on the machine that evaluates it and is forbidden in pure evaluation',
  getEnv: 'reads the environment, which pure evaluation hides (it returns "")',
  nixPath: 'depends on NIX_PATH, which pure evaluation does not consult',
  findFile: 'searches NIX_PATH, which pure evaluation does not consult',
  currentTime: 'changes on every evaluation and is forbidden in pure evaluation',
};

export function impureInFlake(ctx: DocumentContext): Finding[] {
  if (!ctx.isFlake) return [];
  const out: Finding[] = [];
  const root = ctx.tree.rootNode;

  for (const node of root.descendantsOfType('spath_expression')) {
    if (!node || isInsideError(node)) continue;
    out.push(searchPath(ctx, node));
  }

  for (const node of root.descendantsOfType(['select_expression', 'variable_expression'])) {
    if (!node || isInsideError(node)) continue;
    const name = builtinName(node);
    if (!name || !Object.hasOwn(IMPURE_BUILTINS, name)) continue;
    const fixes: Fix[] = [];
    if (name === 'currentSystem' && isBound('system', node)) {
      fixes.push({
        title: 'Use `system` instead (changes meaning: the system in scope, not the evaluating machine)',
        edits: [{ start: node.startIndex, end: node.endIndex, newText: 'system' }],
        safe: false,
      });
    }
    out.push({
      code: 'impure-in-flake',
      start: node.startIndex,
      end: node.endIndex,
      severity: 'error',
      message: `\`${node.text}\` ${IMPURE_BUILTINS[name]}; flake outputs must not depend on it.` +
        (name === 'currentSystem' ? ' Take the system as a parameter (e.g. from flake-utils or genAttrs over systems).' : ''),
      fixes,
    });
  }

  // `inherit (builtins) currentSystem;` brings the impure builtin in under its own name.
  for (const node of root.descendantsOfType('inherit_from')) {
    if (!node || isInsideError(node)) continue;
    const from = field(node, 'expression');
    if (!isVariable(from, 'builtins') || isBound('builtins', node)) continue;
    for (const attr of field(node, 'attrs')?.childrenForFieldName('attr') ?? []) {
      const name = attr.text;
      if (!Object.hasOwn(IMPURE_BUILTINS, name)) continue;
      out.push({
        code: 'impure-in-flake',
        start: attr.startIndex,
        end: attr.endIndex,
        severity: 'error',
        message: `\`builtins.${name}\` ${IMPURE_BUILTINS[name]}; flake outputs must not depend on it.`,
        fixes: [],
      });
    }
  }

  for (const site of ctx.imports) {
    if (site.kind !== 'no-system' && !(site.kind === 'config' && !site.system)) continue;
    const fixes: Fix[] = [];
    if (isBound('system', site.call)) {
      if (site.kind === 'no-system') {
        fixes.push({
          title: `Use ${site.inputText}.legacyPackages.\${system} (changes meaning: the system in scope, not the evaluating machine)`,
          edits: [replaceCall(site.call, `${site.inputText}.legacyPackages.\${system}`)],
          safe: false,
        });
      } else {
        const open = unparen(site.args)!;
        fixes.push({
          title: 'Pass `inherit system;` (changes meaning: the system in scope, not the evaluating machine)',
          edits: [{ start: open.startIndex + 1, end: open.startIndex + 1, newText: ' inherit system;' }],
          safe: false,
        });
      }
    }
    out.push({
      code: 'impure-in-flake',
      start: site.call.startIndex,
      end: site.call.endIndex,
      severity: 'error',
      message: `\`import ${site.target.text}\` without a system makes nixpkgs use \`builtins.currentSystem\`, which pure evaluation forbids.`,
      fixes,
    });
  }
  return out;
}

/** `builtins.X` (with `builtins` not rebound) or the `__X` alias, as X. */
function builtinName(node: Node): string | undefined {
  if (node.type === 'variable_expression') {
    const name = field(node, 'name')!.text;
    if (isBound(name, node)) return undefined;
    if (name.startsWith('__')) return name.slice(2);
    // `with builtins; currentSystem`: the innermost `with` supplies unbound names.
    const w = innermostWith(node);
    const env = w && field(w, 'environment');
    return env && isVariable(env, 'builtins') && !isBound('builtins', env) ? name : undefined;
  }
  const path = selectPath(node);
  if (path?.length === 2 && path[0] === 'builtins' && !isBound('builtins', node)) return path[1];
  return undefined;
}

function searchPath(ctx: DocumentContext, node: Node): Finding {
  const fixes: Fix[] = [];
  const call = node.parent?.type === 'apply_expression' ? node.parent : null;
  const importCall = call && field(call, 'argument')?.equals(node) && unparen(field(call, 'function'))?.text === 'import' ? call : null;
  const applied = importCall?.parent?.type === 'apply_expression' && field(importCall.parent, 'function')?.equals(importCall) ? importCall.parent : null;
  const input = ctx.resolver.inputExprAt(node);
  const args = applied ? classifyArgs(field(applied, 'argument')!) : undefined;
  const sys =
    args?.kind === 'system-only' ? systemAttr(args.system!) : args?.kind === 'no-system' && isBound('system', node) ? '.${system}' : undefined;
  if (input && node.text === '<nixpkgs>' && applied && sys) {
    const replacement = `${input}.legacyPackages${sys}`;
    fixes.push({
      title: `Use the locked input: ${replacement} (changes meaning: the flake's nixpkgs, not NIX_PATH's)`,
      edits: [replaceCall(applied, replacement)],
      safe: false,
    });
  }
  return {
    code: 'impure-in-flake',
    start: node.startIndex,
    end: node.endIndex,
    severity: 'error',
    message: `\`${node.text}\` looks up NIX_PATH, which pure evaluation of a flake does not allow; use a flake input instead.`,
    fixes,
  };
}
