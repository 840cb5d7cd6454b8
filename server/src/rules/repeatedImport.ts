// repeated-import: the same nixpkgs instance built more than once in one file, either written
// twice with equal arguments, or written once inside a function that is applied to many values
// (map/genAttrs over hosts) without depending on its argument. Nix does not memoise calls, so
// each evaluation is a full nixpkgs instance. Fix: bind it once and reuse the name.
//
// System-only imports (`import nixpkgs { inherit system; }`) are left to legacy-packages by default:
// its fix removes every such instance, where binding one import once would still keep one, and its
// related information lists the other sites (marking those that build the same instance). Only when
// legacy-packages is turned off does this rule report them, so each site gets exactly one warning.
import type { DocumentContext } from './context';
import { MAX_RELATED, type Finding, type Fix, type OffsetEdit, type Related } from './findings';
import { ImportSite, instanceKey } from '../nix/imports';
import type { Node } from '../nix/parser';
import { field, freeVariables, kids, lineIndent, resolve, sameMeaningAt, selectPath, unparen } from '../nix/syntax';
import { replaceCall } from './rewrite';

/** Functions that apply their function argument to many values. */
const ITERATORS = new Set([
  'map', 'concatMap', 'genAttrs', 'mapAttrs', "mapAttrs'", 'mapAttrsToList', 'forEach', 'imap0', 'imap1',
  'eachSystem', 'eachDefaultSystem', 'forAllSystems', 'forEachSystem', 'genList', 'listToAttrs', 'filterAttrs',
]);

export interface RepeatedImportOptions {
  /** Report system-only imports too (when legacy-packages, which covers them better, is off). */
  includeSystemOnly: boolean;
}

function finding(site: ImportSite, message: string, related: Related[]): Finding {
  return { code: 'repeated-import', start: site.call.startIndex, end: site.call.endIndex, severity: 'warning', message, related, fixes: [] };
}

export function repeatedImport(ctx: DocumentContext, opts: RepeatedImportOptions): Finding[] {
  const sites = ctx.imports.filter((s) => s.kind !== 'opaque' && (opts.includeSystemOnly || s.kind !== 'system-only'));
  const groups = new Map<string, ImportSite[]>();
  for (const s of sites) {
    const key = instanceKey(s);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(s);
  }
  // Names given out by earlier plans: fix-all applies them together, so each needs its own.
  const reserved = new Set<string>();
  const words = new TextWords(ctx.text);
  const pending: { finding: Finding; plan: Plan | undefined }[] = [];
  for (const group of groups.values()) {
    if (group.length >= 2) {
      // Past MAX_FIX_EDITS copies there is no fix (see below): no plan either.
      const plan = group.length > MAX_FIX_EDITS ? undefined : hoist(ctx, group, commonAncestor(group.map((s) => s.call)), reserved, words);
      for (const site of group) {
        pending.push({
          plan,
          finding: finding(
            site,
            `\`${site.target.text}\` is imported ${group.length} times with the same arguments in this file; ` +
              `each import evaluates a separate nixpkgs instance. Bind it once and reuse it.`,
            firstOthers(group, site).map((o) => ({ start: o.call.startIndex, end: o.call.endIndex, message: 'same import here' })),
          ),
        });
      }
      continue;
    }
    const site = group[0];
    const loop = iteratedLambda(site);
    if (!loop) continue;
    pending.push({
      plan: hoist(ctx, [site], loop.from, reserved, words),
      finding: finding(
        site,
        `\`import ${site.target.text}\` is inside ${loop.how} but does not depend on its arguments: ` +
          `each application evaluates one more identical nixpkgs instance. Bind it once outside.`,
        [{ start: loop.lambda.startIndex, end: field(loop.lambda, 'body')?.startIndex ?? loop.lambda.endIndex, message: loop.applied }],
      ),
    });
  }
  // Plans that insert at the same place (one let, one wrapped expression) become one fix: fix-all
  // cannot order two insertions at one point, and one pass must fix every group.
  const byAnchor = new Map<string, Set<Plan>>();
  for (const { plan } of pending) {
    if (!plan?.anchor) continue;
    let together = byAnchor.get(plan.anchor);
    if (!together) byAnchor.set(plan.anchor, (together = new Set()));
    together.add(plan);
  }
  // One fix per plan (or per anchor), shared by the findings it fixes. Past MAX_FIX_EDITS edits
  // there is no fix: every finding of a group would carry all of them (quadratic), and a rewrite
  // of hundreds of places at once is not one a reader can check.
  const fixes = new Map<Plan | string, Fix | undefined>();
  const fixOf = (plan: Plan): Fix | undefined => {
    const key = plan.anchor ?? plan;
    if (!fixes.has(key)) {
      const together = plan.anchor ? [...byAnchor.get(plan.anchor)!] : [plan];
      const edits = together.reduce((n, p) => n + p.replacements.length, 0);
      fixes.set(key, edits > MAX_FIX_EDITS ? undefined : planFix(plan, together));
    }
    return fixes.get(key);
  };
  return pending.map(({ finding, plan }) => {
    const fix = plan && fixOf(plan);
    return { ...finding, fixes: fix ? [fix] : [] };
  });
}

