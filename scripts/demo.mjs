// The main job: build the extension (bundles + .vsix), then run its language server and CLI on
// the sample flake in examples/cowsay-ponysay, printing what an editor would show.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const rpc = require('vscode-jsonrpc/node');

const step = (s) => console.log(`\n\x1b[1m== ${s}\x1b[0m`);
const sh = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status})`);
};

step('Build and package the extension');
sh('npm', ['run', '--silent', 'package']);
if (!existsSync(join(root, 'flake-lens.vsix'))) throw new Error('flake-lens.vsix was not produced');

const sample = join(root, 'examples', 'cowsay-ponysay', 'flake.nix');
const text = readFileSync(sample, 'utf8');
const uri = pathToFileURL(sample).href;

step(`Language server on ${sample}`);
const proc = spawn(process.execPath, [join(root, 'dist', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(proc.stdout), new rpc.StreamMessageWriter(proc.stdin));
const diagnostics = new Promise((resolve) => conn.onNotification('textDocument/publishDiagnostics', (p) => p.uri === uri && resolve(p.diagnostics)));
conn.listen();
await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
await conn.sendNotification('initialized', {});
await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'nix', version: 1, text } });
const ds = await diagnostics;
const sev = ['', 'error', 'warning', 'info', 'hint'];
for (const d of ds) {
  console.log(`  ${d.range.start.line + 1}:${d.range.start.character + 1} ${sev[d.severity]} [${d.code}] ${d.message}`);
  const actions = await conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  for (const a of actions) console.log(`      quick fix: ${a.title}`);
}
const hover = await conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: ds[0].range.start });
if (hover) console.log(`\n  hover on line ${ds[0].range.start.line + 1}:\n    ${hover.contents.value.replace(/\n/g, '\n    ')}`);
await conn.sendRequest('shutdown');
await conn.sendNotification('exit');
conn.dispose();

step('CLI: flake-lens check');
sh(process.execPath, ['dist/cli.js', 'check', 'examples/cowsay-ponysay']);
step('CLI: flake-lens fix --dry-run (what the quick-fixes rewrite)');
sh(process.execPath, ['dist/cli.js', 'fix', '--dry-run', 'examples/cowsay-ponysay/flake.nix']);
step('CLI: flake-lens inputs on a flake whose home-manager brings a second nixpkgs (locked by real Nix)');
sh(process.execPath, ['dist/cli.js', 'inputs', 'test/fixtures/lock/no-follows']);
step('CLI: flake-lens check on that flake');
sh(process.execPath, ['dist/cli.js', 'check', 'test/fixtures/lock/no-follows']);
console.log('\nInstall the extension with: code --install-extension flake-lens.vsix');
