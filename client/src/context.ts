// The context owns the language client, the output channel and all disposables, so a restart
// or deactivation tears everything down in one place.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';
import { UPDATE_LOCK_COMMAND } from '../../server/src/protocol';
import { nixOnPath } from './inputsCommands';

export class Context {
  client: LanguageClient | undefined;
  /** Set by the Flake Inputs view once it exists. */
  inputsTree: vscode.TreeDataProvider<unknown> | undefined;
  readonly output: vscode.LogOutputChannel;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly clientListeners: (() => void)[] = [];

  /** flake.lock (re-locked by nix) and flake.nix changed outside the editor; kept across restarts. */
  private readonly watchers: vscode.FileSystemWatcher[];

  constructor(readonly extension: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('Flake Lens', { log: true });
    this.watchers = ['**/flake.lock', '**/flake.nix'].map((glob) => vscode.workspace.createFileSystemWatcher(glob));
    this.push(this.output, ...this.watchers);
  }

  push(...d: vscode.Disposable[]): void {
    this.disposables.push(...d);
  }

  /** Runs `f` each time a language client has started (after a restart too). */
  onClientReady(f: () => void): void {
    this.clientListeners.push(f);
    if (this.client?.isRunning()) f();
  }

  async start(): Promise<void> {
    const serverModule = this.extension.asAbsolutePath(path.join('dist', 'server.js'));
    const serverOptions: ServerOptions = {
      run: { module: serverModule, transport: TransportKind.ipc },
      debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { language: 'nix', scheme: 'file' },
        { language: 'nix', scheme: 'untitled' },
        { language: 'nix', scheme: 'vscode-vfs' },
        // flake.lock is JSON: the server diagnoses it but does not parse it as Nix.
        { scheme: 'file', pattern: '**/flake.lock' },
      ],
      synchronize: {
        configurationSection: 'flakeLens',
        fileEvents: this.watchers,
      },
      outputChannel: this.output,
      traceOutputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: { workspaceTrusted: vscode.workspace.isTrusted },
      middleware: {
        // "Update flake.lock" runs nix: offer it only where that is allowed and possible.
        provideCodeActions: async (document, range, context, token, next) => {
          // A request that reaches a client being replaced (restart) or shut down gets no actions, not an error.
          if (client !== this.client || !client.isRunning()) return undefined;
          let actions: Awaited<ReturnType<typeof next>>;
          try {
            actions = await next(document, range, context, token);
          } catch (e) {
            if (client.isRunning()) throw e;
            return undefined;
          }
          if (!actions || (vscode.workspace.isTrusted && nixOnPath())) return actions;
          return actions.filter((a) => !('command' in a && a.command && typeof a.command !== 'string' && a.command.command === UPDATE_LOCK_COMMAND));
        },
      },
    };
    const client = new LanguageClient('flakeLens', 'Flake Lens', serverOptions, clientOptions);
    this.client = client;
    const names: Record<number, string> = { [State.Stopped]: 'stopped', [State.Starting]: 'starting', [State.Running]: 'running' };
    this.push(client.onDidChangeState((e) => this.output.info(`server ${names[e.oldState]} → ${names[e.newState]}`)));
    await client.start();
    this.output.info(`Flake Lens server started (${serverModule})`);
    for (const f of this.clientListeners) f();
  }

  async restart(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    if (old) {
      try {
        // dispose, not stop: a stopped client can be started again by a late request.
        await old.dispose();
      } catch (e) {
        this.output.warn(`stopping the server failed: ${String(e)}`);
      }
      // Our output channel was passed in options, so the client leaves it open.
    }
    await this.start();
  }

  async dispose(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.dispose().catch(() => undefined);
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
