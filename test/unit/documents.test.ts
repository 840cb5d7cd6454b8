// The document store: incremental updates, and trees kept only for recently used documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DocumentStore } from '../../server/src/lsp/documents';
import { ParsedNix, loadNix } from '../../server/src/nix/parser';

const text = (i: number) => `{ nixpkgs, system, ... }:\n{\n  a${i} = import nixpkgs { inherit system; };\n}\n`;

test('only the most recently used documents keep a tree; the others re-parse on demand', async () => {
  const store = new DocumentStore(await loadNix(), () => 1e6, 3);
  for (let i = 0; i < 10; i++) store.open(`file:///d${i}.nix`, 'nix', 1, text(i));
  const live = () => store.uris().filter((u) => store.get(u)!.hasTree);
  assert.deepEqual(live(), ['file:///d7.nix', 'file:///d8.nix', 'file:///d9.nix']);
  // Using an evicted document brings its tree back (and evicts the least recently used one).
  const d0 = store.get('file:///d0.nix')!;
  const fresh = await ParsedNix.create(text(0));
  assert.equal(d0.parsed!.tree.rootNode.toString(), fresh.tree.rootNode.toString());
  assert.deepEqual(live().sort(), ['file:///d0.nix', 'file:///d8.nix', 'file:///d9.nix']);
  // An edit to an evicted document parses its new text from scratch.
  store.change('file:///d1.nix', 2, [{ range: { start: { line: 2, character: 2 }, end: { line: 2, character: 4 } }, text: 'b' }]);
  const d1 = store.get('file:///d1.nix')!;
  assert.equal(d1.doc.getText(), text(1).replace('a1 =', 'b ='));
  assert.equal(d1.parsed!.tree.rootNode.toString(), (await ParsedNix.create(d1.doc.getText())).tree.rootNode.toString());
  assert.equal(live().length, 3);
  store.dispose();
  fresh.dispose();
});

test('incremental changes give the tree a fresh parse gives, and full changes replace it', async () => {
  const store = new DocumentStore(await loadNix(), () => 1e6);
  const uri = 'file:///inc.nix';
  store.open(uri, 'nix', 1, text(1));
  store.change(uri, 2, [{ range: { start: { line: 0, character: 18 }, end: { line: 0, character: 18 } }, text: ' pkgs,' }]);
  const s = store.get(uri)!;
  assert.match(s.doc.getText(), /^\{ nixpkgs, system, pkgs, \.\.\. \}:/);
  assert.equal(s.parsed!.tree.rootNode.toString(), (await ParsedNix.create(s.doc.getText())).tree.rootNode.toString());
  store.change(uri, 3, [{ text: '{ a, }: a' }]);
  assert.equal(s.parsed!.tree.rootNode.hasError, false);
  store.dispose();
});

test('a document over the size limit has no tree until it shrinks', async () => {
  let limit = 10;
  const store = new DocumentStore(await loadNix(), () => limit);
  const uri = 'file:///big.nix';
  store.open(uri, 'nix', 1, text(1));
  assert.equal(store.get(uri)!.parsed, null);
  limit = 1e6;
  store.reparse(uri);
  assert.ok(store.get(uri)!.parsed);
  store.dispose();
});

test('queued edits apply in order when the document is read, a full change among them; closing drops them', async () => {
  const store = new DocumentStore(await loadNix(), () => 1e6);
  const uri = 'file:///queued.nix';
  assert.equal(store.queueChange(uri, 2, [{ text: 'x' }]), false, 'not open');
  store.open(uri, 'nix', 1, text(1));
  const at = (line: number, character: number) => ({ start: { line, character }, end: { line, character } });
  assert.ok(store.queueChange(uri, 2, [{ range: at(0, 0), text: '# a\n' }]));
  assert.equal(store.get(uri)!.doc.version, 1, 'not applied before it is read');
  assert.ok(store.queueChange(uri, 3, [{ range: at(0, 0), text: '# b\n' }, { text: '{ }' }, { range: at(0, 1), text: ' c = 1;' }]));
  assert.ok(store.queueChange(uri, 4, [{ range: at(0, 0), text: '# d\n' }]));
  const s = store.current(uri)!;
  assert.equal(s.doc.version, 4);
  assert.equal(s.doc.getText(), '# d\n{ c = 1; }');
  const fresh = await ParsedNix.create(s.doc.getText());
  assert.equal(s.parsed!.tree.rootNode.toString(), fresh.tree.rootNode.toString());
  fresh.dispose();
  store.queueChange(uri, 5, [{ text: 'lost' }]);
  store.close(uri);
  store.open(uri, 'nix', 1, text(2));
  assert.equal(store.current(uri)!.doc.getText(), text(2));
  store.dispose();
});
