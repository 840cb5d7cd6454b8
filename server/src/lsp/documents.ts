// The per-URI cache: the document text, its incrementally maintained tree, and the last findings.
// Trees live in wasm memory, which never shrinks: they are deleted when replaced or closed, and
// only the most recently used documents keep one (others are re-parsed when next needed).
import { TextDocument } from 'vscode-languageserver-textdocument';
import { TextDocumentContentChangeEvent, type Position, type Range } from 'vscode-languageserver';
import type { Language } from 'web-tree-sitter';
import { PARSE_BUDGET_MS, ParsedNix, TextChange } from '../nix/parser';
import type { Finding } from '../rules/findings';

/** How many documents keep a tree: the files a person edits at once. Re-parsing another one
 * when it is next used costs milliseconds; each tree kept raises the wasm memory high-water mark. */
export const MAX_TREES = 6;

/** Why a document has no tree: over the size limit, or its parse went over the time budget. */
export type SkipReason = 'too-large' | 'too-complex';

export class DocumentState {
  findings?: { version: number; items: Finding[] };
  /** For least-recently-used eviction. */
  lastUse = 0;
  /** Set when the document is not parsed, and why. */
  skipped?: SkipReason;
  private tree: ParsedNix | null = null;
  private evicted = false;

  constructor(
    public doc: TextDocument,
    private readonly store: DocumentStore,
  ) {
    this.replace(store.parseText(doc.uri, doc.getText()));
    store.touch(this);
  }

  /** The tree, re-parsed if it was evicted; null when the file is skipped (see `skipped`). */
  get parsed(): ParsedNix | null {
    if (this.evicted) {
      this.replace(this.store.parseText(this.doc.uri, this.doc.getText()));
      this.store.touch(this);
      this.store.evictBeyondLimit();
    }
    this.store.touch(this);
    return this.tree;
  }

  /** Applies edits to the tree incrementally when there is one; parses afresh otherwise. */
  update(edits: TextChange[] | 'full'): void {
    const text = this.doc.getText();
    if (edits === 'full' || !this.tree || this.evicted || text.length > this.store.limitFor(this.doc.uri)) {
      this.replace(this.store.parseText(this.doc.uri, text));
    } else {
      try {
        this.tree.update(edits);
        if (this.tree.text !== text) throw new Error('tree out of step with the document');
      } catch {
        // Over the time budget, or an edit that does not fit the tree (should not happen):
        // never keep a tree of another text. Parse afresh in both cases: re-using a pathological
        // old tree can cost more than parsing the new text, and the verdict must be the one a
        // fresh open of this text gets (parseText applies the same budget).
        this.replace(this.store.parseText(this.doc.uri, text));
      }
    }
    this.store.touch(this);
  }

  reparse(): void {
    this.replace(this.store.parseText(this.doc.uri, this.doc.getText()));
  }

  get hasTree(): boolean {
    return this.tree !== null && !this.evicted;
  }

  evict(): void {
    if (!this.hasTree) return;
    this.tree!.dispose();
    this.tree = null;
    this.evicted = true;
  }

  dispose(): void {
    this.tree?.dispose();
    this.tree = null;
  }

  private replace(tree: ParsedNix | SkipReason): void {
    this.tree?.dispose();
    this.tree = typeof tree === 'string' ? null : tree;
    this.skipped = typeof tree === 'string' ? tree : undefined;
    this.evicted = false;
  }
}

/**
 * The offsets an LSP range denotes in `doc`, or undefined when it is not a range at all. Clients
 * may send anything: a start after the end is swapped (as the text library does), fractional
 * numbers are rounded down, negative ones and lines or characters past the end are clamped.
 */
export function rangeOffsets(doc: TextDocument, range: unknown): { start: number; end: number } | undefined {
  if (typeof range !== 'object' || range === null) return undefined;
  const a = positionOf((range as { start?: unknown }).start);
  const b = positionOf((range as { end?: unknown }).end);
  if (!a || !b) return undefined;
  const start = doc.offsetAt(a);
  const end = doc.offsetAt(b);
  return start <= end ? { start, end } : { start: end, end: start };
}

/** The LSP range of offsets `start`–`end` in `doc` (what rules, hovers and links give). */
export function spanRange(doc: TextDocument, span: { start: number; end: number }): Range {
  return { start: doc.positionAt(span.start), end: doc.positionAt(span.end) };
}

function positionOf(p: unknown): Position | undefined {
  if (typeof p !== 'object' || p === null) return undefined;
  const { line, character } = p as { line?: unknown; character?: unknown };
  if (typeof line !== 'number' || typeof character !== 'number' || !Number.isFinite(line) || !Number.isFinite(character)) return undefined;
  // Lines past the end map to the end of the text, characters past a line to its end (offsetAt).
  return { line: Math.max(0, Math.floor(line)), character: Math.max(0, Math.floor(character)) };
}

