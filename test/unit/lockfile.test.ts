import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJson } from '../../server/src/lock/json';
import { MAX_LOCK_NODES, MAX_LOCK_VALUES, parseLock, resolvePath, LockFile } from '../../server/src/lock/lockfile';
import { CORPUS, fixture, scenarios } from './lockHelpers';

/** The model back as the JSON Nix wrote, to compare with `nix flake metadata --json`'s "locks". */
function toJson(lock: LockFile): unknown {
  const nodes: Record<string, unknown> = {};
  for (const n of lock.nodes.values()) {
    const o: Record<string, unknown> = {};
    if (n.inputs.length) {
      o.inputs = Object.fromEntries(n.inputs.map((i) => [i.name, i.target.kind === 'node' ? i.target.node : i.target.path]));
    }
    if (!n.flake) o.flake = false;
    if (n.parent) o.parent = n.parent;
    if (n.locked) o.locked = n.locked;
    if (n.original) o.original = n.original;
    nodes[n.key] = o;
  }
  return { nodes, root: lock.root, version: lock.version };
}

test('fixtures parse to exactly what nix flake metadata --json reports', () => {
  const names = scenarios();
  assert.ok(names.length >= 8, `expected the generated scenarios, found ${names.join(',')}`);
  for (const s of names) {
    const r = parseLock(fixture(s, 'flake.lock'));
    assert.deepEqual(r.errors, [], s);
    const meta = JSON.parse(fixture(s, 'metadata.json'));
    assert.deepEqual(toJson(r.lock!), meta.locks, s);
  }
});

test('json parser records key and value offsets', () => {
  const text = '{\n  "nodes": {\n    "nixpkgs_2": {"a": [1, "x\\"y", true, null]}\n  }\n}';
  const r = parseJson(text);
  assert.ok(r.ok);
  const nodes = (r.value as any).members[0];
  const np = nodes.value.members[0];
  assert.equal(np.key, 'nixpkgs_2');
  assert.equal(text.slice(np.keyStart, np.value.start + 1), '"nixpkgs_2": {');
  const arr = np.value.members[0].value;
  assert.deepEqual(arr.items.map((i: any) => i.value), [1, 'x"y', true, null]);
  assert.equal(text.slice(arr.items[1].start, arr.items[1].end), '"x\\"y"');
});

test('json parser agrees with JSON.parse on the corpus and rejects what JSON.parse rejects', () => {
  const bad = ['', '{', '{"a":}', '{"a":1,}', '[1 2]', '"\\x"', '{"a":1} x', '01', '"a\nb"', 'tru'];
  for (const b of bad) {
    assert.throws(() => JSON.parse(b));
    const r = parseJson(b);
    assert.equal(r.ok, false, JSON.stringify(b));
  }
  const good = ['{}', '[]', '{"a":[1,2.5e3,-0.5,{"b":"\\u00e9\\n"}]}', ' "x" '];
  for (const g of good) {
    const r = parseJson(g);
    assert.ok(r.ok, g);
  }
});

test('invalid JSON gives a lock-error at the offending offset', () => {
  const text = '{\n  "nodes": {\n    "a": { "inputs": { "b" "c" } }\n  }\n}';
  const r = parseLock(text);
  assert.equal(r.lock, undefined);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].code, 'invalid-json');
  assert.equal(r.errors[0].start, text.indexOf('"c"'));
});

test('truncated lock reports unexpected end of file at the end', () => {
  const full = fixture('no-follows', 'flake.lock');
  for (const cut of [1, 10, Math.floor(full.length / 2), full.length - 2]) {
    const r = parseLock(full.slice(0, cut));
    assert.equal(r.errors[0]?.code, 'invalid-json', `cut at ${cut}`);
    assert.match(r.errors[0].message, /end of file|unterminated/);
  }
});

