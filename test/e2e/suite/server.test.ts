import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, codeOf, hoverText, openFixture, rangeOf, waitFor, waitForCode } from './helpers';

interface ClientLike {
  isRunning?: () => boolean;
  state?: number;
}

function running(client: unknown): boolean {
  const c = client as ClientLike;
  if (typeof c.isRunning === 'function') return c.isRunning();
  if (typeof c.state === 'number') return c.state === 2; // vscode-languageclient State.Running
  return true;
}

suite('Language server', () => {
  test('flakeLens.restartServer restarts the server, which analyses open flakes again', async () => {
    const api = await activateExtension();
    const { document: doc } = await openFixture('flake.nix');
    await waitForCode(doc.uri, 'legacy-packages');
    assert.ok(running(api.client), 'the client is not running before the restart');

    let changes = 0;
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === doc.uri.toString())) changes++;
    });
    try {
      await vscode.commands.executeCommand('flakeLens.restartServer');
      await waitFor(
        'the restarted server to publish diagnostics again',
        () => {
          const fresh = vscode.languages.getDiagnostics(doc.uri).some((d) => codeOf(d) === 'legacy-packages');
          return changes > 0 && fresh && running(api.client) ? true : undefined;
        },
        [vscode.languages.onDidChangeDiagnostics],
        { recheckMs: 250 },
      );
    } finally {
      sub.dispose();
    }
    // The new server answers requests.
    const at = rangeOf(doc, 'import nixpkgs').start.translate(0, 'import n'.length);
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at)) ?? [];
    assert.match(hoverText(hovers), /legacyPackages/);
  });
});
