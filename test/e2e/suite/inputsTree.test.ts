import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { activateExtension, fixtureUri, labelOf, openFixture, waitFor, workspaceRoot } from './helpers';

interface Row {
  element: unknown;
  item: vscode.TreeItem;
  label: string;
}

async function rows(tree: vscode.TreeDataProvider<unknown>, parent?: unknown): Promise<Row[]> {
  const children = (await tree.getChildren(parent)) ?? [];
  return Promise.all(
    children.map(async (element) => {
      const item = await tree.getTreeItem(element);
      return { element, item, label: labelOf(item) };
    }),
  );
}

const describeRows = (rs: Row[]) => rs.map((r) => `${r.label}${r.item.description ? ` (${String(r.item.description)})` : ''}`).join(', ') || 'none';

/**
 * The rows of the root flake's inputs: the top level when the tree shows one flake, else the
 * children of the row standing for the workspace's flake.nix.
 */
async function rootInputs(tree: vscode.TreeDataProvider<unknown>): Promise<Row[]> {
  const top = await rows(tree);
  const flakeNix = fixtureUri('flake.nix').fsPath;
  const folder = path.basename(workspaceRoot().fsPath);
  const rootFlake = top.find(
    (r) =>
      r.item.resourceUri?.fsPath === flakeNix ||
      r.item.resourceUri?.fsPath === path.dirname(flakeNix) ||
      String(r.item.description ?? '') === `${folder}/flake.nix` ||
      r.label === folder,
  );
  return rootFlake ? rows(tree, rootFlake.element) : top;
}

const INPUTS = ['nixpkgs', 'flake-utils', 'devtool'];

suite('Flake Inputs view', () => {
  test('the inputs tree lists the root flake\'s locked inputs, with the transitive nixpkgs under devtool', async () => {
    const { inputsTree } = await activateExtension();
    await openFixture('flake.nix');
    const onChange = inputsTree.onDidChangeTreeData as vscode.Event<unknown> | undefined;
    let last: Row[] = [];
    const inputs = await waitFor(
      'the inputs tree to list nixpkgs, flake-utils and devtool for flake.nix',
      async () => {
        last = await rootInputs(inputsTree);
        return INPUTS.every((n) => last.some((r) => r.label === n)) ? last : undefined;
      },
      onChange ? [onChange] : [],
      { recheckMs: 500, timeoutMs: 20000, describe: () => `root flake rows: ${describeRows(last)}` },
    );
    const devtool = inputs.find((r) => r.label === 'devtool')!;
    assert.notStrictEqual(
      devtool.item.collapsibleState ?? vscode.TreeItemCollapsibleState.None,
      vscode.TreeItemCollapsibleState.None,
      'devtool has an input of its own, so its row must expand',
    );
    const under = await rows(inputsTree, devtool.element);
    assert.ok(under.some((r) => r.label === 'nixpkgs'), `devtool's children: ${describeRows(under)}`);
  });

  test('the view and its refresh command are registered', async () => {
    await vscode.commands.executeCommand('flakeLens.inputs.refresh');
    await vscode.commands.executeCommand('flakeLens.inputs.focus');
  });
});
