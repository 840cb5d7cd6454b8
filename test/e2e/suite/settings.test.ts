import * as assert from 'assert';
import * as vscode from 'vscode';
import { codeOf, openFixture, waitForCode, waitForDiagnostics } from './helpers';

const hasCode = (code: string) => (ds: vscode.Diagnostic[]) => ds.some((d) => codeOf(d) === code);
const lacksCode = (code: string) => (ds: vscode.Diagnostic[]) => !ds.some((d) => codeOf(d) === code);

async function setLegacyPackages(value: string | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('flakeLens').update('rules.legacy-packages', value, vscode.ConfigurationTarget.Global);
}

suite('Settings', () => {
  teardown(async () => {
    await setLegacyPackages(undefined);
  });

  test('flakeLens.rules.legacy-packages = "off" turns that rule off in every open flake, and only that rule', async () => {
    const root = (await openFixture('flake.nix')).document;
    const fixall = (await openFixture('fixall/flake.nix')).document;
    const impure = (await openFixture('impure/flake.nix')).document;
    await waitForCode(root.uri, 'legacy-packages');
    await waitForCode(fixall.uri, 'legacy-packages');
    await waitForCode(impure.uri, 'impure-in-flake');

    await setLegacyPackages('off');
    assert.strictEqual(vscode.workspace.getConfiguration('flakeLens').get('rules.legacy-packages'), 'off');
    await waitForDiagnostics(root.uri, 'legacy-packages to be turned off', lacksCode('legacy-packages'));
    await waitForDiagnostics(fixall.uri, 'legacy-packages to be turned off', lacksCode('legacy-packages'));
    // Other rules stay on.
    await waitForDiagnostics(impure.uri, 'impure-in-flake to stay', hasCode('impure-in-flake'));

    await setLegacyPackages(undefined);
    await waitForCode(root.uri, 'legacy-packages');
    await waitForCode(fixall.uri, 'legacy-packages');
  });
});
