// Shapes from the request sweep (test/bench/requestSweep.ts): large files that made a request or
// the CLI super-linear or repeat work per request. Each test asserts what comes out on its shape;
// times are printed by `npm run bench`, never asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParsedNix } from '../../server/src/nix/parser';
import { nixpkgsInputNames, outputsFunction } from '../../server/src/nix/nixpkgs';
import { readFlakeInputs } from '../../server/src/lock/flakeInputs';
import { applyEdits, fixAllEdits, ignoreEdit } from '../../server/src/rules/fixes';
import { MAX_RELATED, type Finding, type OffsetEdit } from '../../server/src/rules/findings';
import { MAX_FIX_EDITS } from '../../server/src/rules/repeatedImport';
import { lint } from '../helpers/lint';

/** fix-all as it was (every candidate against every chosen edit), the reference for the fast one. */
function fixAllReference(findings: Finding[]): OffsetEdit[] {
  const chosen: OffsetEdit[] = [];
  const overlaps = (a: OffsetEdit, b: OffsetEdit) =>
    (a.start < b.end && b.start < a.end) ||
    (a.start === b.start && (a.start === a.end || b.start === b.end)) ||
    (a.start === a.end && (a.start === b.end || a.start === b.start)) ||
    (b.start === b.end && (b.start === a.end || b.start === a.start));
  for (const f of findings) {
    const fix = f.fixes.find((x) => x.safe && (x.kind ?? 'quickfix') === 'quickfix');
    if (!fix) continue;
    if (fix.edits.some((e) => chosen.some((c) => overlaps(c, e)))) continue;
    chosen.push(...fix.edits);
  }
  return chosen.sort((a, b) => a.start - b.start);
}

