// flake.lock (versions 5–7) as data with offsets. Pure and total: any text gives a result,
// problems come back as LockError values pointing into the text, never as exceptions.
import { JsonMember, JsonObject, JsonValue, member, parseJson, toPlain } from './json';

/** A flake reference's attributes as stored in `locked`/`original` (github, git, path, ...). */
export type RefAttrs = { type: string } & Record<string, string | number | boolean>;

/** An input either names a node (`"nixpkgs": "nixpkgs_2"`) or follows a path from the root. */
export type InputTarget = { kind: 'node'; node: string } | { kind: 'follows'; path: string[] };

export interface LockInput {
  name: string;
  target: InputTarget;
  /** Offsets of the key and of the value in the lock text. */
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
}

export interface LockNode {
  key: string;
  /** `"key": {...}` — the key's offsets, and the node object's. */
  keyStart: number;
  keyEnd: number;
  start: number;
  end: number;
  inputs: LockInput[];
  locked?: RefAttrs;
  original?: RefAttrs;
  /** False for `flake = false` inputs (plain sources). */
  flake: boolean;
  /** Newer Nix: for relative `path:` inputs, the input path of the flake they are relative to. */
  parent?: string[];
}

export interface LockFile {
  version: number;
  root: string;
  nodes: Map<string, LockNode>;
}

export type LockErrorCode =
  | 'invalid-json'
  | 'invalid-structure'
  | 'unsupported-version'
  | 'missing-root'
  | 'missing-node'
  | 'missing-follows-target'
  | 'follows-cycle'
  | 'too-many-nodes'
  | 'too-many-values';

export interface LockError {
  code: LockErrorCode;
  message: string;
  start: number;
  end: number;
}

export interface LockParseResult {
  /** Present whenever the text had a usable shape, even if some errors were found. */
  lock?: LockFile;
  errors: LockError[];
}

export const SUPPORTED_LOCK_VERSIONS = [5, 6, 7];

/**
 * Locks with more nodes, or more JSON values, are not analysed (one lock-error instead): every
 * request must stay fast on any lock it accepts. The largest real lock we know has 367 nodes and
 * 5,892 values; the values limit also bounds locks of few nodes with huge `inputs` objects.
 */
export const MAX_LOCK_NODES = 5_000;
export const MAX_LOCK_VALUES = 100_000;

export function parseLock(text: string): LockParseResult {
  const json = parseJson(text, MAX_LOCK_VALUES);
  if (!json.ok && json.error.tooManyValues) {
    // Where the parser stopped says nothing to the reader: the error goes on the first character.
    return {
      errors: [{
        code: 'too-many-values',
        message: `flake.lock has more than ${MAX_LOCK_VALUES} JSON values; Flake Lens analyses locks of at most ${MAX_LOCK_VALUES} values and ${MAX_LOCK_NODES} nodes`,
        start: 0,
        end: Math.min(1, text.length),
      }],
    };
  }
  if (!json.ok) {
    const at = json.error.offset;
    return {
      errors: [{ code: 'invalid-json', message: `flake.lock is not valid JSON: ${json.error.message}`, start: at, end: Math.min(at + 1, text.length) }],
    };
  }
  const top = json.value;
  const errors: LockError[] = [];
  if (top.kind !== 'object') {
    return { errors: [{ code: 'invalid-structure', message: 'flake.lock must contain a JSON object', start: top.start, end: top.end }] };
  }
  const version = member(top, 'version');
  if (!version || version.value.kind !== 'number') {
    const at = version ?? undefined;
    return {
      errors: [{ code: 'unsupported-version', message: 'flake.lock has no version number', start: at ? at.keyStart : top.start, end: at ? at.value.end : top.start + 1 }],
    };
  }
  const v = version.value.value as number;
  if (!SUPPORTED_LOCK_VERSIONS.includes(v)) {
    return {
      errors: [{ code: 'unsupported-version', message: `unsupported lock file version ${v} (supported: 5 to 7)`, start: version.value.start, end: version.value.end }],
    };
  }
  const rootM = member(top, 'root');
  const rootKey = rootM && rootM.value.kind === 'string' ? (rootM.value.value as string) : rootM ? undefined : 'root';
  const nodesM = member(top, 'nodes');
  if (!nodesM || nodesM.value.kind !== 'object') {
    const span = nodesM ? nodesM.value : top;
    return { errors: [{ code: 'invalid-structure', message: 'flake.lock has no "nodes" object', start: span.start, end: nodesM ? span.end : span.start + 1 }] };
  }
  const count = nodesM.value.members.length;
  if (count > MAX_LOCK_NODES) {
    return {
      errors: [{
        code: 'too-many-nodes',
        message: `flake.lock has ${count} nodes; Flake Lens analyses locks of at most ${MAX_LOCK_NODES} nodes`,
        start: nodesM.keyStart,
        end: nodesM.keyEnd,
      }],
    };
  }
  const nodes = new Map<string, LockNode>();
  for (const m of nodesM.value.members) {
    const node = readNode(m, errors);
    if (node) nodes.set(node.key, node);
  }
  if (rootKey === undefined) {
    errors.push({ code: 'missing-root', message: '"root" must name a node', start: rootM!.value.start, end: rootM!.value.end });
    return { errors };
  }
  if (!nodes.has(rootKey)) {
    const span = rootM ? rootM.value : nodesM.value;
    errors.push({ code: 'missing-root', message: `root node '${rootKey}' is missing`, start: span.start, end: rootM ? span.end : span.start + 1 });
    return { errors };
  }
  const lock: LockFile = { version: v, root: rootKey, nodes };
  for (const node of nodes.values()) {
    for (const input of node.inputs) {
      if (input.target.kind === 'node' && !nodes.has(input.target.node)) {
        errors.push({
          code: 'missing-node',
          message: `input '${input.name}' of node '${node.key}' refers to missing node '${input.target.node}'`,
          start: input.valueStart,
          end: input.valueEnd,
        });
      }
    }
  }
  errors.push(...checkFollows(lock));
  return { lock, errors };
}

