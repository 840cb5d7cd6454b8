// The duplicate-name check (a grammar gap) has two paths: a tree nobody edits (a large `check`) is
// read with one query; an edited document's tree with a cursor walk that reuses the last
// analysis's findings for unchanged subtrees. Both must give the same findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParsedNix, duplicateNamesByQuery, grammarGaps, loadNix, type GrammarGap } from '../../server/src/nix/parser';
import { ROOT } from './lockHelpers';

/** .nix files under `dir`, sorted, every `step`th one. */
function nixFiles(dir: string, step: number): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.isFile() && e.name.endsWith('.nix')) out.push(path.join(d, e.name));
    }
  };
  walk(dir);
  return out.filter((_, i) => i % step === 0);
}

/** Texts with duplicates and near-duplicates: each file, and with one of its lines repeated. */
function variants(text: string, seed: number): string[] {
  const lines = text.split('\n');
  const i = seed % lines.length;
  const repeated = [...lines.slice(0, i + 1), ...lines.slice(i)].join('\n');
  return [text, repeated];
}

const SHAPES = [
  '{ a = 1; a = 2; }',
  '{ a.b = 1; a.c = 2; a = { d = 3; }; }',
  '{ a = { b = 1; }; a = { c = 2; }; }',
  '{ a = 1; "a" = 2; }',
  '{ "a\\x" = 1; "ax" = 2; a = 3; }',
  '{ ${"a"} = 1; a = 2; }',
  'let inherit (x) a b; a = 1; in { inherit a; a = 2; }',
  '{ a, b ? { c = 1; c = 2; }, a }: a',
  '{ a, ... }@a: a',
  'rec { x = 1; y = { x = 2; x = 3; }; }',
  '{ a = 1; a . /* c */ b = 2; }',
  '{ a = 1; a = ; }',
  '{ = 1; = 2; }',
];

const byStart = (a: GrammarGap, b: GrammarGap) => a.start - b.start;
/** The duplicate-name findings among the grammar gaps. */
const duplicates = (gaps: GrammarGap[]) => gaps.filter((g) => /is already defined|is named twice/.test(g.message));

test('duplicate names: the query and the walk give the same findings', async () => {
  const language = await loadNix();
  const texts = [
    ...SHAPES,
    ...[...nixFiles(path.join(ROOT, 'test'), 1), ...nixFiles(path.join(ROOT, '..', 'shared', 'corpus', 'flakes'), 25)].flatMap((f, i) =>
      variants(fs.readFileSync(f, 'utf8'), i * 7919),
    ),
  ];
  const other = ParsedNix.createSync(language, '{ other = 1; }', undefined, { edited: true });
  let withFindings = 0;
  try {
    for (const text of texts) {
      if (text.length > 200_000) continue;
      const fresh = ParsedNix.tryCreate(language, text);
      if (!fresh) continue;
      const viaQuery = duplicateNamesByQuery(fresh.tree).sort(byStart);
      fresh.dispose();
      // The walk with nothing remembered: another edited document was analysed last.
      grammarGaps(other.tree, other.text);
      const edited = ParsedNix.createSync(language, text, undefined, { edited: true });
      assert.deepEqual(duplicates(grammarGaps(edited.tree, text)), viaQuery, text.slice(0, 200));
      // And after an edit that leaves the text as it was, with every subtree remembered.
      edited.update([
        { start: 0, end: 0, newText: ' ' },
        { start: 0, end: 1, newText: '' },
      ]);
      assert.deepEqual(duplicates(grammarGaps(edited.tree, text)), viaQuery, text.slice(0, 200));
      edited.dispose();
      if (viaQuery.length) withFindings++;
    }
  } finally {
    other.dispose();
  }
  // The comparison is only worth something if duplicates were found.
  assert.ok(withFindings >= 10, `only ${withFindings} texts with duplicate names`);
});

test('duplicate names: edits of a document checked once give what a fresh check gives', async () => {
  const language = await loadNix();
  const base = Array.from({ length: 40 }, (_, i) => `  p${i} = { name = "p${i}"; value = { x = ${i}; y = ${i}; }; };`).join('\n');
  const text = `{\n${base}\n}\n`;
  const doc = ParsedNix.createSync(language, text);
  try {
    assert.deepEqual(grammarGaps(doc.tree, doc.text), []);
    // Make one nested set bind `x` twice, then undo it; each step against a fresh analysis.
    const at = text.indexOf('y = 7;');
    for (const change of [
      { start: at, end: at + 1, newText: 'x' },
      { start: at, end: at + 1, newText: 'y' },
    ]) {
      doc.update([change]);
      const incremental = grammarGaps(doc.tree, doc.text);
      const fresh = ParsedNix.createSync(language, doc.text);
      const expected = grammarGaps(fresh.tree, fresh.text);
      fresh.dispose();
      assert.deepEqual(incremental, expected);
      // Analysing the edited document again leaves its memo for the next step.
      grammarGaps(doc.tree, doc.text);
    }
    const dup = text.slice(0, at) + 'x' + text.slice(at + 1);
    const once = ParsedNix.createSync(language, dup);
    assert.deepEqual(
      grammarGaps(once.tree, dup).map((g) => dup.slice(g.start, g.end)),
      ['x'],
    );
    once.dispose();
  } finally {
    doc.dispose();
  }
});
