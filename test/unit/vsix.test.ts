// `npm run package` output: the .vsix holds the bundles, both wasm files and the grammar,
// and no sources, tests or node_modules (.vscodeignore is an allow-list).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../helpers/lspClient';

/** Names of the entries of a zip file, from its central directory. */
function zipEntries(file: string): string[] {
  const buf = fs.readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

test('the vsix holds the bundles and both wasm files, and no sources or tests', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-vsix-')), 'flake-lens.vsix');
  const vsce = path.join(REPO, 'node_modules', '@vscode', 'vsce', 'vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '-o', out], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // The Marketplace and Open VSX take it without questions: no vsce warning at all.
  assert.doesNotMatch(r.stdout + r.stderr, /WARNING/i);
  const names = zipEntries(out).filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
  for (const required of [
    'package.json',
    'dist/extension.js',
    'dist/server.js',
    'dist/cli.js',
    'dist/web-tree-sitter.wasm',
    'dist/tree-sitter-nix.wasm',
    'dist/webview/graph.js',
    'media/graph/graph.css',
    'syntaxes/nix.tmLanguage.json',
    'language-configuration.json',
  ]) {
    assert.ok(names.includes(required), `${required} in ${names.join(', ')}`);
  }
  const forbidden = names.filter((n) => /\.ts$|^test\/|^server\/|^client\/|^node_modules\/|^scripts\/|\.map$|^out\//.test(n));
  assert.deepEqual(forbidden, []);
  assert.ok(fs.statSync(out).size < 1024 * 1024, `the vsix is ${fs.statSync(out).size} bytes: keep it under 1 MB`);
  // The wasm shipped is the committed grammar, byte for byte.
  assert.deepEqual(
    fs.readFileSync(path.join(REPO, 'dist', 'tree-sitter-nix.wasm')),
    fs.readFileSync(path.join(REPO, 'server', 'grammar', 'tree-sitter-nix.wasm')),
  );
});

test('the vsix manifest has what Open VSX and the Marketplace require: identity, engine, license, icon, repository', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-vsix-')), 'flake-lens.vsix');
  const vsce = path.join(REPO, 'node_modules', '@vscode', 'vsce', 'vsce');
  assert.equal(spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '-o', out], { cwd: REPO, encoding: 'utf8' }).status, 0);
  const manifest = spawnSync('unzip', ['-p', out, 'extension.vsixmanifest'], { encoding: 'utf8' }).stdout;
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  // Open VSX publishes under the namespace named by `publisher`, which must be a lower-case id.
  assert.match(pkg.publisher, /^[a-z0-9][a-z0-9-]*$/);
  assert.ok(manifest.includes(`<Identity Language="en-US" Id="${pkg.name}" Version="${pkg.version}" Publisher="${pkg.publisher}" />`), manifest);
  assert.ok(manifest.includes(`<Property Id="Microsoft.VisualStudio.Code.Engine" Value="${pkg.engines.vscode}" />`));
  assert.ok(manifest.includes('<License>extension/LICENSE.txt</License>'));
  assert.ok(manifest.includes('<Icon>extension/media/icon.png</Icon>'));
  assert.ok(manifest.includes(`Value="${pkg.repository.url}"`));
  const names = zipEntries(out);
  for (const f of ['extension/LICENSE.txt', 'extension/readme.md', 'extension/changelog.md', 'extension/media/icon.png']) assert.ok(names.includes(f), f);
  // The readme's first screen: what it does, then the screenshot (an absolute link once packaged).
  const readme = spawnSync('unzip', ['-p', out, 'extension/readme.md'], { encoding: 'utf8' }).stdout;
  const firstScreen = readme.split('\n').slice(0, 12).join('\n');
  assert.match(firstScreen, /checks Nix flakes/);
  assert.match(firstScreen, /!\[[^\]]+\]\(https:\/\/github\.com\/flake-lens\/flake-lens\/raw\/HEAD\/docs\/images\/diagnostic-quickfix\.png\)/);
  // A CHANGELOG entry for the version being packaged.
  assert.ok(fs.readFileSync(path.join(REPO, 'CHANGELOG.md'), 'utf8').split('\n').includes(`## ${pkg.version}`), `CHANGELOG.md has ## ${pkg.version}`);
});
