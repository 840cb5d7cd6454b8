// The bounded fuzz run (fixed seeds, so a failure reproduces): random and pathological documents
// and edit sequences through the real server, random and mutated flake.lock files through the
// lock model and the client's tree model. `npm run fuzz -- --minutes N --seed S` runs longer.
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { ParsedNix } from '../../server/src/nix/parser';
import type { LspClient } from '../helpers/lspClient';
import { seedLocks } from '../fuzz/corpus';
import { fuzzClient, lockProperty, lspProperty, parsedBaseFlake } from '../fuzz/properties';

/** Sizes of the pathological shapes in the bounded run; the long run goes further. */
const SIZES = { maxRepeat: 300 };

describe('fuzz: flake.lock through the lock model and the tree model', () => {
  let flake: ParsedNix;
  before(async () => {
    flake = await parsedBaseFlake();
  });
  after(() => flake.dispose());

  test('random, pathological and mutated locks never throw', () => {
    fc.assert(lockProperty(SIZES, flake, seedLocks()), { seed: 9001, numRuns: 400 });
  });
});

describe('fuzz: documents and edits over LSP', () => {
  let client: LspClient;
  before(async () => {
    client = await fuzzClient();
  });
  after(async () => {
    await client.shutdown();
  });

  test('diagnostics after edits equal a fresh open; requests never fail; quick fixes keep files parsing', async () => {
    await fc.assert(lspProperty(client, SIZES, 25), { seed: 4242, numRuns: 60 });
  });
});
