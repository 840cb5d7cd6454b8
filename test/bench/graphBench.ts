// Input graph figures: dagre layout + SVG scene of the largest corpus lock and of a synthetic
// 1,000-node lock (shaped like a big system configuration), in node (the webview runs the same code), and the webview bundle's size.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { flakeContext, graphDto } from '../../server/src/rules/flake';
import { buildModel } from '../../client/src/graph/model';
import { layoutGraph } from '../../client/src/graph/layout';
import { buildScene } from '../../client/src/graph/scene';
import { REPO } from '../helpers/lspClient';

const gh = (repo: string, i: number) => ({
  locked: { type: 'github', owner: 'example', repo, rev: i.toString(16).padStart(40, 'a'), narHash: `sha256-${repo}${i}`, lastModified: 1_700_000_000 + i * 3600 },
  original: { type: 'github', owner: 'example', repo },
});

/**
 * A lock of about `n` nodes shaped like a big system configuration (shallow and wide, unlike
 * lockBench's chain): root inputs with their own nixpkgs (or a follows), flake-utils → systems,
 * and every third one a nested flake with flake-parts → nixpkgs-lib.
 */
export function wideLock(n: number): string {
  const nodes: Record<string, object> = { nixpkgs: gh('nixpkgs', 0) };
  const rootInputs: Record<string, string> = { nixpkgs: 'nixpkgs' };
  let count = 2;
  for (let i = 0; count < n; i++) {
    const inputs: Record<string, string | string[]> = {};
    if (i % 3 === 0) inputs.nixpkgs = ['nixpkgs'];
    else (nodes[`nixpkgs_${i}`] = gh('nixpkgs', i)), (inputs.nixpkgs = `nixpkgs_${i}`), count++;
    nodes[`flake-utils_${i}`] = { ...gh('flake-utils', i), inputs: { systems: `systems_${i}` } };
    nodes[`systems_${i}`] = gh('systems', i);
    inputs['flake-utils'] = `flake-utils_${i}`;
    count += 2;
    if (i % 3 === 1) {
      nodes[`sub_${i}`] = { ...gh(`sub${i}`, i), inputs: { nixpkgs: [`in${i}`, 'nixpkgs'], 'flake-parts': `flake-parts_${i}` } };
      nodes[`flake-parts_${i}`] = { ...gh('flake-parts', i), inputs: { 'nixpkgs-lib': `nixpkgs-lib_${i}` } };
      nodes[`nixpkgs-lib_${i}`] = gh('nixpkgs.lib', i);
      inputs.sub = `sub_${i}`;
      count += 3;
    }
    nodes[`in${i}`] = { ...gh(`in${i}`, i), inputs };
    rootInputs[`in${i}`] = `in${i}`;
    count++;
  }
  nodes.root = { inputs: rootInputs };
  return JSON.stringify({ nodes, root: 'root', version: 7 }, null, 2);
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

function time(label: string, lockText: string, runs: number): void {
  const dto = graphDto(flakeContext({ lockText }), 'file:///bench/flake.nix', 'file:///bench/flake.lock', 'bench');
  const model = buildModel(dto, Date.now());
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    buildScene(model, layoutGraph(model));
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `input graph layout + scene, ${label} (${model.nodes.length} nodes, ${model.edges.length} edges): first ${fmt(wall[0])}, ` +
      `median ${fmt(median(wall.slice(1)))} wall, ${fmt(median(cpu.slice(1)))} CPU (${runs - 1} warm runs)`,
  );
}

export function benchGraph(): void {
  const corpus = path.resolve(REPO, '..', 'shared', 'corpus', 'locks');
  if (fs.existsSync(corpus)) {
    const largest = fs
      .readdirSync(corpus)
      .filter((f) => f.endsWith('.lock'))
      .map((f) => ({ f, text: fs.readFileSync(path.join(corpus, f), 'utf8') }))
      .sort((a, b) => b.text.length - a.text.length)[0];
    if (largest) time(`largest corpus lock ${largest.f}`, largest.text, 6);
  }
  time('synthetic wide lock', wideLock(1000), 4);
  const bundle = path.join(REPO, 'dist', 'webview', 'graph.js');
  if (fs.existsSync(bundle)) {
    const bytes = fs.readFileSync(bundle);
    console.log(`input graph webview bundle (dagre included): ${(bytes.length / 1024).toFixed(1)} KB, ${(zlib.gzipSync(bytes).length / 1024).toFixed(1)} KB gzipped`);
  }
}
