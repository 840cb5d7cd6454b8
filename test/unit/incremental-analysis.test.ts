// The shortcuts that keep per-keystroke analysis fast must give what the slow way gives: the
// duplicate-name memo after edits equals a fresh open, the sweep's jumps find the nodes
// descendantForIndex finds, and TextWords answers as the set of every word would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParsedNix, grammarGaps, loadNix } from '../../server/src/nix/parser';
import { nodesAt } from '../../server/src/nix/syntax';
import { TextWords } from '../../server/src/rules/repeatedImport';

/** A deterministic pseudo-random sequence (no time, no Math.random). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A set of `n` bindings of several shapes: attrset values (which merge), plain values, inherits. */
function bigSet(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 7 === 3) lines.push(`  inherit (lib) f${i} g${i};`);
    else if (i % 5 === 1) lines.push(`  m${i % 10} = { x${i} = "a string long enough to be remembered on its own ${i}"; };`);
    else if (i % 11 === 2) lines.push(`  q${i} = { a, b ? ${i}, ... }@args: a;`);
    else lines.push(`  p${i}.version = "1.${i}"; # a comment`);
  }
  return `{ lib, ... }:\n{\n${lines.join('\n')}\n  s = let y = 1; z = { w = 2; }; in y;\n}\n`;
}

const gapsOf = (p: { tree: ParsedNix['tree']; text: string }) => grammarGaps(p.tree, p.text).map((g) => `${g.start}:${g.end}:${g.message}`);

async function freshGaps(text: string): Promise<string[]> {
  const fresh = await ParsedNix.create(text);
  try {
    return gapsOf(fresh);
  } finally {
    fresh.dispose();
  }
}

test('duplicate names after random edits in a large set equal those of a fresh open', async () => {
  const next = rng(7);
  const parsed = await ParsedNix.create(bigSet(300));
  // Renames that make and unmake duplicates, edits inside values, deletions of whole lines, and
  // insertions of bindings and inherits that collide with existing names.
  const names = ['p10', 'm3', 'f24', 'q13', 's', 'z', 'y', 'x6', 'lib', 'a', 'b'];
  let duplicatesSeen = 0;
  for (let k = 0; k < 120; k++) {
    const text = parsed.text;
    const at = Math.floor(next() * text.length);
    const r = next();
    let change: { start: number; end: number; newText: string };
    if (r < 0.3) {
      const lineStart = text.lastIndexOf('\n', at) + 1;
      change = { start: lineStart, end: lineStart, newText: `  ${names[Math.floor(next() * names.length)]} = ${next() < 0.5 ? '{ }' : '1'};\n` };
    } else if (r < 0.45) {
      const lineStart = text.lastIndexOf('\n', at) + 1;
      change = { start: lineStart, end: lineStart, newText: `  inherit ${names[Math.floor(next() * names.length)]};\n` };
    } else if (r < 0.6) {
      const lineStart = text.lastIndexOf('\n', at) + 1;
      const lineEnd = text.indexOf('\n', at);
      change = { start: lineStart, end: lineEnd < 0 ? text.length : lineEnd + 1, newText: '' };
    } else if (r < 0.8) {
      change = { start: at, end: Math.min(text.length, at + 1), newText: '' };
    } else {
      change = { start: at, end: at, newText: ['9', 'a', ' ', ';', '{', '}', ','][Math.floor(next() * 7)] };
    }
    parsed.update([change]);
    // Some versions are not analysed at all (edits faster than the debounce); some twice.
    if (k % 5 === 4) continue;
    const incremental = gapsOf(parsed);
    if (k % 7 === 0) assert.deepEqual(gapsOf(parsed), incremental, `analysed twice, edit ${k}`);
    assert.deepEqual(incremental, await freshGaps(parsed.text), `edit ${k}: ${JSON.stringify(change)}`);
    if (incremental.some((g) => g.includes('already defined'))) duplicatesSeen++;
  }
  // The edits did make duplicates (the check compared something).
  assert.ok(duplicatesSeen > 10, `${duplicatesSeen}`);
  parsed.dispose();
});

test('two documents edited in turn keep their own remembered subtrees, and both agree with a fresh open', async () => {
  const a = await ParsedNix.create(bigSet(80));
  const b = await ParsedNix.create(bigSet(60).replace('p4.version', 'p5.version'));
  for (let k = 0; k < 20; k++) {
    for (const [p, name] of [[a, `p${k}`], [b, `m${k % 10}`]] as const) {
      const at = p.text.indexOf('\n}\n');
      p.update([{ start: at, end: at, newText: `\n  ${name} = ${k % 2 ? '{ }' : k};` }]);
      assert.deepEqual(gapsOf(p), await freshGaps(p.text), `${name} at ${k}`);
    }
  }
  a.dispose();
  b.dispose();
});

test('sweep jumps to the node descendantForIndex finds, for every word of varied text', async () => {
  const language = await loadNix();
  const texts = [
    bigSet(200),
    bigSet(30).replace('inherit (lib)', 'inherit (lib'), // broken
    `let\n  a = "x \${b} y"; /* c d */ b = ''\n  e \${f} g\n'';\nin [ a b (c.d or e) ./p/q <nix/x> ]`,
  ];
  for (const text of texts) {
    const parsed = ParsedNix.createSync(language, text);
    const ranges = [...text.matchAll(/[A-Za-z0-9_.]+|[^\sA-Za-z0-9_.]/g)].map((m) => ({ start: m.index!, end: m.index! + m[0].length }));
    const found = nodesAt(parsed.tree, ranges);
    assert.equal(found.length, ranges.length);
    for (const { node, range } of found) {
      const expected = parsed.tree.rootNode.descendantForIndex(range.start, range.end)!;
      assert.ok(node.equals(expected), `${JSON.stringify(text.slice(range.start, range.end))} at ${range.start}: ${node.type} vs ${expected.type}`);
    }
    // Every other word: longer jumps.
    const sparse = ranges.filter((_, i) => i % 37 === 0);
    for (const { node, range } of nodesAt(parsed.tree, sparse)) {
      assert.ok(node.equals(parsed.tree.rootNode.descendantForIndex(range.start, range.end)!), `sparse at ${range.start}`);
    }
    parsed.dispose();
  }
});

test('TextWords answers as the set of every maximal word of the text', () => {
  const text = "pkgs pkgs' x-y _a pkgs''' nixpkgs pkgs1 'pkgs2 a.pkgs3.b\npkgs4";
  const all = new Set(text.match(/[a-zA-Z0-9_'-]+/g));
  const asked = ['pkgs', "pkgs'", "pkgs''", "pkgs'''", 'x', 'y', 'x-y', '_a', 'a', 'nixpkgs', 'pkgs1', 'pkgs2', "'pkgs2", 'pkgs3', 'b', 'pkgs4', 'pkgs5', 'kgs'];
  // Twice through: the first questions search the text, later ones use the collected set.
  const words = new TextWords(text);
  for (const w of [...asked, ...asked]) assert.equal(words.has(w), all.has(w), w);
});
