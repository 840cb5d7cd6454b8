// Which names are nixpkgs, and where the file imports nixpkgs.
// An input is nixpkgs when flake.nix declares it with a nixpkgs reference (GitHub, git, FlakeHub,
// the registry, a local checkout) or names it `nixpkgs`, follows such an input, flake.lock says
// so, or the user lists it in flakeLens.nixpkgsInputs.
import { readFlakeInputs, type FlakeInputs, type InputDecl } from '../lock/flakeInputs';
import { declaredRef, isNixpkgs } from '../lock/flakeRef';
import type { Node, Tree } from './parser';
import {
  attrName,
  attrPath,
  boundValue,
  field,
  isVariable,
  kids,
  resolve,
  selectPath,
  unparen,
} from './syntax';

/** The top-level attrset of a flake.nix, if the file is one. */
export function flakeAttrset(tree: Tree): Node | null {
  const top = unparen(field(tree.rootNode, 'expression') ?? tree.rootNode.namedChildren[0] ?? null);
  return top && (top.type === 'attrset_expression' || top.type === 'rec_attrset_expression') ? top : null;
}

function bindingSet(node: Node | null): Node | null {
  return node?.namedChildren.find((c) => c?.type === 'binding_set') ?? null;
}

function declIsNixpkgs(d: InputDecl): boolean {
  const ref = declaredRef(d);
  if (ref?.dir || d.attrs.dir?.value) return false;
  // An input named `nixpkgs` is nixpkgs whatever its URL (a fork, a local checkout, a mirror);
  // without a url and follows, it is `nixpkgs` from the registry.
  if (d.name === 'nixpkgs' && (d.url !== undefined ? d.attrs.type?.value !== 'git' : d.follows === undefined)) return true;
  return !!ref && isNixpkgs(ref);
}

export interface NixpkgsOptions {
  /** The file is a flake.nix (inputs are declared there). */
  isFlake: boolean;
  /** Extra input names from the user's settings. */
  extraInputs?: readonly string[];
  /** Root inputs that flake.lock resolves to nixpkgs. */
  lockInputs?: readonly string[];
  /** The flake's declared inputs, when the caller has read them already. */
  flakeInputs?: FlakeInputs;
}

/** The set of input names that are nixpkgs, or null in a file without inputs (then `nixpkgs*` counts). */
export function nixpkgsInputNames(tree: Tree, opts: NixpkgsOptions): Set<string> | null {
  const decls = opts.isFlake ? (opts.flakeInputs ?? readFlakeInputs(tree.rootNode)).inputs : new Map<string, InputDecl>();
  if (decls.size === 0 && !opts.isFlake) return null;
  const names = new Set<string>([...(opts.extraInputs ?? []), ...(opts.lockInputs ?? [])]);
  for (const d of decls.values()) if (declIsNixpkgs(d)) names.add(d.name);
  // An outputs formal that no input declares is fetched from the registry under its own name:
  // an undeclared `nixpkgs` is the indirect flake `nixpkgs`.
  if (opts.isFlake && !decls.has('nixpkgs')) {
    const fn = outputsFunction(tree);
    const formals = field(fn, 'formals')?.childrenForFieldName('formal') ?? [];
    if (formals.some((f) => field(f, 'name')?.text === 'nixpkgs')) names.add('nixpkgs');
  }
  // Follows chains: an input that follows a nixpkgs input is nixpkgs. A worklist from the nixpkgs
  // names along the follows edges, backwards: linear in the inputs however long the chain.
  const followers = new Map<string, string[]>();
  for (const d of decls.values()) {
    const follows = d.follows?.value;
    if (follows === undefined || follows.includes('/')) continue;
    let list = followers.get(follows);
    if (!list) followers.set(follows, (list = []));
    list.push(d.name);
  }
  const work = [...names];
  for (let name = work.pop(); name !== undefined; name = work.pop()) {
    for (const f of followers.get(name) ?? []) {
      if (names.has(f)) continue;
      names.add(f);
      work.push(f);
    }
  }
  if (decls.size === 0 && names.size === 0) return null;
  return names;
}

/** How a nixpkgs reference was written: the text to keep in a rewrite and the input it names. */
export interface NixpkgsRef {
  input: string;
  node: Node;
}

/**
 * Decides whether an expression denotes a nixpkgs input: a formal of the outputs function,
 * `inputs.X` through the `@`-pattern or a plain `inputs:` argument, `self.inputs.X`, or a `let` alias.
 */
export class NixpkgsResolver {
  constructor(
    private readonly names: Set<string> | null,
    private readonly outputsFn: Node | null,
    /** Names from settings and flake.lock: nixpkgs in a module too, beside `nixpkgs*`. */
    private readonly extra: ReadonlySet<string> = new Set(),
    /** Inputs declared `flake = false`: a source tree without `legacyPackages`. */
    private readonly nonFlake: ReadonlySet<string> = new Set(),
  ) {}

  static forTree(tree: Tree, opts: NixpkgsOptions): NixpkgsResolver {
    const extra = new Set([...(opts.extraInputs ?? []), ...(opts.lockInputs ?? [])]);
    const flakeInputs = opts.isFlake ? (opts.flakeInputs ?? readFlakeInputs(tree.rootNode)) : undefined;
    const nonFlake = new Set([...(flakeInputs?.inputs.values() ?? [])].filter((d) => d.flake?.value === false).map((d) => d.name));
    return new NixpkgsResolver(nixpkgsInputNames(tree, { ...opts, flakeInputs }), outputsFunction(tree), extra, nonFlake);
  }

  /** Is this input declared `flake = false` (nixpkgs sources without the flake's outputs)? */
  isNonFlake(input: string): boolean {
    return this.nonFlake.has(input);
  }

