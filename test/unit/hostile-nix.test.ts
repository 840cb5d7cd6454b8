// Hostile .nix text (issue 9): each shape that hung, overflowed the stack or desynchronised the
// tree, run in-process. They assert what comes out (and, by finishing, that it finishes); times
// are printed by `npm run bench`, never asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyse, tooLarge } from '../../server/src/rules/analyse';
import { resolveSettings } from '../../server/src/config';
import { DocumentStore, rangeOffsets } from '../../server/src/lsp/documents';
import { ParsedNix, TooComplexError, grammarGaps, hasSyntaxError, loadNix, trailingFormalsCommas } from '../../server/src/nix/parser';
import { errorNodes, nodesAt, selectPath } from '../../server/src/nix/syntax';
import { syntaxErrors } from '../../server/src/rules/syntaxErrors';
import { freshName } from '../../server/src/rules/repeatedImport';
import { fixAllEdits } from '../../server/src/rules/fixes';
import { fixText } from '../../server/src/cli/cli';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codes, lint } from '../helpers/lint';

const settings = resolveSettings({});
/** Long enough for the shapes that must parse to the end on a loaded machine. */
const NO_BUDGET = 600_000;

test('ReDoS: an input named like a regular expression, imported twice, next to a run of a\'s', async () => {
  const text = `{
  inputs."(a+)+".url = "github:NixOS/nixpkgs";
  outputs = { ... }@inputs: {
    a = import inputs."(a+)+" { system = "x"; config.allowUnfree = true; };
    b = import inputs."(a+)+" { system = "x"; config.allowUnfree = true; };
    c = "${'a'.repeat(5000)}";
  };
}
`;
  const findings = await lint(text);
  const repeated = findings.filter((f) => f.code === 'repeated-import');
  assert.equal(repeated.length, 2);
  // The hoisted name is made of identifier characters only, so the fix is valid Nix.
  const fix = repeated[0].fixes[0];
  assert.ok(fix, 'a fix is offered');
  const after = text.slice(0, 0) + fixAllEdits(findings).reduceRight((t, e) => t.slice(0, e.start) + e.newText + t.slice(e.end), text);
  assert.match(after, /\b_a___Pkgs = import inputs\."\(a\+\)\+"/);
  const reparsed = await ParsedNix.create(after);
  assert.equal(hasSyntaxError(reparsed), false, after);
  reparsed.dispose();
});

test('freshName: never a RegExp of the name; skips names the text uses', () => {
  const words = new Set(['pkgs', "pkgs'", 'x']);
  assert.equal(freshName(words, 'nixpkgs', new Set()), "pkgs''");
  assert.equal(freshName(new Set(), 'nixpkgs-unstable', new Set()), 'nixpkgs_unstablePkgs');
  assert.equal(freshName(new Set(), '9lives', new Set()), '_9livesPkgs');
  assert.equal(freshName(new Set(['(a+)+']), '(a+)+', new Set(['_a___Pkgs'])), "_a___Pkgs'");
});

test('trailing-comma pre-check: linear on long runs of commas, comments and one-character tokens', () => {
  // Each of these rescanned the rest of the text (or line) from every comma or token.
  assert.deepEqual(trailingFormalsCommas(',/*'.repeat(40000)), []);
  assert.deepEqual(trailingFormalsCommas('{ a' + ',#'.repeat(40000) + '\n}: a'), [3]);
  assert.deepEqual(trailingFormalsCommas('{ x' + '.a'.repeat(20000) + ', }: x'), [40003]);
  assert.deepEqual(trailingFormalsCommas('{ a, b' + '/x'.repeat(20000) + ', }: 1'), [40006]);
  // What the lexer must still get right.
  assert.deepEqual(trailingFormalsCommas('{ a, b, }: a'), [6]);
  // A URI takes commas, as in Nix's lexer.
  assert.deepEqual(trailingFormalsCommas('{ a ? http://x.org/a,b, }: a'), []);
  assert.deepEqual(trailingFormalsCommas('{ a ? http://x.org/a , }: a'), [21]);
  assert.deepEqual(trailingFormalsCommas('{ a ? a/b, }: a'), [9]);
  assert.deepEqual(trailingFormalsCommas('{ a ? "x, }", }: a'), [12]);
});

