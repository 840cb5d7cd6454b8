// flake.lock files as the server sees them: the open buffers (JSON, kept as text; never parsed as
// Nix), the text of any flake.lock (the open buffer, else the disk, within MAX_LOCK_BYTES) and the
// document links of open ones.
import type { DocumentLink, TextDocumentContentChangeEvent, TextDocumentItem } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { lockLinks } from '../lock/navigation';
import { spanRange } from './documents';
import { MAX_LOCK_BYTES, readDisk } from './workspace';

/** A flake.lock's text, or why Flake Lens does not read it; undefined when there is none. */
export type LockText = { text?: string; error?: string } | undefined;

export class LockDocuments {
  private readonly docs = new Map<string, TextDocument>();
  /** Links of open locks per version (the client asks again after each change). */
  private readonly linkCache = new Map<string, { version: number; links: DocumentLink[] }>();

  open(d: TextDocumentItem): void {
    this.docs.set(d.uri, TextDocument.create(d.uri, d.languageId, d.version, d.text));
  }

  /** Applies a didChange; false when the URI is not an open flake.lock. */
  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): boolean {
    const doc = this.docs.get(uri);
    if (!doc) return false;
    this.docs.set(uri, TextDocument.update(doc, changes, version));
    return true;
  }

  /** false when the URI was not an open flake.lock. */
  close(uri: string): boolean {
    this.linkCache.delete(uri);
    return this.docs.delete(uri);
  }

  get(uri: string): TextDocument | undefined {
    return this.docs.get(uri);
  }

  /** The text of a flake.lock: the open buffer, else the disk; an error past the limits. */
  text(lockUri: string): LockText {
    const open = this.docs.get(lockUri);
    const read = open ? { text: open.getText() } : readDisk(lockUri);
    // Past the node limit (MAX_LOCK_NODES), the lock parser itself gives the one lock-error.
    if (read && 'text' in read && read.text.length > MAX_LOCK_BYTES) {
      return { error: `flake.lock has ${read.text.length} characters, over the ${MAX_LOCK_BYTES} Flake Lens reads` };
    }
    return read;
  }

  /** The lock as a document, for positions: the open buffer, else the text `text` gives. */
  document(lockUri: string): TextDocument {
    return this.docs.get(lockUri) ?? TextDocument.create(lockUri, 'json', 0, this.text(lockUri)?.text ?? '');
  }

  /** The links of an open flake.lock (none when it is over the limits); undefined when it is not open. */
  links(uri: string): DocumentLink[] | undefined {
    const doc = this.docs.get(uri);
    if (!doc) return undefined;
    const cached = this.linkCache.get(uri);
    if (cached?.version === doc.version) return cached.links;
    const links = this.text(uri)?.error
      ? []
      : lockLinks(doc.getText()).map((l) => ({ range: spanRange(doc, l), target: l.target, tooltip: l.tooltip }));
    this.linkCache.set(uri, { version: doc.version, links });
    return links;
  }
}
