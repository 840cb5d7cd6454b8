// The reviewed snapshot of findings on the shared corpus of public flakes (test/corpus/snapshot.tsv)
// must equal what the engine finds now: a finding that appears or disappears fails here until
// someone reviews it and runs `npm run corpus -- --update`. In-process, no Nix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { loadNix } from '../../server/src/nix/parser';
import type { Finding } from '../../server/src/rules/findings';
import { CORPUS, analyseCorpus, compareSnapshot, maySnapshot, readSnapshot, rowKey, snapshotRows } from '../corpus/engine';

test('findings on the corpus match the reviewed snapshot', { skip: !fs.existsSync(CORPUS) && 'corpus absent' }, async () => {
  const result = analyseCorpus(await loadNix(), CORPUS, maySnapshot);
  assert.deepEqual(result.crashes, [], 'the engine crashed on corpus files');
  const snapshot = readSnapshot();
  assert.ok(snapshot.length > 0, 'test/corpus/snapshot.tsv is empty or missing');
  const { added, removed } = compareSnapshot(snapshotRows(result), snapshot);
  assert.deepEqual(
    { added, removed },
    { added: [], removed: [] },
    'findings changed on the corpus: review them, then run `npm run corpus -- --update`',
  );
});

// Verdicts are kept by key: a key made from a finding's rank at its position would hand one
// finding's verdict to another when the engine reports them in another order.
test('snapshot keys name the finding, whatever the order of findings at one position', () => {
  const text = '{ inputs.determinate.url = "x"; }';
  const at = text.indexOf('determinate');
  const mf = (path: string, root: string): Finding => ({
    code: 'missing-follows', start: at, end: at + 11, severity: 'warning', fixes: [],
    message: `${path} locks 1111111 (2025-01-01); your ${root} is 2222222 (2026-01-01)`,
  });
  const a = mf('determinate/nix/nixpkgs', 'nixpkgs');
  const b = mf('determinate/nix/git-hooks-nix', 'git-hooks');
  const keys = (findings: Finding[]) =>
    new Map(snapshotRows({ files: [{ file: 'x/flake.nix', text, findings }], crashes: [], nixFiles: 1 }).map((r) => [rowKey(r), r.message]));
  const one = keys([a, b]);
  const other = keys([b, a]);
  assert.equal(one.size, 2);
  assert.deepEqual([...one].sort(), [...other].sort());
  assert.ok([...one.keys()].some((k) => k.endsWith('\tdeterminate/nix/git-hooks-nix')));
  // Two findings of a rule without a subject at one position are told apart by their messages.
  const other1: Finding = { ...a, code: 'legacy-packages', message: 'first' };
  const other2: Finding = { ...a, code: 'legacy-packages', message: 'second' };
  assert.deepEqual([...keys([other1, other2])].sort(), [...keys([other2, other1])].sort());
});
