// The per-URI cache: the document text, its incrementally maintained tree, and the last findings.
// Trees are deleted when replaced or closed (they live in wasm memory, not the JS heap).
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import type { Language } from 'web-tree-sitter';
import { ParsedNix, TextChange } from './parser';
import type { Finding } from './findings';

export interface DocumentState {
  doc: TextDocument;
  /** Null when the file is over the size limit (not parsed) or after a parse failure. */
  parsed: ParsedNix | null;
  findings?: { version: number; items: Finding[] };
}

export class DocumentStore {
  private readonly docs = new Map<string, DocumentState>();

  constructor(
    readonly language: Language,
    /** Documents longer than this are not parsed. */
    private readonly sizeLimit: (uri: string) => number,
  ) {}

  get(uri: string): DocumentState | undefined {
    return this.docs.get(uri);
  }

  uris(): string[] {
    return [...this.docs.keys()];
  }

  open(uri: string, languageId: string, version: number, text: string): DocumentState {
    this.close(uri);
    const doc = TextDocument.create(uri, languageId, version, text);
    const state: DocumentState = { doc, parsed: this.parse(uri, text) };
    this.docs.set(uri, state);
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
        const start = doc.offsetAt(change.range.start);
        const end = doc.offsetAt(change.range.end);
        edits.push({ start, end, newText: change.text });
      } else {
        full = true;
      }
      doc = TextDocument.update(doc, [change], version);
    }
    state.doc = doc;
    state.findings = undefined;
    const text = doc.getText();
    if (full || !state.parsed || text.length > this.sizeLimit(uri)) {
      state.parsed?.dispose();
      state.parsed = this.parse(uri, text);
    } else {
      try {
        state.parsed.update(edits);
      } catch {
        // An edit that does not fit the tree (should not happen): start again from the text.
        state.parsed.dispose();
        state.parsed = this.parse(uri, text);
      }
    }
    return state;
  }

  /** Re-parses every document, e.g. after the size limit changed. */
  reparse(uri: string): void {
    const state = this.docs.get(uri);
    if (!state) return;
    state.parsed?.dispose();
    state.parsed = this.parse(uri, state.doc.getText());
    state.findings = undefined;
  }

  close(uri: string): void {
    this.docs.get(uri)?.parsed?.dispose();
    this.docs.delete(uri);
  }

  dispose(): void {
    for (const uri of [...this.docs.keys()]) this.close(uri);
  }

  private parse(uri: string, text: string): ParsedNix | null {
    if (text.length > this.sizeLimit(uri)) return null;
    return ParsedNix.createSync(this.language, text);
  }
}