function readNode(m: JsonMember, errors: LockError[]): LockNode | undefined {
  const v = m.value;
  if (v.kind !== 'object') {
    errors.push({ code: 'invalid-structure', message: `node '${m.key}' must be an object`, start: v.start, end: v.end });
    return undefined;
  }
  const node: LockNode = { key: m.key, keyStart: m.keyStart, keyEnd: m.keyEnd, start: v.start, end: v.end, inputs: [], flake: true };
  const inputs = member(v, 'inputs');
  if (inputs) {
    if (inputs.value.kind !== 'object') {
      errors.push({ code: 'invalid-structure', message: `inputs of node '${m.key}' must be an object`, start: inputs.value.start, end: inputs.value.end });
    } else {
      for (const im of inputs.value.members) {
        const target = readTarget(im.value);
        if (!target) {
          errors.push({
            code: 'invalid-structure',
            message: `input '${im.key}' of node '${m.key}' must be a node name or a list of input names`,
            start: im.value.start,
            end: im.value.end,
          });
          continue;
        }
        node.inputs.push({ name: im.key, target, keyStart: im.keyStart, keyEnd: im.keyEnd, valueStart: im.value.start, valueEnd: im.value.end });
      }
    }
  }
  node.locked = readAttrs(v, 'locked', m.key, errors);
  node.original = readAttrs(v, 'original', m.key, errors);
  const flake = member(v, 'flake');
  if (flake && flake.value.kind === 'boolean') node.flake = flake.value.value as boolean;
  const parent = member(v, 'parent');
  if (parent) {
    const t = readTarget(parent.value);
    if (t?.kind === 'follows') node.parent = t.path;
  }
  return node;
}

function readTarget(v: JsonValue): InputTarget | undefined {
  if (v.kind === 'string') return { kind: 'node', node: v.value as string };
  if (v.kind === 'array' && v.items.every((i) => i.kind === 'string')) {
    return { kind: 'follows', path: v.items.map((i) => (i as { value: string }).value) };
  }
  return undefined;
}

function readAttrs(obj: JsonObject, key: string, nodeKey: string, errors: LockError[]): RefAttrs | undefined {
  const m = member(obj, key);
  if (!m) return undefined;
  if (m.value.kind !== 'object' || !m.value.members.every((x) => x.value.kind !== 'object' && x.value.kind !== 'array' && x.value.kind !== 'null')) {
    errors.push({ code: 'invalid-structure', message: `'${key}' of node '${nodeKey}' must be an object of strings, numbers and booleans`, start: m.value.start, end: m.value.end });
    return undefined;
  }
  const attrs = toPlain(m.value) as RefAttrs;
  if (typeof attrs.type !== 'string') {
    errors.push({ code: 'invalid-structure', message: `'${key}' of node '${nodeKey}' has no type`, start: m.value.start, end: m.value.end });
    return undefined;
  }
  return attrs;
}

// Inputs by name for nodes with many inputs: a root with 20,000 follows would make resolving
// them all quadratic with a linear search.
const inputIndex = new WeakMap<LockNode, Map<string, LockInput>>();

export function getInput(node: LockNode, name: string): LockInput | undefined {
  if (node.inputs.length <= 16) {
    for (const i of node.inputs) if (i.name === name) return i;
    return undefined;
  }
  let index = inputIndex.get(node);
  if (!index) {
    index = new Map();
    for (const i of node.inputs) if (!index.has(i.name)) index.set(i.name, i);
    inputIndex.set(node, index);
  }
  return index.get(name);
}

