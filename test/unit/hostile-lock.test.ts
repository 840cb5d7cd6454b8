// Issue 9, items 9-11: locks shaped to make the lock model slow, big or deep. Each is generated
// here and must give the same findings as its benign counterpart; none may throw.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ParsedNix } from '../../server/src/nix/parser';
import { MAX_LOCK_NODES, parseLock, resolvePath } from '../../server/src/lock/lockfile';
import { buildGraph, findDuplicates } from '../../server/src/lock/graph';
import { upstreamIdentity } from '../../server/src/lock/flakeRef';
import { urlMatchesOriginal } from '../../server/src/lock/rules';
import { flakeContext, flakeFindings, graphDto } from '../../server/src/rules/flake';
import { inputHover, navContext } from '../../server/src/lock/navigation';

const rev = (i: number) => i.toString(16).padStart(40, '0');
const gh = (i: number, repo = 'nixpkgs') => ({ type: 'github', owner: 'NixOS', repo, rev: rev(i), narHash: `sha256-${i}`, lastModified: 1_700_000_000 });
const orig = (repo = 'nixpkgs') => ({ type: 'github', owner: 'NixOS', repo });
const lockText = (nodes: Record<string, unknown>) => JSON.stringify({ version: 7, root: 'root', nodes });

/** What the server computes for a flake: findings, the tree's graph, and the hover on `hoverOn`. */
async function check(flakeText: string, lock: string, hoverOn = 'nixpkgs.url') {
  const parsed = await ParsedNix.create(flakeText);
  try {
    const ctx = flakeContext({ flakeText, flakeRoot: parsed.tree.rootNode, lockText: lock, lockPath: '/x/flake.lock' });
    const findings = flakeFindings(ctx, () => true);
    const dto = graphDto(ctx, 'file:///x/flake.nix', 'file:///x/flake.lock', 'x');
    const nav = navContext({ flakeText, flakeRoot: parsed.tree.rootNode, lockText: lock });
    const hover = flakeText.includes(hoverOn) ? inputHover(nav, flakeText.indexOf(hoverOn) + 1)?.markdown : undefined;
    return { ctx, findings, dto, hover };
  } finally {
    parsed.dispose();
  }
}

const codes = (fs: { code: string }[]) => [...new Set(fs.map((f) => f.code))].sort();

test('item 9: URLs with 100,000 slashes (linear trailing-slash trimming); same identity as without', async () => {
  const slashes = '/'.repeat(100_000);
  const url = `https://example.com/x${slashes}`;
  const middle = `https://example.com${slashes}x`;
  assert.equal(upstreamIdentity({ type: 'git', url }), upstreamIdentity({ type: 'git', url: 'https://example.com/x' }));
  assert.notEqual(upstreamIdentity({ type: 'git', url: middle }), upstreamIdentity({ type: 'git', url: 'https://example.com/x' }));
  assert.ok(urlMatchesOriginal(`git+${url}`, { type: 'git', url: 'https://example.com/x' }));
  assert.ok(!urlMatchesOriginal(`git+${middle}`, { type: 'git', url: 'https://example.com/x' }));
  // Two copies of one git upstream, one spelled with the slash run: a duplicate like any other.
  const lock = lockText({
    root: { inputs: { a: 'a', b: 'b' } },
    a: { locked: { type: 'git', url: 'https://example.com/x', rev: rev(1) }, original: { type: 'git', url: 'https://example.com/x' } },
    b: { inputs: { a: 'a_2' }, locked: { type: 'git', url: middle, rev: rev(2) }, original: { type: 'git', url: middle } },
    a_2: { locked: { type: 'git', url, rev: rev(3) }, original: { type: 'git', url } },
  });
  const { findings } = await check(`{ inputs.a.url = "git+${url}"; inputs.b.url = "git+${middle}"; outputs = { self, ... }: { }; }`, lock);
  assert.deepEqual(findings.lock.map((f) => f.code), ['duplicate-lock-node']);
  assert.deepEqual(codes(findings.flake), ['missing-follows']);
});