test('`or or or …`: the grammar-gap check walks the tree once', async () => {
  const text = 'or '.repeat(26667);
  const parsed = ParsedNix.createSync(await loadNix(), text, NO_BUDGET);
  // Every `or` is an argument of the application before it (`f or` is legacy Nix), except the
  // first, a variable in function position, which Nix rejects.
  const gaps = grammarGaps(parsed.tree, text);
  assert.deepEqual(gaps.map((g) => [g.start, g.end]), [[0, 2]]);
  parsed.dispose();
});

test('deep trees: sweep finds the node descendantForIndex finds, with its ancestors', async () => {
  const text = 'f' + ' import'.repeat(3000) + ' (((x.a).b).c)';
  const parsed = ParsedNix.createSync(await loadNix(), text, NO_BUDGET);
  const ranges = [0, 2, 9, 5000, text.length - 3].map((start) => ({ start, end: start + 1 }));
  const found = nodesAt(parsed.tree, ranges);
  for (const { node, range } of found) {
    const expected = parsed.tree.rootNode.descendantForIndex(range.start, range.end)!;
    assert.ok(node.equals(expected), `${range.start}: ${node.type} vs ${expected.type}`);
  }
  // Out of order ranges are still answered (from the root again).
  const back = nodesAt(parsed.tree, [...ranges].reverse());
  assert.deepEqual(back.map((b) => b.node.id), found.map((f) => f.node.id).reverse());
  // selectPath does not recurse through parentheses.
  const p1 = ParsedNix.createSync(await loadNix(), '(((x.a).b).c)');
  assert.deepEqual(selectPath(p1.tree.rootNode.namedChildren[0]), ['x', 'a', 'b', 'c']);
  p1.dispose();
  const deep = '('.repeat(20000) + 'x' + ').a'.repeat(20000);
  const p2 = ParsedNix.createSync(await loadNix(), deep, NO_BUDGET);
  assert.equal(selectPath(p2.tree.rootNode.namedChildren[0]!)?.length, 20001);
  p2.dispose();
  parsed.dispose();
});

test('2,700 brace-less bindings: error walks are iterative (no stack overflow)', async () => {
  const text = 'a = 1;\n'.repeat(2700);
  const parsed = ParsedNix.createSync(await loadNix(), text, NO_BUDGET);
  assert.equal(errorNodes(parsed.tree).length, 5400);
  const syntax = syntaxErrors(parsed.tree, text);
  assert.equal(syntax.length, 50);
  assert.ok(syntax.every((f) => f.code === 'syntax'));
  const findings = analyse({ text, tree: parsed.tree, isFlake: true, settings });
  assert.equal(findings.length, 50);
  parsed.dispose();
});

test('parse time budget: past it, one clear diagnostic and no analysis', async () => {
  const language = await loadNix();
  // 120 KB that took tree-sitter 88 s to parse: far over any budget, on any machine.
  const text = ',/*'.repeat(40000);
  assert.throws(() => ParsedNix.createSync(language, text), TooComplexError);
  assert.equal(ParsedNix.tryCreate(language, text), null);
  // The parser is reset: the next parse is of the next text, not a resumed one.
  const ok = ParsedNix.createSync(language, '{ a = 1; }');
  assert.equal(ok.tree.rootNode.toString(), (await ParsedNix.create('{ a = 1; }')).tree.rootNode.toString());
  ok.dispose();
  const [f, ...rest] = tooLarge(text, settings, 'too-complex');
  assert.deepEqual(rest, []);
  assert.equal(f.code, 'too-large');
  assert.match(f.message, /parsing it took more than \d+ ms of CPU time/);

  // The server's store: the document is skipped, then analysed again once it is fixed.
  const store = new DocumentStore(language, () => 4e6);
  const uri = 'file:///hostile/flake.nix';
  const s = store.open(uri, 'nix', 1, text);
  assert.equal(s.parsed, null);
  assert.equal(s.skipped, 'too-complex');
  store.change(uri, 2, [{ text: '{ a = 1; }' }]);
  assert.equal(s.skipped, undefined);
  assert.equal(s.parsed!.tree.rootNode.hasError, false);
  store.dispose();
});

