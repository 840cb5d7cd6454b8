// The language server: wires LSP messages to the components that handle them. Each lives in its
// own file: documents.ts (open Nix documents), lockDocuments.ts (flake.lock texts),
// resourceSettings.ts, analysis.ts and analysisScheduler.ts (diagnostics, and when they are
// computed), codeActions.ts, navigation.ts (hover, definition, links, inlay hints),
// inputGraph.ts (the input graph view) and requestGuard.ts (how every handler runs).
import {
  CodeActionKind,
  Connection,
  DidChangeConfigurationNotification,
  ErrorCodes,
  FileChangeType,
  InitializeParams,
  InitializeResult,
  ProposedFeatures,
  ResponseError,
  ServerCapabilities,
  TextDocumentSyncKind,
  createConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver/node';
import type { Language } from 'web-tree-sitter';
import { loadNix } from '../nix/parser';
import { FIX_ALL_KIND, InputGraphRequest } from '../protocol';
import { Analysis } from './analysis';
import { AnalysisScheduler } from './analysisScheduler';
import { CodeActions } from './codeActions';
import { DocumentStore } from './documents';
import { InputGraphs } from './inputGraph';
import { LOCK_CHANGE_DEBOUNCE_MS } from './limits';
import { LockDocuments } from './lockDocuments';
import { Navigation } from './navigation';
import { checkCodeActionParams, checkInputGraphParams, checkPositionParams, checkRangeParams, checkTextDocument, InvalidParams, validDidChange, validDidOpen } from './params';
import { RequestGuard, unhandledRequest } from './requestGuard';
import { ResourceSettings } from './resourceSettings';
import { isFlakeUri, isLockUri } from './workspace';

export class FlakeLensServer {
  private readonly guard: RequestGuard;
  private readonly settings: ResourceSettings;
  private readonly store: DocumentStore;
  private readonly locks = new LockDocuments();
  private readonly inputGraphs: InputGraphs;
  private readonly analysis: Analysis;
  private readonly scheduler: AnalysisScheduler;
  private readonly codeActions: CodeActions;
  private readonly navigation: Navigation;
  private readonly hasWorkspaceFolderCapability: boolean;
  private readonly hasInlayHintRefresh: boolean;

  private constructor(
    private readonly connection: Connection,
    language: Language,
    params: InitializeParams,
  ) {
    const client = params.capabilities.workspace;
    this.hasWorkspaceFolderCapability = !!client?.workspaceFolders;
    this.hasInlayHintRefresh = !!client?.inlayHint?.refreshSupport;
    this.guard = new RequestGuard(connection.console);
    this.settings = new ResourceSettings(connection, !!client?.configuration);
    this.store = new DocumentStore(language, (uri) => this.settings.sizeLimit(uri));
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    this.inputGraphs = new InputGraphs(connection, this.store, this.locks, this.settings, folders);
    this.analysis = new Analysis(connection, this.store, this.locks, this.settings, (flakeUri) => this.inputGraphs.noteChange(flakeUri));
    this.scheduler = new AnalysisScheduler(this.analysis, this.store, this.settings, connection.console);
    this.codeActions = new CodeActions(this.store, this.analysis, this.settings);
    this.navigation = new Navigation(this.store, this.locks, this.analysis, this.settings);
  }

  static async initialize(connection: Connection, params: InitializeParams): Promise<FlakeLensServer> {
    return new FlakeLensServer(connection, await loadNix(), params);
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

  register(): void {
    const { connection, guard } = this;
    connection.onInitialized(() => {
      if (this.settings.canAsk) {
        void connection.client.register(DidChangeConfigurationNotification.type, undefined);
      }
      if (this.hasWorkspaceFolderCapability) {
        connection.workspace.onDidChangeWorkspaceFolders(guard.notification('didChangeWorkspaceFolders', (e) => this.inputGraphs.foldersChanged(e)));
      }
    });
    connection.onDidOpenTextDocument(
      guard.notification('didOpen', (p) => {
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
      guard.notification('didChange', (p) => {
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
      guard.notification('didClose', (p) => {
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
      guard.notification('didChangeConfiguration', (p) => {
        this.settings.changed(p.settings);
        // Findings cached per version were computed with the old settings.
        for (const uri of this.store.uris()) this.store.current(uri)!.findings = undefined;
        for (const uri of this.store.uris()) this.scheduler.schedule(uri, 'now');
        this.refreshInlayHints();
      }),
    );
    connection.onDidChangeWatchedFiles(
      guard.notification('didChangeWatchedFiles', (p) => {
        for (const change of p.changes) {
          if (isLockUri(change.uri)) {
            if (!this.locks.get(change.uri)) this.lockChanged(change.uri, change.type === FileChangeType.Deleted);
          } else if (isFlakeUri(change.uri)) {
            this.inputGraphs.flakeFileChanged(change.uri, change.type);
          }
        }
      }),
    );
    connection.onRequest(InputGraphRequest, guard.request('inputGraph', (p) => this.inputGraphs.graphs(checkInputGraphParams(p))));
    connection.onCodeAction(guard.request('codeAction', (p) => this.codeActions.provide(checkCodeActionParams(p))));
    connection.onHover(guard.request('hover', (p) => this.navigation.hover(checkPositionParams(p))));
    connection.onDefinition(guard.request('definition', (p) => this.navigation.definition(checkPositionParams(p))));
    connection.onDocumentLinks(guard.request('documentLinks', (p) => this.navigation.links(checkTextDocument(p))));
    connection.languages.inlayHint.on(guard.request('inlayHint', (p) => this.navigation.inlayHints(checkRangeParams(p))));
    connection.onShutdown(() => {
      this.scheduler.dispose();
      this.store.dispose();
    });
  }

  /** flake.lock changed (buffer or disk): its flake is re-analysed, and its hints show what the lock pins. */
  private lockChanged(lockUri: string, deleted = false, delay = 0): void {
    this.refreshInlayHints();
    this.scheduler.lockChanged(lockUri, deleted, delay);
  }

  private refreshInlayHints(): void {
    if (this.hasInlayHintRefresh) void this.connection.languages.inlayHint.refresh().catch(() => undefined);
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
    server.register();
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
