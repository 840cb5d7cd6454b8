// The server against a client (or anything writing to its input) that does not follow the
// protocol, and against flake.lock files past the limits: errors with the right codes, no hang.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ResponseError } from 'vscode-jsonrpc';
import type { Diagnostic } from 'vscode-languageserver';
import { LspClient, SERVER } from '../helpers/lspClient';
import { MAX_LOCK_NODES } from '../../server/src/lock/lockfile';

const FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs }:
    let pkgs = import nixpkgs { system = "x86_64-linux"; };
    in { packages.x86_64-linux.default = pkgs.hello; };
}
`;

async function errorCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ResponseError, `not a response error: ${String(e)}`);
    return e.code;
  }
  assert.fail('the request succeeded');
}

/** A lock of `n` github nodes and the root (n + 1 nodes), each a root input. */
function lockOf(n: number): string {
  const nodes: Record<string, unknown> = {};
  const inputs: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    inputs[`i${i}`] = `i${i}`;
    nodes[`i${i}`] = {
      locked: { lastModified: 1700000000, narHash: 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', owner: 'o', repo: `r${i}`, rev: 'a'.repeat(40), type: 'github' },
      original: { owner: 'o', repo: `r${i}`, type: 'github' },
    };
  }
  nodes.root = { inputs };
  return JSON.stringify({ nodes, root: 'root', version: 7 }, null, 2);
}

describe('server lifecycle against a misbehaving client', () => {
  test('a request before initialize gets ServerNotInitialized (-32002); a second initialize is refused', async () => {
    const client = new LspClient();
    try {
      const hover = client.request('textDocument/hover', { textDocument: { uri: 'file:///w/flake.nix' }, position: { line: 0, character: 0 } });
      assert.equal(await errorCode(hover), -32002);
      await client.initialize();
      assert.equal(await errorCode(client.request('initialize', { processId: null, rootUri: null, capabilities: {} })), -32600);
      // Still serving after the refused initialize, with handlers registered once.
      const uri = 'file:///w/a/flake.nix';
      const wait = client.diagnostics(uri);
      await client.open(uri, FLAKE);
      assert.deepEqual((await wait).diagnostics.map((d) => d.code), ['legacy-packages']);
      assert.equal(await errorCode(client.request('flakeLens/noSuchMethod', {})), -32601);
    } finally {
      await client.shutdown();
    }
  });

  test('a corrupt Content-Length header makes the server exit with an error, not hang', async () => {
    const proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (b) => (stderr += String(b)));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.stdin.write('Content-Length: abc\r\n\r\n{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10000))]);
    if (code === 'hung') proc.kill();
    assert.equal(code, 1);
    assert.match(stderr, /Content-Length/);
  });
});

describe('malformed request parameters', () => {
  let client: LspClient;
  const uri = 'file:///w/params/flake.nix';
  before(async () => {
    assert.ok(fs.existsSync(SERVER), `${SERVER} is missing: run npm run build`);
    client = new LspClient();
    await client.initialize();
    const wait = client.diagnostics(uri);
    await client.open(uri, FLAKE);
    await wait;
  });
  after(async () => {
    assert.equal(await client.shutdown(), 0, client.stderr);
  });

  const bad: [string, string, unknown][] = [
    ['codeAction with a string for context.only', 'textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, context: { diagnostics: [], only: 'quickfix' } }],
    ['codeAction without context', 'textDocument/codeAction', { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }],
    ['hover with a number for the URI', 'textDocument/hover', { textDocument: { uri: 5 }, position: { line: 0, character: 0 } }],
    ['hover at a fractional line', 'textDocument/hover', { textDocument: { uri }, position: { line: 1.5, character: 0 } }],
    ['hover at a negative character', 'textDocument/hover', { textDocument: { uri }, position: { line: 0, character: -1 } }],
    ['definition without a position', 'textDocument/definition', { textDocument: { uri } }],
    ['documentLink without textDocument', 'textDocument/documentLink', {}],
    ['inputGraph with a string for uris', 'flakeLens/inputGraph', { uris: 'file:///w/flake.nix' }],
    ['inlayHint without a range', 'textDocument/inlayHint', { textDocument: { uri } }],
    ['inlayHint at a negative line', 'textDocument/inlayHint', { textDocument: { uri }, range: { start: { line: -1, character: 0 }, end: { line: 0, character: 0 } } }],
  ];
  for (const [name, method, params] of bad) {
    test(`${name}: InvalidParams (-32602)`, async () => {
      assert.equal(await errorCode(client.request(method, params)), -32602);
    });
  }

  test('malformed notifications are dropped and the document stays in step', async () => {
    await client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 2 }, contentChanges: 'x' });
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: 'file:///w/x.nix', text: 5 } });
    const wait = client.diagnostics(uri, (p) => p.version === 3);
    const call = 'import nixpkgs { system = "x86_64-linux"; }';
    const line = FLAKE.split('\n').findIndex((l) => l.includes(call));
    const character = FLAKE.split('\n')[line].indexOf(call);
    const range = { start: { line, character }, end: { line, character: character + call.length } };
    await client.change(uri, 3, [{ range, text: 'nixpkgs.legacyPackages.x86_64-linux' }]);
    assert.deepEqual((await wait).diagnostics, []);
  });
});

describe('edits and flake.lock changes are coalesced', () => {
  let client: LspClient;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-hostile-'));
    client = new LspClient();
    await client.initialize();
  });
  after(async () => {
    await client.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a burst of edits is analysed once, at its last version, and requests see every edit', async () => {
    const uri = pathToFileURL(path.join(dir, 'burst', 'flake.nix')).href;
    const opened = client.diagnostics(uri);
    await client.open(uri, FLAKE);
    await opened;
    // Every publication for the document until version 41 passes through this predicate.
    const seen: (number | undefined)[] = [];
    const wait = client.diagnostics(uri, (p) => (seen.push(p.version), p.version === 41));
    const at = FLAKE.indexOf('pkgs.hello') + 'pkgs.hello'.length;
    const line = FLAKE.slice(0, at).split('\n').length - 1;
    const character = at - FLAKE.lastIndexOf('\n', at - 1) - 1;
    for (let v = 2; v <= 41; v++) {
      const c = character + v - 2;
      await client.change(uri, v, [{ range: { start: { line, character: c }, end: { line, character: c } }, text: 'x' }]);
    }
    // A request right after the burst sees the text with all 40 edits (the hover range ends there).
    const hover = await client.request<{ range: { end: { character: number } } } | null>('textDocument/hover', {
      textDocument: { uri },
      position: { line: 3, character: 20 },
    });
    assert.ok(hover, 'hover on the import');
    const last = await wait;
    assert.deepEqual(last.diagnostics.map((d: Diagnostic) => d.code), ['legacy-packages']);
    assert.deepEqual(seen, [41], 'one analysis for the burst');
  });

  test(`a lock over ${MAX_LOCK_NODES} nodes gets one lock-error and no analysis; within the limit it is analysed`, async () => {
    const flakeDir = path.join(dir, 'big');
    fs.mkdirSync(flakeDir);
    fs.writeFileSync(path.join(flakeDir, 'flake.nix'), '{ inputs = { }; outputs = { self }: { }; }\n');
    fs.writeFileSync(path.join(flakeDir, 'flake.lock'), lockOf(MAX_LOCK_NODES));
    const flake = pathToFileURL(path.join(flakeDir, 'flake.nix')).href;
    const lock = pathToFileURL(path.join(flakeDir, 'flake.lock')).href;
    const waitLock = client.diagnostics(lock);
    await client.open(flake, fs.readFileSync(path.join(flakeDir, 'flake.nix'), 'utf8'));
    const ds = (await waitLock).diagnostics;
    assert.deepEqual(ds.map((d) => d.code), ['lock-error']);
    assert.ok(String(ds[0].message).includes(`${MAX_LOCK_NODES + 1} nodes; Flake Lens analyses locks of at most ${MAX_LOCK_NODES} nodes`), String(ds[0].message));
    // Hover and links on the flake still answer (without lock information).
    await client.request('textDocument/hover', { textDocument: { uri: flake }, position: { line: 0, character: 2 } });
    // Within the limit, the stale-lock rule sees the extra inputs.
    const waitSmall = client.diagnostics(lock, (p) => p.diagnostics.some((d) => d.code === 'stale-lock'));
    await client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: lock, languageId: 'json', version: 1, text: lockOf(3) } });
    assert.ok((await waitSmall).diagnostics.every((d) => d.code !== 'lock-error'));
  });
});
