import * as assert from 'assert';
import * as vscode from 'vscode';
import { codeOf, openFixture, waitForCode, waitForDiagnostics } from './helpers';

suite('Settings', () => {
  teardown(async () => {
    await vscode.workspace.getConfiguration('flakeLens').update('rules.legacy-packages', undefined, vscode.ConfigurationTarget.Global);
  });

  test('flakeLens.rules.legacy-packages = "off" turns that rule off, and only that one', async () => {
    const { document: doc } = await openFixture('flake.nix');
    await waitForCode(doc.uri, 'legacy-packages');
    await waitForCode(doc.uri, 'missing-follows');

    await vscode.workspace.getConfiguration('flakeLens').update('rules.legacy-packages', 'off', vscode.ConfigurationTarget.Global);
    assert.strictEqual(vscode.workspace.getConfiguration('flakeLens').get('rules.legacy-packages'), 'off');
    const ds = await waitForDiagnostics(doc.uri, 'legacy-packages to be turned off', (d) =>
      !d.some((x) => codeOf(x) === 'legacy-packages'),
    );
    assert.ok(ds.some((d) => codeOf(d) === 'missing-follows'), 'other rules must stay on');

    await vscode.workspace.getConfiguration('flakeLens').update('rules.legacy-packages', undefined, vscode.ConfigurationTarget.Global);
    await waitForCode(doc.uri, 'legacy-packages');
  });
});