  private isNixpkgsName(name: string): boolean {
    return this.names ? this.names.has(name) : /^nixpkgs/.test(name) || this.extra.has(name);
  }

  /** `inputs` in `inputs.X`: the outputs function's `@` name or plain argument, or any `inputs` in a module. */
  private isInputsSet(node: Node, depth: number): boolean {
    node = unparen(node)!;
    if (node.type === 'variable_expression') {
      const name = field(node, 'name')!.text;
      const r = resolve(name, node);
      if (!r.binder) return !this.names && name === 'inputs';
      if (this.outputsFn && r.scope?.equals(this.outputsFn)) return field(this.outputsFn, 'universal')?.equals(r.binder) ?? false;
      if (!this.names) return name === 'inputs' && r.scope?.type === 'function_expression';
      const v = boundValue(r.binder);
      return !!v && depth < 8 && this.isInputsSet(v, depth + 1);
    }
    // `self.inputs`
    const p = selectPath(node);
    return !!p && p.length === 2 && p[0] === 'self' && p[1] === 'inputs';
  }

  /** An expression that names a nixpkgs input at `at` (`nixpkgs` or `inputs.nixpkgs`), for fixes. */
  inputExprAt(at: Node): string | undefined {
    const fn = this.outputsFn;
    if (!fn) return undefined;
    const candidates = this.names ? [...this.names].sort((a, b) => Number(b === 'nixpkgs') - Number(a === 'nixpkgs')) : ['nixpkgs'];
    const universal = field(fn, 'universal');
    for (const name of candidates) {
      const r = resolve(name, at);
      if (r.scope?.equals(fn) && !(universal && r.binder?.equals(universal))) return name;
    }
    if (universal && candidates.length > 0 && resolve(universal.text, at).binder?.equals(universal)) {
      return `${universal.text}.${candidates[0]}`;
    }
    return undefined;
  }

  /**
   * The nixpkgs input that the first `names.length` attributes of a select denote:
   * `nixpkgs` (no names), `inputs.nixpkgs` (`inputs` + [nixpkgs]), `self.inputs.nixpkgs`.
   * tree-sitter-nix makes `inputs.nixpkgs.legacyPackages.x` one select, so the input is a prefix.
   */
  refOfPath(base: Node, names: (string | undefined)[]): string | undefined {
    if (names.length === 0) return this.refOf(base)?.input;
    const [first, second] = names;
    if (names.length === 1 && first && this.isNixpkgsName(first) && this.isInputsSet(base, 0)) return first;
    if (names.length === 2 && first === 'inputs' && second && this.isNixpkgsName(second) && isVariable(base, 'self')) return second;
    return undefined;
  }

  /** The nixpkgs input an expression denotes, if any. */
  refOf(expr: Node | null, depth = 0): NixpkgsRef | undefined {
    const node = unparen(expr);
    if (!node || depth > 8) return undefined;
    if (node.type === 'variable_expression') return this.refOfName(field(node, 'name')!.text, node, node, depth);
    if (node.type === 'select_expression' && !field(node, 'default')) {
      const attrs = field(node, 'attrpath')!.childrenForFieldName('attr');
      const input = this.refOfPath(field(node, 'expression')!, attrs.map(attrName));
      return input ? { input, node } : undefined;
    }
    return undefined;
  }

  /** The nixpkgs input that `name`, as seen at `at`, denotes; `node` is the reference to report. */
  private refOfName(name: string, at: Node, node: Node, depth: number): NixpkgsRef | undefined {
    if (depth > 8) return undefined;
    const r = resolve(name, at);
    if (!r.binder) return !this.names && this.isNixpkgsName(name) ? { input: name, node } : undefined;
    if (r.scope?.type === 'function_expression') {
      // A formal of the outputs function (or, in a module, a formal named nixpkgs*).
      const isOutputs = this.outputsFn && r.scope.equals(this.outputsFn);
      if ((isOutputs || !this.names) && field(r.scope, 'universal')?.equals(r.binder) !== true && this.isNixpkgsName(name)) {
        return { input: name, node };
      }
      return undefined;
    }
    const v = boundValue(r.binder);
    if (v) {
      const ref = this.refOf(v, depth + 1);
      return ref ? { input: ref.input, node } : undefined;
    }
    const inh = r.binder.parent?.parent;
    // `inherit (inputs) nixpkgs;`
    if (inh?.type === 'inherit_from') {
      const from = field(inh, 'expression');
      if (from && this.isInputsSet(from, depth + 1) && this.isNixpkgsName(name)) return { input: name, node };
    }
    // `inherit nixpkgs;` in a let or rec set: the name as seen outside that set.
    const owner = inh?.type === 'inherit' ? inh.parent?.parent : null;
    if (owner) return this.refOfName(name, owner, node, depth + 1);
    return undefined;
  }
}

/** The `outputs = …: …` function of a flake.nix. */
/** outputsFunction per tree: it reads every top-level binding, and each request asks for it. */
const outputsMemo = new WeakMap<Tree, Node | null>();

export function outputsFunction(tree: Tree): Node | null {
  let fn = outputsMemo.get(tree);
  if (fn === undefined) outputsMemo.set(tree, (fn = findOutputsFunction(tree)));
  return fn;
}

function findOutputsFunction(tree: Tree): Node | null {
  const top = flakeAttrset(tree);
  for (const b of kids(bindingSet(top) ?? top ?? tree.rootNode)) {
    if (!top || b.type !== 'binding') continue;
    const p = attrPath(field(b, 'attrpath'));
    if (p?.length === 1 && p[0] === 'outputs') {
      const fn = unparen(field(b, 'expression'));
      return fn?.type === 'function_expression' ? fn : null;
    }
  }
  return null;
}
