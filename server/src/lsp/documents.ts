// The per-URI cache: the document text, its incrementally maintained tree, and the last findings.
// Trees live in wasm memory, which never shrinks: they are deleted when replaced or closed, and
// only the most recently used documents keep one (others are re-parsed when next needed).
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import type { Language } from 'web-tree-sitter';
import { ParsedNix, TextChange } from '../nix/parser';
import type { Finding } from '../rules/findings';

/** How many documents keep a tree: the files a person edits at once. Re-parsing another one
 * when it is next used costs milliseconds; each tree kept raises the wasm memory high-water mark. */
export const MAX_TREES = 6;

export class DocumentState {
  findings?: { version: number; items: Finding[] };
  /** For least-recently-used eviction. */
  lastUse = 0;
  private tree: ParsedNix | null;
  private evicted = false;

  constructor(
    public doc: TextDocument,
    private readonly store: DocumentStore,
  ) {
    this.tree = store.parseText(doc.uri, doc.getText());
    store.touch(this);
  }

  /** The tree, re-parsed if it was evicted; null when the file is over the size limit. */
  get parsed(): ParsedNix | null {
    if (this.evicted) {
      this.evicted = false;
      this.tree = this.store.parseText(this.doc.uri, this.doc.getText());
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
      } catch {
        // An edit that does not fit the tree (should not happen): start again from the text.
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

  private replace(tree: ParsedNix | null): void {
    this.tree?.dispose();
    this.tree = tree;
    this.evicted = false;
  }
}

export class DocumentStore {
  private readonly docs = new Map<string, DocumentState>();
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
    for (const change of changes) {
      if ('range' in change) {
        edits.push({ start: doc.offsetAt(change.range.start), end: doc.offsetAt(change.range.end), newText: change.text });
      } else {
        full = true;
      }
      doc = TextDocument.update(doc, [change], version);
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
  }

  dispose(): void {
    for (const uri of [...this.docs.keys()]) this.close(uri);
  }

  /** Parses a text, or null when it is over the size limit. */
  parseText(uri: string, text: string): ParsedNix | null {
    if (text.length > this.sizeLimit(uri)) return null;
    return ParsedNix.createSync(this.language, text);
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
