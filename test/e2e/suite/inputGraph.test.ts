import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, fixtureUri, openFixture, waitFor } from './helpers';

const VIEW_TYPE = 'flakeLens.inputGraph';

/** The open input graph tabs (a webview tab's viewType carries a prefix in some VS Code versions). */
function graphTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(VIEW_TYPE));
}

async function closeGraphs(): Promise<void> {
  // Close only when there is something to close: the first test hung on an empty close in Code 1.99.
  const tabs = graphTabs();
  if (tabs.length) await vscode.window.tabGroups.close(tabs);
}

const tabEvents = [vscode.window.tabGroups.onDidChangeTabs as vscode.Event<unknown>];

suite('Input graph', () => {
  teardown(closeGraphs);

  test('"Show Input Graph" opens one panel for the active flake, titled with its name', async () => {
    await activateExtension();
    await openFixture('flake.nix');
    await closeGraphs();
    await vscode.commands.executeCommand('flakeLens.showInputGraph');
    const tab = await waitFor('an input graph tab', () => graphTabs()[0], tabEvents, { recheckMs: 250 });
    assert.match(tab.label, /^Inputs: /);
    // Again: the same panel comes to the front, no second one.
    await vscode.commands.executeCommand('flakeLens.showInputGraph');
    assert.strictEqual(graphTabs().length, 1);
  });

  test('the Flake Inputs view\'s flake row opens the graph of that flake', async () => {
    const { inputsTree } = await activateExtension();
    const flakeNix = fixtureUri('flake.nix').toString();
    const row = await waitFor(
      'the root flake row in the Flake Inputs view',
      async () => ((await inputsTree.getChildren()) ?? []).find((r) => (r as { flake?: { flakeUri: string } }).flake?.flakeUri === flakeNix),
      inputsTree.onDidChangeTreeData ? [inputsTree.onDidChangeTreeData as vscode.Event<unknown>] : [],
      { recheckMs: 500 },
    );
    const item = await inputsTree.getTreeItem(row);
    assert.strictEqual(item.contextValue, 'flake', 'the inline "Show Input Graph" action shows on rows with contextValue flake');
    await vscode.commands.executeCommand('flakeLens.showInputGraph', row);
    await waitFor('an input graph tab', () => graphTabs()[0], tabEvents, { recheckMs: 250 });
  });

  test('a node opens its declaration in flake.nix, and an undeclared duplicate its node in flake.lock', async () => {
    await activateExtension();
    await openFixture('flake.nix');
    await vscode.commands.executeCommand('flakeLens.showInputGraph');
    await waitFor('an input graph tab', () => graphTabs()[0], tabEvents, { recheckMs: 250 });
    const flakeUri = fixtureUri('flake.nix').toString();
    // What the webview's click sends, through the context-menu command that shares its code.
    const landed = async (node: string, file: string, text: string) => {
      await waitFor(
        `node ${node} to open ${file}`,
        async () => {
          await vscode.commands.executeCommand('flakeLens.graph.open', { flakeUri, node });
          const e = vscode.window.activeTextEditor;
          return e && e.document.uri.path.endsWith(`/${file}`) && e.document.getText(e.selection) === text ? e : undefined;
        },
        [],
        { recheckMs: 500, describe: () => `active: ${vscode.window.activeTextEditor?.document.uri.path} selection '${vscode.window.activeTextEditor?.document.getText(vscode.window.activeTextEditor.selection)}'` },
      );
    };
    // The root's nixpkgs is nixpkgs_2 in the lock; devtool's own nixpkgs ("nixpkgs") is the duplicate.
    await landed('nixpkgs_2', 'flake.nix', 'nixpkgs');
    await landed('devtool', 'flake.nix', 'devtool');
    await landed('nixpkgs', 'flake.lock', '"nixpkgs"');
  });
});