export class DocumentStore {
  private readonly docs = new Map<string, DocumentState>();
  /**
   * didChange edits not yet applied, per URI. The text and tree are brought up to date when
   * something reads the document (`current`): a burst of keystrokes costs one parse, not one each.
   */
  private readonly queued = new Map<string, { version: number; changes: TextDocumentContentChangeEvent[] }>();
  private clock = 0;

  constructor(
    readonly language: Language,
    /** Documents longer than this are not parsed. */
    private readonly sizeLimit: (uri: string) => number,
    private readonly maxTrees = MAX_TREES,
  ) {}

  get(uri: string): DocumentState | undefined {
    return this.docs.get(uri);
  }

  uris(): string[] {
    return [...this.docs.keys()];
  }

  /** The document with every queued edit applied (its tree is parsed on first use). */
  current(uri: string): DocumentState | undefined {
    const queued = this.queued.get(uri);
    if (queued) {
      this.queued.delete(uri);
      this.change(uri, queued.version, queued.changes);
    }
    return this.docs.get(uri);
  }

  /** Applies every queued edit. */
  applyQueued(): void {
    for (const uri of [...this.queued.keys()]) this.current(uri);
  }

  /** Queues a didChange of an open document for `current`; false when the document is not open. */
  queueChange(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): boolean {
    if (!this.docs.has(uri)) return false;
    const queued = this.queued.get(uri) ?? { version, changes: [] };
    // A full-text change replaces everything before it.
    const full = changes.map((c) => !TextDocumentContentChangeEvent.isIncremental(c)).lastIndexOf(true);
    if (full >= 0) queued.changes = changes.slice(full);
    else queued.changes.push(...changes);
    queued.version = version;
    this.queued.set(uri, queued);
    return true;
  }

  open(uri: string, languageId: string, version: number, text: string): DocumentState {
    this.close(uri);
    const state = new DocumentState(TextDocument.create(uri, languageId, version, text), this);
    this.docs.set(uri, state);
    this.evictBeyondLimit();
    return state;
  }

  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): DocumentState | undefined {
    const state = this.docs.get(uri);
    if (!state) return undefined;
    const edits: TextChange[] = [];
    let full = false;
    let doc = state.doc;
    for (const change of Array.isArray(changes) ? changes : []) {
      if (typeof change !== 'object' || change === null || typeof change.text !== 'string') continue;
      if ('range' in change) {
        // The TextDocument gets the range rebuilt from the offsets the tree gets, so both copies
        // of the text apply the same edit whatever the client sent.
        const r = rangeOffsets(doc, change.range);
        if (!r) continue;
        edits.push({ start: r.start, end: r.end, newText: change.text });
        doc = TextDocument.update(doc, [{ range: spanRange(doc, r), text: change.text }], version);
      } else {
        full = true;
        doc = TextDocument.update(doc, [{ text: change.text }], version);
      }
    }
    state.doc = doc;
    state.findings = undefined;
    state.update(full ? 'full' : edits);
    this.evictBeyondLimit();
    return state;
  }

  /** Re-parses a document, e.g. after the size limit changed. */
  reparse(uri: string): void {
    const state = this.docs.get(uri);
    if (!state) return;
    state.reparse();
    state.findings = undefined;
  }

  close(uri: string): void {
    this.docs.get(uri)?.dispose();
    this.docs.delete(uri);
    this.queued.delete(uri);
  }

  dispose(): void {
    for (const uri of [...this.docs.keys()]) this.close(uri);
  }

  /** Parses a text, or says why not: over the size limit, or over the parse time budget. */
  parseText(uri: string, text: string): ParsedNix | SkipReason {
    if (text.length > this.sizeLimit(uri)) return 'too-large';
    // Edited: the duplicate-name check keeps what it found per subtree for the next keystroke.
    return ParsedNix.tryCreate(this.language, text, PARSE_BUDGET_MS, { edited: true }) ?? 'too-complex';
  }

  limitFor(uri: string): number {
    return this.sizeLimit(uri);
  }

  touch(state: DocumentState): void {
    state.lastUse = ++this.clock;
  }

  evictBeyondLimit(): void {
    const live = [...this.docs.values()].filter((s) => s.hasTree);
    if (live.length <= this.maxTrees) return;
    live.sort((a, b) => a.lastUse - b.lastUse);
    for (const s of live.slice(0, live.length - this.maxTrees)) s.evict();
  }
}