/** A small deterministic generator (no dependency on Math.random). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test('fix-all over thousands of findings in any order chooses what the pairwise check chose', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const r = rng(seed);
    const findings: Finding[] = [];
    for (let i = 0; i < 3000; i++) {
      const edits: OffsetEdit[] = [];
      // Replacements, insertions (zero width) and fixes of two edits, in random places: overlaps,
      // touching edges and insertions at one point all occur.
      for (let k = r() < 0.2 ? 2 : 1; k > 0; k--) {
        const start = Math.floor(r() * 4000);
        const end = r() < 0.3 ? start : start + Math.floor(r() * 6);
        edits.push({ start, end, newText: `e${i}` });
      }
      findings.push({ code: 'repeated-import', start: 0, end: 0, severity: 'warning', message: '', fixes: [{ title: '', edits, safe: r() < 0.9 }] });
    }
    assert.deepEqual(fixAllEdits(findings), fixAllReference(findings), `seed ${seed}`);
  }
});

test('applyEdits on many edits of a large text equals applying them one by one from the end', () => {
  const r = rng(7);
  const text = 'abcdefghij'.repeat(20_000);
  const edits: OffsetEdit[] = [];
  for (let at = 0; at < text.length; at += 1 + Math.floor(r() * 40)) {
    const end = Math.min(text.length, at + Math.floor(r() * 3));
    edits.push({ start: at, end, newText: r() < 0.5 ? '' : 'XY' });
    at = end;
  }
  const expected = [...edits].sort((a, b) => b.start - a.start).reduce((t, e) => t.slice(0, e.start) + e.newText + t.slice(e.end), text);
  assert.equal(applyEdits(text, [...edits].reverse()), expected);
});

test('import nixpkgs {...} x 3,000: fix-all rewrites every one, as the pairwise check did', async () => {
  const body = Array.from({ length: 3000 }, (_, i) => `    p${i} = import nixpkgs { system = "x86_64-linux"; };`).join('\n');
  const text = `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  outputs = { self, nixpkgs }: {\n${body}\n  };\n}\n`;
  const findings = await lint(text);
  assert.equal(findings.filter((f) => f.code === 'legacy-packages').length, 3000);
  const edits = fixAllEdits(findings);
  assert.equal(edits.length, 3000);
  assert.deepEqual(edits, fixAllReference(findings));
  assert.doesNotMatch(applyEdits(text, edits), /import nixpkgs/);
});

test('ignore on this line keeps the line ending of the line it is added above', () => {
  const text = 'a = 1;\r\nb = 2;\nc = 3;';
  const f = (start: number): Finding => ({ code: 'impure-in-flake', start, end: start + 1, severity: 'warning', message: '', fixes: [] });
  assert.equal(ignoreEdit(text, f(0)).newText, '# flake-lens: ignore impure-in-flake\r\n');
  assert.equal(ignoreEdit(text, f(text.indexOf('b'))).newText, '# flake-lens: ignore impure-in-flake\n');
  // The last line has no ending of its own: the one before it.
  assert.equal(ignoreEdit(text, f(text.indexOf('c'))).newText, '# flake-lens: ignore impure-in-flake\n');
  assert.equal(ignoreEdit('a = 1;\r\nc = 3;', f(8)).newText, '# flake-lens: ignore impure-in-flake\r\n');
});

test('a follows chain of 20,000 inputs declared against its order: every link is nixpkgs', async () => {
  // i0 follows i1, ..., the last follows nixpkgs: a pass in declaration order finds one link.
  const n = 20_000;
  const decls = Array.from({ length: n }, (_, i) => `  inputs.i${i}.follows = "${i + 1 < n ? `i${i + 1}` : 'nixpkgs'}";`).join('\n');
  const text = `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n${decls}\n  outputs = { self, ... }: { };\n}\n`;
  const parsed = await ParsedNix.create(text, 600_000);
  try {
    const names = nixpkgsInputNames(parsed.tree, { isFlake: true })!;
    assert.equal(names.size, n + 1);
    assert.ok(names.has('i0') && names.has(`i${n - 1}`));
  } finally {
    parsed.dispose();
  }
});

test('the inputs reading and the outputs function are remembered per tree, and an edit gives the new ones', async () => {
  const text = '{\n  inputs.a.url = "github:o/a";\n  outputs = { self, a }: { };\n}\n';
  const parsed = await ParsedNix.create(text);
  try {
    const first = readFlakeInputs(parsed.tree.rootNode, text);
    assert.equal(readFlakeInputs(parsed.tree.rootNode, text), first);
    assert.deepEqual([...first.inputs.keys()], ['a']);
    assert.equal(outputsFunction(parsed.tree), outputsFunction(parsed.tree));
    // Rename the input: the edited tree is read again.
    const at = text.indexOf('inputs.a') + 'inputs.'.length;
    parsed.update([{ start: at, end: at + 1, newText: 'bb' }]);
    const after = readFlakeInputs(parsed.tree.rootNode, parsed.text);
    assert.deepEqual([...after.inputs.keys()], ['bb']);
    assert.equal(after.inputs.get('bb')!.nameStart, at);
    // A body edit that keeps the inputs: the outputs function is the edited tree's.
    const body = parsed.text.indexOf('{ };');
    parsed.update([{ start: body, end: body + 4, newText: '{ x = 1; };' }]);
    assert.match(outputsFunction(parsed.tree)!.text, /x = 1/);
  } finally {
    parsed.dispose();
  }
});

test('import nixpkgs {...} copied 2,000 times: every copy reported, each pointing to at most MAX_RELATED others', async () => {
  const n = 2000;
  const body = Array.from({ length: n }, (_, i) => `    p${i} = import nixpkgs { system = "x86_64-linux"; };`).join('\n');
  const text = `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  outputs = { self, nixpkgs }: {\n${body}\n  };\n}\n`;
  const findings = (await lint(text)).filter((f) => f.code === 'legacy-packages');
  assert.equal(findings.length, n);
  for (const f of findings) {
    assert.equal(f.related?.length, MAX_RELATED);
    assert.match(f.message, new RegExp(`builds the same instance ${n} times`));
    assert.ok(!f.related!.some((r) => r.start === f.start), 'a finding does not point to itself');
  }
});

test('repeated-import: a group over MAX_FIX_EDITS copies is reported without a fix; a smaller one shares one fix', async () => {
  const flake = (n: number) => {
    const body = Array.from({ length: n }, (_, i) => `    p${i} = import nixpkgs { system = "x86_64-linux"; config.allowUnfree = true; };`).join('\n');
    return `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  outputs = { self, nixpkgs }: {\n${body}\n  };\n}\n`;
  };
  const big = (await lint(flake(MAX_FIX_EDITS + 1))).filter((f) => f.code === 'repeated-import');
  assert.equal(big.length, MAX_FIX_EDITS + 1);
  assert.ok(big.every((f) => f.fixes.length === 0 && f.related!.length === MAX_RELATED));
  const text = flake(150);
  const small = (await lint(text)).filter((f) => f.code === 'repeated-import');
  assert.equal(small.length, 150);
  const fix = small[0].fixes[0];
  assert.ok(small.every((f) => f.fixes[0] === fix), 'one fix object for the group');
  // A new let around the set, and every copy replaced by its name.
  const after = applyEdits(text, fix.edits);
  assert.equal(after.match(/import nixpkgs/g)?.length, 1);
  assert.equal(after.match(/= pkgs;/g)?.length, 150);
});

test('repeated-import in 400 loops of one input: each hoisted import gets a name of its own', async () => {
  const n = 400;
  const body = Array.from({ length: n }, (_, i) => `    p${i} = map (h: import nixpkgs { system = "x86_64-linux"; config.allowUnfree = ${i % 2 ? 'true' : 'false'}; overlays = [ (import ./o${i}.nix) ]; }) [ "a" ];`).join('\n');
  const text = `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  outputs = { self, nixpkgs }: {\n${body}\n  };\n}\n`;
  const findings = (await lint(text)).filter((f) => f.code === 'repeated-import');
  assert.equal(findings.length, n);
  const edits = fixAllEdits(findings);
  const names = new Set(edits.filter((e) => / = import nixpkgs/.test(e.newText)).map((e) => /let (\S+) =/.exec(e.newText)?.[1]));
  assert.equal(names.size, n);
});
