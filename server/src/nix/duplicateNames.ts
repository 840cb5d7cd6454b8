// Names bound twice in one set, `let`, `rec` set or formals list: Nix's parser rejects them,
// tree-sitter's grammar does not. Checked on every keystroke, so the findings of unchanged
// subtrees are remembered between analyses of one document.
import type { Node, Tree } from 'web-tree-sitter';
import type { GrammarGap } from './parser';
import { attrName, unparen, walkCursor } from './syntax';

/** Subtrees at least this long have their findings remembered between analyses. */
const MEMO_MIN_LENGTH = 64;

/** Sets at least this long look up their bindings in the memo all at once. */
const KNOWN_MIN_LENGTH = 4096;

/** A name a binding or inherit puts in its set; offsets relative to the remembered node. */
interface Bound {
  key: string;
  start: number;
  end: number;
  /** `a.b = …` or `a = { … }`: may meet other such bindings of `a` (Nix merges them). */
  merges: boolean;
}

/** What one subtree gave, offsets relative to its start. */
interface Entry {
  id: number;
  type: string;
  length: number;
  gaps: GrammarGap[];
  /** For a binding or inherit directly in a binding_set: the names it binds there. */
  binds?: Bound[];
  /** The nearest remembered subtrees inside it (kept when this one is reused whole). */
  kids: Entry[];
}

/**
 * One document's memo: subtrees of its analysed trees by node id. A node id is the address of a
 * subtree, and tree-sitter shares unchanged subtrees between a tree and its incremental re-parse
 * (a shared subtree is never modified: editing a tree copies it first). `kept` holds a copy of
 * each analysed tree whose subtrees the memo holds, so none of them is freed and no other subtree
 * can take its address: an id found here is that same subtree, with the same text.
 */
interface Memo {
  byId: Map<number, Entry>;
  kept: Tree[];
  /** Entries of the last analysed tree after the last clean-up. */
  live: number;
  last?: { tree: Tree; text: string; gaps: GrammarGap[] };
}

/** Analysed trees a memo keeps before a clean-up (each keeps little more than its edited path alive). */
const KEPT_TREES = 64;

/** Memos by tree: ParsedNix starts one for its tree, and each re-parse hands it to the new tree. */
const memos = new WeakMap<Tree, Memo>();

/** Remember subtrees of `tree` and of the trees that re-parse it (see carryMemo). */
export function startMemo(tree: Tree): void {
  memos.set(tree, { byId: new Map(), kept: [], live: 0 });
}

/** The new tree of an incremental re-parse inherits the old tree's memo. */
export function carryMemo(from: Tree, to: Tree): void {
  const m = memos.get(from);
  if (m) {
    memos.set(to, m);
    memos.delete(from);
  }
}

/** Frees what the memo of `tree` keeps (the document is closed). */
export function dropMemo(tree: Tree): void {
  for (const t of memos.get(tree)?.kept ?? []) t.delete();
  memos.delete(tree);
}

const shift = <T extends { start: number; end: number }>(xs: readonly T[], by: number): T[] => xs.map((x) => ({ ...x, start: x.start + by, end: x.end + by }));

interface Frame {
  type: string;
  start: number;
  /** Set when the node is remembered. */
  id?: number;
  end?: number;
  /** Index in `out` of this node's first finding. */
  from: number;
  kids?: Entry[];
  /** A binding or inherit in a binding_set: what it binds (offsets relative to its start). */
  binds?: Bound[];
  /** A binding_set: what its bindings bind, in order, each with the binding's start. */
  set?: [Bound[], number][];
  /** A binding_set: its remembered bindings by id, with their starts, found in one call. */
  known?: Map<number, [Entry, number]>;
  /** Reused from the memo: nothing to do on leaving. */
  reused?: boolean;
}

/**
 * One cursor walk. With a memo, a remembered subtree gives the findings it gave in the last
 * analysis and is not entered, so an edit re-checks only the nodes on its path. A binding_set's
 * check needs what each binding binds: every binding is remembered with that, so the set an edit
 * falls in costs one lookup per unchanged binding.
 */
