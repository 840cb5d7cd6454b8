import * as assert from 'assert';
import * as vscode from 'vscode';
import { EXTENSION_ID, FlakeLensApi, openFixture, waitFor, waitForDiagnostics } from './helpers';

suite('Activation', () => {
  test('opening flake.nix activates the extension, in the nix language it contributes', async () => {
    const ext = vscode.extensions.getExtension<FlakeLensApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed in this extension host`);
    const editor = await openFixture('flake.nix');
    assert.strictEqual(editor.document.languageId, 'nix');
    // Activation comes from the manifest's activation events, not from this test calling activate().
    await waitFor('the extension to activate', () => (ext.isActive ? true : undefined), [vscode.extensions.onDidChange], {
      recheckMs: 100,
      timeoutMs: 20000,
    });
  });

  test('activate() returns the language client and the inputs tree provider', async () => {
    const api = await vscode.extensions.getExtension<FlakeLensApi>(EXTENSION_ID)!.activate();
    assert.ok(api, 'activate() returned nothing');
    assert.ok(api.client, 'exports.client is missing');
    assert.ok(api.inputsTree, 'exports.inputsTree is missing');
    assert.strictEqual(typeof api.inputsTree.getChildren, 'function');
    assert.strictEqual(typeof api.inputsTree.getTreeItem, 'function');
  });

  test('the language server publishes diagnostics for the opened flake', async () => {
    const editor = await openFixture('flake.nix');
    const ds = await waitForDiagnostics(editor.document.uri, 'flake-lens diagnostics', (d) => d.length > 0);
    assert.ok(ds.every((d) => d.source === 'flake-lens'));
  });

  test('the extension contributes its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['flakeLens.restartServer', 'flakeLens.inputs.refresh']) {
      assert.ok(commands.includes(c), `command ${c} is not registered`);
    }
  });
});
