// "Flake Lens: Show Input Graph": one webview panel per flake, drawing its flake.lock as a layered
// graph. The panel sends the webview a model (pure data); the webview lays it out and draws it.
// Clicks and context-menu actions come back here and run the Flake Inputs view's own commands.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { InputGraphRequest, type FlakeGraphDto } from '../../../server/src/protocol';
import type { Context } from '../context';
import type { InputsItem } from '../inputsTree';
import { buildModel, inputPathTo } from './model';
import type { FromWebview, ToWebview } from './webview/messages';

export const VIEW_TYPE = 'flakeLens.inputGraph';
export const SHOW_COMMAND = 'flakeLens.showInputGraph';

type InputItem = Extract<InputsItem, { kind: 'input' }>;

/** What VS Code passes to a webview/context menu command: the node's data-vscode-context. */
interface MenuArg {
  flakeUri?: string;
  node?: string;
}

export class InputGraphPanel {
  private static readonly panels = new Map<string, InputGraphPanel>();
  private flake: FlakeGraphDto | undefined;
  private ready = false;

  static show(ctx: Context, flakeUri: string): InputGraphPanel {
    const existing = InputGraphPanel.panels.get(flakeUri);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const ext = ctx.extension.extensionUri;
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, `Inputs: ${path.basename(path.dirname(vscode.Uri.parse(flakeUri).path))}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      // Only the graph's script and stylesheet: nothing from the workspace, nothing remote.
      localResourceRoots: [vscode.Uri.joinPath(ext, 'media', 'graph'), vscode.Uri.joinPath(ext, 'dist', 'webview')],
    });
    const p = new InputGraphPanel(ctx, panel, flakeUri);
    InputGraphPanel.panels.set(flakeUri, p);
    return p;
  }

  static of(flakeUri: string | undefined): InputGraphPanel | undefined {
    return flakeUri ? InputGraphPanel.panels.get(flakeUri) : undefined;
  }

  static refreshAll(): void {
    for (const p of InputGraphPanel.panels.values()) void p.load();
  }

  static get all(): InputGraphPanel[] {
    return [...InputGraphPanel.panels.values()];
  }

  private constructor(
    private readonly ctx: Context,
    readonly panel: vscode.WebviewPanel,
    readonly flakeUri: string,
  ) {
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'flake-lens.svg');
    panel.webview.html = this.html();
    panel.webview.onDidReceiveMessage((m: FromWebview) => void this.onMessage(m));
    panel.onDidDispose(() => InputGraphPanel.panels.delete(flakeUri));
    void this.load();
  }

  /** Fetches this flake's graph from the server and sends it to the webview (if it is listening). */
  async load(): Promise<void> {
    const client = this.ctx.client;
    if (!client) return;
    try {
      const result = await client.sendRequest(InputGraphRequest, { uris: [this.flakeUri] });
      this.flake = result.flakes.find((f) => f.flakeUri === this.flakeUri) ?? result.flakes[0];
    } catch (e) {
      this.ctx.output.error(`flakeLens/inputGraph failed: ${String(e)}`);
      return;
    }
    if (this.flake) this.panel.title = `Inputs: ${this.flake.name}`;
    this.post();
  }

  private post(): void {
    if (!this.ready || !this.flake) return;
    const msg: ToWebview = {
      type: 'graph',
      flakeUri: this.flakeUri,
      model: buildModel(this.flake, Date.now()),
    };
    void this.panel.webview.postMessage(msg);
  }

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.post();
        return;
      case 'open':
        return this.open(m.node);
      case 'export':
        return this.export(m.format, m.text);
      case 'showTree':
        // The view every lock fits in: it builds rows only as they are expanded.
        await vscode.commands.executeCommand('flakeLens.inputs.focus');
        return;
    }
  }

  /**
   * The tree item the Flake Inputs view would pass for this node: reached through the input that
   * flake.nix declares (or that has the follows fix, when `want` says so), else its shortest path.
   */
  item(nodeKey: string, want: 'declaration' | 'addFollows' = 'declaration'): InputItem | undefined {
    const flake = this.flake;
    const found = flake && inputPathTo(flake, nodeKey, want);
    if (!flake || !found) return undefined;
    // The id only names tree rows; this item is passed to the tree's commands, never shown.
    return { kind: 'input', flake, id: `graph:${JSON.stringify(found.path)}`, path: found.path, edge: found.edge, node: flake.nodes[nodeKey], expandable: false };
  }

  /** A click on a node: its declaration in flake.nix, else its node in flake.lock. */
  async open(nodeKey: string): Promise<void> {
    if (nodeKey === this.flake?.root) {
      await vscode.window.showTextDocument(vscode.Uri.parse(this.flakeUri));
      return;
    }
    const item = this.item(nodeKey);
    if (!item) return;
    if (item.edge.declaration) await vscode.commands.executeCommand('flakeLens.inputs.goToDeclaration', item);
    else if (item.node?.lockRange && item.flake.lockUri) await vscode.commands.executeCommand('flakeLens.inputs.openInLock', item);
  }

  private async export(format: 'svg' | 'dot', text: string): Promise<void> {
    const dir = vscode.Uri.joinPath(vscode.Uri.parse(this.flakeUri), '..');
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(dir, `flake-inputs.${format}`),
      filters: format === 'svg' ? { SVG: ['svg'] } : { 'Graphviz DOT': ['dot', 'gv'] },
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
    void vscode.window.setStatusBarMessage(`Saved ${vscode.workspace.asRelativePath(target)}`, 3000);
  }

  private html(): string {
    const webview = this.panel.webview;
    const ext = this.ctx.extension.extensionUri;
    const nonce = crypto.randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(ext, 'dist', 'webview', 'graph.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(ext, 'media', 'graph', 'graph.css'));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>Flake inputs</title>
</head>
<body>
<div class="toolbar" role="toolbar" aria-label="Input graph">
  <input id="filter" type="search" placeholder="Filter inputs" aria-label="Filter inputs: dims all but matching inputs and their paths to the root">
  <button id="only-nixpkgs" aria-pressed="false">Only nixpkgs</button>
  <button id="only-duplicates" aria-pressed="false">Only duplicates</button>
  <span class="spacer"></span>
  <button id="zoom-out" aria-label="Zoom out" title="Zoom out (-)">−</button>
  <button id="zoom-in" aria-label="Zoom in" title="Zoom in (+)">+</button>
  <button id="fit" title="Fit to view (0)">Fit</button>
  <button id="export-svg">Export SVG</button>
  <button id="export-dot">Export DOT</button>
</div>
<div id="notice" role="status" hidden><p id="notice-text"></p><button id="show-tree">Open the Flake Inputs view</button></div>
<svg id="graph" role="group" aria-label="Lock graph: Tab to an input, Enter opens its declaration, Shift+F10 for actions">
  <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>
  <g id="viewport"></g>
</svg>
<div id="status" role="status">Loading flake.lock…</div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }
}

/** The flake to show when the command comes from the palette: the active panel's or editor's, the only one, or a pick. */
async function pickFlake(ctx: Context): Promise<string | undefined> {
  // A graph panel in front has no text editor: it stands for its own flake.
  const panel = InputGraphPanel.all.find((p) => p.panel.active);
  if (panel) return panel.flakeUri;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && /(^|\/)flake\.(nix|lock)$/.test(active.path)) return vscode.Uri.joinPath(active, '..', 'flake.nix').toString();
  if (!ctx.client) return undefined;
  const { flakes } = await ctx.client.sendRequest(InputGraphRequest, {});
  const locked = flakes.filter((f) => f.root);
  if (locked.length <= 1) return (locked[0] ?? flakes[0])?.flakeUri;
  const pick = await vscode.window.showQuickPick(
    locked.map((f) => ({ label: f.name, description: vscode.workspace.asRelativePath(vscode.Uri.parse(f.flakeUri)), detail: f.summary, flakeUri: f.flakeUri })),
    { placeHolder: 'Show the input graph of which flake?' },
  );
  return pick?.flakeUri;
}

function menuPanel(arg: unknown): { panel: InputGraphPanel; node: string } | undefined {
  const a = arg as MenuArg | undefined;
  const panel = InputGraphPanel.of(a?.flakeUri);
  return panel && typeof a?.node === 'string' ? { panel, node: a.node } : undefined;
}

export function registerInputGraph(ctx: Context): void {
  const show = async (arg?: unknown) => {
    const fromTree = arg as InputsItem | undefined;
    const flakeUri = fromTree?.kind === 'flake' ? fromTree.flake.flakeUri : await pickFlake(ctx);
    if (!flakeUri) {
      void vscode.window.showInformationMessage('Flake Lens: no flake.nix in this workspace.');
      return;
    }
    InputGraphPanel.show(ctx, flakeUri);
  };
  const run = (command: string, want: 'declaration' | 'addFollows' = 'declaration') => async (arg: unknown) => {
    const m = menuPanel(arg);
    const item = m?.panel.item(m.node, want);
    if (item) await vscode.commands.executeCommand(command, item);
  };
  ctx.push(
    vscode.commands.registerCommand(SHOW_COMMAND, show),
    vscode.commands.registerCommand('flakeLens.graph.open', async (arg: unknown) => {
      const m = menuPanel(arg);
      if (m) await m.panel.open(m.node);
    }),
    vscode.commands.registerCommand('flakeLens.graph.openInLock', run('flakeLens.inputs.openInLock')),
    vscode.commands.registerCommand('flakeLens.graph.addFollows', run('flakeLens.inputs.addFollows', 'addFollows')),
    vscode.commands.registerCommand('flakeLens.graph.updateInput', run('flakeLens.inputs.updateInput')),
  );
  // Redraw when the server says flake.nix or flake.lock changed. The Flake Inputs view owns that
  // notification (the language client keeps one handler per method), and refreshes on it: follow it.
  let timer: NodeJS.Timeout | undefined;
  const onTreeChange = ctx.inputsTree?.onDidChangeTreeData?.(() => {
    clearTimeout(timer);
    timer = setTimeout(() => InputGraphPanel.refreshAll(), 100);
  });
  if (onTreeChange) ctx.push(onTreeChange);
  ctx.push({ dispose: () => InputGraphPanel.all.forEach((p) => p.panel.dispose()) });
}
