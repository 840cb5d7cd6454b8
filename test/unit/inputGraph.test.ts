// The input graph webview's pure half: model from the server's DTO, dagre layout, the SVG scene
// and the SVG/DOT exports. Every lock in the shared corpus is laid out headlessly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { flakeContext, graphDto } from '../../server/src/rules/flake';
import type { FlakeGraphDto, LockNodeDto } from '../../server/src/protocol';
import { buildModel, highlighted, type GraphModel } from '../../client/src/graph/model';
import { layoutGraph, type Layout } from '../../client/src/graph/layout';
import { buildScene, dotText, escapeXml, svgText, type El } from '../../client/src/graph/scene';
import { REPO } from '../helpers/lspClient';

const NOW = Date.UTC(2026, 0, 1);
const CORPUS = path.join(REPO, '..', 'shared', 'corpus', 'locks');

function dtoOf(lockText: string, flakeText?: string): FlakeGraphDto {
  return graphDto(flakeContext({ lockText, flakeText }), 'file:///x/flake.nix', 'file:///x/flake.lock', 'x');
}

/** Every pair of node boxes is disjoint; every edge has points and both ends are nodes. */
function checkLayout(model: GraphModel, layout: Layout, where: string): void {
  const boxes = model.nodes.map((n) => ({ id: n.id, ...layout.nodes.get(n.id)! }));
  assert.equal(boxes.length, layout.nodes.size, `${where}: one box per node`);
  for (const b of boxes) assert.ok([b.x, b.y, b.width, b.height].every(Number.isFinite), `${where}: ${b.id} has a finite box`);
  // Sweep along x: only boxes whose x ranges meet are compared.
  const byX = [...boxes].sort((a, b) => a.x - b.x);
  for (let i = 0; i < byX.length; i++) {
    const a = byX[i];
    for (let j = i + 1; j < byX.length && byX[j].x < a.x + a.width; j++) {
      const b = byX[j];
      const overlap = a.y < b.y + b.height && b.y < a.y + a.height;
      assert.ok(!overlap, `${where}: ${a.id} overlaps ${b.id}`);
    }
  }
  const ids = new Set(model.nodes.map((n) => n.id));
  for (const e of model.edges) {
    assert.ok(ids.has(e.from) && ids.has(e.to), `${where}: edge ${e.from} -> ${e.to} has both ends`);
    assert.ok((layout.edges.get(e.id)?.length ?? 0) >= 2, `${where}: edge ${e.from} -> ${e.to} is drawn`);
  }
}

test('every corpus lock lays out with no overlapping nodes and every edge between two nodes', () => {
  const files = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.lock'));
  assert.ok(files.length >= 40, `corpus at ${CORPUS}`);
  let largest = 0;
  for (const f of files) {
    const dto = dtoOf(fs.readFileSync(path.join(CORPUS, f), 'utf8'));
    if (!dto.root) continue;
    const model = buildModel(dto, NOW);
    largest = Math.max(largest, model.nodes.length);
    checkLayout(model, layoutGraph(model), f);
    // The scene draws each node once, with its tab stop.
    const nodes = buildScene(model, layoutGraph(model)).find((g) => g.attrs.class === 'nodes')!.children!;
    assert.deepEqual(nodes.map((n) => n.nodeId).sort(), model.nodes.map((n) => n.id).sort(), f);
  }
  assert.ok(largest >= 300, `the largest corpus lock has ${largest} nodes`);
});

const node = (key: string, extra: Partial<LockNodeDto> = {}): LockNodeDto => ({ key, flake: true, inputs: [], ...extra });

/** root → nixpkgs (new), hm → nixpkgs_2 (old, duplicate), hm.utils follows root nixpkgs, src is not a flake. */
function sample(): FlakeGraphDto {
  const np = 'github:github.com/nixos/nixpkgs';
  return {
    flakeUri: 'file:///f/flake.nix',
    name: 'f',
    root: 'root',
    summary: '',
    nodes: {
      root: node('root', {
        inputs: [
          { name: 'nixpkgs', target: 'nixpkgs' },
          { name: 'home-manager', target: 'hm' },
          { name: 'src', target: 'src' },
          { name: 'gone', follows: ['missing'] },
        ],
      }),
      nixpkgs: node('nixpkgs', { upstream: np, rev: 'a'.repeat(40), lastModified: NOW / 1000 - 3 * 86400 }),
      nixpkgs_2: node('nixpkgs_2', { upstream: np, rev: 'b'.repeat(40), lastModified: NOW / 1000 - 90 * 86400, duplicate: { upstream: 'nixpkgs', ordinal: 2, revisions: 2 }, outdated: true }),
      hm: node('hm', {
        upstream: 'github:github.com/nix-community/home-manager',
        inputs: [
          { name: 'nixpkgs', target: 'nixpkgs_2', addFollows: { title: 'follow', edits: [] } },
          { name: 'utils', target: 'nixpkgs', follows: ['nixpkgs'] },
        ],
      }),
      src: node('src', { flake: false, reference: 'github:owner/src', narHash: 'sha256-xyz' }),
      orphan: node('orphan'),
    },
  };
}

