// impure-in-flake: things that pure evaluation (the default for flakes) rejects or that make the
// flake's outputs depend on the machine: search paths, the current system, the environment.
import type { DocumentContext } from './context';
import type { Finding, Fix } from './findings';
import type { Node } from '../nix/parser';
import { binderDefinition, contains, field, identifiersNamed, innermostWith, isBound, isInsideError, isVariable, outerParens, resolve, selectPath, unparen } from '../nix/syntax';
import { replaceCall } from './rewrite';
import { classifyArgs, systemAttr } from '../nix/imports';

const IMPURE_BUILTINS: Record<string, string> = {
  currentSystem: 'depends on the machine that evaluates it and is forbidden in pure evaluation',
  getEnv: 'reads the environment, which pure evaluation hides (it returns "")',
  nixPath: 'depends on NIX_PATH, which pure evaluation does not consult',
  findFile: 'searches NIX_PATH, which pure evaluation does not consult',
  currentTime: 'changes on every evaluation and is forbidden in pure evaluation',
};

/**
 * `builtins` and the names above, a constant pattern (never built from file text). No name ends
 * with the start of another, so a scan that does not overlap its matches misses none of them.
 */
const IMPURE_WORDS = /builtins|currentSystem|getEnv|nixPath|findFile|currentTime/g;

const SPATH = /<[a-zA-Z0-9._\-+]+(?:\/[a-zA-Z0-9._\-+]+)*>/g;

/** Nodes in document order (a parent before the nodes inside it). */
const byPosition = (a: Node, b: Node) => a.startIndex - b.startIndex || b.endIndex - a.endIndex;

export function impureInFlake(ctx: DocumentContext): Finding[] {
  if (!ctx.isFlake) return [];
  const out: Finding[] = [];
  const root = ctx.tree.rootNode;
  const text = ctx.text;

  // Candidates come from a scan of the text for the few spellings that matter; the tree then
  // says what each one is (a string or a comment holds no such node).
  if (text.includes('<')) {
    for (const m of text.matchAll(SPATH)) {
      const node = root.descendantForIndex(m.index!, m.index! + m[0].length);
      if (!node || node.type !== 'spath_expression' || node.startIndex !== m.index || isInsideError(node)) continue;
      out.push(searchPath(ctx, node));
    }
  }

  // `builtins.X` (also `(builtins).X`), `inherit (builtins) X;`, and the variables `__X` and `X` (under `with builtins;`).
  const selects: Node[] = [];
  const inherits: Node[] = [];
  // One scan for all the words (six indexOf scans of a 20,000-line file took 2 ms per keystroke);
  // identifiersNamed then looks only for the ones the text holds.
  const present = new Set(text.match(IMPURE_WORDS));
  for (const id of present.has('builtins') ? identifiersNamed(root, text, 'builtins') : []) {
    const v = id.parent;
    if (v?.type !== 'variable_expression') continue;
    const e = outerParens(v);
    const p = e.parent;
    if (p?.type === 'select_expression' && field(p, 'expression')?.equals(e)) selects.push(p);
    else if (p?.type === 'inherit_from' && field(p, 'expression')?.equals(e)) inherits.push(p);
  }
  const variables: Node[] = [];
  for (const name of Object.keys(IMPURE_BUILTINS)) {
    if (!present.has(name)) continue;
    for (const id of identifiersNamed(root, text, name, '__')) {
      if (id.parent?.type === 'variable_expression') variables.push(id.parent);
    }
  }

  for (const node of [...selects, ...variables].sort(byPosition)) {
    if (isInsideError(node)) continue;
    const name = builtinName(node);
    if (!name || !Object.hasOwn(IMPURE_BUILTINS, name)) continue;
    const fixes: Fix[] = [];
    if (name === 'currentSystem' && systemUsableAt(node)) {
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
  for (const node of inherits) {
    if (isInsideError(node)) continue;
    if (isBound('builtins', node)) continue;
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
    // `system`, `localSystem` (a string, `{ system = …; }`, `localSystem.system = …`) or an
    // elaborated platform: nixpkgs does not consult builtins.currentSystem.
    if (site.kind !== 'no-system' && !(site.kind === 'config' && !site.systemGiven)) continue;
    const fixes: Fix[] = [];
    if (systemUsableAt(site.call)) {
      if (site.kind === 'no-system') {
        fixes.push({
          title: `Use ${site.inputText}.legacyPackages.\${system} (changes meaning: the system in scope, not the evaluating machine)`,
          edits: [replaceCall(site.call, `${site.inputText}.legacyPackages.\${system}`)],
          safe: false,
        });
      } else if (site.argsSet?.equals(unparen(site.args)!)) {
        const open = site.argsSet;
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

/**
 * A `system` in scope at `node` that a fix may refer to: bound, and not by the binding whose value
 * holds `node` (`let system = builtins.currentSystem;` must not become `system = system;`).
 */
function systemUsableAt(node: Node): boolean {
  const { binder } = resolve('system', node);
  if (!binder) return false;
  const def = binderDefinition(binder);
  return !(def && contains(def, node));
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
    args?.kind === 'system-only' && args.system!.portable !== false ? systemAttr(args.system!) : args?.kind === 'no-system' && systemUsableAt(node) ? '.${system}' : undefined;
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