export type Resolution =
  | { ok: true; node: string }
  | { ok: false; code: 'missing-follows-target' | 'follows-cycle' | 'missing-node'; message: string };

// Per-lock memo of follows resolutions (node + input name), so follows whose paths go through
// other follows cost linear, not exponential, time. Locks are never mutated after parsing.
const memos = new WeakMap<LockFile, Map<string, Resolution>>();
function memoFor(lock: LockFile): Map<string, Resolution> {
  let m = memos.get(lock);
  if (!m) memos.set(lock, (m = new Map()));
  return m;
}

/**
 * Walks input names from the root, following `follows` entries as Nix does
 * (LockFile::findInput). `[]` is the root itself. Detects cycles instead of looping, and uses an
 * explicit stack: a lock decides how deep follows go through other follows (20,000 is easy).
 */
export function resolvePath(lock: LockFile, path: string[]): Resolution {
  const memo = memoFor(lock);
  // One frame per follows being resolved; `key` is the (node, input) it resolves, for the memo.
  type Frame = { path: string[]; k: number; cur: string; key?: string };
  const stack: Frame[] = [{ path, k: 0, cur: lock.root }];
  const active = new Set<string>();
  let done: Resolution | undefined; // the result of the frame just popped
  for (;;) {
    const f = stack[stack.length - 1];
    let r: Resolution | undefined;
    if (done) {
      if (done.ok) {
        f.cur = done.node;
        f.k++;
      } else r = done;
      done = undefined;
    }
    let pushed = false;
    while (!r && f.k < f.path.length) {
      const node = lock.nodes.get(f.cur);
      if (!node) {
        r = { ok: false, code: 'missing-node', message: `node '${f.cur}' is missing` };
        break;
      }
      const input = getInput(node, f.path[f.k]);
      if (!input) {
        r = { ok: false, code: 'missing-follows-target', message: `'${f.path.slice(0, f.k + 1).join('/')}' does not exist` };
        break;
      }
      if (input.target.kind === 'node') {
        f.cur = input.target.node;
        f.k++;
        continue;
      }
      const key = `${f.cur}\u0000${input.name}`;
      const known = memo.get(key);
      if (known) {
        if (!known.ok) r = known;
        else {
          f.cur = known.node;
          f.k++;
        }
        continue;
      }
      if (active.has(key)) {
        r = { ok: false, code: 'follows-cycle', message: `follows cycle through '${f.path.slice(0, f.k + 1).join('/')}'` };
        break;
      }
      active.add(key);
      stack.push({ path: input.target.path, k: 0, cur: lock.root, key });
      pushed = true;
      break;
    }
    if (pushed) continue;
    r ??= lock.nodes.has(f.cur) ? { ok: true, node: f.cur } : { ok: false, code: 'missing-node', message: `node '${f.cur}' is missing` };
    stack.pop();
    if (f.key !== undefined) {
      active.delete(f.key);
      // Safe to keep even when a cycle was hit through an outer frame: that frame is reachable
      // from this input and reaches it, so this input is on the cycle too.
      memo.set(f.key, r);
    }
    if (stack.length === 0) return r;
    done = r;
  }
}

/** Resolves one input of a node to the node it ends up at. */
export function resolveInput(lock: LockFile, input: LockInput): Resolution {
  if (input.target.kind === 'node') {
    return lock.nodes.has(input.target.node)
      ? { ok: true, node: input.target.node }
      : { ok: false, code: 'missing-node', message: `node '${input.target.node}' is missing` };
  }
  return resolvePath(lock, input.target.path);
}

function checkFollows(lock: LockFile): LockError[] {
  const errors: LockError[] = [];
  // Memoise per follows path: a 2,000-node lock repeats the same few paths many times.
  const cache = new Map<string, Resolution>();
  for (const node of lock.nodes.values()) {
    for (const input of node.inputs) {
      if (input.target.kind !== 'follows') continue;
      const key = input.target.path.join('\u0000');
      let r = cache.get(key);
      if (!r) {
        r = resolvePath(lock, input.target.path);
        cache.set(key, r);
      }
      if (r.ok || r.code === 'missing-node') continue; // missing nodes are reported once, above
      errors.push({
        code: r.code,
        message:
          r.code === 'follows-cycle'
            ? `input '${input.name}' of node '${node.key}' follows '${input.target.path.join('/')}', which leads back to itself`
            : `input '${input.name}' of node '${node.key}' follows '${input.target.path.join('/')}': ${r.message}`,
        start: input.valueStart,
        end: input.valueEnd,
      });
    }
  }
  return errors;
}
