// The input graph and the Flake Inputs view on the largest locks the server accepts (issue 9):
// models stay linear (no path per node, long paths shown by their ends), the webview lays out at
// most its budget and draws what the filters keep when the whole graph is over it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { flakeContext, graphDto } from '../../server/src/rules/flake';
import type { FlakeGraphDto } from '../../server/src/protocol';
import { MAX_LOCK_NODES } from '../../server/src/lock/lockfile';
import { buildModel, clip, highlighted, inputPathTo, type GraphModel } from '../../client/src/graph/model';
import { layoutSize, MAX_DRAWN_NODES, MAX_LAYOUT_SIZE, planDrawing } from '../../client/src/graph/budget';
import { layoutGraph } from '../../client/src/graph/layout';
import { svgText } from '../../client/src/graph/scene';
import { mdText } from '../../server/src/markdown';
import { firstVisits, inputDescription, tooltipMarkdown, visitPath } from '../../client/src/inputsModel';
import { chainLock, denseLock, diamondLock, duplicatesLock } from '../bench/hostileBench';
import { REPO } from '../helpers/lspClient';

const NOW = Date.UTC(2026, 0, 1);
const dtoOf = (lockText: string): FlakeGraphDto => graphDto(flakeContext({ lockText }), 'file:///x/flake.nix', 'file:///x/flake.lock', 'x');
const LAST = MAX_LOCK_NODES - 1;
/** 4,999 names `a`, as showPath prints them: five at each end. */
const ELIDED = `a/a/a/a/a/…(${LAST - 10} more)…/a/a/a/a/a`;

const shapes = {
  chain: () => dtoOf(chainLock(LAST)),
  diamond: () => dtoOf(diamondLock(LAST)),
  dense: () => dtoOf(denseLock(100, 600)),
  duplicates: () => dtoOf(duplicatesLock((MAX_LOCK_NODES - 2) / 2)),
};

/** The sum of the title lengths: linear in the lock, not in nodes × depth. */
const titleChars = (m: GraphModel) => m.nodes.reduce((s, n) => s + n.title.length, 0);

test('a 4,999-node chain: every node, depths by parent links, the deepest path shown by its ends', () => {
  const dto = shapes.chain();
  assert.equal(dto.problem, undefined, 'the server accepts the lock');
  const m = buildModel(dto, NOW);
  assert.equal(m.nodes.length, MAX_LOCK_NODES);
  assert.equal(m.edges.length, LAST);
  const deepest = m.nodes.find((n) => n.id === `n${LAST - 1}`)!;
  assert.equal(deepest.depth, LAST);
  assert.equal(deepest.title.split('\n')[0], ELIDED);
  assert.equal(m.nodes.find((n) => n.id === 'n10')!.title.split('\n')[0], Array(11).fill('a').join('/'), 'short paths are shown whole');
  // Each title is a few lines: 5,000 of them, not 5,000 × 5,000 names (the old 50 MB).
  assert.ok(titleChars(m) < 400 * m.nodes.length, `${titleChars(m)} title characters`);
  // The Flake Inputs commands get one whole path, the node's own.
  const found = inputPathTo(dto, `n${LAST - 1}`)!;
  assert.equal(found.path.length, LAST);
  assert.ok(found.path.every((n) => n === 'a'));
});

test('a diamond lock (2^4,999 paths): each node once, reached at its shortest depth', () => {
  const dto = shapes.diamond();
  const m = buildModel(dto, NOW);
  assert.equal(m.nodes.length, MAX_LOCK_NODES);
  assert.equal(m.edges.length, 2 * (LAST - 1) + 1);
  assert.equal(m.nodes.find((n) => n.id === `n${LAST - 1}`)!.title.split('\n')[0], ELIDED, 'the first path in name order: all `a`');
  assert.ok(titleChars(m) < 400 * m.nodes.length);
  // `a` and `b` both lead to the next node: the shortest and declared-first is `a`.
  assert.deepEqual(inputPathTo(dto, 'n3')!.path, ['a', 'a', 'a', 'a']);
  // The tree expands each node once and shows every other visit as a reference, elided.
  const visits = firstVisits(dto);
  assert.equal(visits.size, MAX_LOCK_NODES);
  const ref = dto.nodes[`n${LAST - 2}`].inputs.find((e) => e.name === 'b')!;
  assert.equal(inputDescription(ref, dto.nodes[ref.target!], visitPath(visits, ref.target!), NOW).split(' · ').pop(), `(see ${ELIDED})`);
});

