// Runs the rules on the documents and publishes their diagnostics: an open flake.nix or .nix file
// (with the flake.lock beside a flake.nix, whose diagnostics are published too), or a flake.lock
// whose flake.nix is not open (the flake.nix is read from disk). Keeps what later requests need
// from the last analysis: the findings behind each published diagnostic, and which root inputs
// the lock says are nixpkgs.
import type { Connection } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Settings } from '../config';
import { ParsedNix } from '../nix/parser';
import { analyseFlake, analyseLock, finish, tooLarge } from '../rules/analyse';
import { DocumentContext } from '../rules/context';
import type { Finding } from '../rules/findings';
import { lockNixpkgsInputs } from '../rules/flake';
import { DiagnosticData, toDiagnostic } from './diagnostics';
import type { DocumentState, DocumentStore } from './documents';
import type { LockDocuments } from './lockDocuments';
import type { ResourceSettings } from './resourceSettings';
import { isFlakeUri, readDisk, siblingUri, uriToPath } from './workspace';

export class Analysis {
  /** Findings of the last published analysis per document, by diagnostic id. */
  private readonly published = new Map<string, Map<string, Finding>>();
  /** flake.lock URIs with published diagnostics, so they can be cleared. */
  private readonly lockPublished = new Set<string>();
  /** Root inputs the flake.lock beside a flake.nix resolves to nixpkgs, from its last analysis. */
  private readonly lockNixpkgs = new Map<string, string[]>();

  constructor(
    private readonly connection: Connection,
    private readonly store: DocumentStore,
    private readonly locks: LockDocuments,
    private readonly settings: ResourceSettings,
    /** Called when the findings of a flake (and so maybe its input graph) were published. */
    private readonly flakeAnalysed: (flakeUri: string) => void,
  ) {}

  /** Analyses a document (if still open) and publishes its diagnostics, and those of its flake.lock. */
  async publish(uri: string): Promise<void> {
    const settings = await this.settings.get(uri);
    const state = this.store.current(uri);
    if (!state) return;
    if (this.settings.updateSizeLimit(uri, settings.maxFileSize)) {
      if ((state.skipped === 'too-large') !== (state.doc.getText().length > settings.maxFileSize)) this.store.reparse(uri);
    }
    const { findings, lockFindings, lockUri } = settings.enable ? this.analyse(state, settings) : { findings: [], lockFindings: [], lockUri: undefined };
    const byId = new Map<string, Finding>();
    const diagnostics = findings.map((f, i) => {
      const id = `${state.doc.version}:${i}`;
      byId.set(id, f);
      return this.diagnostic(state.doc, f, { id, version: state.doc.version });
    });
    this.published.set(uri, byId);
    await this.connection.sendDiagnostics({ uri, version: state.doc.version, diagnostics });
    if (isFlakeUri(uri)) {
      await this.publishLock(lockUri ?? siblingUri(uri, 'flake.lock'), lockUri ? lockFindings : []);
      this.flakeAnalysed(uri);
    }
  }

  /** Analyses and publishes a flake.lock whose flake.nix is not open (deleted: clears its diagnostics). */
  async publishLockAlone(lockUri: string, deleted: boolean): Promise<void> {
    const flakeUri = siblingUri(lockUri, 'flake.nix');
    const settings = await this.settings.get(lockUri);
    const flake = readDisk(flakeUri, settings.maxFileSize);
    const lock = deleted ? undefined : this.locks.text(lockUri);
    if (!settings.enable || !lock) {
      await this.publishLock(lockUri, []);
    } else if (lock.error !== undefined) {
      await this.publishLock(lockUri, unreadableLock(lock.error, settings));
    } else if (!flake || !('text' in flake)) {
      await this.publishLock(lockUri, analyseLock(lock.text ?? '', settings, Date.now()));
    } else {
      const parsed = ParsedNix.tryCreate(this.store.language, flake.text);
      try {
        // A flake.nix over the parse budget: the lock's own rules only.
        const now = Date.now();
        const r = parsed ? analyseFlake({ text: flake.text, tree: parsed.tree, isFlake: true, settings, now, lock: { text: lock.text } }) : { lockFindings: analyseLock(lock.text ?? '', settings, now) };
        await this.publishLock(lockUri, r.lockFindings);
      } finally {
        parsed?.dispose();
      }
    }
    this.flakeAnalysed(flakeUri);
  }

