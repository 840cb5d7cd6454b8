// The nixpkgs age and support rules through the language server (which uses today's date):
// diagnostics, the branch fix plus "Update flake.lock", inlay hints, and `outdated` in the graph.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeAction, Diagnostic, InlayHint } from 'vscode-languageserver';
import { LspClient } from '../helpers/lspClient';
import type { InputGraphResult } from '../../server/src/protocol';

const DAY = 86_400;
const nowSec = Math.floor(Date.now() / 1000);
const node = (ref: string, rev: string, ageDays: number) => ({
  locked: { lastModified: nowSec - ageDays * DAY - 3600, narHash: 'sha256-x', owner: 'NixOS', repo: 'nixpkgs', rev: rev.repeat(40), type: 'github' },
  original: { owner: 'NixOS', ref, repo: 'nixpkgs', type: 'github' },
});
// nixos-19.09 is unsupported on any date this test can run; nixos-unstable always supported.
const FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-19.09";
  inputs.unstable.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs, unstable }: { };
}
`;
const LOCK = JSON.stringify({
  nodes: { nixpkgs: node('nixos-19.09', 'a', 45), unstable: node('nixos-unstable', 'b', 12), root: { inputs: { nixpkgs: 'nixpkgs', unstable: 'unstable' } } },
  root: 'root',
  version: 7,
}, null, 2);

describe('language server: nixpkgs age and support', () => {
  let client: LspClient;
  let dir: string;
  let flake: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-lsp-age-'));
    fs.writeFileSync(path.join(dir, 'flake.nix'), FLAKE);
    fs.writeFileSync(path.join(dir, 'flake.lock'), LOCK);
    flake = pathToFileURL(path.join(dir, 'flake.nix')).href;
    client = new LspClient();
    const init = await client.initialize({ workspace: { configuration: true } });
    assert.equal(init.capabilities.inlayHintProvider, true);
  });
  after(async () => {
    await client.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('diagnostics on the URL and the ref; the fix rewrites the ref and offers nix flake lock', async () => {
    const published = client.diagnostics(flake);
    await client.open(flake, FLAKE);
    const ds = (await published).diagnostics.filter((d) => String(d.code).includes('nixpkgs'));
    const line = (d: Diagnostic) => FLAKE.split('\n')[d.range.start.line].slice(d.range.start.character, d.range.end.character);
    assert.deepEqual(ds.map((d) => `${d.code} ${line(d)}`).sort(), ['outdated-nixpkgs "github:NixOS/nixpkgs/nixos-19.09"', 'unsupported-nixpkgs-branch nixos-19.09']);
    assert.match(String(ds.find((d) => d.code === 'outdated-nixpkgs')!.message), /45 days old \(limit: 30 days/);
    const branch = ds.find((d) => d.code === 'unsupported-nixpkgs-branch')!;
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: flake }, range: branch.range, context: { diagnostics: [branch], only: ['quickfix'] } });
    const titles = actions.map((a) => a.title);
    // The newest supported release first (then the other one, or nixos-unstable).
    assert.match(titles[0], /^Use nixos-\d\d\.(05|11) \(then update flake\.lock\)$/);
    assert.match(titles[1], /^Use nixos-(\d\d\.(05|11)|unstable) \(then update flake\.lock\)$/);
    assert.ok(titles.includes('Update flake.lock (nix flake lock)'), titles.join(', '));
    const first = actions[0];
    assert.deepEqual(first.edit!.changes![flake].map((e) => e.newText), [/^Use (\S+)/.exec(first.title)![1]]);
    assert.equal(first.isPreferred, true);
  });

  test('inlay hints after each URL, and off with flakeLens.inlayHints.enable = false', async () => {
    const range = { start: { line: 0, character: 0 }, end: { line: 10, character: 0 } };
    const hints = await client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri: flake }, range });
    assert.deepEqual(hints.map((h) => [h.position.line, h.label]), [[1, '# aaaaaaa · 45 days'], [2, '# bbbbbbb · 12 days']]);
    assert.equal(hints[0].position.character, FLAKE.split('\n')[1].lastIndexOf('"') + 1);
    client.settings['*'] = { inlayHints: { enable: false } };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    assert.deepEqual(await client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri: flake }, range }), []);
    client.settings['*'] = {};
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
  });

  test('inlay hints asked for right after an edit are placed in the edited text', async () => {
    const sub = path.join(dir, 'edited');
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'flake.lock'), LOCK);
    const uri = pathToFileURL(path.join(sub, 'flake.nix')).href;
    // A long debounce (read when the document is opened): the edit is still queued, not
    // analysed, when the hints are asked for.
    client.settings['*'] = { debounceMs: 60_000 };
    const opened = client.diagnostics(uri);
    await client.open(uri, FLAKE);
    await opened;
    client.settings['*'] = {};
    const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    await client.change(uri, 2, [{ range: top, text: '# a comment\n' }]);
    const range = { start: { line: 0, character: 0 }, end: { line: 11, character: 0 } };
    const hints = await client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range });
    assert.deepEqual(hints.map((h) => [h.position.line, h.label]), [[2, '# aaaaaaa · 45 days'], [3, '# bbbbbbb · 12 days']]);
    await client.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  });

  test('the input graph marks the outdated nixpkgs node, and only it', async () => {
    const r = await client.request<InputGraphResult>('flakeLens/inputGraph', { uris: [flake] });
    const nodes = r.flakes[0].nodes;
    assert.equal(nodes.nixpkgs.outdated, true);
    assert.equal(nodes.unstable.outdated, undefined);
    client.settings['*'] = { nixpkgs: { maxAgeDays: 365 } };
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    const again = await client.request<InputGraphResult>('flakeLens/inputGraph', { uris: [flake] });
    assert.equal(again.flakes[0].nodes.nixpkgs.outdated, undefined, 'maxAgeDays is honoured');
  });
});