test('LSP edits: reversed, fractional, negative and out-of-range positions apply the same to text and tree', async () => {
  const store = new DocumentStore(await loadNix(), () => 1e6);
  const uri = 'file:///edits/a.nix';
  const s = store.open(uri, 'nix', 1, '{\n  a = 1;\n  b = 2;\n}\n');
  const same = () => {
    const fresh = ParsedNix.createSync(store.language, s.doc.getText());
    assert.equal(s.parsed!.text, s.doc.getText());
    assert.equal(s.parsed!.tree.rootNode.toString(), fresh.tree.rootNode.toString());
    fresh.dispose();
  };
  // Start after end: both copies swap the ends.
  store.change(uri, 2, [{ range: { start: { line: 2, character: 8 }, end: { line: 1, character: 2 } }, text: 'c = 3;' }]);
  assert.equal(s.doc.getText(), '{\n  c = 3;\n}\n');
  same();
  // Fractional and negative numbers: rounded down and clamped.
  store.change(uri, 3, [{ range: { start: { line: 1.5, character: 2.7 }, end: { line: 1, character: 3.2 } }, text: 'd' }]);
  assert.equal(s.doc.getText(), '{\n  d = 3;\n}\n');
  same();
  store.change(uri, 4, [{ range: { start: { line: -4, character: -1 }, end: { line: 0, character: 0 } }, text: '# x\n' }]);
  assert.equal(s.doc.getText(), '# x\n{\n  d = 3;\n}\n');
  same();
  // Past the end: the end of the line, or of the text.
  store.change(uri, 5, [{ range: { start: { line: 2, character: 99 }, end: { line: 99, character: 0 } }, text: ' }' }]);
  assert.equal(s.doc.getText(), '# x\n{\n  d = 3; }');
  same();
  // Not a range at all (NaN, strings, missing): ignored by every copy.
  const bad = [{ line: NaN, character: 0 }, { line: '1', character: 0 }, null, { line: Infinity, character: 0 }];
  for (const p of bad) {
    store.change(uri, 6, [{ range: { start: p, end: { line: 0, character: 0 } }, text: 'zzz' } as never]);
  }
  store.change(uri, 6, [null as never, { text: 42 } as never]);
  assert.equal(s.doc.getText(), '# x\n{\n  d = 3; }');
  same();
  const doc = TextDocument.create(uri, 'nix', 1, 'ab\ncd');
  assert.deepEqual(rangeOffsets(doc, { start: { line: 1, character: 1 }, end: { line: 0, character: 1 } }), { start: 1, end: 4 });
  assert.equal(rangeOffsets(doc, { start: { line: 0 }, end: { line: 0, character: 0 } }), undefined);
  store.dispose();
});

test('ParsedNix.update rejects an edit that does not fit its text, changing nothing', async () => {
  const parsed = await ParsedNix.create('{ a = 1; }');
  for (const bad of [{ start: 5, end: 3 }, { start: -1, end: 0 }, { start: 0, end: 99 }, { start: 1.5, end: 2 }, { start: NaN, end: 2 }]) {
    assert.throws(() => parsed.update([{ ...bad, newText: 'x' }]), RangeError);
  }
  // A valid edit followed by an invalid one: nothing is applied.
  assert.throws(() => parsed.update([{ start: 2, end: 3, newText: 'b' }, { start: 0, end: 50, newText: '' }]), RangeError);
  assert.equal(parsed.text, '{ a = 1; }');
  parsed.update([{ start: 2, end: 3, newText: 'b' }]);
  assert.equal(parsed.text, '{ b = 1; }');
  parsed.dispose();
});

