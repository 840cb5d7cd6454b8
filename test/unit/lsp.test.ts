// Talks to the bundled server (dist/server.js --stdio) with a real JSON-RPC client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { CodeAction, Diagnostic, Hover, TextEdit } from 'vscode-languageserver';
import { LspClient, SERVER } from '../helpers/lspClient';

const FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs }:
    let
      system = "x86_64-linux";
      pkgs = import nixpkgs { inherit system; };
    in {
      packages.\${system}.default = pkgs.hello;
    };
}
`;

/** Applies LSP edits (line/character, no overlaps) to a text. */
function applyTextEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }) =>
    lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  for (const e of sorted) text = text.slice(0, offset(e.range.start)) + e.newText + text.slice(offset(e.range.end));
  return text;
}

const codesOf = (ds: Diagnostic[]) => ds.map((d) => d.code);

describe('language server over stdio', () => {
  let client: LspClient;
  before(async () => {
    assert.ok(fs.existsSync(SERVER), `${SERVER} is missing: run npm run build`);
    client = new LspClient();
    const init = await client.initialize();
    const caps = init.capabilities as { textDocumentSync: { change: number }; hoverProvider: boolean; codeActionProvider: { codeActionKinds: string[] } };
    assert.equal(caps.textDocumentSync.change, 2, 'incremental sync');
    assert.equal(caps.hoverProvider, true);
    assert.ok(caps.codeActionProvider.codeActionKinds.includes('source.fixAll.flakeLens'));
  });
  after(async () => {
    const code = await client.shutdown();
    assert.equal(code, 0, `server exit code; stderr: ${client.stderr}`);
  });

  test('didOpen publishes a legacy-packages warning with code, link and exact range', async () => {
    const uri = 'file:///work/a/flake.nix';
    const wait = client.diagnostics(uri);
    await client.open(uri, FLAKE);
    const { diagnostics, version } = await wait;
    assert.equal(version, 1);
    assert.deepEqual(codesOf(diagnostics), ['legacy-packages']);
    const d = diagnostics[0];
    assert.equal(d.source, 'flake-lens');
    assert.equal(d.severity, 2);
    assert.match(d.codeDescription!.href, /docs\/rules\/legacy-packages\.md$/);
    assert.deepEqual(d.range, { start: { line: 5, character: 13 }, end: { line: 5, character: 47 } });
    assert.match(String(d.message), /legacyPackages/);
  });

  test('incremental didChange re-analyses: adding config turns the warning into information', async () => {
    const uri = 'file:///work/b/flake.nix';
    let wait = client.diagnostics(uri);
    await client.open(uri, FLAKE);
    await wait;
    // Insert ` config.allowUnfree = true;` after `inherit system;` on line 5.
    const col = FLAKE.split('\n')[5].indexOf('inherit system;') + 'inherit system;'.length;
    wait = client.diagnostics(uri, (p) => p.version === 3);
    await client.change(uri, 2, [{ range: { start: { line: 5, character: col }, end: { line: 5, character: col } }, text: ' config' }]);
    await client.change(uri, 3, [{ range: { start: { line: 5, character: col + 7 }, end: { line: 5, character: col + 7 } }, text: '.allowUnfree = true;' }]);
    const { diagnostics } = await wait;
    assert.deepEqual(codesOf(diagnostics), ['nixpkgs-config-import']);
    assert.equal(diagnostics[0].severity, 3);
    // Undo by deleting the inserted text: the warning is back.
    wait = client.diagnostics(uri, (p) => p.version === 4);
    await client.change(uri, 4, [{ range: { start: { line: 5, character: col }, end: { line: 5, character: col + 27 } }, text: '' }]);
    assert.deepEqual(codesOf((await wait).diagnostics), ['legacy-packages']);
  });

  test('codeAction returns the quick-fix and an ignore action; applying the fix clears the file', async () => {
    const uri = 'file:///work/c/flake.nix';
    const wait = client.diagnostics(uri);
    await client.open(uri, FLAKE);
    const { diagnostics } = await wait;
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: diagnostics[0].range,
      context: { diagnostics, only: ['quickfix'] },
    });
    const titles = actions.map((a) => a.title);
    assert.deepEqual(titles, ['Use nixpkgs.legacyPackages.${system}', 'Ignore legacy-packages on this line']);
    assert.equal(actions[0].isPreferred, true);
    const fixed = applyTextEdits(FLAKE, actions[0].edit!.changes![uri]);
    assert.match(fixed, /pkgs = nixpkgs\.legacyPackages\.\$\{system\};/);
    const ignored = applyTextEdits(FLAKE, actions[1].edit!.changes![uri]);
    assert.match(ignored, /\n {6}# flake-lens: ignore legacy-packages\n {6}pkgs = import/);

    // The edited text, sent as a full change, has no diagnostics left; nor has the ignored one.
    let next = client.diagnostics(uri, (p) => p.version === 2);
    await client.change(uri, 2, [{ text: fixed }]);
    assert.deepEqual((await next).diagnostics, []);
    next = client.diagnostics(uri, (p) => p.version === 3);
    await client.change(uri, 3, [{ text: ignored }]);
    assert.deepEqual((await next).diagnostics, []);
  });

  test('quick-fixes stay available right after an edit, before the server republishes', async () => {
    const uri = 'file:///work/stale/flake.nix';
    const wait = client.diagnostics(uri);
    await client.open(uri, FLAKE);
    const d = (await wait).diagnostics[0];
    // The user adds a line above; the editor moves the old diagnostic down with the text.
    await client.change(uri, 2, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: '# comment\n' }]);
    const moved = { ...d, range: { start: { ...d.range.start, line: d.range.start.line + 1 }, end: { ...d.range.end, line: d.range.end.line + 1 } } };
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: moved.range,
      context: { diagnostics: [moved], only: ['quickfix'] },
    });
    assert.deepEqual(actions.map((a) => a.title), ['Use nixpkgs.legacyPackages.${system}', 'Ignore legacy-packages on this line']);
    assert.equal(actions[0].edit!.changes![uri][0].range.start.line, 6);
  });

  test('source.fixAll.flakeLens applies every safe fix at once', async () => {
    const uri = 'file:///work/d/flake.nix';
    const text = FLAKE.replace('pkgs.hello;', '(import nixpkgs { system = "x86_64-linux"; }).hello;');
    const wait = client.diagnostics(uri);
    await client.open(uri, text);
    assert.deepEqual(codesOf((await wait).diagnostics), ['legacy-packages', 'legacy-packages']);
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: { diagnostics: [], only: ['source.fixAll.flakeLens'] },
    });
    assert.equal(actions.length, 1);
    assert.equal(actions[0].kind, 'source.fixAll.flakeLens');
    const fixed = applyTextEdits(text, actions[0].edit!.changes![uri]);
    assert.match(fixed, /pkgs = nixpkgs\.legacyPackages\.\$\{system\};/);
    assert.match(fixed, /default = nixpkgs\.legacyPackages\.x86_64-linux\.hello;/);
    assert.doesNotMatch(fixed, /import nixpkgs/);
  });

  test('hover on import explains the instance cost', async () => {
    const uri = 'file:///work/e/flake.nix';
    const wait = client.diagnostics(uri);
    await client.open(uri, FLAKE);
    await wait;
    const hover = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: { line: 5, character: 16 } });
    assert.ok(hover, 'a hover on `import`');
    const value = (hover.contents as { value: string }).value;
    assert.match(String(value), /legacyPackages/);
  });

  test('settings are read per resource: a rule turned off or re-graded', async () => {
    const off = 'file:///work/off/flake.nix';
    const err = 'file:///work/err/flake.nix';
    client.settings[off] = { rules: { 'legacy-packages': 'off' } };
    client.settings[err] = { rules: { 'legacy-packages': 'error' } };
    const w1 = client.diagnostics(off);
    const w2 = client.diagnostics(err);
    await client.open(off, FLAKE);
    await client.open(err, FLAKE);
    assert.deepEqual((await w1).diagnostics, []);
    const d = (await w2).diagnostics;
    assert.deepEqual(codesOf(d), ['legacy-packages']);
    assert.equal(d[0].severity, 1);
  });

  test('bad input: syntax errors, empty and huge files, untitled documents', async () => {
    const broken = 'file:///work/broken/flake.nix';
    let wait = client.diagnostics(broken);
    await client.open(broken, '{ outputs = { nixpkgs, ... }: let pkgs = import nixpkgs { inherit system; }; in { x = ; };\n');
    const d = (await wait).diagnostics;
    assert.ok(d.some((x) => x.code === 'syntax' && x.severity === 1), JSON.stringify(d));

    const empty = 'file:///work/empty/flake.nix';
    wait = client.diagnostics(empty);
    await client.open(empty, '');
    assert.ok((await wait).diagnostics.every((x) => x.code === 'syntax'));

    const huge = 'file:///work/huge/default.nix';
    client.settings[huge] = { maxFileSize: 1000 };
    wait = client.diagnostics(huge);
    await client.open(huge, `{\n${'  a = 1;\n'.repeat(500)}}\n`);
    const h = (await wait).diagnostics;
    assert.deepEqual(codesOf(h), ['too-large']);
    assert.equal(h[0].severity, 3);

    const untitled = 'untitled:Untitled-1';
    wait = client.diagnostics(untitled);
    await client.open(untitled, '{ nixpkgs, system, ... }: import nixpkgs { inherit system; }\n');
    assert.deepEqual(codesOf((await wait).diagnostics), ['legacy-packages']);
  });

  test('a request that fails is answered with an error and the server lives on', async () => {
    await assert.rejects(client.request('textDocument/hover', { textDocument: { uri: 'file:///work/a/flake.nix' }, position: null }));
    const uri = 'file:///work/alive/flake.nix';
    const wait = client.diagnostics(uri);
    await client.open(uri, FLAKE);
    assert.deepEqual(codesOf((await wait).diagnostics), ['legacy-packages']);
  });

  test('after many random incremental edits, diagnostics equal those of the same text opened fresh', async () => {
    const uri = 'file:///work/random/a/flake.nix';
    let text = FLAKE.replace('pkgs.hello;', '(import nixpkgs { system = "x86_64-linux"; }).hello;');
    let wait = client.diagnostics(uri);
    await client.open(uri, text);
    await wait;
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pieces = ['{', '}', ';', ' ', '\n', 'import nixpkgs { inherit system; }', '"', 'x', ','];
    const pos = (offset: number) => {
      const before = text.slice(0, offset).split('\n');
      return { line: before.length - 1, character: before[before.length - 1].length };
    };
    let version = 1;
    for (let i = 0; i < 60; i++) {
      const start = Math.floor(rand() * (text.length + 1));
      const end = Math.min(text.length, start + (rand() < 0.5 ? 0 : Math.floor(rand() * 6)));
      const insert = rand() < 0.7 ? pieces[Math.floor(rand() * pieces.length)] : '';
      const change = { range: { start: pos(start), end: pos(end) }, text: insert };
      text = text.slice(0, start) + insert + text.slice(end);
      await client.change(uri, ++version, [change]);
    }
    wait = client.diagnostics(uri, (p) => p.version === version);
    const incremental = (await wait).diagnostics;
    const freshUri = 'file:///work/random/b/flake.nix';
    const waitFresh = client.diagnostics(freshUri);
    await client.open(freshUri, text);
    const fresh = (await waitFresh).diagnostics;
    const shape = (ds: Diagnostic[]) => ds.map((d) => [d.code, d.range, d.message]);
    assert.deepEqual(shape(incremental), shape(fresh));
  });

  test('didClose clears the diagnostics', async () => {
    const uri = 'file:///work/a/flake.nix';
    const wait = client.diagnostics(uri, (p) => p.diagnostics.length === 0);
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    assert.deepEqual((await wait).diagnostics, []);
  });
});
