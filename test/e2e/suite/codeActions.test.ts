import * as assert from 'assert';
import * as vscode from 'vscode';
import {
  FIX_ALL_KIND,
  applyCodeAction,
  codeActionsAt,
  codeOf,
  openFixture,
  resetDocument,
  squash,
  waitForCode,
  waitForDiagnostics,
} from './helpers';

/**
 * The quick fix for `code`. vscode.executeCodeActionProvider does not carry an action's
 * diagnostics back to the caller, so when they are missing the title decides.
 */
function fixFor(actions: vscode.CodeAction[], code: string, title: RegExp): vscode.CodeAction {
  const quickFixes = actions.filter((a) => a.kind && vscode.CodeActionKind.QuickFix.contains(a.kind));
  const fix =
    quickFixes.find((a) => a.diagnostics?.some((d) => codeOf(d) === code)) ??
    quickFixes.find((a) => !a.diagnostics?.length && title.test(a.title) && !/^ignore\b/i.test(a.title));
  assert.ok(fix, `no quick fix for ${code}; got: ${actions.map((a) => `${a.kind?.value} '${a.title}'`).join(', ') || 'none'}`);
  return fix;
}

suite('Code actions', () => {
  let doc: vscode.TextDocument;

  setup(async () => {
    doc = (await openFixture('flake.nix')).document;
  });
  teardown(async () => {
    await resetDocument(doc);
  });

  test('legacy-packages quick fix rewrites to nixpkgs.legacyPackages.${system}', async () => {
    const [d] = await waitForCode(doc.uri, 'legacy-packages');
    const fix = fixFor(await codeActionsAt(doc.uri, d.range), 'legacy-packages', /legacyPackages/);
    await applyCodeAction(fix);
    const text = doc.getText();
    assert.ok(text.includes('pkgs = nixpkgs.legacyPackages.${system};'), `unexpected result:\n${text}`);
    assert.ok(!text.includes('import nixpkgs'), 'the import is still there');
    await waitForDiagnostics(doc.uri, 'legacy-packages to go away', (ds) => !ds.some((x) => codeOf(x) === 'legacy-packages'));
  });

  test('missing-follows quick fix adds inputs.devtool.inputs.nixpkgs.follows', async () => {
    const [d] = await waitForCode(doc.uri, 'missing-follows');
    const before = doc.getText();
    const fix = fixFor(await codeActionsAt(doc.uri, d.range), 'missing-follows', /follow/i);
    await applyCodeAction(fix);
    const text = doc.getText();
    assert.match(squash(text), /(inputs\.)?devtool\.inputs\.nixpkgs\.follows ?= ?"nixpkgs";/, `no follows added:\n${text}`);
    // Only an addition: the rest of the flake is untouched.
    assert.ok(text.length > before.length);
    assert.ok(text.includes('inputs.devtool.url = "path:./nix/devtool";'));
    assert.ok(text.includes('pkgs = import nixpkgs { inherit system; };'), 'the follows fix touched the import');
  });

  test('source.fixAll.flakeLens is offered for the whole file', async () => {
    await waitForCode(doc.uri, 'legacy-packages');
    const whole = new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length));
    const actions = await codeActionsAt(doc.uri, whole, FIX_ALL_KIND);
    const fixAll = actions.find((a) => a.kind && FIX_ALL_KIND.contains(a.kind));
    assert.ok(fixAll, `no ${FIX_ALL_KIND.value} action; got ${actions.map((a) => a.kind?.value).join(', ') || 'none'}`);
    await applyCodeAction(fixAll);
    assert.ok(doc.getText().includes('nixpkgs.legacyPackages.${system}'));
  });
});