test('the model: input names, one colour family per upstream with two revisions, duplicates, follows, non-flakes', () => {
  const m = buildModel(sample(), NOW);
  const by = new Map(m.nodes.map((n) => [n.id, n]));
  assert.deepEqual([...by.keys()].sort(), ['hm', 'nixpkgs', 'nixpkgs_2', 'root', 'src'], 'unreachable lock nodes are left out');
  assert.equal(by.get('hm')!.name, 'home-manager');
  assert.equal(by.get('nixpkgs_2')!.name, 'nixpkgs');
  assert.equal(by.get('nixpkgs_2')!.depth, 2);
  assert.equal(by.get('nixpkgs_2')!.title.split('\n')[0], 'home-manager/nixpkgs', 'the title starts with the shortest path');
  assert.equal(by.get('nixpkgs')!.detail, 'aaaaaaa');
  assert.equal(by.get('nixpkgs')!.age, '3 days ago');
  assert.equal(by.get('nixpkgs_2')!.age, '3 months ago · old');
  assert.equal(by.get('nixpkgs')!.family, 0);
  assert.equal(by.get('nixpkgs_2')!.family, 0, 'both nixpkgs revisions share a family');
  assert.deepEqual([by.get('nixpkgs')!.shade, by.get('nixpkgs_2')!.shade], [0, 1], 'newest first');
  assert.equal(by.get('hm')!.family, undefined, 'a single revision gets no family');
  assert.equal(by.get('nixpkgs_2')!.duplicate, '2nd nixpkgs');
  assert.equal(by.get('nixpkgs_2')!.canAddFollows, true);
  assert.equal(by.get('nixpkgs')!.canAddFollows, false);
  assert.equal(by.get('src')!.flake, false);
  assert.equal(by.get('src')!.detail, 'github:owner/src', 'no commit: the reference');
  assert.deepEqual([...by.values()].filter((n) => n.nixpkgs).map((n) => n.id).sort(), ['nixpkgs', 'nixpkgs_2']);
  assert.equal(m.broken, 1);
  const follows = m.edges.filter((e) => e.follows);
  assert.deepEqual(follows.map((e) => [e.from, e.to, e.name]), [['hm', 'nixpkgs', 'utils']]);
});

test('filters keep the matches and their paths to the root, and nothing else', () => {
  const m = buildModel(sample(), NOW);
  assert.equal(highlighted(m, {}), undefined);
  assert.deepEqual([...highlighted(m, { onlyDuplicates: true })!].sort(), ['hm', 'nixpkgs_2', 'root']);
  assert.deepEqual([...highlighted(m, { onlyNixpkgs: true })!].sort(), ['hm', 'nixpkgs', 'nixpkgs_2', 'root']);
  assert.deepEqual([...highlighted(m, { query: 'SRC' })!].sort(), ['root', 'src']);
  assert.deepEqual([...highlighted(m, { query: 'src', onlyNixpkgs: true })!], []);
  assert.deepEqual([...highlighted(m, { query: 'home' })!].sort(), ['hm', 'root']);
});

test('lock text stays text: escaped in the SVG and DOT exports, and carried as plain strings in the scene', () => {
  const evil = '</text><script>alert(1)</script>"\'&';
  const dto = sample();
  dto.nodes.root.inputs.push({ name: evil, target: 'evil' });
  dto.nodes.evil = node('evil', { reference: `github:${evil}\nx`, rev: 'c'.repeat(40) });
  dto.name = `a"b\\c`;
  const m = buildModel(dto, NOW);
  const layout = layoutGraph(m);
  const svg = svgText(m, layout);
  assert.ok(!svg.includes('<script>'), 'no markup from the lock');
  assert.ok(svg.includes(escapeXml(evil)));
  assert.equal((svg.match(/<g class="node[ "]/g) ?? []).length, m.nodes.length);
  const dot = dotText(m);
  assert.ok(dot.includes('digraph "inputs of a\\"b\\\\c" {'), dot.split('\n')[0]);
  // Each DOT line is one statement: no label broke out of its quotes.
  for (const line of dot.split('\n').slice(4, -2)) assert.match(line, /^ {2}"(?:[^"\\]|\\.)*"( -> "(?:[^"\\]|\\.)*")? \[.*\];$/);
  assert.ok(dot.includes('"hm" -> "nixpkgs" [tooltip="utils", style=dashed, label="follows"];'));
  const find = (els: El[], pred: (e: El) => boolean): El | undefined => {
    for (const e of els) {
      if (pred(e)) return e;
      const f = find(e.children ?? [], pred);
      if (f) return f;
    }
    return undefined;
  };
  const scene = buildScene(m, layout);
  assert.equal(find(scene, (e) => e.attrs.class === 'name' && e.text === evil)?.tag, 'text');
});

test('the DOT export of a real lock names every node and edge once', () => {
  const dto = dtoOf(fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'lock', 'no-follows', 'flake.lock'), 'utf8'));
  const m = buildModel(dto, NOW);
  const dot = dotText(m);
  assert.equal((dot.match(/^ {2}"[^"]*" \[/gm) ?? []).length, m.nodes.length);
  assert.equal((dot.match(/ -> /g) ?? []).length, m.edges.length);
  assert.ok(m.nodes.some((n) => n.duplicate), 'the fixture has a duplicate nixpkgs');
  // The server's upstream identity puts both nixpkgs revisions in one colour family.
  const nixpkgs = m.nodes.filter((n) => n.nixpkgs);
  assert.equal(nixpkgs.length, 2);
  assert.deepEqual(nixpkgs.map((n) => n.family), [0, 0]);
  assert.deepEqual(nixpkgs.map((n) => n.shade).sort(), [0, 1]);
});
