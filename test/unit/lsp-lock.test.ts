// The server with real flake.lock files on disk (made by real Nix): lock rules on flake.nix,
// diagnostics on flake.lock, watched-file changes, and the flakeLens/inputGraph request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CodeAction, Diagnostic } from 'vscode-languageserver';
import { LspClient, REPO } from '../helpers/lspClient';
import type { InputGraphResult } from '../../server/src/protocol';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'lock');

/** A copy of a fixture flake in a temp folder, so tests can change its lock. */
function copyFixture(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `flake-lens-lsp-${name}-`));
  for (const f of ['flake.nix', 'flake.lock']) fs.copyFileSync(path.join(FIXTURES, name, f), path.join(dir, f));
  return dir;
}

const uriOf = (p: string) => pathToFileURL(p).href;

/** Every flake of the workspace, read: the ones the server only listed (past its time budget) are asked for by URI. */
async function allGraphs(c: LspClient): Promise<InputGraphResult> {
  const r = await c.request<InputGraphResult>('flakeLens/inputGraph', {});
  const flakes = [];
  for (const f of r.flakes) {
    if (!f.pending) flakes.push(f);
    else flakes.push((await c.request<InputGraphResult>('flakeLens/inputGraph', { uris: [f.flakeUri] })).flakes[0]);
  }
  return { flakes };
}
const codes = (ds: Diagnostic[]) => ds.map((d) => d.code).sort();

