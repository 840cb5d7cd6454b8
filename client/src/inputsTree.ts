// The Flake Inputs view: one root per flake, fed by the server's `flakeLens/inputGraph` request.
// Children are built on expansion from the node table the server sends; a lock node reached a
// second time is shown as a reference instead of being expanded again, as `nix flake metadata` does.
import * as vscode from 'vscode';
import type { FlakeGraphDto, InputEdgeDto, LockNodeDto } from '../../server/src/protocol';
import { InputGraphChangedNotification, InputGraphRequest } from '../../server/src/protocol';
import type { Context } from './context';
import { firstVisits, FirstVisits, inputDescription, tooltipMarkdown, visitPath } from './inputsModel';

export type InputsItem =
  | { kind: 'flake'; flake: FlakeGraphDto }
  | { kind: 'summary'; flake: FlakeGraphDto }
  | { kind: 'problem'; flake: FlakeGraphDto; message: string }
  | { kind: 'input'; flake: FlakeGraphDto; id: string; path: string[]; edge: InputEdgeDto; node?: LockNodeDto; expandable: boolean; firstPath?: string[] };


export class InputsTreeProvider implements vscode.TreeDataProvider<InputsItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<InputsItem | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private flakes: FlakeGraphDto[] | undefined;
  private readonly visits = new WeakMap<FlakeGraphDto, FirstVisits>();
  private loading: Promise<FlakeGraphDto[]> | undefined;

  constructor(private readonly ctx: Context) {}

  refresh(): void {
    this.flakes = undefined;
    this.loading = undefined;
    this.changed.fire(undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }

  private async load(): Promise<FlakeGraphDto[]> {
    if (this.flakes) return this.flakes;
    this.loading ??= (async () => {
      const client = this.ctx.client;
      if (!client) return [];
      try {
        const result = await client.sendRequest(InputGraphRequest, {});
        this.flakes = result.flakes;
      } catch (e) {
        this.ctx.output.error(`flakeLens/inputGraph failed: ${String(e)}`);
        this.flakes = [];
      }
      void vscode.commands.executeCommand('setContext', 'flakeLens.noFlakes', this.flakes.length === 0);
      return this.flakes;
    })();
    return this.loading;
  }

  /** A flake the workspace-wide request only listed (past the server's time budget): read it now. */
  private async loadOne(stub: FlakeGraphDto): Promise<FlakeGraphDto> {
    const client = this.ctx.client;
    if (!client) return stub;
    try {
      const { flakes } = await client.sendRequest(InputGraphRequest, { uris: [stub.flakeUri] });
      const loaded = flakes.find((f) => f.flakeUri === stub.flakeUri && !f.pending);
      if (!loaded) return stub;
      const i = this.flakes?.indexOf(stub) ?? -1;
      if (i >= 0) this.flakes![i] = loaded;
      return loaded;
    } catch (e) {
      this.ctx.output.error(`flakeLens/inputGraph failed: ${String(e)}`);
      return stub;
    }
  }

  async getChildren(item?: InputsItem): Promise<InputsItem[]> {
    if (!item) {
      const flakes = await this.load();
      return flakes.map((flake) => ({ kind: 'flake', flake }));
    }
    let flake = item.flake;
    if (item.kind === 'flake') {
      if (flake.pending) flake = await this.loadOne(flake);
      const out: InputsItem[] = [];
      if (flake.problem) out.push({ kind: 'problem', flake, message: flake.problem });
      if (flake.root) out.push({ kind: 'summary', flake }, ...this.edges(flake, flake.root, [], `flake:${flake.flakeUri}`));
      else if (!flake.problem) out.push({ kind: 'summary', flake });
      return out;
    }
    if (item.kind === 'input' && item.expandable && item.edge.target) return this.edges(flake, item.edge.target, item.path, item.id);
    return [];
  }

  /** Items get ids from their parent's: names may hold `/` and a JSON object may repeat a key. */
  private edges(flake: FlakeGraphDto, key: string, path: string[], parentId: string): InputsItem[] {
    const repeats = new Map<string, number>();
    let visits = this.visits.get(flake);
    if (!visits) this.visits.set(flake, (visits = firstVisits(flake)));
    // Name order, as `nix flake metadata` prints them (and as firstVisits walks them).
    const inputs = [...(flake.nodes[key]?.inputs ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return inputs.map((edge) => {
      const n = repeats.get(edge.name) ?? 0;
      repeats.set(edge.name, n + 1);
      const p = [...path, edge.name];
      const node = edge.target ? flake.nodes[edge.target] : undefined;
      const first = edge.target ? visits!.get(edge.target) : undefined;
      // Only first visits are expanded, so `key` is shown at its own first visit: comparing the
      // parent link is comparing paths.
      const isFirst = !edge.follows && first?.parent === key && first.name === edge.name;
      const seen = !edge.follows && !isFirst && edge.target !== undefined && visits!.has(edge.target);
      return {
        kind: 'input',
        flake,
        id: `${parentId}/${JSON.stringify(edge.name)}${n ? `#${n}` : ''}`,
        path: p,
        edge,
        node,
        expandable: isFirst && (node?.inputs.length ?? 0) > 0,
        firstPath: seen ? visitPath(visits!, edge.target!) : undefined,
      } satisfies InputsItem;
    });
  }

  resolveTreeItem(t: vscode.TreeItem, item: InputsItem): vscode.TreeItem {
    if (item.kind === 'input') t.tooltip = tooltip(item);
    return t;
  }

  getTreeItem(item: InputsItem): vscode.TreeItem {
    switch (item.kind) {
      case 'flake': {
        // Flakes without inputs (helpers, mocks) start collapsed: they have nothing to show.
        // Flakes the server only listed are read when expanded.
        const state = (item.flake.root || item.flake.problem) && !item.flake.pending ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
        const t = new vscode.TreeItem(item.flake.name, state);
        t.id = `flake:${item.flake.flakeUri}`;
        t.description = vscode.workspace.asRelativePath(vscode.Uri.parse(item.flake.flakeUri), true);
        t.iconPath = new vscode.ThemeIcon('repo');
        t.resourceUri = vscode.Uri.parse(item.flake.flakeUri);
        t.contextValue = 'flake';
        t.command = { command: 'vscode.open', title: 'Open flake.nix', arguments: [vscode.Uri.parse(item.flake.flakeUri)] };
        return t;
      }
      case 'summary': {
        const t = new vscode.TreeItem(item.flake.summary, vscode.TreeItemCollapsibleState.None);
        t.iconPath = new vscode.ThemeIcon('info');
        t.contextValue = 'summary';
        return t;
      }
      case 'problem': {
        const t = new vscode.TreeItem(item.message, vscode.TreeItemCollapsibleState.None);
        // Not locked yet is a state, not an error; an unreadable lock is.
        t.iconPath = item.flake.lockUri
          ? new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'))
          : new vscode.ThemeIcon('unlock');
        t.contextValue = 'problem';
        if (item.flake.lockUri) t.command = { command: 'vscode.open', title: 'Open flake.lock', arguments: [vscode.Uri.parse(item.flake.lockUri)] };
        return t;
      }
      case 'input':
        return this.inputItem(item);
    }
  }

  private inputItem(item: Extract<InputsItem, { kind: 'input' }>): vscode.TreeItem {
    const { edge, node } = item;
    const t = new vscode.TreeItem(edge.name, item.expandable ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    t.id = item.id;
    const context = ['input'];
    if (item.path.length === 1) context.push('root');
    if (edge.follows) {
      t.iconPath = new vscode.ThemeIcon('arrow-right');
      context.push('follows');
    } else if (node) {
      if (node.duplicate) {
        t.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
        context.push('duplicate');
      } else if (node.outdated) {
        t.iconPath = new vscode.ThemeIcon('history', new vscode.ThemeColor('list.warningForeground'));
        context.push('outdated');
      } else if (!node.flake) {
        t.iconPath = new vscode.ThemeIcon('file-zip');
        context.push('nonflake');
      } else {
        t.iconPath = new vscode.ThemeIcon('package');
      }
      if (item.firstPath) context.push('reference');
    } else {
      t.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
    }
    if (edge.addFollows) context.push('canAddFollows');
    if (edge.declaration) context.push('declared');
    if (node?.lockRange) context.push('locked');
    if (node?.webUrl) context.push('web');
    t.description = inputDescription(edge, node, item.firstPath, Date.now());
    // The tooltip is built on hover (resolveTreeItem): a flake with 2,500 root inputs shows 2,500 rows.
    t.contextValue = context.join(' ');
    if (edge.declaration) {
      t.command = { command: 'flakeLens.inputs.goToDeclaration', title: 'Go to Declaration', arguments: [item] };
    } else if (node?.lockRange) {
      t.command = { command: 'flakeLens.inputs.openInLock', title: 'Open in flake.lock', arguments: [item] };
    }
    return t;
  }
}

function tooltip(item: Extract<InputsItem, { kind: 'input' }>): vscode.MarkdownString {
  // Every value comes from flake.lock (escaped by tooltipMarkdown): no HTML, commands or icons.
  const md = new vscode.MarkdownString(tooltipMarkdown(item.path, item.edge, item.node, Date.now()), false);
  md.supportHtml = false;
  md.isTrusted = false;
  return md;
}

/** Registers the view and keeps it fresh: on server notifications and after a restart. */
export function registerInputsView(ctx: Context): InputsTreeProvider {
  const provider = new InputsTreeProvider(ctx);
  const view = vscode.window.createTreeView('flakeLens.inputs', { treeDataProvider: provider, showCollapseAll: true });
  ctx.push(provider, view);
  ctx.inputsTree = provider;
  ctx.onClientReady(() => {
    ctx.client?.onNotification(InputGraphChangedNotification, () => provider.refresh());
    provider.refresh();
  });
  return provider;
}
