// Lock graph figures: a synthetic 1,000-node lock and the real locks in ../shared/corpus/locks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseLock } from '../../server/src/lock/lockfile';
import { buildGraph, findDuplicates } from '../../server/src/lock/graph';
import { REPO } from '../helpers/lspClient';

/** A lock of `n` nodes: a chain of flakes, each with its own nixpkgs and a follows or two. */
export function syntheticLock(n: number): string {
  const nodes: Record<string, unknown> = {};
  const rootInputs: Record<string, unknown> = { nixpkgs: 'nixpkgs' };
  nodes.nixpkgs = {
    locked: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: '0'.repeat(40), narHash: 'sha256-root', lastModified: 1700000000 },
    original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-unstable' },
  };
  let count = 2;
  for (let i = 0; count < n; i++) {
    const key = `dep${i}`;
    const np = `nixpkgs_${i + 2}`;
    nodes[np] = {
      locked: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', rev: String(i).padStart(40, '1'), narHash: `sha256-${i}`, lastModified: 1700000000 + i },
      original: { type: 'github', owner: 'NixOS', repo: 'nixpkgs', ref: 'nixos-unstable' },
    };
    nodes[key] = {
      inputs: { nixpkgs: np, utils: ['nixpkgs'], ...(i > 0 ? { prev: `dep${i - 1}` } : {}) },
      locked: { type: 'github', owner: 'example', repo: key, rev: String(i).padStart(40, '2'), narHash: `sha256-d${i}`, lastModified: 1700000000 + i },
      original: { type: 'github', owner: 'example', repo: key },
    };
    rootInputs[key] = key;
    count += 2;
  }
  nodes.root = { inputs: rootInputs };
  return JSON.stringify({ nodes, root: 'root', version: 7 }, null, 2);
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

export function benchLocks(): void {
  const text = syntheticLock(1000);
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const { lock } = parseLock(text);
    const graph = buildGraph(lock!);
    findDuplicates(graph);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`lock graph build (parse + resolve + duplicates), 1,000 nodes: median ${fmt(times[10])}, max ${fmt(times[19])}`);

  const corpus = path.resolve(REPO, '..', 'shared', 'corpus', 'locks');
  if (!fs.existsSync(corpus)) {
    console.log(`lock corpus: ${corpus} not found`);
    return;
  }
  let files = 0;
  let nodes = 0;
  let dupFiles = 0;
  let maxNixpkgs = 0;
  let total = 0;
  let worst = { file: '', ms: 0, nodes: 0 };
  for (const f of fs.readdirSync(corpus).filter((x) => x.endsWith('.lock'))) {
    const t = fs.readFileSync(path.join(corpus, f), 'utf8');
    const t0 = performance.now();
    const { lock, errors } = parseLock(t);
    if (!lock || errors.length) throw new Error(`${f}: ${errors.map((e) => e.message).join('; ')}`);
    const dups = findDuplicates(buildGraph(lock));
    const ms = performance.now() - t0;
    total += ms;
    files++;
    nodes += lock.nodes.size;
    if (dups.length) dupFiles++;
    const nixpkgs = dups.find((d) => /nixos\/nixpkgs/i.test(d.identity));
    maxNixpkgs = Math.max(maxNixpkgs, nixpkgs ? nixpkgs.extras.length + 1 : 1);
    if (ms > worst.ms) worst = { file: f, ms, nodes: lock.nodes.size };
  }
  console.log(
    `lock corpus: ${files} real locks, ${nodes} nodes, all resolved in ${fmt(total)} (slowest ${worst.file}: ${worst.nodes} nodes, ${fmt(worst.ms)}); ` +
      `${dupFiles} hold an upstream at several revisions; up to ${maxNixpkgs} nixpkgs revisions in one lock`,
  );
}
