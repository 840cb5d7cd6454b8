import * as assert from 'assert';
import * as vscode from 'vscode';
import { codeOf, flakeDiagnostics, fmtRange, lineOf, openFixture, rangeOf, waitForCode, waitForDiagnostics } from './helpers';

suite('Diagnostics', () => {
  test('legacy-packages covers `import nixpkgs { inherit system; }`', async () => {
    const { document: doc } = await openFixture('flake.nix');
    const [d, ...more] = await waitForCode(doc.uri, 'legacy-packages');
    assert.strictEqual(more.length, 0, 'one nixpkgs import, one legacy-packages diagnostic');
    const expr = rangeOf(doc, 'import nixpkgs { inherit system; }');
    assert.ok(expr.contains(d.range), `range ${fmtRange(d.range)} is outside the import at ${fmtRange(expr)}`);
    assert.ok(d.range.start.isEqual(expr.start), `range ${fmtRange(d.range)} should start at 'import' (${fmtRange(expr)})`);
    assert.ok(!d.range.isEmpty);
    assert.match(d.message, /legacyPackages/);
    assert.ok(
      d.severity === vscode.DiagnosticSeverity.Warning || d.severity === vscode.DiagnosticSeverity.Information,
      `unexpected severity ${d.severity}`,
    );
  });

  test('missing-follows is on the devtool input, whose lock pins a second nixpkgs', async () => {
    const { document: doc } = await openFixture('flake.nix');
    const ds = await waitForCode(doc.uri, 'missing-follows');
    assert.strictEqual(ds.length, 1, 'only devtool brings a second nixpkgs');
    const decl = lineOf(doc, 'inputs.devtool.url');
    assert.strictEqual(ds[0].range.start.line, decl, `expected on line ${decl + 1}, got ${fmtRange(ds[0].range)}`);
    assert.match(ds[0].message, /devtool/);
    assert.match(ds[0].message, /nixpkgs/);
    // nixpkgs itself and flake-utils (no inputs) need no follows.
    for (const name of ['inputs.nixpkgs.url', 'inputs.flake-utils.url']) {
      const line = lineOf(doc, name);
      assert.ok(!ds.some((d) => d.range.start.line === line), `unexpected missing-follows on ${name}`);
    }
  });

  test('every finding carries the flake-lens source and a code', async () => {
    const { document: doc } = await openFixture('flake.nix');
    await waitForCode(doc.uri, 'legacy-packages');
    for (const d of flakeDiagnostics(doc.uri)) assert.ok(codeOf(d), `diagnostic without code: ${d.message}`);
  });

  test('impure-in-flake flags builtins.getEnv', async () => {
    const { document: doc } = await openFixture('impure/flake.nix');
    const ds = await waitForCode(doc.uri, 'impure-in-flake');
    const call = rangeOf(doc, 'builtins.getEnv');
    assert.ok(
      ds.some((d) => d.range.intersection(call) !== undefined),
      `no impure-in-flake on builtins.getEnv at ${fmtRange(call)}: ${ds.map((d) => fmtRange(d.range)).join(', ')}`,
    );
  });

  test('repeated-import flags the second nixpkgs import', async () => {
    const { document: doc } = await openFixture('impure/flake.nix');
    const ds = await waitForCode(doc.uri, 'repeated-import');
    const second = rangeOf(doc, 'import nixpkgs', 1);
    assert.ok(
      ds.some((d) => d.range.start.line === second.start.line),
      `expected a repeated-import on line ${second.start.line + 1}: ${ds.map((d) => fmtRange(d.range)).join(', ')}`,
    );
  });

  test('a flake whose lock has one nixpkgs gets no missing-follows', async () => {
    const { document: doc } = await openFixture('fixall/flake.nix');
    await waitForCode(doc.uri, 'legacy-packages'); // analysed
    await waitForDiagnostics(doc.uri, 'no missing-follows', (ds) => !ds.some((d) => codeOf(d) === 'missing-follows'));
  });
});
