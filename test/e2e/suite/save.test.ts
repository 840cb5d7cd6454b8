import * as assert from 'assert';
import * as vscode from 'vscode';
import {
  FIX_ALL_KIND,
  codeActionsAt,
  codeOf,
  describeDiagnostics,
  openFixture,
  resetDocument,
  waitFor,
  waitForCode,
  waitForDiagnostics,
} from './helpers';

suite('Fix all on save', () => {
  let doc: vscode.TextDocument;

  setup(async () => {
    doc = (await openFixture('fixall/flake.nix')).document;
    const wanted = { [FIX_ALL_KIND.value]: 'explicit' };
    const effective = () => vscode.workspace.getConfiguration('editor', doc).get<Record<string, string>>('codeActionsOnSave');
    await vscode.workspace.getConfiguration('editor').update('codeActionsOnSave', wanted, vscode.ConfigurationTarget.Global);
    // The workbench reads the setting when saving; wait until the change has gone round.
    await waitFor(
      'editor.codeActionsOnSave to take effect',
      () => (JSON.stringify(effective()) === JSON.stringify(wanted) ? true : undefined),
      [vscode.workspace.onDidChangeConfiguration],
      { timeoutMs: 10000, describe: () => `editor.codeActionsOnSave is ${JSON.stringify(effective())}` },
    );
  });
  teardown(async () => {
    await vscode.workspace.getConfiguration('editor').update('codeActionsOnSave', undefined, vscode.ConfigurationTarget.Global);
    await resetDocument(doc);
  });

  test('editor.codeActionsOnSave with source.fixAll.flakeLens fixes legacy-packages when saving', async () => {
    const [before] = await waitForCode(doc.uri, 'legacy-packages');
    // An unrelated edit, so that there is something to save.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), '# edited by the end-to-end test\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(doc.isDirty);
    // Like a person who saves after typing, not within the same millisecond: wait until the server
    // has analysed the edited text (the finding moved down a line).
    await waitForDiagnostics(doc.uri, 'the edited text to be analysed', (ds) =>
      ds.some((d) => codeOf(d) === 'legacy-packages' && d.range.start.line === before.range.start.line + 1),
    );
    const saved = await doc.save();
    assert.ok(saved, `save failed (dirty: ${doc.isDirty}); the document reads:\n${doc.getText()}`);

    const text = doc.getText();
    if (!text.includes('pkgs = nixpkgs.legacyPackages.${system};')) {
      // Tell apart "the server offered no fix" from "the workbench did not run it".
      const whole = new vscode.Range(doc.positionAt(0), doc.positionAt(text.length));
      const offered = await codeActionsAt(doc.uri, whole, FIX_ALL_KIND);
      assert.fail(
        `not fixed on save (document version ${doc.version}, dirty: ${doc.isDirty}); ` +
          `${FIX_ALL_KIND.value} offered now: ${offered.map((a) => `'${a.title}'`).join(', ') || 'none'}; ` +
          `editor.codeActionsOnSave: ${JSON.stringify(vscode.workspace.getConfiguration('editor', doc).get('codeActionsOnSave'))}\n` +
          `${describeDiagnostics(doc.uri)}\n${text}`,
      );
    }
    assert.ok(!text.includes('import nixpkgs'));
    assert.ok(text.startsWith('# edited by the end-to-end test\n'));
    const onDisk = Buffer.from(await vscode.workspace.fs.readFile(doc.uri)).toString('utf8');
    assert.strictEqual(onDisk, text, 'the fix did not reach the saved file');
    await waitForDiagnostics(doc.uri, 'legacy-packages to go away', (ds) => !ds.some((d) => codeOf(d) === 'legacy-packages'));
  });
});