test('unsupported and missing versions', () => {
  for (const v of [4, 8]) {
    const text = `{"nodes":{"root":{}},"root":"root","version":${v}}`;
    const r = parseLock(text);
    assert.equal(r.errors[0].code, 'unsupported-version');
    assert.equal(text.slice(r.errors[0].start, r.errors[0].end), String(v));
  }
  assert.equal(parseLock('{"nodes":{"root":{}},"root":"root"}').errors[0].code, 'unsupported-version');
  for (const v of [5, 6, 7]) assert.deepEqual(parseLock(`{"nodes":{"root":{}},"root":"root","version":${v}}`).errors, []);
});

test('missing root node and missing referenced node', () => {
  const a = parseLock('{"nodes":{"x":{}},"root":"root","version":7}');
  assert.equal(a.errors[0].code, 'missing-root');
  const text = '{"nodes":{"root":{"inputs":{"a":"gone"}}},"root":"root","version":7}';
  const b = parseLock(text);
  assert.equal(b.errors[0].code, 'missing-node');
  assert.equal(text.slice(b.errors[0].start, b.errors[0].end), '"gone"');
});

test('follows to a missing input and follows cycles are errors, not hangs', () => {
  const missing = '{"nodes":{"root":{"inputs":{"a":"a"}},"a":{"inputs":{"n":["nope"]}}},"root":"root","version":7}';
  const m = parseLock(missing);
  assert.deepEqual(m.errors.map((e) => e.code), ['missing-follows-target']);
  assert.equal(missing.slice(m.errors[0].start, m.errors[0].end), '["nope"]');
  const cyc = '{"nodes":{"root":{"inputs":{"a":["b"],"b":["a"]}}},"root":"root","version":7}';
  const c = parseLock(cyc);
  assert.deepEqual(c.errors.map((e) => e.code), ['follows-cycle', 'follows-cycle']);
  const self = '{"nodes":{"root":{"inputs":{"a":"a"}},"a":{"inputs":{"x":["a","x"]}}},"root":"root","version":7}';
  assert.deepEqual(parseLock(self).errors.map((e) => e.code), ['follows-cycle']);
  // Through a node: root.a -> a; a.n follows ["a","n"] is itself.
  const r = parseLock(fixture('follows-path', 'flake.lock'));
  const res = resolvePath(r.lock!, ['nixpkgs']);
  assert.deepEqual(res, { ok: true, node: 'nixpkgs' });
  assert.deepEqual(resolvePath(r.lock!, []), { ok: true, node: 'root' });
});

test('a 2,000-node chain lock parses and resolves its deepest path (no recursion)', () => {
  const nodes: Record<string, unknown> = { root: { inputs: { n0: 'n0' } } };
  for (let i = 0; i < 2000; i++) {
    const inputs: Record<string, unknown> = i < 1999 ? { next: `n${i + 1}` } : {};
    if (i > 0) inputs.nixpkgs = ['n0'];
    nodes[`n${i}`] = { inputs, locked: { type: 'github', owner: 'o', repo: `r${i}`, rev: 'a'.repeat(40), narHash: 'sha256-x', lastModified: 1 }, original: { type: 'github', owner: 'o', repo: `r${i}` } };
  }
  const text = JSON.stringify({ nodes, root: 'root', version: 7 }, null, 2);
  const r = parseLock(text);
  assert.deepEqual(r.errors, []);
  assert.equal(r.lock!.nodes.size, 2001);
  const deep = resolvePath(r.lock!, ['n0', ...Array.from({ length: 1999 }, () => 'next')]);
  assert.deepEqual(deep, { ok: true, node: 'n1999' });
});

// Without memoising, this would not end (2^60 steps): the timeout turns that into a failure.
test('follows through follows stay linear (no exponential re-resolution)', { timeout: 60_000 }, () => {
  // root.a_i follows [a_{i-1}, x_i] and L.x_i follows [a_{i-1}]: resolving a_i resolves a_{i-1}
  // twice, so without memoising, a60 would take 2^60 steps.
  const nodes: Record<string, any> = { root: { inputs: { a0: 'L' } }, L: { inputs: {} } };
  for (let i = 1; i <= 60; i++) {
    nodes.root.inputs[`a${i}`] = [`a${i - 1}`, `x${i}`];
    nodes.L.inputs[`x${i}`] = [`a${i - 1}`];
  }
  const r = parseLock(JSON.stringify({ nodes, root: 'root', version: 7 }));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(resolvePath(r.lock!, ['a60']), { ok: true, node: 'L' });
});