/** The most replacements one repeated-import fix makes; past it, the findings have no fix. */
export const MAX_FIX_EDITS = 200;

/** The first MAX_RELATED sites of a group other than `site`. */
function firstOthers(group: ImportSite[], site: ImportSite): ImportSite[] {
  const out: ImportSite[] = [];
  for (const o of group) {
    if (out.length >= MAX_RELATED) break;
    if (o !== site) out.push(o);
  }
  return out;
}

/** How one group is hoisted: replacements of its sites and, unless reusing a binding, where the binding goes. */
interface Plan {
  name: string;
  /** `import X …` as written, bound to `name`. */
  expr: string;
  target: string;
  replacements: OffsetEdit[];
  /** Reuse an existing binding: no insertion. */
  reuse?: boolean;
  /** Insertion place shared by plans that bind there (`let:…` or `wrap:…`). */
  anchor?: string;
  /** `let`: insert `${sep}${name} = ${expr};` at `at`. */
  let?: { at: number; sep: string };
  /** `wrap`: `let … in ` before `start`, parenthesised up to `end` unless bare. */
  wrap?: { start: number; end: number; bare: boolean };
}

function planFix(plan: Plan, together: Plan[]): Fix {
  const names = together.map((p) => `\`${p.name}\``).join(', ');
  const replacements = together.flatMap((p) => p.replacements);
  if (plan.reuse) {
    return { title: `Reuse \`${plan.name}\` for every import`, edits: plan.replacements, safe: true, preferred: true };
  }
  if (plan.let) {
    const text = together.map((p) => `${plan.let!.sep}${p.name} = ${p.expr};`).join('');
    return {
      title: together.length === 1
        ? `Bind \`${plan.name} = import ${plan.target} …\` once in the enclosing let and reuse it`
        : `Bind ${names} once in the enclosing let and reuse them`,
      edits: [{ start: plan.let.at, end: plan.let.at, newText: text }, ...replacements],
      safe: true,
      preferred: true,
    };
  }
  const w = plan.wrap!;
  const bindings = together.map((p) => `${p.name} = ${p.expr};`).join(' ');
  return {
    title: together.length === 1
      ? `Bind \`${plan.name} = import ${plan.target} …\` once in a new let and reuse it`
      : `Bind ${names} once in a new let and reuse them`,
    edits: [
      { start: w.start, end: w.start, newText: `${w.bare ? '' : '('}let ${bindings} in ` },
      ...replacements,
      ...(w.bare ? [] : [{ start: w.end, end: w.end, newText: ')' }]),
    ],
    safe: true,
    preferred: true,
  };
}

/** Do the free variables of `expr` mean the same at `at` as where `expr` stands? */
function sameScope(expr: Node, at: Node): boolean {
  return sameMeaningAt(freeVariables(expr), at);
}

function commonAncestor(nodes: Node[]): Node {
  let a = nodes[0];
  for (const n of nodes.slice(1)) {
    while (!(a.startIndex <= n.startIndex && n.endIndex <= a.endIndex)) a = a.parent!;
  }
  // Step out of the nodes themselves so the ancestor strictly contains them all.
  return a.parent && nodes.some((n) => n.equals(a)) ? a.parent : a;
}

interface Loop {
  lambda: Node;
  /** Where the hoisted binding must stay valid: the iterator application or the let of the function. */
  from: Node;
  /** `passed to \`map\``, or `\`mkHost\`, which this file calls 3 times`. */
  how: string;
  /** For related information. */
  applied: string;
}