describe('language server with flake.lock', () => {
  let client: LspClient;
  let dir: string;
  before(async () => {
    dir = copyFixture('no-follows');
    client = new LspClient();
    await client.initialize({ workspace: { configuration: true, workspaceFolders: true } });
  });
  after(async () => {
    await client.shutdown();
  });

  test('flake.nix gets missing-follows from the lock beside it; flake.lock gets duplicate-lock-node', async () => {
    const flake = uriOf(path.join(dir, 'flake.nix'));
    const lock = uriOf(path.join(dir, 'flake.lock'));
    const text = fs.readFileSync(path.join(dir, 'flake.nix'), 'utf8');
    const onFlake = client.diagnostics(flake);
    const onLock = client.diagnostics(lock);
    await client.open(flake, text);
    const fd = (await onFlake).diagnostics;
    const mf = fd.find((d) => d.code === 'missing-follows');
    assert.ok(mf, JSON.stringify(fd));
    assert.match(String(mf.message), /home-manager\/nixpkgs locks 39ba16e \(2024-03-01\); your nixpkgs is 3238fc4 \(2024-05-20\)/);
    const lines = text.split('\n');
    assert.equal(lines[mf.range.start.line].slice(mf.range.start.character, mf.range.end.character), 'home-manager');
    const rel = mf.relatedInformation?.find((r) => r.location.uri === lock);
    assert.ok(rel, JSON.stringify(mf.relatedInformation));
    const lockLines = fs.readFileSync(path.join(dir, 'flake.lock'), 'utf8').split('\n');
    assert.match(lockLines[rel.location.range.start.line], /"nixpkgs": \{/, 'related location is the duplicate node in flake.lock');
    const ld = (await onLock).diagnostics;
    assert.deepEqual(codes(ld), ['duplicate-lock-node']);
    assert.match(String(ld[0].message), /pulled in by home-manager\/nixpkgs/);

    // The quick-fix adds the follows in the declaration's style.
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: flake },
      range: mf.range,
      context: { diagnostics: [mf], only: ['quickfix'] },
    });
    const fix = actions.find((a) => a.title === 'Make home-manager/nixpkgs follow nixpkgs');
    assert.ok(fix, actions.map((a) => a.title).join(', '));
    const inserted = fix.edit!.changes![flake].map((e) => e.newText).join('');
    assert.match(inserted, /home-manager\.inputs\.nixpkgs\.follows = "nixpkgs";/);
  });

  test('many missing follows: one "Add all missing follows" action per request, whatever the number of diagnostics', async () => {
    // 300 inputs, each with its own copy of nixpkgs: 300 findings, each with its own fix.
    const N = 300;
    const gh = (repo: string, i: number) => ({ locked: { type: 'github', owner: 'o', repo, rev: String(i).padStart(40, '0'), narHash: 'sha256-x' }, original: { type: 'github', owner: 'o', repo } });
    const inputs: Record<string, string> = { nixpkgs: 'p' };
    const nodes: Record<string, unknown> = { root: { inputs }, p: gh('nixpkgs', 0) };
    let decls = '';
    for (let i = 0; i < N; i++) {
      inputs[`i${i}`] = `i${i}`;
      nodes[`i${i}`] = { ...gh(`r${i}`, i), inputs: { nixpkgs: `d${i}` } };
      nodes[`d${i}`] = gh('nixpkgs', i + 1);
      decls += `    i${i}.url = "github:o/r${i}";\n`;
    }
    const many = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-lsp-many-'));
    const text = `{\n  inputs = {\n    nixpkgs.url = "github:o/nixpkgs";\n${decls}  };\n  outputs = { self, ... }: { };\n}\n`;
    fs.writeFileSync(path.join(many, 'flake.nix'), text);
    fs.writeFileSync(path.join(many, 'flake.lock'), JSON.stringify({ nodes, root: 'root', version: 7 }));
    const flake = uriOf(path.join(many, 'flake.nix'));
    const published = client.diagnostics(flake);
    await client.open(flake, text);
    const ds = (await published).diagnostics.filter((d) => d.code === 'missing-follows');
    assert.equal(ds.length, N);
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: flake },
      range: { start: { line: 0, character: 0 }, end: { line: N + 6, character: 0 } },
      context: { diagnostics: ds, only: ['quickfix'] },
    });
    const all = actions.filter((a) => a.title === `Add all missing follows (${N})`);
    assert.equal(all.length, 1);
    assert.equal(all[0].diagnostics?.length, N);
    assert.equal(all[0].edit!.changes![flake].length, N);
    assert.equal(actions.filter((a) => /^Make i\d+\/nixpkgs follow nixpkgs$/.test(a.title)).length, N);
    fs.rmSync(many, { recursive: true, force: true });
  });

  test('hover, go to definition and links on inputs', async () => {
    const flake = uriOf(path.join(dir, 'flake.nix'));
    const text = fs.readFileSync(path.join(dir, 'flake.nix'), 'utf8');
    const lines = text.split('\n');
    const line = lines.findIndex((l) => /inputs\.home-manager/.test(l));
    const character = lines[line].indexOf('home-manager') + 2;
    const hover = await client.request<{ contents: { value: string } } | null>('textDocument/hover', { textDocument: { uri: flake }, position: { line, character } });
    assert.ok(hover, 'hover on the home-manager declaration');
    assert.match(hover.contents.value, /2024-01-01/);
    const def = await client.request<{ uri: string; range: { start: { line: number } } } | null>('textDocument/definition', { textDocument: { uri: flake }, position: { line, character } });
    assert.ok(def, 'definition of the declaration: its lock node');
    assert.ok(def.uri.endsWith('/flake.lock'));
    const lockLines = fs.readFileSync(path.join(dir, 'flake.lock'), 'utf8').split('\n');
    assert.match(lockLines[def.range.start.line], /"home-manager": \{/);
    const linked = 'file:///nonexistent/links/flake.nix';
    const wait = client.diagnostics(linked);
    await client.open(linked, '{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";\n  outputs = { nixpkgs, ... }: { };\n}\n');
    await wait;
    const links = await client.request<{ target: string; range: { start: { line: number; character: number }; end: { character: number } } }[]>('textDocument/documentLink', { textDocument: { uri: linked } });
    assert.deepEqual(links.map((l) => [l.target, l.range.start.line, l.range.start.character, l.range.end.character]), [
      ['https://github.com/NixOS/nixpkgs/tree/nixos-unstable', 1, 24, 59],
    ]);
  });

  test('a changed flake.lock on disk is picked up through didChangeWatchedFiles', async () => {
    const flake = uriOf(path.join(dir, 'flake.nix'));
    const lock = uriOf(path.join(dir, 'flake.lock'));
    // Put the lock Nix makes once the follows exists in place: the duplicate disappears.
    fs.copyFileSync(path.join(FIXTURES, 'with-follows', 'flake.lock'), path.join(dir, 'flake.lock'));
    const onLock = client.diagnostics(lock, (p) => p.diagnostics.every((d) => d.code !== 'duplicate-lock-node'));
    const onFlake = client.diagnostics(flake, (p) => !p.diagnostics.some((d) => d.code === 'missing-follows'));
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: lock, type: 2 }] });
    await onLock;
    assert.deepEqual(codes((await onFlake).diagnostics), ['unused-input', 'unused-input']);
  });

  test('stale-lock: flake.nix declares a follows the lock lacks; the fix offers nix flake lock', async () => {
    const stale = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-lsp-stale-'));
    fs.copyFileSync(path.join(FIXTURES, 'with-follows', 'flake.nix'), path.join(stale, 'flake.nix'));
    fs.copyFileSync(path.join(FIXTURES, 'no-follows', 'flake.lock'), path.join(stale, 'flake.lock'));
    const flake = uriOf(path.join(stale, 'flake.nix'));
    const wait = client.diagnostics(flake);
    await client.open(flake, fs.readFileSync(path.join(stale, 'flake.nix'), 'utf8'));
    const fd = (await wait).diagnostics;
    const d = fd.find((x) => x.code === 'stale-lock');
    assert.ok(d, JSON.stringify(fd.map((x) => [x.code, x.message])));
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
      textDocument: { uri: flake },
      range: d.range,
      context: { diagnostics: [d], only: ['quickfix'] },
    });
    const update = actions.find((a) => a.command?.command === 'flakeLens.updateLock');
    assert.ok(update, actions.map((a) => a.title).join(', '));
    assert.deepEqual(update.command!.arguments, [flake]);
  });

  test('an open flake.lock buffer with broken JSON gets lock-error at the right place', async () => {
    const lock = uriOf(path.join(dir, 'flake.lock'));
    const onLock = client.diagnostics(lock, (p) => p.diagnostics.some((d) => d.code === 'lock-error'));
    const broken = '{\n  "nodes": {\n    "root": { "inputs": { } }\n  },\n  "root": "root",\n  "version": 7,\n}\n';
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: lock, languageId: 'json', version: 1, text: broken } });
    const d = (await onLock).diagnostics.find((x) => x.code === 'lock-error')!;
    assert.equal(d.severity, 1);
    assert.equal(d.range.start.line, 6, JSON.stringify(d));
  });

  test('a flake.lock without flake.nix still gets its own diagnostics', async () => {
    const lone = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-lsp-lone-'));
    fs.writeFileSync(path.join(lone, 'flake.lock'), '{"nodes": {"root": {}}, "root": "root", "version": 4}\n');
    const lock = uriOf(path.join(lone, 'flake.lock'));
    const wait = client.diagnostics(lock);
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: lock, type: 1 }] });
    const d = (await wait).diagnostics;
    assert.deepEqual(codes(d), ['lock-error']);
    assert.match(String(d[0].message), /version/);
  });

  test('flakeLens/inputGraph returns the graph with duplicates, follows fixes and ranges', async () => {
    const other = copyFixture('no-follows');
    const result = await client.request<InputGraphResult>('flakeLens/inputGraph', { uris: [uriOf(path.join(other, 'flake.nix'))] });
    assert.equal(result.flakes.length, 1);
    const g = result.flakes[0];
    assert.equal(g.root, 'root');
    assert.match(g.summary, /^nixpkgs: 2 revisions, 0 inputs follow the root/);
    const root = g.nodes[g.root!];
    assert.deepEqual(root.inputs.map((e) => e.name).sort(), ['home-manager', 'nixpkgs']);
    const hm = root.inputs.find((e) => e.name === 'home-manager')!;
    assert.ok(hm.declaration, 'declaration range of home-manager');
    const hmNode = g.nodes[hm.target!];
    const inner = hmNode.inputs.find((e) => e.name === 'nixpkgs')!;
    assert.equal(g.nodes[inner.target!].duplicate?.ordinal, 2);
    assert.equal(inner.addFollows?.title, 'Make home-manager/nixpkgs follow nixpkgs');
    assert.ok(g.nodes[inner.target!].lockRange);
  });

  test('inputGraph without uris finds the flakes of the workspace folders', async () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-ws-'));
    for (const [sub, fixture] of [['a', 'no-follows'], ['nested/b', 'with-follows']]) {
      fs.mkdirSync(path.join(ws, sub), { recursive: true });
      for (const f of ['flake.nix', 'flake.lock']) fs.copyFileSync(path.join(FIXTURES, fixture, f), path.join(ws, sub, f));
    }
    fs.mkdirSync(path.join(ws, 'node_modules', 'x'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'node_modules', 'x', 'flake.nix'), '{ outputs = _: { }; }');
    const c = new LspClient();
    try {
      await c.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: { workspace: { workspaceFolders: true } }, workspaceFolders: [{ uri: uriOf(ws), name: 'ws' }] });
      await c.connection.sendNotification('initialized', {});
      const r = await allGraphs(c);
      assert.deepEqual(r.flakes.map((f) => f.name), ['a', 'b']);
      assert.match(r.flakes[1].summary, /1 input follow the root/);
      // A flake created later is found once the watcher reports it.
      fs.mkdirSync(path.join(ws, 'c'));
      fs.writeFileSync(path.join(ws, 'c', 'flake.nix'), '{ outputs = _: { }; }\n');
      await c.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(path.join(ws, 'c', 'flake.nix')), type: 1 }] });
      const r2 = await allGraphs(c);
      // Sorted by path: a/, c/, nested/b/.
      assert.deepEqual(r2.flakes.map((f) => [f.name, f.summary]), [['a', r.flakes[0].summary], ['c', 'no inputs'], ['b', r.flakes[1].summary]]);
      // So is a workspace folder added to the workspace.
      const other = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-ws2-'));
      fs.mkdirSync(path.join(other, 'd'));
      fs.writeFileSync(path.join(other, 'd', 'flake.nix'), '{ outputs = _: { }; }\n');
      await c.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: [{ uri: uriOf(other), name: 'other' }], removed: [{ uri: uriOf(ws), name: 'ws' }] } });
      const r3 = await allGraphs(c);
      assert.deepEqual(r3.flakes.map((f) => f.name), ['d']);
    } finally {
      await c.shutdown();
    }
  });
  test('inputGraph over a workspace of many flakes lists every flake once; those past the time budget come back by URI', async () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-many-'));
    const N = 60;
    // Large enough that reading all of them takes a while (each 60 KB of inputs and a lock).
    for (let i = 0; i < N; i++) {
      const dir = path.join(ws, `f${String(i).padStart(2, '0')}`);
      fs.mkdirSync(dir);
      fs.copyFileSync(path.join(FIXTURES, 'no-follows', 'flake.lock'), path.join(dir, 'flake.lock'));
      const pad = Array.from({ length: 1500 }, (_, k) => `    x${k} = "${k}";`).join('\n');
      fs.writeFileSync(path.join(dir, 'flake.nix'), fs.readFileSync(path.join(FIXTURES, 'no-follows', 'flake.nix'), 'utf8').replace(/outputs\s*=/, `padding = {\n${pad}\n  };\n  outputs =`));
    }
    const c = new LspClient();
    try {
      await c.connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: { workspace: { workspaceFolders: true } }, workspaceFolders: [{ uri: uriOf(ws), name: 'ws' }] });
      await c.connection.sendNotification('initialized', {});
      const listed = await c.request<InputGraphResult>('flakeLens/inputGraph', {});
      assert.deepEqual(listed.flakes.map((f) => f.name), Array.from({ length: N }, (_, i) => `f${String(i).padStart(2, '0')}`));
      // The first is always read; a pending one is only a name and a URI.
      assert.ok(!listed.flakes[0].pending && listed.flakes[0].root);
      for (const f of listed.flakes.filter((x) => x.pending)) assert.deepEqual([f.root, Object.keys(f.nodes).length], [undefined, 0]);
      const all = await allGraphs(c);
      assert.ok(all.flakes.every((f) => !f.pending && f.root && /nixpkgs: 2 revisions/.test(f.summary)), JSON.stringify(all.flakes.map((f) => f.summary)));
    } finally {
      await c.shutdown();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });

});