test('a 50 MB lock is handled without throwing, valid or truncated (over MAX_LOCK_VALUES: one error, on the first character)', () => {
  const big = 'x'.repeat(1000);
  const parts: string[] = [];
  for (let i = 0, len = 0; len < 50_000_000; i++) {
    parts.push(`"n${i}":{"locked":{"type":"path","path":"/${big}"}}`);
    len += parts[i].length + 1;
  }
  const text = `{"nodes":{"root":{},${parts.join(',')}},"root":"root","version":7}`;
  assert.ok(text.length >= 50_000_000);
  const r = parseLock(text);
  assert.ok(parts.length * 4 > MAX_LOCK_VALUES);
  assert.deepEqual(r.errors.map((e) => e.code), ['too-many-values']);
  assert.equal(r.lock, undefined);
  assert.equal(text.slice(r.errors[0].start, r.errors[0].end), '{');
  assert.ok(r.errors[0].message.includes(`more than ${MAX_LOCK_VALUES} JSON values`), r.errors[0].message);
  // Cut short, it is invalid JSON only if the parser gets that far: the value limit comes first.
  const cut = parseLock(text.slice(0, text.length - 7));
  assert.equal(cut.errors[0].code, 'too-many-values');
  const small = parseLock(text.slice(0, 20_000) );
  assert.equal(small.errors[0].code, 'invalid-json');
});

test('a lock of more than MAX_LOCK_NODES nodes, within the value limit: one too-many-nodes error on "nodes"', () => {
  const parts: string[] = [];
  for (let i = 0; i < MAX_LOCK_NODES; i++) parts.push(`"n${i}":{}`);
  const text = `{"nodes":{"root":{},${parts.join(',')}},"root":"root","version":7}`;
  const r = parseLock(text);
  assert.deepEqual(r.errors.map((e) => e.code), ['too-many-nodes']);
  assert.equal(text.slice(r.errors[0].start, r.errors[0].end), '"nodes"');
  // One node fewer is analysed.
  assert.deepEqual(parseLock(text.replace(`,"n${MAX_LOCK_NODES - 1}":{}`, '')).errors, []);
});

test('deeply nested JSON is rejected instead of overflowing the stack', () => {
  const text = '['.repeat(1_000_000);
  const r = parseLock(text);
  assert.equal(r.errors[0].code, 'invalid-json');
  assert.match(r.errors[0].message, /nesting/);
});

test('wrong shapes are structured errors', () => {
  for (const text of ['[]', '"x"', '{"nodes":[],"version":7}', '{"nodes":{"root":{"inputs":{"a":3}}},"root":"root","version":7}', '{"nodes":{"root":1},"root":"root","version":7}', '{"nodes":{"root":{}},"root":5,"version":7}']) {
    const r = parseLock(text);
    assert.ok(r.errors.length > 0, text);
    for (const e of r.errors) assert.ok(e.start >= 0 && e.end <= text.length && e.start <= e.end, text);
  }
});

test('every lock in the shared corpus loads without errors', { skip: !fs.existsSync(CORPUS) && 'corpus absent' }, () => {
  const files = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.lock'));
  assert.ok(files.length > 0);
  for (const f of files) {
    const text = fs.readFileSync(path.join(CORPUS, f), 'utf8');
    const r = parseLock(text);
    assert.deepEqual(r.errors, [], f);
    assert.deepEqual(toJson(r.lock!), normalise(JSON.parse(text)), f);
  }
});

/** Drops empty `inputs` objects, which the model does not keep. */
function normalise(j: any): any {
  for (const n of Object.values(j.nodes) as any[]) if (n.inputs && Object.keys(n.inputs).length === 0) delete n.inputs;
  return j;
}