/** `arg` (a function, maybe parenthesised) as the function argument of an iterator: `map arg xs`. */
function iteratorApplying(arg: Node): { apply: Node; iterator: string } | undefined {
  while (arg.parent?.type === 'parenthesized_expression') arg = arg.parent;
  const apply = arg.parent;
  if (apply?.type !== 'apply_expression' || !field(apply, 'argument')?.equals(arg)) return undefined;
  let head: Node | null = field(apply, 'function');
  while (head && unparen(head)?.type === 'apply_expression') head = field(unparen(head), 'function');
  const path = selectPath(head);
  const iterator = path?.[path.length - 1];
  if (!iterator || !ITERATORS.has(iterator)) return undefined;
  let outer: Node = apply;
  while (outer.parent?.type === 'apply_expression' && field(outer.parent, 'function')?.equals(outer)) outer = outer.parent;
  return { apply: outer, iterator };
}

/**
 * A function bound by a let (or rec set) to a name: `mkHost = host: …;`. Applied many times when
 * the name is passed to an iterator or called in two places or more.
 */
function namedLoop(fn: Node): Loop | undefined {
  let value: Node = fn;
  while (value.parent?.type === 'parenthesized_expression') value = value.parent;
  const binding = value.parent;
  if (binding?.type !== 'binding' || !field(binding, 'expression')?.equals(value)) return undefined;
  const attrs = field(binding, 'attrpath')?.childrenForFieldName('attr') ?? [];
  const scope = binding.parent?.parent;
  if (attrs.length !== 1 || attrs[0].type !== 'identifier' || !scope) return undefined;
  if (scope.type !== 'let_expression' && scope.type !== 'rec_attrset_expression') return undefined;
  const name = attrs[0].text;
  let calls = 0;
  for (const use of scope.descendantsOfType('variable_expression')) {
    if (!use || field(use, 'name')?.text !== name || !resolve(name, use).binder?.equals(attrs[0])) continue;
    const it = iteratorApplying(use);
    if (it) return { lambda: fn, from: scope, how: `\`${name}\`, which is passed to \`${it.iterator}\``, applied: `applied by ${it.iterator}` };
    let callee: Node = use;
    while (callee.parent?.type === 'parenthesized_expression') callee = callee.parent;
    if (callee.parent?.type === 'apply_expression' && field(callee.parent, 'function')?.equals(callee)) calls++;
  }
  if (calls >= 2) return { lambda: fn, from: scope, how: `\`${name}\`, which this file calls ${calls} times`, applied: `called ${calls} times` };
  return undefined;
}

/** The function around the import that is applied many times, if the import does not depend on it. */
function iteratedLambda(site: ImportSite): Loop | undefined {
  const free = freeVariables(site.call);
  for (let p = site.call.parent; p; p = p.parent) {
    if (p.type !== 'function_expression') continue;
    // Depends on the argument directly, or through a let (or inner function) inside the function.
    for (const [name, use] of free) {
      const scope = resolve(name, use).scope;
      if (scope && scope.startIndex >= p.startIndex && scope.endIndex <= p.endIndex) return undefined;
    }
    const it = iteratorApplying(p);
    if (it) return { lambda: p, from: it.apply, how: `a function passed to \`${it.iterator}\``, applied: `applied by ${it.iterator}` };
    const named = namedLoop(p);
    if (named) return named;
  }
  return undefined;
}

const EXPRESSION = /_expression$/;

const WORDS = /[a-zA-Z0-9_'-]+/g;

/** `[a-zA-Z0-9_'-]`: the characters of a maximal word in TextWords. */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 39 || c === 45;
}

/**
 * The maximal runs of identifier characters in a text: the names a new binding must not shadow.
 * The first few questions are answered by searching the text for the name (freshName asks two or
 * three); only past that is every word collected, which on a 20,000-line file took tens of
 * milliseconds per keystroke. Each search is linear, so the cost stays O(text) per question.
 */
export class TextWords {
  private all: Set<string> | undefined;
  private asked = 0;
  constructor(private readonly text: string) {}

  has(word: string): boolean {
    if (this.all) return this.all.has(word);
    if (++this.asked > 8) return (this.all = new Set(this.text.match(WORDS) ?? [])).has(word);
    const t = this.text;
    for (let i = t.indexOf(word); i >= 0; i = t.indexOf(word, i + 1)) {
      if ((i === 0 || !isWordChar(t.charCodeAt(i - 1))) && !isWordChar(t.charCodeAt(i + word.length))) return true;
    }
    return false;
  }
}