test('item 10: a chain at the node limit: paths share prefixes, the deepest duplicate is found at its full depth', async () => {
  const N = MAX_LOCK_NODES - 3;
  const nodes: Record<string, any> = { root: { inputs: { n0: 'n0', nixpkgs: 'nixpkgs' } }, nixpkgs: { locked: gh(0), original: orig() } };
  for (let i = 0; i < N; i++) nodes[`n${i}`] = { inputs: i + 1 < N ? { next: `n${i + 1}` } : { nixpkgs: 'nixpkgs_2' }, locked: gh(i, `r${i}`), original: orig(`r${i}`) };
  nodes.nixpkgs_2 = { locked: gh(1), original: orig() };
  const text = lockText(nodes);
  const graph = buildGraph(parseLock(text).lock!);
  assert.equal(graph.paths.depth('nixpkgs_2'), N + 1);
  const deepest = graph.paths.first('nixpkgs_2')!;
  assert.equal(deepest.length, N + 1);
  assert.deepEqual([deepest[0], deepest[1], deepest[N]], ['n0', 'next', 'nixpkgs']);
  const dups = findDuplicates(graph);
  assert.equal(dups.length, 1);
  assert.equal(dups[0].extras[0].node, 'nixpkgs_2');
  assert.equal(graph.paths.get('nixpkgs_2')![0].length, N + 1);
  // Messages show a long path by its ends, built without walking the whole chain.
  assert.deepEqual(graph.paths.shown('nixpkgs_2'), [`n0/next/next/next/next/…(${N + 1 - 10} more)…/next/next/next/next/nixpkgs`]);
  assert.deepEqual(graph.paths.get('nixpkgs_2', 32), []);
  const { findings, dto, hover } = await check('{ inputs.n0.url = "github:NixOS/r0"; inputs.nixpkgs.url = "github:NixOS/nixpkgs"; outputs = { self, ... }: { }; }', text);
  assert.deepEqual(findings.lock.map((f) => f.code), ['duplicate-lock-node']);
  assert.equal(Object.keys(dto.nodes).length, N + 3);
  assert.equal(dto.nodes.nixpkgs_2.duplicate?.ordinal, 2);
  assert.ok(dto.nodes.root.inputs.find((e) => e.name === 'n0')?.declaration, 'root inputs keep their declarations');
  assert.match(hover!, /also holds nixpkgs at `0000000` \(2023-11-14\) via `n0\/next\//);
});

test('item 10: 1,000 copies of nixpkgs, one per root input: one duplicate each, hovers list a few', async () => {
  const N = 1000;
  const nodes: Record<string, any> = { root: { inputs: { nixpkgs: 'nixpkgs' } }, nixpkgs: { locked: gh(0), original: orig() } };
  let decls = '';
  for (let i = 0; i < N; i++) {
    nodes.root.inputs[`d${i}`] = `d${i}`;
    nodes[`d${i}`] = { inputs: { nixpkgs: `nixpkgs_${i}`, up: ['nixpkgs'] }, locked: gh(i, `d${i}`), original: orig(`d${i}`) };
    nodes[`nixpkgs_${i}`] = { locked: gh(i + 1), original: orig() };
    decls += `d${i}.url = "github:NixOS/d${i}"; `;
  }
  const flake = `{ inputs = { nixpkgs.url = "github:NixOS/nixpkgs"; ${decls}}; outputs = { self, ... }: { }; }`;
  const { findings, dto, hover: md } = await check(flake, lockText(nodes));
  assert.equal(findings.lock.filter((f) => f.code === 'duplicate-lock-node').length, N);
  assert.equal(findings.flake.filter((f) => f.code === 'missing-follows').length, N);
  assert.ok(findings.flake.every((f) => f.code !== 'missing-follows' || f.fixes.length === 1));
  assert.equal(Object.values(dto.nodes).filter((n) => n.duplicate).length, N);
  assert.match(md!, /\*\*Followed by:\*\* (`d\d+\/up`, ){9}`d\d+\/up` and 990 more/);
  assert.match(md!, /and 990 more$/);
});

test('item 11: a 20,000-link follows chain resolves without recursion; a 20,000-link cycle is reported', () => {
  const N = 20_000;
  const inputs: Record<string, unknown> = {};
  for (let i = N - 1; i > 0; i--) inputs[`a${i}`] = [`a${i - 1}`];
  inputs.a0 = 'x';
  const r = parseLock(lockText({ root: { inputs }, x: { locked: gh(1, 'x') } }));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(resolvePath(r.lock!, [`a${N - 1}`]), { ok: true, node: 'x' });
  const g = buildGraph(r.lock!);
  assert.ok(g.edges.get('root')!.every((e) => e.to === 'x'));
  inputs.a0 = [`a${N - 1}`];
  const cyc = parseLock(lockText({ root: { inputs }, x: { locked: gh(1, 'x') } }));
  assert.equal(cyc.errors.length, N);
  assert.ok(cyc.errors.every((e) => e.code === 'follows-cycle'));
});

test('item 11: inputs nested 3,000 deep, each following a path down from the root', async () => {
  const N = 3000;
  const nodes: Record<string, any> = { root: { inputs: { n0: 'n0', nixpkgs: 'nixpkgs' } }, nixpkgs: { locked: gh(0), original: orig() } };
  for (let i = 0; i < N; i++) nodes[`n${i}`] = { inputs: i + 1 < N ? { next: `n${i + 1}` } : {}, locked: gh(i, `r${i}`), original: orig(`r${i}`) };
  // The deepest node's nixpkgs follows the whole chain down and back up to the root's nixpkgs.
  const down = ['n0', ...Array<string>(N - 1).fill('next')];
  nodes[`n${N - 1}`].inputs = { nixpkgs: ['nixpkgs'], self: down };
  const text = lockText(nodes);
  const r = parseLock(text);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(resolvePath(r.lock!, [...down, 'self', 'nixpkgs']), { ok: true, node: 'nixpkgs' });
  const { findings, dto } = await check('{ inputs.n0.url = "github:NixOS/r0"; inputs.nixpkgs.url = "github:NixOS/nixpkgs"; outputs = { self, ... }: { }; }', text);
  assert.deepEqual(findings.lock, []);
  assert.equal(dto.nodes[`n${N - 1}`].inputs.find((e) => e.name === 'self')?.target, `n${N - 1}`);
});

test(`item 11: a lock over MAX_LOCK_NODES (${MAX_LOCK_NODES}) gets one lock-error and nothing else`, async () => {
  const nodes: Record<string, any> = { root: { inputs: { nixpkgs: 'nixpkgs' } }, nixpkgs: { locked: gh(0), original: orig() } };
  for (let i = 0; i < MAX_LOCK_NODES; i++) nodes[`n${i}`] = { locked: gh(i, `r${i}`) };
  const text = lockText(nodes);
  const { findings, dto } = await check('{ inputs.nixpkgs.url = "github:NixOS/nixpkgs"; outputs = { self, ... }: { }; }', text);
  assert.deepEqual(findings.lock.map((f) => f.code), ['lock-error']);
  assert.ok(findings.lock[0].message.includes(`${MAX_LOCK_NODES + 2} nodes; Flake Lens analyses locks of at most ${MAX_LOCK_NODES} nodes`), findings.lock[0].message);
  assert.equal(text.slice(findings.lock[0].start, findings.lock[0].end), '"nodes"');
  assert.deepEqual(findings.flake, []);
  assert.ok(dto.problem!.includes(`at most ${MAX_LOCK_NODES} nodes`), dto.problem);
  delete nodes.n0;
  delete nodes.n1;
  assert.deepEqual(parseLock(lockText(nodes)).errors, [], 'at the limit the lock is read');
});

test('item 11: flake.nix declaring inputs nested 2,000 deep (`inputs.a.inputs.a…`) is read without overflowing', async () => {
  const flake = `{ ${'inputs.a.'.repeat(2000)}url = "github:o/r"; inputs.b.url = "github:NixOS/b"; outputs = { self, ... }: { }; }`;
  const { findings } = await check(flake, lockText({ root: { inputs: { b: 'b' } }, b: { locked: gh(1, 'b'), original: orig('b') } }), 'b.url');
  // `a` is declared (without a url of its own) and not locked; `b` is fine.
  assert.deepEqual(findings.flake.map((f) => [f.code, flake.slice(f.start, f.end)]).sort(), [
    ['indirect-input', 'a'],
    ['stale-lock', 'a'],
  ]);
  assert.deepEqual(findings.lock, []);
});