  /** The document was closed: forget it and clear its diagnostics. */
  closed(uri: string): void {
    this.published.delete(uri);
    this.lockNixpkgs.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  /** The findings behind the diagnostics last published for a document, by diagnostic id. */
  publishedFindings(uri: string): Map<string, Finding> | undefined {
    return this.published.get(uri);
  }

  /** The findings of the document's current version (from its last analysis when that is current). */
  findings(state: DocumentState, settings: Settings): Finding[] {
    if (state.findings?.version === state.doc.version) return state.findings.items;
    return this.analyse(state, settings).findings;
  }

  /** What hover and refactors read of a parsed document, with what its last analysis learned of the lock. */
  context(state: DocumentState, settings: Settings): DocumentContext {
    // One context per tree, settings and lock: hovers reuse what it computed (the imports walk).
    const tree = state.parsed!.tree;
    const lockNixpkgsInputs = this.lockNixpkgs.get(state.doc.uri);
    const kept = contexts.get(tree);
    if (kept && kept.settings === settings && kept.lock === lockNixpkgsInputs) return kept.ctx;
    const ctx = new DocumentContext(state.doc.getText(), tree, {
      isFlake: isFlakeUri(state.doc.uri),
      extraNixpkgsInputs: settings.nixpkgsInputs,
      lockNixpkgsInputs,
    });
    contexts.set(tree, { settings, lock: lockNixpkgsInputs, ctx });
    return ctx;
  }

  private analyse(state: DocumentState, settings: Settings): { findings: Finding[]; lockFindings: Finding[]; lockUri?: string } {
    const version = state.doc.version;
    const uri = state.doc.uri;
    const text = state.doc.getText();
    if (!state.parsed) return { findings: tooLarge(text, settings, state.skipped), lockFindings: [] };
    const isFlake = isFlakeUri(uri);
    const lockUri = isFlake ? siblingUri(uri, 'flake.lock') : undefined;
    const lock = lockUri ? this.locks.text(lockUri) : undefined;
    const result = analyseFlake({
      text,
      tree: state.parsed.tree,
      isFlake,
      settings,
      now: Date.now(),
      lock: lock ? { text: lock.text, flakePath: uriToPath(uri), lockPath: lockUri && uriToPath(lockUri) } : undefined,
    });
    if (lock?.error && lockUri) result.lockFindings = unreadableLock(lock.error, settings);
    state.findings = { version, items: result.findings };
    this.lockNixpkgs.set(uri, lockNixpkgsInputs(result.lock?.graph));
    return { findings: result.findings, lockFindings: result.lockFindings, lockUri: lock ? lockUri : undefined };
  }

  /** Publishes flake.lock diagnostics (positions from the lock text the findings came from). */
  private async publishLock(lockUri: string, findings: Finding[]): Promise<void> {
    if (findings.length === 0 && !this.lockPublished.has(lockUri)) return;
    const doc = this.locks.document(lockUri);
    const diagnostics = findings.map((f) => this.diagnostic(doc, f, { id: '', version: -1 }));
    if (findings.length) this.lockPublished.add(lockUri);
    else this.lockPublished.delete(lockUri);
    await this.connection.sendDiagnostics({ uri: lockUri, diagnostics });
  }

  private diagnostic(doc: TextDocument, f: Finding, data: DiagnosticData) {
    return toDiagnostic(doc, f, data, (uri) => this.documentOf(uri));
  }

  /** An open document, or the file's text from disk, for positions in related locations. */
  private documentOf(uri: string): TextDocument {
    const open = this.store.current(uri)?.doc ?? this.locks.get(uri);
    if (open) return open;
    const disk = readDisk(uri);
    const text = disk && 'text' in disk ? disk.text : '';
    // Kept while the text is unchanged: every finding with a related location would otherwise
    // index the whole file's lines again (31 findings on a 2.4 MB lock: 500 ms).
    const known = this.diskDocs.get(uri);
    if (known?.getText() === text) return known;
    const doc = TextDocument.create(uri, 'plaintext', 0, text);
    if (this.diskDocs.size >= 8) this.diskDocs.delete(this.diskDocs.keys().next().value!);
    this.diskDocs.set(uri, doc);
    return doc;
  }

  private readonly diskDocs = new Map<string, TextDocument>();
}

/** context()'s last context per tree (a tree is never changed after parsing). */
const contexts = new WeakMap<object, { settings: Settings; lock: readonly string[] | undefined; ctx: DocumentContext }>();

/** The one lock-error of a flake.lock Flake Lens does not read (over the limits, unreadable). */
function unreadableLock(message: string, settings: Settings): Finding[] {
  return finish([{ code: 'lock-error', start: 0, end: 0, severity: 'error', message, fixes: [] }], '', null, settings);
}