/**
 * A name for the hoisted binding that the text does not use yet. It is built from the input name
 * but only from identifier characters (`inputs."a+b"` gives `a_bPkgs`), so it is always valid Nix.
 */
/** Per set of reserved names: the numbered names of each base already found taken. */
const numbered = new WeakMap<Set<string>, Map<string, number>>();

export function freshName(words: { has(word: string): boolean }, input: string, reserved: Set<string>): string {
  const taken = (n: string) => reserved.has(n) || words.has(n);
  const stem = input === 'nixpkgs' ? 'pkgs' : `${input.replace(/[^a-zA-Z0-9_']/g, '_')}Pkgs`;
  const base = /^[a-zA-Z_]/.test(stem) ? stem : `_${stem}`;
  for (const n of [base, `${base}'`, `${base}''`, `shared${base[0].toUpperCase()}${base.slice(1)}`]) if (!taken(n)) return n;
  // Reserved names only grow, so the search for `${base}N` resumes where the last one stopped
  // (from 1 each time, thousands of hoisted imports made it quadratic).
  let next = numbered.get(reserved);
  if (!next) numbered.set(reserved, (next = new Map()));
  let i = next.get(base) ?? 1;
  while (taken(`${base}${i}`)) i++;
  next.set(base, i);
  return `${base}${i}`;
}

/** Replaces each site by a name bound once: an existing `let` binding, a new one, or a new `let`. */
function hoist(ctx: DocumentContext, sites: ImportSite[], from: Node, reserved: Set<string>, words: { has(word: string): boolean }): Plan | undefined {
  const expr = sites[0].call;
  const target = sites[0].target.text;
  const replaceAll = (name: string, except?: ImportSite): OffsetEdit[] =>
    sites.filter((s) => s !== except).map((s) => replaceCall(s.call, name));

  // 1. One of the sites is already `name = import …;` in a let that every other site sees.
  if (sites.length > 1) {
    for (const s of sites) {
      const value = s.call.parent?.type === 'parenthesized_expression' ? s.call.parent : s.call;
      const binding = value.parent;
      if (binding?.type !== 'binding' || binding.parent?.parent?.type !== 'let_expression') continue;
      const attrs = field(binding, 'attrpath')!.childrenForFieldName('attr');
      if (attrs.length !== 1 || attrs[0].type !== 'identifier') continue;
      const name = attrs[0].text;
      if (sites.every((o) => o === s || resolve(name, o.call).binder?.equals(attrs[0]))) {
        return { name, expr: expr.text, target, replacements: replaceAll(name, s), reuse: true };
      }
    }
  }

  const name = freshName(words, sites[0].input, reserved);
  reserved.add(name);
  // 2. The nearest enclosing let where the import means the same: add a binding there.
  for (let p: Node | null = from; p; p = p.parent) {
    if (p.type !== 'let_expression') continue;
    const set = kids(p).find((c) => c.type === 'binding_set');
    if (!set || !sameScope(expr, set)) continue;
    const last = kids(set).filter((c) => c.type !== 'comment').pop();
    if (!last) continue;
    const multiline = ctx.text.slice(p.startIndex, set.startIndex).includes('\n');
    const sep = multiline ? `\n${lineIndent(ctx.text, last.startIndex)}` : ' ';
    return { name, expr: expr.text, target, replacements: replaceAll(name), anchor: `let:${last.endIndex}`, let: { at: last.endIndex, sep } };
  }

  // 3. No let: wrap the nearest expression that contains every site in a new one.
  let e: Node | null = from;
  while (e && !(EXPRESSION.test(e.type) && sameScope(expr, e))) e = e.parent;
  if (!e) return undefined;
  const parent = e.parent?.type;
  const bare = parent === 'binding' || parent === 'parenthesized_expression' || parent === 'source_code' ||
    (parent === 'function_expression' && field(e.parent, 'body')?.equals(e)) ||
    (parent === 'let_expression' && field(e.parent, 'body')?.equals(e)) ||
    (parent === 'with_expression' && field(e.parent, 'body')?.equals(e));
  // Insertions around `e` rather than one replacement of it, so that other fixes inside it still apply.
  return {
    name,
    expr: expr.text,
    target,
    replacements: replaceAll(name),
    anchor: `wrap:${e.startIndex}:${e.endIndex}`,
    wrap: { start: e.startIndex, end: e.endIndex, bare: !!bare },
  };
}
