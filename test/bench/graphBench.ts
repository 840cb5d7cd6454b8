// Input graph figures: dagre layout + SVG scene of the largest corpus lock and of a synthetic
// 1,000-node lock (shaped like a big system configuration), in node (the webview runs the same code), and the webview bundle's size.
// Then the locks of issue 9 at the server's limits: model time and heap, the message posted to the
// webview, the drawing budget check, and the layout of what is then drawn.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { flakeContext, graphDto } from '../../server/src/rules/flake';
import { buildModel } from '../../client/src/graph/model';
import { layoutGraph } from '../../client/src/graph/layout';
import { buildScene } from '../../client/src/graph/scene';
import { planDrawing } from '../../client/src/graph/budget';
import { MAX_LOCK_NODES } from '../../server/src/lock/lockfile';
import { chainLock, denseLock, diamondLock, duplicatesLock } from './hostileBench';
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

/** A forced collection, so that heap figures are what the model holds (not garbage). */
function collect(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/**
 * The extension host's model and the webview's budget check on a lock at the server's limits, and
 * the layout of what the webview then draws (the whole graph, or nothing past the budget).
 */
function atLimit(label: string, lockText: string): void {
  const dto = graphDto(flakeContext({ lockText }), 'file:///bench/flake.nix', 'file:///bench/flake.lock', 'bench');
  collect();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const model = buildModel(dto, Date.now());
  const modelMs = performance.now() - t0;
  collect();
  const heap = (process.memoryUsage().heapUsed - heap0) / 1024 / 1024;
  const posted = JSON.stringify(model).length / 1024 / 1024;
  const t1 = performance.now();
  const plan = planDrawing(model, {});
  const planMs = performance.now() - t1;
  let drawn = 'not laid out (over the drawing budget)';
  if (plan.draw) {
    const t2 = performance.now();
    layoutGraph(plan.draw);
    drawn = `layout ${fmt(performance.now() - t2)}`;
  }
  console.log(
    `input graph at the limits, ${label} (${model.nodes.length} nodes, ${model.edges.length} edges): model ${fmt(modelMs)}, ` +
      `heap +${heap.toFixed(1)} MB, message ${posted.toFixed(1)} MB, budget check ${fmt(planMs)}, ${drawn}`,
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
  atLimit(`chain of ${MAX_LOCK_NODES - 1}`, chainLock(MAX_LOCK_NODES - 1));
  atLimit(`diamond of ${MAX_LOCK_NODES - 1} (2^${MAX_LOCK_NODES - 1} paths)`, diamondLock(MAX_LOCK_NODES - 1));
  atLimit('100 nodes x 600 inputs', denseLock(100, 600));
  atLimit(`${(MAX_LOCK_NODES - 2) / 2} root inputs with their own nixpkgs`, duplicatesLock((MAX_LOCK_NODES - 2) / 2));
  atLimit('synthetic wide lock of 1,000 nodes (under the budget)', wideLock(1000));
  const bundle = path.join(REPO, 'dist', 'webview', 'graph.js');
  if (fs.existsSync(bundle)) {
    const bytes = fs.readFileSync(bundle);
    console.log(`input graph webview bundle (dagre included): ${(bytes.length / 1024).toFixed(1)} KB, ${(zlib.gzipSync(bytes).length / 1024).toFixed(1)} KB gzipped`);
  }
}
