// The language server: wires LSP requests to the document store, the analysis and the fixes.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeAction,
  CodeActionKind,
  CodeActionParams,
  Connection,
  DefinitionParams,
  Diagnostic,
  DiagnosticSeverity,
  DiagnosticTag,
  DidChangeConfigurationNotification,
  DocumentLink,
  ErrorCodes,
  FileChangeType,
  Hover,
  HoverParams,
  InitializeParams,
  InlayHint,
  InlayHintParams,
  InitializeResult,
  Location,
  ProposedFeatures,
  ResponseError,
  ServerCapabilities,
  TextDocumentContentChangeEvent,
  TextDocumentSyncKind,
  TextEdit,
  createConnection,
  CancellationToken,
  StreamMessageReader,
  StreamMessageWriter,
  LSPErrorCodes,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyseFlake, analyseLock, finish, nixpkgsPolicy, ruleOn, tooLarge } from '../rules/analyse';
import { markOutdated } from '../rules/nixpkgsAge';
import { inputInlayHints } from './inlayHints';
import { DEFAULT_SETTINGS, Settings, resolveSettings } from '../config';
import { DocumentContext } from '../rules/context';
import { DocumentState, DocumentStore } from './documents';
import type { Finding, Fix, Severity } from '../rules/findings';
import { fixAllEdits, ignoreEdit } from '../rules/fixes';
import { combineFollowsFixes, flakeContext, graphDto, lockNixpkgsInputs } from '../rules/flake';
import { hoverAt } from './hover';
import { flakeLinks, inputDefinition, inputHover, lockLinks, NavContext } from '../lock/navigation';
import { loadNix, ParsedNix } from '../nix/parser';
import { docsUrl, FIX_ALL_KIND, InputGraphChangedNotification, InputGraphRequest, InputGraphResult, UPDATE_LOCK_COMMAND } from '../protocol';
import { refactorsAt } from '../rules/refactors';
import { findFlakes, isLockUri, MAX_LOCK_BYTES, pathToUri, readDisk, siblingUri, uriToPath } from './workspace';
import { checkCodeActionParams, checkInputGraphParams, checkPositionParams, checkTextDocument, InvalidParams, validDidChange, validDidOpen } from './params';
import { LOCK_CHANGE_DEBOUNCE_MS, SLOW_REQUEST_MS } from './limits';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** What a diagnostic carries so `onCodeAction` can find its fixes again. */
interface DiagnosticData {
  id: string;
  version: number;
}

export class FlakeLensServer {
  private readonly settingsCache = new Map<string, Promise<Settings>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Findings of the last analysis per document, by diagnostic id. */
  private readonly published = new Map<string, Map<string, Finding>>();
  private globalSettings: Settings = DEFAULT_SETTINGS;
  private hasConfigurationCapability = false;
  private hasWorkspaceFolderCapability = false;
  private hasInlayHintRefresh = false;
  /** Open flake.lock documents (JSON, not parsed as Nix). */
  private readonly lockDocs = new Map<string, TextDocument>();
  /** flake.lock URIs we published diagnostics for, so they can be cleared. */
  private readonly lockPublished = new Set<string>();
  private workspaceFolders: string[] = [];
  /** flake.nix files found under the workspace folders; dropped when one is created or deleted. */
  private knownFlakes: string[] | undefined;
  /** Root inputs the flake.lock beside a flake.nix resolves to nixpkgs, from its last analysis. */
  private readonly lockNixpkgs = new Map<string, string[]>();
  private graphTimer: NodeJS.Timeout | undefined;
  private readonly graphChanged = new Set<string>();
  /**
   * didChange edits not yet given to the store, per URI. The text and tree are brought up to date
   * when something reads the document (a request, or the debounced analysis): a burst of
   * keystrokes costs one parse, not one per keystroke.
   */
  private readonly pendingEdits = new Map<string, { version: number; changes: TextDocumentContentChangeEvent[] }>();
  /** Debounced re-analysis of a closed flake.nix after its flake.lock changed, per lock URI. */
  private readonly lockTimers = new Map<string, NodeJS.Timeout>();
  /** Document links of open flake.locks, per version (the client asks again after each change). */
  private readonly lockLinkCache = new Map<string, { version: number; links: DocumentLink[] }>();