test('what Nix rejects and tree-sitter accepts: empty files, duplicate attributes and formals', async () => {
  // Each with where the finding starts: the second occurrence, or the start of an empty file.
  const rejected: [string, string, number][] = [
    ['', '', 0],
    ['# only a comment\n', '#', 0],
    ['{ a = 1; a = 2; }', 'a', 9],
    ['{ a.b = 1; a = 2; }', 'a', 11],
    ['{ a = 1; inherit a; }', 'a', 17],
    ['{ inherit (x) a; inherit a; }', 'a', 25],
    ['let a = 1; a = 2; in a', 'a', 11],
    ['rec { a = 1; "a" = 2; }', '"a"', 13],
    ['{ a, a }: a', 'a', 5],
    ['{ a, ... }@a: a', 'a', 11],
  ];
  for (const [text, span, at] of rejected) {
    const findings = await lint(text, { isFlake: false });
    assert.deepEqual(codes(findings), ['syntax'], text);
    const f = findings[0];
    assert.equal(text.slice(f.start, f.end), span, text);
    assert.equal(f.start, at, text);
  }
  // Nix merges attrset literals bound to one name: not an error.
  for (const text of ['{ a = { b = 1; }; a.c = 2; }', '{ a.b = 1; a.c = 2; }', '{ a.b = 1; a = { c = 2; }; }', '{ a = {}; a = {}; }', '{ a = rec { b = 1; }; a.c = 2; }', '{ a = 1; b.a = 2; }']) {
    assert.deepEqual(codes(await lint(text, { isFlake: false })), [], text);
  }
});

test('fix refuses a broken file: no safe fix, so fix-all and the CLI change nothing', async () => {
  const language = await loadNix();
  const good = '{ nixpkgs, system, ... }: { a = import nixpkgs { inherit system; }; }\n';
  const breakers = [
    (t: string) => t.replace('a = import', 'b = 1; b = 2; a = import'), // duplicate attribute
    (t: string) => t.replace('a = import', 'c = or; a = import'), // `or` as a variable
    (t: string) => t.replace('a = import', 'c = ./x/; a = import'), // path ending in a slash
    (t: string) => t.replace('a = import', 'c = ; a = import'), // a plain syntax error
  ];
  assert.notEqual(fixText(language, 'x/default.nix', good, settings, []), good);
  for (const br of breakers) {
    const text = br(good);
    const findings = await lint(text, { isFlake: false });
    assert.ok(findings.some((f) => f.code === 'syntax'), text);
    const legacy = findings.find((f) => f.code === 'legacy-packages');
    assert.ok(legacy, text);
    assert.ok(legacy.fixes.every((f) => !f.safe), text);
    assert.deepEqual(fixAllEdits(findings), [], text);
    assert.equal(fixText(language, 'x/default.nix', text, settings, []), text);
  }
});

test('duplicate names after incremental edits equal those of a fresh parse (subtrees remembered between analyses)', async () => {
  const sets = Array.from({ length: 40 }, (_, i) => `  s${i} = { a${i} = 1; b${i} = "some text to make the set long enough"; c${i} = [ 1 2 3 ]; };`);
  let parsed = await ParsedNix.create(`{\n${sets.join('\n')}\n}\n`);
  const gapsOf = (text: string, tree: Parameters<typeof grammarGaps>[0]) => grammarGaps(tree, text).map((g) => `${g.start}:${g.end}:${g.message}`);
  const check = async (label: string) => {
    const fresh = await ParsedNix.create(parsed.text);
    try {
      assert.deepEqual(gapsOf(parsed.text, parsed.tree), gapsOf(fresh.text, fresh.tree), label);
    } finally {
      fresh.dispose();
    }
  };
  await check('initial');
  // Add a duplicate in set 7, then in set 30, then remove the first: each time only some sets change.
  const insertAfter = (needle: string, add: string) => {
    const at = parsed.text.indexOf(needle) + needle.length;
    parsed.update([{ start: at, end: at, newText: add }]);
  };
  insertAfter('a7 = 1;', ' a7 = 2;');
  await check('duplicate added in s7');
  assert.equal(gapsOf(parsed.text, parsed.tree).length, 1);
  insertAfter('b30 = "some text to make the set long enough";', ' inherit c30;');
  await check('duplicate added in s30');
  assert.equal(gapsOf(parsed.text, parsed.tree).length, 2);
  const at = parsed.text.indexOf(' a7 = 2;');
  parsed.update([{ start: at, end: at + ' a7 = 2;'.length, newText: '' }]);
  await check('first duplicate removed');
  assert.equal(gapsOf(parsed.text, parsed.tree).length, 1);
  // A shift before every set: remembered findings move with their sets.
  parsed.update([{ start: 2, end: 2, newText: '  # a comment that shifts everything\n' }]);
  await check('shifted');
  parsed.dispose();
  parsed = await ParsedNix.create('{ }');
  parsed.dispose();
});