export function duplicateNames(tree: Tree, text: string): GrammarGap[] {
  const memo = memos.get(tree);
  // The same tree analysed again (a lock change re-analyses its flake): the same answer.
  if (memo?.last?.tree === tree && memo.last.text === text) return memo.last.gaps.map((g) => ({ ...g }));
  const byId = memo?.byId ?? new Map<number, Entry>();
  const out: GrammarGap[] = [];
  const frames: Frame[] = [];
  // Frames of remembered nodes, innermost last: where a finished entry is recorded as a kid.
  const holders: Frame[] = [{ type: '', start: 0, from: 0, kids: [] }];
  walkCursor(
    tree.walk(),
    (cursor) => {
      const parent = frames[frames.length - 1];
      if (parent?.known) {
        // A binding of a large set: its id alone says whether it is remembered (a binding is
        // never aliased, so its type cannot differ), two calls into wasm instead of five.
        const known = parent.known.get(cursor.nodeId);
        if (known) {
          const [hit, start] = known;
          for (const g of hit.gaps) out.push({ ...g, start: g.start + start, end: g.end + start });
          parent.set!.push([hit.binds!, start]);
          holders[holders.length - 1].kids!.push(hit);
          frames.push({ type: hit.type, start, from: out.length, reused: true });
          return false;
        }
      }
      const start = cursor.startIndex;
      const end = cursor.endIndex;
      const type = cursor.nodeType;
      const bindingChild = parent?.set !== undefined && (type === 'binding' || type === 'inherit' || type === 'inherit_from');
      const frame: Frame = { type, start, from: out.length };
      if (end - start >= MEMO_MIN_LENGTH || bindingChild) {
        const id = cursor.nodeId;
        const hit = byId.get(id);
        if (hit && hit.type === type && hit.length === end - start && (!bindingChild || hit.binds)) {
          for (const g of hit.gaps) out.push({ ...g, start: g.start + start, end: g.end + start });
          if (bindingChild) parent.set!.push([hit.binds!, start]);
          holders[holders.length - 1].kids!.push(hit);
          frames.push({ type, start, from: out.length, reused: true });
          return false;
        }
        frame.id = id;
        frame.end = end;
        frame.kids = [];
        holders.push(frame);
      }
      if (bindingChild) frame.binds = bindsOf(cursor.currentNode, start);
      if (type === 'binding_set') {
        frame.set = [];
        if (end - start >= KNOWN_MIN_LENGTH) {
          frame.known = new Map();
          for (const c of cursor.currentNode.children) {
            const hit = c && byId.get(c.id);
            if (hit?.binds) frame.known.set(c!.id, [hit, c!.startIndex]);
          }
        }
      }
      if (type === 'function_expression') out.push(...formalDuplicates(cursor.currentNode));
      frames.push(frame);
      return true;
    },
    () => {
      const f = frames.pop()!;
      if (f.reused) return;
      if (f.set) out.push(...setDuplicates(f.set));
      if (f.binds) frames[frames.length - 1]?.set?.push([f.binds, f.start]);
      if (f.id === undefined) return;
      holders.pop();
      const entry: Entry = {
        id: f.id,
        type: f.type,
        length: f.end! - f.start,
        gaps: shift(out.slice(f.from), -f.start),
        binds: f.binds,
        kids: f.kids!,
      };
      byId.set(f.id, entry);
      holders[holders.length - 1].kids!.push(entry);
    },
  );
  if (memo) {
    memo.kept.push(tree.copy());
    // Entries of subtrees no longer in the tree pile up (a few per edit), and each kept tree keeps
    // its own: now and then keep only this tree and its entries.
    if (memo.kept.length > KEPT_TREES || byId.size > 2 * memo.live + 4096) {
      const live = new Map<number, Entry>();
      const stack = [...holders[0].kids!];
      for (let e = stack.pop(); e; e = stack.pop()) {
        live.set(e.id, e);
        for (const k of e.kids) stack.push(k);
      }
      for (const t of memo.kept.splice(0, memo.kept.length - 1)) t.delete();
      memo.byId = live;
      memo.live = live.size;
    }
    memo.last = { tree, text, gaps: out.map((g) => ({ ...g })) };
  }
  return out;
}

/** The names bound twice directly in one binding_set or function_expression, without a memo (the
 *  query path of parser.ts checks only the sets it cannot clear by itself). */
export function duplicatesInNode(node: Node): GrammarGap[] {
  if (node.type === 'function_expression') return formalDuplicates(node);
  const set: [Bound[], number][] = [];
  for (const c of node.namedChildren) {
    if (c && (c.type === 'binding' || c.type === 'inherit' || c.type === 'inherit_from')) set.push([bindsOf(c, c.startIndex), c.startIndex]);
  }
  return setDuplicates(set);
}

/** The names a binding or inherit binds in its set, in order, offsets relative to `start`. */
function bindsOf(node: Node, start: number): Bound[] {
  const out: Bound[] = [];
  if (node.type === 'binding') {
    const attrs = node.childForFieldName('attrpath')?.childrenForFieldName('attr') ?? [];
    const key = attrName(attrs[0] ?? null);
    if (key === undefined) return out;
    const value = unparen(node.childForFieldName('expression'));
    const literal = value?.type === 'attrset_expression' || value?.type === 'rec_attrset_expression';
    out.push({ key, start: attrs[0].startIndex - start, end: attrs[0].endIndex - start, merges: attrs.length > 1 || literal });
  } else {
    for (const a of node.childForFieldName('attrs')?.childrenForFieldName('attr') ?? []) {
      const key = attrName(a);
      if (key !== undefined) out.push({ key, start: a.startIndex - start, end: a.endIndex - start, merges: false });
    }
  }
  return out;
}

/** A name bound twice in one set, unless every binding of it is one Nix merges. */
function setDuplicates(set: readonly [Bound[], number][]): GrammarGap[] {
  const out: GrammarGap[] = [];
  // Per name: true once a binding that cannot merge (a value other than an attrset literal, an inherit) binds it.
  const plain = new Map<string, boolean>();
  for (const [binds, at] of set) {
    for (const b of binds) {
      const prev = plain.get(b.key);
      if (prev !== undefined && (prev || !b.merges)) {
        out.push({ start: b.start + at, end: b.end + at, message: `The attribute \`${b.key}\` is already defined in this set, which Nix rejects.` });
      }
      plain.set(b.key, (prev ?? false) || !b.merges);
    }
  }
  return out;
}

/** A function argument named twice in formals (`{ a, a }:`, `{ a, ... }@a:`). */
function formalDuplicates(node: Node): GrammarGap[] {
  const out: GrammarGap[] = [];
  const formals = node.childForFieldName('formals');
  if (!formals) return out;
  const seen = new Set<string>();
  const names = formals.childrenForFieldName('formal').map((f) => f.childForFieldName('name'));
  const universal = node.childForFieldName('universal');
  for (const id of universal ? [...names, universal] : names) {
    if (!id) continue;
    if (seen.has(id.text)) out.push({ start: id.startIndex, end: id.endIndex, message: `The function argument \`${id.text}\` is named twice, which Nix rejects.` });
    seen.add(id.text);
  }
  return out;
}