  private constructor(
    private readonly connection: Connection,
    private readonly store: DocumentStore,
    /** flakeLens.maxFileSize per document (settings are per resource); the default until read. */
    private readonly sizeLimits: Map<string, number>,
  ) {}

  static async initialize(connection: Connection, params: InitializeParams): Promise<FlakeLensServer> {
    const language = await loadNix();
    const limits = new Map<string, number>();
    const store = new DocumentStore(language, (uri) => limits.get(uri) ?? DEFAULT_SETTINGS.maxFileSize);
    const server = new FlakeLensServer(connection, store, limits);
    server.hasConfigurationCapability = !!params.capabilities.workspace?.configuration;
    server.hasWorkspaceFolderCapability = !!params.capabilities.workspace?.workspaceFolders;
    server.hasInlayHintRefresh = !!params.capabilities.workspace?.inlayHint?.refreshSupport;
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    server.workspaceFolders = folders.map(uriToPath).filter((p): p is string => !!p);
    return server;
  }

  capabilities(): ServerCapabilities {
    return {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      codeActionProvider: {
        codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND, CodeActionKind.RefactorRewrite],
        resolveProvider: false,
      },
      hoverProvider: true,
      definitionProvider: true,
      documentLinkProvider: { resolveProvider: false },
      inlayHintProvider: true,
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    };
  }

  register(connection: Connection): void {
    connection.onInitialized(() => {
      if (this.hasConfigurationCapability) {
        void connection.client.register(DidChangeConfigurationNotification.type, undefined);
      }
      if (this.hasWorkspaceFolderCapability) {
        connection.workspace.onDidChangeWorkspaceFolders((e) =>
          this.guard('didChangeWorkspaceFolders', () => {
            const removed = new Set(e.removed.map((f) => uriToPath(f.uri)));
            const added = e.added.map((f) => uriToPath(f.uri)).filter((p): p is string => !!p);
            this.workspaceFolders = [...this.workspaceFolders.filter((f) => !removed.has(f)), ...added];
            this.knownFlakes = undefined;
            void connection.sendNotification(InputGraphChangedNotification, { flakeUris: [] });
          }),
        );
      }
    });
    connection.onDidOpenTextDocument((p) =>
      this.guard('didOpen', () => {
        if (!validDidOpen(p)) throw new InvalidParams('didOpen: malformed params, ignored');
        this.pendingEdits.delete(p.textDocument.uri);
        if (isLockUri(p.textDocument.uri)) {
          const d = p.textDocument;
          this.lockDocs.set(d.uri, TextDocument.create(d.uri, d.languageId, d.version, d.text));
          this.lockChanged(d.uri);
          return;
        }
        this.store.open(p.textDocument.uri, p.textDocument.languageId, p.textDocument.version, p.textDocument.text);
        this.schedule(p.textDocument.uri, 0);
      }),
    );
    connection.onDidChangeTextDocument((p) =>
      this.guard('didChange', () => {
        if (!validDidChange(p)) throw new InvalidParams('didChange: malformed params, ignored');
        const uri = p.textDocument.uri;
        const lockDoc = this.lockDocs.get(uri);
        if (lockDoc) {
          this.lockDocs.set(uri, TextDocument.update(lockDoc, p.contentChanges, p.textDocument.version));
          this.lockChanged(uri, false, LOCK_CHANGE_DEBOUNCE_MS);
          return;
        }
        if (!this.store.get(uri)) return;
        const pending = this.pendingEdits.get(uri) ?? { version: p.textDocument.version, changes: [] };
        // A full-text change replaces everything before it.
        let full = p.contentChanges.length - 1;
        while (full >= 0 && TextDocumentContentChangeEvent.isIncremental(p.contentChanges[full])) full--;
        if (full >= 0) pending.changes = [];
        pending.changes.push(...p.contentChanges.slice(Math.max(full, 0)));
        pending.version = p.textDocument.version;
        this.pendingEdits.set(uri, pending);
        this.schedule(uri);
      }),
    );
    connection.onDidCloseTextDocument((p) =>
      this.guard('didClose', () => {
        this.lockLinkCache.delete(p.textDocument.uri);
        if (this.lockDocs.delete(p.textDocument.uri)) {
          // The disk version may differ from the buffer that was closed.
          this.lockChanged(p.textDocument.uri);
          return;
        }
        clearTimeout(this.timers.get(p.textDocument.uri));
        this.timers.delete(p.textDocument.uri);
        this.pendingEdits.delete(p.textDocument.uri);
        this.store.close(p.textDocument.uri);
        this.published.delete(p.textDocument.uri);
        this.lockNixpkgs.delete(p.textDocument.uri);
        this.settingsCache.delete(p.textDocument.uri);
        this.sizeLimits.delete(p.textDocument.uri);
        void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
      }),
    );
    connection.onDidChangeConfiguration((p) =>
      this.guard('didChangeConfiguration', () => {
        this.settingsCache.clear();
        // Findings cached per version were computed with the old settings.
        for (const uri of this.store.uris()) this.docState(uri)!.findings = undefined;
        if (!this.hasConfigurationCapability) this.globalSettings = resolveSettings((p.settings as { flakeLens?: unknown })?.flakeLens);
        for (const uri of this.store.uris()) this.schedule(uri, 0);
        if (this.hasInlayHintRefresh) void connection.languages.inlayHint.refresh().catch(() => undefined);
      }),
    );
    connection.onDidChangeWatchedFiles((p) =>
      this.guard('didChangeWatchedFiles', () => {
        for (const change of p.changes) {
          if (isLockUri(change.uri)) {
            if (!this.lockDocs.has(change.uri)) this.lockChanged(change.uri, change.type === FileChangeType.Deleted);
          } else if (change.uri.endsWith('/flake.nix')) {
            if (change.type !== FileChangeType.Changed) this.knownFlakes = undefined;
            this.noteGraphChange(change.uri);
          }
        }
      }),
    );
    connection.onRequest(InputGraphRequest, (p, token) => this.request('inputGraph', token, () => this.onInputGraph(checkInputGraphParams(p))));
    connection.onCodeAction((p, token) => this.request('codeAction', token, () => (checkCodeActionParams(p), this.onCodeAction(p))));
    connection.onHover((p, token) => this.request('hover', token, () => (checkPositionParams(p), this.onHover(p))));
    connection.onDefinition((p, token) => this.request('definition', token, () => (checkPositionParams(p), this.onDefinition(p))));
    connection.onDocumentLinks((p, token) => this.request('documentLinks', token, () => this.onDocumentLinks(checkTextDocument(p))));
    connection.languages.inlayHint.on((p, token) => this.request('inlayHint', token, () => (checkTextDocument(p), this.onInlayHint(p))));
    connection.onShutdown(() => {
      for (const t of this.timers.values()) clearTimeout(t);
      for (const t of this.lockTimers.values()) clearTimeout(t);
      this.store.dispose();
    });
  }

  /** Runs a notification handler; a throw is logged, never fatal. */
  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.connection.console.error(`${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }

  /**
   * Runs a request handler; a throw is logged and answered with an error response. Malformed
   * params are answered with InvalidParams. A request the client cancelled while it waited behind
   * a slow one is answered at once, without running; one that overran the time budget is logged.
   */
  private async request<T>(what: string, token: CancellationToken | undefined, fn: () => T | Promise<T>): Promise<T | ResponseError<void>> {
    if (token?.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, `Flake Lens: ${what} cancelled`);
    const t0 = performance.now();
    try {
      return await fn();
    } catch (e) {
      if (e instanceof InvalidParams) return new ResponseError(ErrorCodes.InvalidParams, `Flake Lens: ${what}: ${e.message}`);
      const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
      this.connection.console.error(`${what} failed: ${msg}`);
      return new ResponseError(ErrorCodes.InternalError, `Flake Lens: ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      const ms = performance.now() - t0;
      if (ms > SLOW_REQUEST_MS) this.connection.console.warn(`${what} took ${ms.toFixed(0)} ms, over the ${SLOW_REQUEST_MS} ms budget`);
    }
  }

  /** The open document with every pending edit applied (its tree is parsed on first use). */
  private docState(uri: string): DocumentState | undefined {
    const pending = this.pendingEdits.get(uri);
    if (pending) {
      this.pendingEdits.delete(uri);
      this.store.change(uri, pending.version, pending.changes);
    }
    return this.store.get(uri);
  }

  private settingsFor(uri: string): Promise<Settings> {
    if (!this.hasConfigurationCapability) return Promise.resolve(this.globalSettings);
    let s = this.settingsCache.get(uri);
    if (!s) {
      s = this.connection.workspace
        .getConfiguration({ scopeUri: uri, section: 'flakeLens' })
        .then(resolveSettings, () => DEFAULT_SETTINGS);
      this.settingsCache.set(uri, s);
    }
    return s;
  }

  private schedule(uri: string, delay?: number): void {
    clearTimeout(this.timers.get(uri));
    const run = () => {
      this.timers.delete(uri);
      void this.validate(uri).catch((e) => this.connection.console.error(`analysis of ${uri} failed: ${String(e?.stack ?? e)}`));
    };
    if (delay === 0) {
      this.timers.set(uri, setTimeout(run, 0));
      return;
    }
    void this.settingsFor(uri).then((s) => {
      clearTimeout(this.timers.get(uri));
      this.timers.set(uri, setTimeout(run, s.debounceMs));
    });
  }

  /** Analyses a document (if still open) and publishes its diagnostics, and those of its flake.lock. */
  async validate(uri: string): Promise<void> {
    const settings = await this.settingsFor(uri);
    const state = this.docState(uri);
    if (!state) return;
    if (settings.maxFileSize !== (this.sizeLimits.get(uri) ?? DEFAULT_SETTINGS.maxFileSize)) {
      this.sizeLimits.set(uri, settings.maxFileSize);
      if ((state.skipped === 'too-large') !== (state.doc.getText().length > settings.maxFileSize)) this.store.reparse(uri);
    }
    const { findings, lockFindings, lockUri } = settings.enable ? this.analysisOf(state, settings) : { findings: [], lockFindings: [], lockUri: undefined };
    const byId = new Map<string, Finding>();
    const diagnostics = findings.map((f, i) => {
      const id = `${state.doc.version}:${i}`;
      byId.set(id, f);
      return this.toDiagnostic(state.doc, f, { id, version: state.doc.version });
    });
    this.published.set(uri, byId);
    await this.connection.sendDiagnostics({ uri, version: state.doc.version, diagnostics });
    if (isFlakeUri(uri)) {
      await this.publishLock(lockUri ?? siblingUri(uri, 'flake.lock'), lockUri ? lockFindings : []);
      this.noteGraphChange(uri);
    }
  }

  /** The text of a flake.lock: the open buffer, else the disk; an error past the limits. */
  private lockText(lockUri: string): { text?: string; error?: string } | undefined {
    const open = this.lockDocs.get(lockUri);
    const read = open ? { text: open.getText() } : readDisk(lockUri);
    if (read && 'text' in read) {
      // Past the node limit (MAX_LOCK_NODES), the lock parser itself gives the one lock-error.
      if (read.text.length > MAX_LOCK_BYTES) return { error: `flake.lock has ${read.text.length} characters, over the ${MAX_LOCK_BYTES} Flake Lens reads` };
    }
    return read;
  }

  private analysisOf(state: DocumentState, settings: Settings): { findings: Finding[]; lockFindings: Finding[]; lockUri?: string } {
    const version = state.doc.version;
    const uri = state.doc.uri;
    const text = state.doc.getText();
    if (!state.parsed) return { findings: tooLarge(text, settings, state.skipped), lockFindings: [] };
    const isFlake = isFlakeUri(uri);
    const lockUri = isFlake ? siblingUri(uri, 'flake.lock') : undefined;
    const lock = lockUri ? this.lockText(lockUri) : undefined;
    const result = analyseFlake({
      text,
      tree: state.parsed.tree,
      isFlake,
      settings,
      now: Date.now(),
      lock: lock ? { text: lock.text, flakePath: uriToPath(uri), lockPath: lockUri && uriToPath(lockUri) } : undefined,
    });
    if (lock?.error && lockUri) {
      result.lockFindings = finish([{ code: 'lock-error', start: 0, end: 0, severity: 'error', message: lock.error, fixes: [] }], '', null, settings);
    }
    state.findings = { version, items: result.findings };
    this.lockNixpkgs.set(uri, lockNixpkgsInputs(result.lock?.graph));
    return { findings: result.findings, lockFindings: result.lockFindings, lockUri: lock ? lockUri : undefined };
  }

  private findingsOf(state: DocumentState, settings: Settings): Finding[] {
    if (state.findings?.version === state.doc.version) return state.findings.items;
    return this.analysisOf(state, settings).findings;
  }

  /** Publishes flake.lock diagnostics (positions from the lock text the findings came from). */
  private async publishLock(lockUri: string, findings: Finding[]): Promise<void> {
    if (findings.length === 0 && !this.lockPublished.has(lockUri)) return;
    const text = this.lockText(lockUri)?.text ?? '';
    const doc = this.lockDocs.get(lockUri) ?? TextDocument.create(lockUri, 'json', 0, text);
    const diagnostics = findings.map((f) => this.toDiagnostic(doc, f, { id: '', version: -1 }));
    if (findings.length) this.lockPublished.add(lockUri);
    else this.lockPublished.delete(lockUri);
    await this.connection.sendDiagnostics({ uri: lockUri, diagnostics });
  }

  /** flake.lock changed (buffer or disk): re-analyse its flake.nix, open or not, after `delay` ms. */
  private lockChanged(lockUri: string, deleted = false, delay = 0): void {
    const flakeUri = siblingUri(lockUri, 'flake.nix');
    // The hints in flake.nix show what the lock pins.
    if (this.hasInlayHintRefresh) void this.connection.languages.inlayHint.refresh().catch(() => undefined);
    if (this.store.get(flakeUri)) {
      clearTimeout(this.lockTimers.get(lockUri));
      this.lockTimers.delete(lockUri);
      // schedule() with no delay waits flakeLens.debounceMs; a burst of lock edits analyses once.
      this.schedule(flakeUri, delay === 0 ? 0 : undefined);
      return;
    }
    clearTimeout(this.lockTimers.get(lockUri));
    this.lockTimers.set(
      lockUri,
      setTimeout(() => {
        this.lockTimers.delete(lockUri);
        void this.validateClosedFlake(flakeUri, lockUri, deleted).catch((e) => this.connection.console.error(`lock analysis failed: ${String(e)}`));
      }, delay),
    );
  }

  private async validateClosedFlake(flakeUri: string, lockUri: string, deleted: boolean): Promise<void> {
    const settings = await this.settingsFor(lockUri);
    const flake = readDisk(flakeUri, settings.maxFileSize);
    const lock = deleted ? undefined : this.lockText(lockUri);
    if (!settings.enable || !lock) {
      await this.publishLock(lockUri, []);
    } else if (lock.error !== undefined) {
      await this.publishLock(lockUri, finish([{ code: 'lock-error', start: 0, end: 0, severity: 'error', message: lock.error, fixes: [] }], '', null, settings));
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
    this.noteGraphChange(flakeUri);
  }

  /** Tells the client (debounced) that the input graph of these flakes may have changed. */
  private noteGraphChange(flakeUri: string): void {
    this.graphChanged.add(flakeUri);
    clearTimeout(this.graphTimer);
    this.graphTimer = setTimeout(() => {
      const flakeUris = [...this.graphChanged];
      this.graphChanged.clear();
      void this.connection.sendNotification(InputGraphChangedNotification, { flakeUris });
    }, 300);
  }

  private async onInputGraph(uris?: string[]): Promise<InputGraphResult> {
    for (const u of this.pendingEdits.keys()) this.docState(u);
    const flakeUris = new Set<string>();
    if (uris?.length) {
      for (const u of uris) flakeUris.add(isLockUri(u) ? siblingUri(u, 'flake.nix') : u);
    } else {
      this.knownFlakes ??= this.workspaceFolders.flatMap((folder) => findFlakes(folder));
      for (const f of this.knownFlakes) flakeUris.add(pathToUri(f));
      for (const u of this.store.uris()) if (isFlakeUri(u)) flakeUris.add(u);
    }
    const flakes = [];
    for (const flakeUri of [...flakeUris].sort()) {
      const open = this.store.get(flakeUri);
      const disk = open ? undefined : readDisk(flakeUri, DEFAULT_SETTINGS.maxFileSize);
      const flakeText = open ? open.doc.getText() : disk && 'text' in disk ? disk.text : undefined;
      const lockUri = siblingUri(flakeUri, 'flake.lock');
      const lock = this.lockText(lockUri);
      let parsed: ParsedNix | undefined;
      try {
        // An open flake.nix over the parse budget keeps its verdict: parsing it again per request cost a second each.
        const tree = open ? open.parsed?.tree : flakeText !== undefined ? (parsed = ParsedNix.tryCreate(this.store.language, flakeText) ?? undefined)?.tree : undefined;
        const ctx = flakeContext({ flakeText, flakeRoot: tree?.rootNode, lockText: lock?.text });
        const name = path.basename(path.dirname(uriToPath(flakeUri) ?? flakeUri));
        const dto = graphDto(ctx, flakeUri, lock ? lockUri : undefined, name);
        const settings = await this.settingsFor(flakeUri);
        if (ruleOn(settings, 'outdated-nixpkgs')) markOutdated(dto, ctx, nixpkgsPolicy(settings, Date.now()));
        if (lock?.error) dto.problem = lock.error;
        flakes.push(dto);
      } finally {
        parsed?.dispose();
      }
    }
    return { flakes };
  }

  private toDiagnostic(doc: TextDocument, f: Finding, data: DiagnosticData): Diagnostic {
    const d: Diagnostic = {
      range: { start: doc.positionAt(f.start), end: doc.positionAt(f.end) },
      severity: SEVERITY[f.severity],
      source: 'flake-lens',
      code: f.code,
      codeDescription: { href: docsUrl(f.code) },
      message: f.message,
      data,
    };
    if (f.related?.length) {
      d.relatedInformation = f.related.map((r) => {
        // A location in the other file of the flake (flake.nix ↔ flake.lock): positions from its text.
        const other = r.file ? this.otherDocument(pathToFileURL(r.file).href) : doc;
        return {
          location: { uri: other.uri, range: { start: other.positionAt(r.start), end: other.positionAt(r.end) } },
          message: r.message,
        };
      });
    }
    if (f.tags?.length) d.tags = f.tags.map((t) => (t === 'unnecessary' ? DiagnosticTag.Unnecessary : DiagnosticTag.Deprecated));
    return d;
  }

  private async onCodeAction(p: CodeActionParams): Promise<CodeAction[]> {
    const uri = p.textDocument.uri;
    const state = this.docState(uri);
    if (!state) return [];
    const doc = state.doc;
    const only = p.context.only;
    const wants = (kind: string) => !only || only.some((o) => kind === o || kind.startsWith(`${o}.`));
    const actions: CodeAction[] = [];
    const byId = this.published.get(uri);
    // A diagnostic from the current version is found by its id. One from before the last edit
    // (the editor has moved it along with the text, the server has not republished yet) is
    // matched by code and range against a fresh analysis, so fixes never blink out while typing.
    let fresh: Finding[] | undefined;
    const current = async (d: Diagnostic): Promise<Finding | undefined> => {
      const data = d.data as DiagnosticData | undefined;
      if (data && data.version === doc.version) return byId?.get(data.id);
      fresh ??= state.parsed ? this.findingsOf(state, await this.settingsFor(uri)) : [];
      const start = doc.offsetAt(d.range.start);
      const end = doc.offsetAt(d.range.end);
      return fresh.find((f) => f.code === d.code && f.start === start && f.end === end);
    };

    if (wants(CodeActionKind.QuickFix)) {
      for (const d of p.context.diagnostics) {
        if (d.source !== 'flake-lens') continue;
        const f = await current(d);
        if (!f) continue;
        for (const fix of f.fixes.filter((x) => (x.kind ?? 'quickfix') === 'quickfix')) {
          actions.push(this.action(doc, fix, [d], CodeActionKind.QuickFix));
        }
        // After moving to another branch the lock is stale too: offer to re-lock, as for stale-lock.
        if (f.code === 'stale-lock' || f.code === 'unsupported-nixpkgs-branch') {
          actions.push({
            title: 'Update flake.lock (nix flake lock)',
            kind: CodeActionKind.QuickFix,
            diagnostics: [d],
            command: { title: 'Update flake.lock', command: UPDATE_LOCK_COMMAND, arguments: [uri] },
          });
        }
        if (f.code === 'missing-follows') {
          const all = combineFollowsFixes([...(byId?.values() ?? [])]);
          if (all) actions.push(this.action(doc, all, [d], CodeActionKind.QuickFix));
        }
        const ignore = ignoreEdit(doc.getText(), f);
        actions.push({
          title: `Ignore ${f.code} on this line`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          edit: { changes: { [uri]: [this.textEdit(doc, ignore)] } },
        });
      }
    }

    if (wants(FIX_ALL_KIND) && (only?.length ?? 0) > 0) {
      const settings = await this.settingsFor(uri);
      const findings = settings.enable ? this.findingsOf(state, settings) : [];
      const edits = fixAllEdits(findings);
      if (edits.length > 0) {
        actions.push({
          title: 'Fix all Flake Lens problems that have a safe fix',
          kind: FIX_ALL_KIND,
          edit: { changes: { [uri]: edits.map((e) => this.textEdit(doc, e)) } },
        });
      }
    }

    if (wants(CodeActionKind.RefactorRewrite) && state.parsed) {
      const settings = await this.settingsFor(uri);
      const ctx = this.contextFor(state, settings);
      for (const fix of refactorsAt(ctx, doc.offsetAt(p.range.start), doc.offsetAt(p.range.end))) {
        actions.push(this.action(doc, fix, [], CodeActionKind.RefactorRewrite));
      }
    }
    return actions;
  }

  private contextFor(state: DocumentState, settings: Settings): DocumentContext {
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

  private action(doc: TextDocument, fix: Fix, diagnostics: Diagnostic[], kind: string): CodeAction {
    return {
      title: fix.title,
      kind,
      diagnostics: diagnostics.length ? diagnostics : undefined,
      isPreferred: fix.preferred,
      edit: { changes: { [doc.uri]: fix.edits.map((e) => this.textEdit(doc, e)) } },
    };
  }

  private textEdit(doc: TextDocument, e: { start: number; end: number; newText: string }): TextEdit {
    return { range: { start: doc.positionAt(e.start), end: doc.positionAt(e.end) }, newText: e.newText };
  }

  private async onHover(p: HoverParams): Promise<Hover | null> {
    const state = this.docState(p.textDocument.uri);
    if (!state?.parsed) return null;
    const settings = await this.settingsFor(p.textDocument.uri);
    const doc = state.doc;
    const ctx = this.contextFor(state, settings);
    const offset = doc.offsetAt(p.position);
    const h = hoverAt(ctx, offset) ?? (isFlakeUri(doc.uri) ? inputHover(this.navFor(state), offset) : undefined);
    if (!h) return null;
    return {
      contents: { kind: 'markdown', value: h.markdown },
      range: { start: doc.positionAt(h.start), end: doc.positionAt(h.end) },
    };
  }

  /** flake.nix with its flake.lock, for input navigation; the parsed lock is shared with the analysis (memoised by text). */
  private navFor(state: DocumentState): NavContext {
    const lockUri = siblingUri(state.doc.uri, 'flake.lock');
    const flakeRoot = state.parsed?.tree.rootNode;
    return { ...flakeContext({ flakeText: state.doc.getText(), flakeRoot, lockText: this.lockText(lockUri)?.text }), flakeRoot };
  }

  private onDefinition(p: DefinitionParams): Location | null {
    const state = this.docState(p.textDocument.uri);
    if (!state?.parsed || !isFlakeUri(state.doc.uri)) return null;
    const nav = this.navFor(state);
    const target = inputDefinition(nav, state.doc.offsetAt(p.position));
    if (!target) return null;
    if (target.file === 'flake') {
      return { uri: state.doc.uri, range: { start: state.doc.positionAt(target.start), end: state.doc.positionAt(target.end) } };
    }
    const lockUri = siblingUri(state.doc.uri, 'flake.lock');
    const lockDoc = TextDocument.create(lockUri, 'json', 0, nav.lockText ?? '');
    return { uri: lockUri, range: { start: lockDoc.positionAt(target.start), end: lockDoc.positionAt(target.end) } };
  }

  /** An open document, or the file's text from disk, for positions in related locations. */
  private otherDocument(uri: string): TextDocument {
    const open = this.docState(uri)?.doc ?? this.lockDocs.get(uri);
    if (open) return open;
    const disk = readDisk(uri);
    return TextDocument.create(uri, 'plaintext', 0, disk && 'text' in disk ? disk.text : '');
  }

  private async onInlayHint(p: InlayHintParams): Promise<InlayHint[]> {
    const state = this.store.get(p.textDocument.uri);
    if (!state?.parsed || !isFlakeUri(state.doc.uri)) return [];
    const settings = await this.settingsFor(state.doc.uri);
    if (!settings.enable || !settings.inlayHints.enable) return [];
    const doc = state.doc;
    const from = doc.offsetAt(p.range.start);
    const to = doc.offsetAt(p.range.end);
    return inputInlayHints(this.navFor(state), Date.now())
      .filter((h) => h.offset >= from && h.offset <= to)
      .map((h) => ({ position: doc.positionAt(h.offset), label: h.label, tooltip: h.tooltip, paddingLeft: true }));
  }

  private onDocumentLinks(uri: string): DocumentLink[] {
    const lockDoc = this.lockDocs.get(uri);
    if (lockDoc) {
      const cached = this.lockLinkCache.get(uri);
      if (cached?.version === lockDoc.version) return cached.links;
      const links = this.lockText(uri)?.error
        ? []
        : lockLinks(lockDoc.getText()).map((l) => ({
            range: { start: lockDoc.positionAt(l.start), end: lockDoc.positionAt(l.end) },
            target: l.target,
            tooltip: l.tooltip,
          }));
      this.lockLinkCache.set(uri, { version: lockDoc.version, links });
      return links;
    }
    const state = this.docState(uri);
    if (!state?.parsed || !isFlakeUri(uri)) return [];
    return flakeLinks(this.navFor(state)).map((l) => ({
      range: { start: state.doc.positionAt(l.start), end: state.doc.positionAt(l.end) },
      target: l.target,
      tooltip: l.tooltip,
    }));
  }
}

/** contextFor's last context per tree (a tree is never changed after parsing). */
const contexts = new WeakMap<object, { settings: Settings; lock: readonly string[] | undefined; ctx: DocumentContext }>();

export function isFlakeUri(uri: string): boolean {
  return path.posix.basename(uri.split(/[?#]/)[0]) === 'flake.nix';
}

/** Starts the server on the transport given on the command line (--stdio, --node-ipc, --socket). */
export function main(): void {
  const streams = streamsWithExitOnBadHeader();
  const connection = streams ? createConnection(ProposedFeatures.all, ...streams) : createConnection(ProposedFeatures.all);
  let server: FlakeLensServer | undefined;
  let initializing = false;
  connection.onInitialize(async (params): Promise<InitializeResult> => {
    // The spec allows one initialize; a second one would register every handler twice.
    if (initializing) throw new ResponseError(ErrorCodes.InvalidRequest, 'Flake Lens: the server is already initialized');
    initializing = true;
    server = await FlakeLensServer.initialize(connection, params);
    server.register(connection);
    return { capabilities: server.capabilities(), serverInfo: { name: 'flake-lens', version: VERSION } };
  });
  // Requests with no handler: before initialize, every one (its handlers are registered then).
  connection.onRequest((method: string) =>
    server
      ? new ResponseError(ErrorCodes.MethodNotFound, `Flake Lens: unhandled method ${method}`)
      : new ResponseError(ErrorCodes.ServerNotInitialized, `Flake Lens: ${method} before initialize`),
  );
  process.on('uncaughtException', (e) => connection.console.error(`uncaught: ${e.stack ?? e.message}`));
  process.on('unhandledRejection', (e) => connection.console.error(`unhandled rejection: ${String(e)}`));
  connection.listen();
}

/**
 * For --stdio, the message streams of the connection, made here so that a corrupt
 * header (`Content-Length: abc`) ends the server with an error log: the stream cannot be re-synced
 * (the reader does not know where the next message starts), and a server that neither answers nor
 * exits hangs its client. The client restarts a server that exits. Empty for other transports
 * (node IPC carries whole messages), where createConnection picks the transport itself.
 */
function streamsWithExitOnBadHeader(): [StreamMessageReader, StreamMessageWriter] | undefined {
  if (!process.argv.includes('--stdio')) return undefined;
  const reader = new StreamMessageReader(process.stdin);
  reader.onError((e) => {
    process.stderr.write(`flake-lens: unreadable message from the client, exiting: ${e.message}\n`);
    process.exit(1);
  });
  return [reader, new StreamMessageWriter(process.stdout)];
}

declare const FLAKE_LENS_VERSION: string | undefined;
const VERSION = typeof FLAKE_LENS_VERSION === 'string' ? FLAKE_LENS_VERSION : 'dev';

if (require.main === module) main();
