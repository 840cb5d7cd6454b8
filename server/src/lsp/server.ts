// The language server: wires LSP requests to the document store, the analysis and the fixes.
import {
  CodeActionKind,
  Connection,
  DefinitionParams,
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
  TextDocumentSyncKind,
  createConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { inputInlayHints } from './inlayHints';
import { DocumentState, DocumentStore } from './documents';
import { flakeContext } from '../rules/flake';
import { hoverAt } from './hover';
import { flakeLinks, inputDefinition, inputHover, NavContext } from '../lock/navigation';
import { loadNix } from '../nix/parser';
import { FIX_ALL_KIND, InputGraphRequest } from '../protocol';
import { isFlakeUri, isLockUri, siblingUri } from './workspace';
import { checkCodeActionParams, checkInputGraphParams, checkPositionParams, checkTextDocument, InvalidParams, validDidChange, validDidOpen } from './params';
import { LOCK_CHANGE_DEBOUNCE_MS } from './limits';
import { ResourceSettings } from './resourceSettings';
import { LockDocuments } from './lockDocuments';
import { Analysis } from './analysis';
import { AnalysisScheduler } from './analysisScheduler';
import { CodeActions } from './codeActions';
import { InputGraphs } from './inputGraph';
import { RequestGuard, unhandledRequest } from './requestGuard';

export class FlakeLensServer {
  private hasWorkspaceFolderCapability = false;
  private hasInlayHintRefresh = false;
  private readonly guard: RequestGuard;

  private constructor(
    private readonly connection: Connection,
    private readonly store: DocumentStore,
    private readonly settings: ResourceSettings,
    private readonly locks: LockDocuments,
    private readonly inputGraphs: InputGraphs,
    private readonly analysis: Analysis,
    private readonly scheduler: AnalysisScheduler,
    private readonly codeActions: CodeActions,
  ) {
    this.guard = new RequestGuard(connection.console);
  }

  static async initialize(connection: Connection, params: InitializeParams): Promise<FlakeLensServer> {
    const language = await loadNix();
    const settings = new ResourceSettings(connection, !!params.capabilities.workspace?.configuration);
    const store = new DocumentStore(language, (uri) => settings.sizeLimit(uri));
    const locks = new LockDocuments();
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    const inputGraphs = new InputGraphs(connection, store, locks, settings, folders);
    const analysis = new Analysis(connection, store, locks, settings, (flakeUri) => inputGraphs.noteChange(flakeUri));
    const scheduler = new AnalysisScheduler(analysis, store, settings, connection.console);
    const codeActions = new CodeActions(store, analysis, settings);
    const server = new FlakeLensServer(connection, store, settings, locks, inputGraphs, analysis, scheduler, codeActions);
    server.hasWorkspaceFolderCapability = !!params.capabilities.workspace?.workspaceFolders;
    server.hasInlayHintRefresh = !!params.capabilities.workspace?.inlayHint?.refreshSupport;
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
      if (this.settings.canAsk) {
        void connection.client.register(DidChangeConfigurationNotification.type, undefined);
      }
      if (this.hasWorkspaceFolderCapability) {
        connection.workspace.onDidChangeWorkspaceFolders(
          this.guard.notification('didChangeWorkspaceFolders', (e) => this.inputGraphs.foldersChanged(e)),
        );
      }
    });
    connection.onDidOpenTextDocument(
      this.guard.notification('didOpen', (p) => {
        if (!validDidOpen(p)) throw new InvalidParams('didOpen: malformed params, ignored');
        if (isLockUri(p.textDocument.uri)) {
          this.locks.open(p.textDocument);
          this.lockChanged(p.textDocument.uri);
          return;
        }
        this.store.open(p.textDocument.uri, p.textDocument.languageId, p.textDocument.version, p.textDocument.text);
        this.scheduler.schedule(p.textDocument.uri, 'now');
      }),
    );
    connection.onDidChangeTextDocument(
      this.guard.notification('didChange', (p) => {
        if (!validDidChange(p)) throw new InvalidParams('didChange: malformed params, ignored');
        const uri = p.textDocument.uri;
        if (this.locks.change(uri, p.textDocument.version, p.contentChanges)) {
          this.lockChanged(uri, false, LOCK_CHANGE_DEBOUNCE_MS);
          return;
        }
        if (this.store.queueChange(uri, p.textDocument.version, p.contentChanges)) this.scheduler.schedule(uri, 'debounced');
      }),
    );
    connection.onDidCloseTextDocument(
      this.guard.notification('didClose', (p) => {
        if (this.locks.close(p.textDocument.uri)) {
          // The disk version may differ from the buffer that was closed.
          this.lockChanged(p.textDocument.uri);
          return;
        }
        this.scheduler.cancel(p.textDocument.uri);
        this.store.close(p.textDocument.uri);
        this.analysis.closed(p.textDocument.uri);
        this.settings.forget(p.textDocument.uri);
      }),
    );
    connection.onDidChangeConfiguration(
      this.guard.notification('didChangeConfiguration', (p) => {
        this.settings.changed(p.settings);
        // Findings cached per version were computed with the old settings.
        for (const uri of this.store.uris()) this.store.current(uri)!.findings = undefined;
        for (const uri of this.store.uris()) this.scheduler.schedule(uri, 'now');
        if (this.hasInlayHintRefresh) void connection.languages.inlayHint.refresh().catch(() => undefined);
      }),
    );
    connection.onDidChangeWatchedFiles(
      this.guard.notification('didChangeWatchedFiles', (p) => {
        for (const change of p.changes) {
          if (isLockUri(change.uri)) {
            if (!this.locks.get(change.uri)) this.lockChanged(change.uri, change.type === FileChangeType.Deleted);
          } else if (isFlakeUri(change.uri)) {
            this.inputGraphs.flakeFileChanged(change.uri, change.type);
          }
        }
      }),
    );
    const guard = this.guard;
    connection.onRequest(InputGraphRequest, guard.request('inputGraph', (p) => this.inputGraphs.graphs(checkInputGraphParams(p))));
    connection.onCodeAction(guard.request('codeAction', (p) => this.codeActions.provide(checkCodeActionParams(p))));
    connection.onHover(guard.request('hover', (p) => this.onHover(checkPositionParams(p))));
    connection.onDefinition(guard.request('definition', (p) => this.onDefinition(checkPositionParams(p))));
    connection.onDocumentLinks(guard.request('documentLinks', (p) => this.onDocumentLinks(checkTextDocument(p))));
    connection.languages.inlayHint.on(guard.request('inlayHint', (p) => (checkTextDocument(p), this.onInlayHint(p))));
    connection.onShutdown(() => {
      this.scheduler.dispose();
      this.store.dispose();
    });
  }

  /** flake.lock changed (buffer or disk): its flake is re-analysed, and its hints show what the lock pins. */
  private lockChanged(lockUri: string, deleted = false, delay = 0): void {
    if (this.hasInlayHintRefresh) void this.connection.languages.inlayHint.refresh().catch(() => undefined);
    this.scheduler.lockChanged(lockUri, deleted, delay);
  }

  private async onHover(p: HoverParams): Promise<Hover | null> {
    const state = this.store.current(p.textDocument.uri);
    if (!state?.parsed) return null;
    const settings = await this.settings.get(p.textDocument.uri);
    const doc = state.doc;
    const ctx = this.analysis.context(state, settings);
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
    return { ...flakeContext({ flakeText: state.doc.getText(), flakeRoot, lockText: this.locks.text(lockUri)?.text }), flakeRoot };
  }

  private onDefinition(p: DefinitionParams): Location | null {
    const state = this.store.current(p.textDocument.uri);
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

  private async onInlayHint(p: InlayHintParams): Promise<InlayHint[]> {
    const state = this.store.get(p.textDocument.uri);
    if (!state?.parsed || !isFlakeUri(state.doc.uri)) return [];
    const settings = await this.settings.get(state.doc.uri);
    if (!settings.enable || !settings.inlayHints.enable) return [];
    const doc = state.doc;
    const from = doc.offsetAt(p.range.start);
    const to = doc.offsetAt(p.range.end);
    return inputInlayHints(this.navFor(state), Date.now())
      .filter((h) => h.offset >= from && h.offset <= to)
      .map((h) => ({ position: doc.positionAt(h.offset), label: h.label, tooltip: h.tooltip, paddingLeft: true }));
  }

  private onDocumentLinks(uri: string): DocumentLink[] {
    const lockLinks = this.locks.links(uri);
    if (lockLinks) return lockLinks;
    const state = this.store.current(uri);
    if (!state?.parsed || !isFlakeUri(uri)) return [];
    return flakeLinks(this.navFor(state)).map((l) => ({
      range: { start: state.doc.positionAt(l.start), end: state.doc.positionAt(l.end) },
      target: l.target,
      tooltip: l.tooltip,
    }));
  }
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
  connection.onRequest((method: string) => unhandledRequest(method, !!server));
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
