// The reviewed snapshot of findings on the shared corpus of public flakes (test/corpus/snapshot.tsv)
// must equal what the engine finds now: a finding that appears or disappears fails here until
// someone reviews it and runs `npm run corpus -- --update`. In-process, no Nix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { loadNix } from '../../server/src/nix/parser';
import { CORPUS, analyseCorpus, compareSnapshot, maySnapshot, readSnapshot, snapshotRows } from '../corpus/engine';

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
