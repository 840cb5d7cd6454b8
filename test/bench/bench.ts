// npm run bench: prints the speed figures the project tracks. Nothing here asserts a time.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyse } from '../../server/src/rules/analyse';
import { resolveSettings } from '../../server/src/config';
import { ParsedNix, loadNix } from '../../server/src/nix/parser';
import { LspClient, REPO } from '../helpers/lspClient';
import { benchLocks } from './lockBench';
import { benchHostile } from './hostileBench';
import { benchGraph } from './graphBench';

const settings = resolveSettings({});

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

/** A flake of about `lines` lines in common styles, with a few imports for the rules to find. */
export function syntheticFlake(lines: number): string {
  const head = `{
  description = "synthetic";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.flake-utils.url = "github:numtide/flake-utils";
  outputs = { self, nixpkgs, flake-utils, ... }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = import nixpkgs { inherit system; };
        lib = nixpkgs.lib;
      in {
`;
  const tail = `      });
}
`;
  const body: string[] = [];
  let i = 0;
  while (body.length + 12 < lines) {
    body.push(
      `        packages.p${i} = pkgs.stdenv.mkDerivation {`,
      `          pname = "p${i}";`,
      `          version = "1.${i}";`,
      `          src = ./src/p${i};`,
      `          buildInputs = with pkgs; [ hello cowsay (lib.getBin jq) ];`,
      `          meta.description = ''Package \${toString ${i}} of many'';`,
      `        };`,
    );
    if (i % 50 === 0) body.push(`        checks.c${i} = (import nixpkgs { inherit system; config.allowUnfree = true; }).hello;`);
    i++;
  }
  return head + body.join('\n') + '\n' + tail;
}

/** Untimed edits first: a server that has been running is warm (JIT-compiled, caches filled). */
const WARM_UP = 50;

async function editLatency(label: string, text: string, edits: number): Promise<void> {
  const parsed = await ParsedNix.create(text);
  const times: number[] = [];
  // Type and delete a character at spread positions, as a user would.
  for (let k = -WARM_UP; k < edits; k++) {
    const at = parsed.text.indexOf('version = "', Math.floor((parsed.text.length * Math.abs(k)) / edits)) + 11;
    const insert = k % 2 === 0;
    const t0 = performance.now();
    parsed.update([insert ? { start: at, end: at, newText: '9' } : { start: at, end: at + 1, newText: '' }]);
    analyse({ text: parsed.text, tree: parsed.tree, isFlake: true, settings });
    if (k >= 0) times.push(performance.now() - t0);
  }
  parsed.dispose();
  console.log(`re-analysis after a 1-char edit, ${label}: p50 ${fmt(percentile(times, 50))}, p95 ${fmt(percentile(times, 95))} (${edits} edits after ${WARM_UP} warm-up edits)`);
}

async function serverStart(): Promise<void> {
  const times: number[] = [];
  const text = fs.readFileSync(path.join(REPO, 'examples/cowsay-ponysay/flake.nix'), 'utf8');
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const client = new LspClient();
    await client.initialize();
    const wait = client.diagnostics('file:///bench/flake.nix');
    await client.open('file:///bench/flake.nix', text);
    await wait;
    times.push(performance.now() - t0);
    await client.shutdown();
  }
  console.log(`server start to first diagnostics: median ${fmt(percentile(times, 50))}, max ${fmt(Math.max(...times))} (5 starts)`);
}

async function serverMemory(): Promise<void> {
  const client = new LspClient();
  await client.initialize();
  const docs = Array.from({ length: 20 }, (_, i) => syntheticFlake(i % 4 === 0 ? 2000 : 200));
  for (let i = 0; i < docs.length; i++) {
    const uri = `file:///bench/m${i}/flake.nix`;
    const wait = client.diagnostics(uri);
    await client.open(uri, docs[i]);
    await wait;
  }
  const status = fs.readFileSync(`/proc/${client.proc.pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  const lines = docs.reduce((n, d) => n + d.split('\n').length, 0);
  console.log(`server RSS with 20 open documents (${lines} lines): ${rss.toFixed(1)} MB`);
  await client.shutdown();
}

function checkVsNix(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flake-lens-bench-'));
  const sources = [syntheticFlake(200), syntheticFlake(1000), syntheticFlake(50)];
  let bytes = 0;
  const files: string[] = [];
  for (let i = 0; bytes < 2_000_000; i++) {
    const f = path.join(dir, `d${i % 20}`, `f${i}.nix`);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    const s = sources[i % sources.length];
    fs.writeFileSync(f, s);
    files.push(f);
    bytes += Buffer.byteLength(s);
  }
  const t0 = performance.now();
  const ours = spawnSync(process.execPath, [path.join(REPO, 'dist/cli.js'), 'check', '--format', 'json', dir], { maxBuffer: 1 << 30 });
  const oursMs = performance.now() - t0;
  if (ours.status !== 0 && ours.status !== 1) throw new Error(`check failed: ${ours.stderr}`);
  const nix = spawnSync('nix-instantiate', ['--version']);
  if (nix.status !== 0) {
    console.log(`check over ${(bytes / 1e6).toFixed(1)} MB in ${files.length} files: ${fmt(oursMs)} (nix-instantiate not installed: no ratio)`);
    return;
  }
  const t1 = performance.now();
  // One nix-instantiate per batch of files, as a CI job would call it.
  for (let i = 0; i < files.length; i += 200) {
    const r = spawnSync('nix-instantiate', ['--parse', ...files.slice(i, i + 200)], { maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`nix-instantiate failed: ${r.stderr}`);
  }
  const nixMs = performance.now() - t1;
  console.log(
    `check over ${(bytes / 1e6).toFixed(1)} MB in ${files.length} files: flake-lens ${fmt(oursMs)}, nix-instantiate --parse ${fmt(nixMs)}, ratio ${(oursMs / nixMs).toFixed(2)}`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  await loadNix();
  console.log(`Flake Lens benchmarks (node ${process.version}, ${os.cpus().length} cores)`);
  await editLatency('200-line flake', syntheticFlake(200), 400);
  await editLatency('20,000-line file', syntheticFlake(20000), 200);
  // `--edits-only`: just the two figures above (for profiling with node --cpu-prof).
  if (process.argv.includes('--edits-only')) return;
  await serverStart();
  await serverMemory();
  checkVsNix();
  benchLocks();
  await benchHostile();
  benchGraph();
}

if (require.main === module) void main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