test('100 nodes × 600 inputs and 2,499 nixpkgs copies: every edge and copy in the model', () => {
  const dense = buildModel(shapes.dense(), NOW);
  assert.equal(dense.nodes.length, 101);
  assert.equal(dense.edges.length, 60_001);
  assert.equal(dense.edges.filter((e) => e.follows).length, 30_000);
  // n0 has 30,000 parents: the filter's walk up to the root visits each node once.
  assert.equal(highlighted(dense, { query: 'n0\n' })!.size, 101);
  const dups = buildModel(shapes.duplicates(), NOW);
  assert.equal(dups.nodes.length, MAX_LOCK_NODES);
  const extra = dups.nodes.filter((n) => n.duplicate).map((n) => n.id);
  assert.equal(extra.length, 2499, 'every copy at a revision none of the root inputs has');
  assert.ok(extra.every((id) => id.startsWith('d')));
  assert.equal(dups.nodes.filter((n) => n.family === 0).length, MAX_LOCK_NODES - 1, 'one colour family for all of nixpkgs');
});

test('the drawing budget: none of the shapes is laid out whole, and the notice says how large it is', () => {
  const expected: Record<keyof typeof shapes, [number, number]> = { chain: [5000, 4999], diamond: [5000, 9997], dense: [101, 60_001], duplicates: [5000, 4999] };
  for (const [name, make] of Object.entries(shapes) as [keyof typeof shapes, () => FlakeGraphDto][]) {
    const m = buildModel(make(), NOW);
    const plan = planDrawing(m, {});
    assert.equal(plan.draw, undefined, name);
    const [nodes, edges] = expected[name].map((x) => x.toLocaleString('en-US'));
    assert.match(plan.notice!, new RegExp(`^This lock has ${nodes} nodes and ${edges} edges: too many to draw at once \\(the graph draws at most 1,200 nodes`), name);
    assert.match(plan.notice!, /Only nixpkgs would keep [\d,]+ \(still too many\); Only duplicates would keep [\d,]+/, name);
    assert.match(plan.notice!, /Flake Inputs view\.$/, name);
  }
  // 100 nodes fit, but 60,000 edges across up to 100 layers do not.
  assert.ok(layoutSize(buildModel(shapes.dense(), NOW)) > 100 * MAX_LAYOUT_SIZE);
});

test('the longest chain the budget lets through lays out: dagre recurses once per layer', () => {
  // dagre's acyclic and ranking steps are recursive: a 2,500-node chain overflows its stack, so
  // the node cap is also what keeps the layout from throwing.
  const m = buildModel(dtoOf(chainLock(MAX_DRAWN_NODES - 1)), NOW);
  assert.equal(m.nodes.length, MAX_DRAWN_NODES);
  const plan = planDrawing(m, {});
  assert.equal(plan.draw, m);
  const layout = layoutGraph(plan.draw!);
  assert.equal(layout.nodes.size, MAX_DRAWN_NODES);
  assert.equal(planDrawing(buildModel(dtoOf(chainLock(MAX_DRAWN_NODES)), NOW), {}).draw, undefined, 'one more node is over the budget');
});

test('layoutSize counts nodes plus one segment per layer an edge crosses, cycles broken', () => {
  const model = (edges: [string, string][]): GraphModel => {
    const ids = [...new Set(edges.flat())];
    return {
      name: 'x',
      broken: 0,
      summary: '',
      nodes: ids.map((id) => ({ id }) as GraphModel['nodes'][number]),
      edges: edges.map(([from, to], i) => ({ id: `e${i}`, from, to, name: to, follows: false })),
    };
  };
  assert.equal(layoutSize(model([['r', 'a'], ['a', 'b']])), 3 + 2);
  // r → c skips two layers: three segments.
  assert.equal(layoutSize(model([['r', 'a'], ['a', 'b'], ['b', 'c'], ['r', 'c']])), 4 + 3 + 3);
  // A cycle is laid out with one edge reversed; a self-loop is one segment.
  assert.equal(layoutSize(model([['r', 'a'], ['a', 'b'], ['b', 'a'], ['b', 'b']])), 3 + 4);
  // As many segments as dagre draws bends for, on a real lock: the estimate is an upper bound.
  const real = buildModel(dtoOf(fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'lock', 'no-follows', 'flake.lock'), 'utf8')), NOW);
  const layout = layoutGraph(real);
  const drawnSegments = real.edges.reduce((s, e) => s + Math.max(1, layout.edges.get(e.id)!.length - 2), 0);
  assert.ok(layoutSize(real) >= real.nodes.length + drawnSegments - real.edges.length, `${layoutSize(real)} vs ${drawnSegments}`);
});

const gh = (repo: string, i: number) => ({
  locked: { type: 'github', owner: repo === 'nixpkgs' ? 'NixOS' : 'example', repo, rev: i.toString(16).padStart(40, '0'), narHash: `sha256-${i}`, lastModified: 1_700_000_000 + i },
  original: { type: 'github', owner: repo === 'nixpkgs' ? 'NixOS' : 'example', repo },
});

