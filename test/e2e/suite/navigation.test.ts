import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { hoverText, lineOf, openFixture, rangeOf, waitForCode } from './helpers';

suite('Hover and navigation', () => {
  test('hover on `import nixpkgs {…}` explains legacyPackages', async () => {
    const { document: doc } = await openFixture('flake.nix');
    await waitForCode(doc.uri, 'legacy-packages');
    const at = rangeOf(doc, 'import nixpkgs { inherit system; }').start.translate(0, 'import n'.length);
    const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at)) ?? [];
    const text = hoverText(hovers);
    assert.match(text, /legacyPackages/, `hover text: ${JSON.stringify(text)}`);
  });

  test('go to definition on an input used in outputs leads to that input', async () => {
    const { document: doc } = await openFixture('flake.nix');
    await waitForCode(doc.uri, 'legacy-packages');
    const use = rangeOf(doc, 'devtool.packages').start.translate(0, 2);
    const found =
      (await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>(
        'vscode.executeDefinitionProvider',
        doc.uri,
        use,
      )) ?? [];
    assert.ok(found.length > 0, 'no definition');
    const targets = found.map((l) =>
      'targetUri' in l ? { uri: l.targetUri, range: l.targetSelectionRange ?? l.targetRange } : { uri: l.uri, range: l.range },
    );
    const declLine = lineOf(doc, 'inputs.devtool.url');
    const paramLine = lineOf(doc, 'outputs = {');
    const ok = targets.some(
      (t) =>
        // the input's declaration in this flake (or its binding in the outputs arguments) ...
        (t.uri.toString() === doc.uri.toString() && (t.range.start.line === declLine || t.range.start.line === paramLine)) ||
        // ... or the input flake itself.
        t.uri.fsPath.startsWith(path.join(path.dirname(doc.uri.fsPath), 'nix', 'devtool')),
    );
    assert.ok(
      ok,
      `definition went to ${targets.map((t) => `${vscode.workspace.asRelativePath(t.uri)}:${t.range.start.line + 1}`).join(', ')}`,
    );
  });
});
