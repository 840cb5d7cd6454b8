import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, labelOf, openFixture, waitFor } from './helpers';

async function rows(tree: vscode.TreeDataProvider<unknown>, parent?: unknown) {
  const children = (await tree.getChildren(parent)) ?? [];
  return Promise.all(
    children.map(async (element) => {
      const item = await tree.getTreeItem(element);
      return { element, item, label: labelOf(item) };
    }),
  );
}

suite('Flake Inputs view', () => {
  test('the inputs tree lists the locked inputs, with the transitive nixpkgs under devtool', async () => {
    const { inputsTree } = await activateExtension();
    await openFixture('flake.nix');
    const onChange = inputsTree.onDidChangeTreeData as vscode.Event<unknown> | undefined;
    const top = await waitFor(
      'the inputs tree to list nixpkgs, flake-utils and devtool',
      async () => {
        const r = await rows(inputsTree);
        const labels = r.map((x) => x.label);
        return ['nixpkgs', 'flake-utils', 'devtool'].every((n) => labels.some((l) => l === n || l.startsWith(n + ' ')))
          ? r
          : undefined;
      },
      onChange ? [onChange] : [],
      { recheckMs: 500, timeoutMs: 20000 },
    );
    const devtool = top.find((x) => x.label === 'devtool' || x.label.startsWith('devtool '));
    assert.ok(devtool);
    assert.notStrictEqual(devtool.item.collapsibleState ?? vscode.TreeItemCollapsibleState.None, vscode.TreeItemCollapsibleState.None);
    const under = await rows(inputsTree, devtool.element);
    assert.ok(
      under.some((x) => x.label === 'nixpkgs' || x.label.startsWith('nixpkgs ')),
      `devtool's children: ${under.map((x) => x.label).join(', ')}`,
    );
  });

  test('the view and its refresh command are registered', async () => {
    await vscode.commands.executeCommand('flakeLens.inputs.refresh');
    await vscode.commands.executeCommand('flakeLens.inputs.focus');
  });
});