/** 2,000 distinct root inputs, three of which bring their own nixpkgs: over budget, yet "Only nixpkgs" fits. */
function manyInputsLock(): string {
  const inputs: Record<string, string> = { nixpkgs: 'nixpkgs' };
  const nodes: Record<string, unknown> = { root: { inputs }, nixpkgs: gh('nixpkgs', 1) };
  for (let i = 0; i < 2000; i++) {
    inputs[`i${i}`] = `i${i}`;
    nodes[`i${i}`] = { ...gh(`repo${i}`, i), ...(i < 3 ? { inputs: { nixpkgs: `nixpkgs_${i}` } } : {}) };
    if (i < 3) nodes[`nixpkgs_${i}`] = gh('nixpkgs', 100 + i);
  }
  return JSON.stringify({ nodes, root: 'root', version: 7 });
}

test('over the budget, the filters choose what is laid out: matches and their paths from the root', () => {
  const m = buildModel(dtoOf(manyInputsLock()), NOW);
  assert.equal(m.nodes.length, 2005);
  const whole = planDrawing(m, {});
  assert.equal(whole.draw, undefined);
  assert.match(whole.notice!, /^This lock has 2,005 nodes and 2,004 edges: too many to draw at once/);
  assert.match(whole.notice!, /Only nixpkgs would keep 8; Only duplicates would keep 7\./);
  const only = planDrawing(m, { onlyNixpkgs: true });
  assert.equal(only.filtered, true);
  assert.deepEqual(only.draw!.nodes.map((n) => n.id).sort(), ['i0', 'i1', 'i2', 'nixpkgs', 'nixpkgs_0', 'nixpkgs_1', 'nixpkgs_2', 'root']);
  assert.equal(only.draw!.edges.length, 7, 'only edges between drawn nodes');
  assert.match(only.notice!, /Showing the 8 that the filters keep, with their paths from the root\.$/);
  // The subset lays out and exports like any graph.
  const svg = svgText(only.draw!, layoutGraph(only.draw!));
  assert.equal((svg.match(/<g class="node[ "]/g) ?? []).length, 8);
  // A query that keeps too much says so; one that keeps nothing too.
  assert.match(planDrawing(m, { query: 'i' }).notice!, /The filters keep 2,005 nodes with their paths from the root: still too many\./);
  assert.match(planDrawing(m, { query: 'no such input' }).notice!, /The filters keep no node\./);
  assert.equal(planDrawing(m, { query: 'no such input' }).draw, undefined);
  // On the 4,999-node chain, the deepest node's paths from the root are the whole chain.
  assert.match(planDrawing(buildModel(shapes.chain(), NOW), { query: `n${LAST - 1}` }).notice!, /keep 5,000 nodes .*still too many/);
});

test('every corpus lock is drawn whole, filters dimming as before', () => {
  const dir = path.join(REPO, '..', 'shared', 'corpus', 'locks');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.lock'));
  assert.ok(files.length >= 40);
  let largest = 0;
  for (const f of files) {
    const m = buildModel(dtoOf(fs.readFileSync(path.join(dir, f), 'utf8')), NOW);
    largest = Math.max(largest, m.nodes.length);
    for (const opts of [{}, { onlyNixpkgs: true }]) {
      const plan = planDrawing(m, opts);
      assert.equal(plan.draw, m, f);
      assert.equal(plan.filtered, false, f);
      assert.equal(plan.notice, undefined, f);
    }
  }
  assert.ok(largest > 300 && largest < MAX_DRAWN_NODES, `largest ${largest}`);
});

test('lock text is read only as far as it is shown: clipped names, elided tooltip paths', () => {
  const long = 'x'.repeat(1_000_000);
  assert.equal(clip(long), `${'x'.repeat(39)}…`);
  assert.equal(clip('😀'.repeat(50)), `${'😀'.repeat(39)}…`, 'characters, not UTF-16 units');
  const md = tooltipMarkdown(Array(LAST).fill('a'), { name: 'a', follows: Array(LAST).fill('b') }, undefined, NOW);
  assert.ok(md.startsWith(`**${mdText(ELIDED)}**`), md.slice(0, 80));
  assert.ok(md.includes(`b/b/b/b/b/…(${LAST - 10} more)…/b/b/b/b/b`));
  assert.ok(md.length < 200, `${md.length} characters`);
  assert.equal(inputDescription({ name: 'a', follows: Array(LAST).fill('b') }, undefined, undefined, NOW), `→ b/b/b/b/b/…(${LAST - 10} more)…/b/b/b/b/b`);
});
